//! `booking export --from --to [--output]`: the bookings of a period as CSV
//! (the admin bot's format), streamed row by row from the store to standard
//! output or a new file, so a long period never sits in memory.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use adapter_telegram::admin::export::{HEADER, row};
use booking_ports::{EngineSettings, Period, StaffActor, StaffUser, SystemClock};
use chrono::NaiveDate;
use futures::StreamExt;

use super::{Exit, block_on, chain, fail, settings};
use crate::database;

/// The operator at the console: the engine's staff operations take an
/// authenticated actor, and a console user has no Telegram id, so 0.
const CONSOLE_USER: i64 = 0;

/// Creates `path`, which must not exist, readable by its owner only
/// whatever the umask: the export holds every customer's name and phone.
fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Runs the command.
pub fn run(from: NaiveDate, to: NaiveDate, output: Option<&Path>) -> Exit {
    let period = match Period::new(from, to) {
        Ok(period) => period,
        Err(e) => return fail(Exit::Settings, format_args!("--from/--to: {e}")),
    };
    let settings = match settings() {
        Ok(settings) => settings,
        Err(exit) => return exit,
    };
    let mut out: Box<dyn Write> = match output {
        None => Box::new(BufWriter::new(io::stdout().lock())),
        Some(path) => match create_private(path) {
            Ok(file) => Box::new(BufWriter::new(file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return fail(
                    Exit::TargetExists,
                    format_args!("the output {} already exists", path.display()),
                );
            }
            Err(e) => {
                return fail(
                    Exit::Failure,
                    format_args!("cannot create {}: {e}", path.display()),
                );
            }
        },
    };
    let outcome = block_on(async move {
        let store = match database::open(&settings.database).await {
            Ok(store) => store,
            Err(e) => return fail(Exit::Failure, chain(&e)),
        };
        let tz = settings.policy.time_zone();
        let engine = store.engine(SystemClock, settings.policy, EngineSettings::default());
        let actor = StaffActor::authenticated(
            StaffUser::new(CONSOLE_USER),
            None,
            booking_ports::StaffRole::Owner,
        );
        // The staff names the audit columns use.
        let staff = match engine.all_staff(&actor).await {
            Ok(staff) => staff,
            Err(e) => {
                store.close().await;
                return fail(Exit::Failure, chain(&e));
            }
        };
        // The console is the owner: whoever runs it can read the database.
        let rows = match engine.export(&actor, period) {
            Ok(rows) => rows,
            Err(e) => {
                store.close().await;
                return fail(Exit::Failure, chain(&e));
            }
        };
        let exit = write_rows(&mut out, rows, tz, &staff).await;
        store.close().await;
        exit
    });
    if outcome != Exit::Ok
        && let Some(path) = output
    {
        // A half-written export is worse than none.
        let _ = std::fs::remove_file(path);
    }
    outcome
}

async fn write_rows<S>(
    out: &mut dyn Write,
    bookings: S,
    tz: chrono_tz::Tz,
    staff: &[booking_domain::StaffMember],
) -> Exit
where
    S: futures::Stream<Item = Result<booking_ports::BookingDetails, booking_ports::StoreError>>,
{
    let write_failed = |e: io::Error| fail(Exit::Failure, format_args!("writing the export: {e}"));
    if let Err(e) = write!(out, "{HEADER}\r\n") {
        return write_failed(e);
    }
    let mut bookings = std::pin::pin!(bookings);
    while let Some(details) = bookings.next().await {
        let details = match details {
            Ok(details) => details,
            Err(e) => return fail(Exit::Failure, chain(&e)),
        };
        if let Err(e) = out.write_all(row(&details, tz, staff).as_bytes()) {
            return write_failed(e);
        }
    }
    match out.flush() {
        Ok(()) => Exit::Ok,
        Err(e) => write_failed(e),
    }
}
