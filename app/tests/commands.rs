//! The maintenance subcommands end to end: each runs the built `booking`
//! binary against a temporary database and config, and checks its output,
//! its files and its exit code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use adapter_telegram::PinHash;
use adapter_telegram::admin::pin::verify_pin;

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
const SECRET_PART: &str = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";

/// A temporary installation: the example config and a database path.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn database(&self) -> PathBuf {
        self.dir.path().join("data/booking.db")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn config(&self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../booking.example.toml")
    }

    /// `booking <args>` with this setup's settings and nothing inherited
    /// that could change them.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_booking"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("BOOKING_CONFIG", self.config())
            .env("BOOKING_CLIENT_BOT_TOKEN", TOKEN)
            .env(
                "BOOKING_DATABASE_URL",
                format!("sqlite://{}", self.database().display()),
            )
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The setup's database with the example catalog and Olga's booking
/// (`common::seed`).
async fn seed_booking(setup: &Setup) {
    let store = app::database::open(
        &app::database::DatabaseSettings::from_url(&format!(
            "sqlite://{}",
            setup.database().display()
        ))
        .unwrap(),
    )
    .await
    .unwrap();
    common::seed::seed_booking(store).await;
}

#[test]
fn migrate_creates_a_fresh_database_and_prints_its_level() {
    let setup = Setup::new();
    let output = setup.run(&["migrate"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("schema level {}\n", adapter_sqlite::schema_level())
    );
    assert!(setup.database().exists());
    // Again on the migrated file: nothing to do, same answer.
    let again = setup.run(&["migrate"]);
    assert_eq!(code(&again), 0);
    assert_eq!(stdout(&again), stdout(&output));
}

#[test]
fn a_database_url_of_another_kind_is_a_settings_error() {
    let setup = Setup::new();
    let output = setup
        .command(&["migrate"])
        .env("BOOKING_DATABASE_URL", "mysql://db/booking")
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    assert_eq!(stderr(&output).lines().count(), 1);
    assert!(
        stderr(&output).contains("postgres://"),
        "{}",
        stderr(&output)
    );
}

fn export_period(setup: &Setup, extra: &[&str]) -> Output {
    let mut args = vec!["export", "--from", "2030-01-07", "--to", "2030-01-07"];
    args.extend_from_slice(extra);
    setup.run(&args)
}

#[tokio::test]
async fn backup_then_restore_brings_the_bookings_back() {
    let setup = Setup::new();
    seed_booking(&setup).await;
    let before = export_period(&setup, &[]);
    assert_eq!(code(&before), 0, "{}", stderr(&before));
    assert_eq!(stdout(&before).lines().count(), 2);

    let backup = setup.path("backup.db");
    let output = setup.run(&["backup", backup.to_str().unwrap()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(backup.exists());
    // Never over an existing file.
    let again = setup.run(&["backup", backup.to_str().unwrap()]);
    assert_eq!(code(&again), 4);

    // Lose the database, then restore it.
    std::fs::remove_file(setup.database()).unwrap();
    let _ = std::fs::remove_file(setup.path("data/booking.db-wal"));
    let _ = std::fs::remove_file(setup.path("data/booking.db-shm"));
    let empty = export_period(&setup, &[]);
    assert_eq!(stdout(&empty).lines().count(), 1, "only the header");

    let output = setup.run(&["restore", backup.to_str().unwrap()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let after = export_period(&setup, &[]);
    assert_eq!(code(&after), 0);
    assert_eq!(stdout(&after), stdout(&before));
}

#[tokio::test]
async fn restore_is_refused_while_the_bots_hold_the_run_lock() {
    let setup = Setup::new();
    seed_booking(&setup).await;
    let backup = setup.path("backup.db");
    assert_eq!(code(&setup.run(&["backup", backup.to_str().unwrap()])), 0);

    // The lock `booking run` holds for its lifetime, taken here by the test
    // process (tests/binary.rs checks it against a real running bot).
    let lock = app::run_lock::RunLock::try_acquire(&setup.database()).unwrap();
    let output = setup.run(&["restore", backup.to_str().unwrap()]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(stderr(&output).contains("another booking process is running"));
    assert!(!setup.path("data/booking.db.before-restore").exists());
    drop(lock);

    let output = setup.run(&["restore", backup.to_str().unwrap()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(setup.path("data/booking.db.before-restore").exists());
}

#[tokio::test]
async fn migrate_and_catalog_import_are_refused_while_the_bots_hold_the_run_lock() {
    let setup = Setup::new();
    seed_booking(&setup).await;
    let catalog = setup.path("catalog.toml");
    let exported = setup.run(&["catalog", "export", "--output", catalog.to_str().unwrap()]);
    assert_eq!(code(&exported), 0, "{}", stderr(&exported));
    let fresh = setup.path("fresh/booking.db");
    let fresh_url = format!("sqlite://{}", fresh.display());

    let lock = app::run_lock::RunLock::try_acquire(&setup.database()).unwrap();
    let migrate = setup.run(&["migrate"]);
    let fresh_lock = app::run_lock::RunLock::try_acquire(&fresh).unwrap();
    let import = setup
        .command(&["catalog", "import", catalog.to_str().unwrap()])
        .env("BOOKING_DATABASE_URL", &fresh_url)
        .output()
        .unwrap();
    for refused in [&migrate, &import] {
        assert_eq!(code(refused), 3, "{}", stderr(refused));
        assert!(
            stderr(refused).contains("another booking process is running"),
            "{}",
            stderr(refused)
        );
    }
    assert!(!fresh.exists(), "a refused import creates nothing");
    drop((lock, fresh_lock));

    assert_eq!(code(&setup.run(&["migrate"])), 0);
    let import = setup
        .command(&["catalog", "import", catalog.to_str().unwrap()])
        .env("BOOKING_DATABASE_URL", &fresh_url)
        .output()
        .unwrap();
    assert_eq!(code(&import), 0, "{}", stderr(&import));
}

#[tokio::test]
async fn a_damaged_backup_is_refused_and_the_database_kept() {
    let setup = Setup::new();
    seed_booking(&setup).await;
    let before = export_period(&setup, &[]);

    let damaged = setup.path("damaged.db");
    let backup = setup.path("backup.db");
    assert_eq!(code(&setup.run(&["backup", backup.to_str().unwrap()])), 0);
    let mut bytes = std::fs::read(&backup).unwrap();
    // Keep the header, wreck the pages after it.
    for byte in bytes.iter_mut().skip(4096).step_by(7) {
        *byte = 0x5a;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let output = setup.run(&["restore", damaged.to_str().unwrap()]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert_eq!(stderr(&output).lines().count(), 1);

    let garbage = setup.path("notes.txt");
    std::fs::write(&garbage, "not a database at all").unwrap();
    let output = setup.run(&["restore", garbage.to_str().unwrap()]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));

    assert_eq!(stdout(&export_period(&setup, &[])), stdout(&before));
}

#[tokio::test]
async fn export_writes_the_period_as_csv() {
    let setup = Setup::new();
    seed_booking(&setup).await;
    let output = export_period(&setup, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "id,date,start,end,status,service,staff,customer,phone,comment,price,created_at,\
         created_by,confirmed_by,confirmed_at,closed_by,closed_at"
    );
    let fields: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(
        &fields[1..7],
        [
            "2030-01-07",
            "11:00",
            "12:00",
            "confirmed",
            "Women's haircut",
            "Anna"
        ]
    );
    assert_eq!(fields[7], "Olga Petrova");
    // A leading + is defused so spreadsheets do not read a formula.
    assert_eq!(fields[8], "\"'+79161234567\"");
    assert_eq!(fields[9], "window seat please");
    // Made by the customer, confirmed at once, still open.
    assert_eq!(&fields[12..], ["customer", "", "", "", ""]);
    assert_eq!(lines[2], "");

    // The day before has no bookings: the header alone.
    let empty = setup.run(&["export", "--from", "2030-01-06", "--to", "2030-01-06"]);
    assert_eq!(stdout(&empty), format!("{}\r\n", lines[0]));

    // To a file, never over an existing one.
    let file = setup.path("out.csv");
    let output = export_period(&setup, &["--output", file.to_str().unwrap()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    // Every customer's name and phone: the owner's alone, whatever the
    // umask (the test runs with the usual 022).
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let output = export_period(&setup, &["--output", file.to_str().unwrap()]);
    assert_eq!(code(&output), 4);

    // A reversed period is a usage error.
    let output = setup.run(&["export", "--from", "2030-01-08", "--to", "2030-01-07"]);
    assert_eq!(code(&output), 2);
}

fn hash_pin(setup: &Setup, pin: &str, pepper: Option<&str>) -> Output {
    let mut command = setup.command(&["hash-pin"]);
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(pepper) = pepper {
        command.env("BOOKING_PIN_PEPPER", pepper);
    }
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{pin}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn hash_pin_reads_standard_input_and_prints_only_the_hash() {
    let setup = Setup::new();
    let pin = "471159";
    let pepper = "a-pepper-of-some-length-0123456789";
    let output = hash_pin(&setup, pin, Some(pepper));
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1);
    assert!(!text.contains(pin) && !stderr(&output).contains(pin));
    assert!(!text.contains(pepper));
    let hash = PinHash::parse(text.trim()).unwrap();
    assert!(text.starts_with("$argon2id$"));
    assert!(verify_pin(&hash, pin, Some(pepper)));
    assert!(!verify_pin(&hash, pin, None), "the pepper is mixed in");
    assert!(!verify_pin(&hash, "471158", Some(pepper)));

    let unpeppered = hash_pin(&setup, pin, None);
    let hash = PinHash::parse(stdout(&unpeppered).trim()).unwrap();
    assert!(verify_pin(&hash, pin, None));

    let refused = hash_pin(&setup, "12", None);
    assert_eq!(code(&refused), 2);
    assert!(stdout(&refused).is_empty());
}

#[test]
fn check_config_prints_what_would_run_without_secrets() {
    let setup = Setup::new();
    let output = setup
        .command(&["check-config"])
        .env("BOOKING_PIN_PEPPER", "pepper-value-that-stays-secret")
        .output()
        .unwrap();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("business: Studio Lotos\n"), "{text}");
    assert!(text.contains("time zone: Europe/Moscow\n"));
    assert!(text.contains("catalog: 2 staff (2 active), "), "{text}");
    assert!(text.contains(&format!("database: {}\n", setup.database().display())));
    assert!(text.contains("client bot: on, BotToken(bot 123456789, secret hidden)\n"));
    assert!(text.contains("admin bot: off\n"));
    assert!(text.contains("PIN pepper: set (hidden)\n"));
    assert!(text.contains("mini app api: off\n"), "{text}");
    assert!(!text.contains(SECRET_PART));
    assert!(!text.contains("pepper-value-that-stays-secret"));
}

#[test]
fn check_config_names_the_bad_setting_in_one_line() {
    let setup = Setup::new();
    let config = setup.path("broken.toml");
    let text = std::fs::read_to_string(setup.config()).unwrap().replace(
        "time_zone = \"Europe/Moscow\"",
        "time_zone = \"Mars/Olympus\"",
    );
    std::fs::write(&config, text).unwrap();
    let output = setup
        .command(&["check-config"])
        .env("BOOKING_CONFIG", &config)
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    assert!(stdout(&output).is_empty());
    assert_eq!(
        stderr(&output),
        "booking: business.time_zone is invalid: expected an IANA time zone such as Europe/Moscow\n"
    );

    let output = setup
        .command(&["check-config"])
        .env_remove("BOOKING_CLIENT_BOT_TOKEN")
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    assert_eq!(stderr(&output).lines().count(), 1);
    assert!(stderr(&output).starts_with("booking: BOOKING_CLIENT_BOT_TOKEN is not set"));
}

#[tokio::test]
async fn catalog_export_import_export_is_exact() {
    let setup = Setup::new();
    seed_booking(&setup).await;
    let first = setup.run(&["catalog", "export"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let text = stdout(&first);
    assert!(text.contains("[[staff]]\nid = 1\nname = \"Anna\"\nactive = true\n\n[staff.hours]\nmon = [\"10:00-14:00\", \"15:00-19:00\"]\n"), "{text}");
    assert!(
        text.contains("name = \"Women's haircut\"\nduration_minutes = 60\nprice = \"2500.00\"\n"),
        "{text}"
    );

    assert!(text.contains("[[date_overrides]]\ndate = \"2026-12-31\"\nstaff = 2\nclosed = false\nhours = [\"10:00-14:00\"]\n"), "{text}");
    assert!(
        text.contains("[[date_overrides]]\ndate = \"2027-01-01\"\nclosed = true\n"),
        "{text}"
    );

    // To a file, then into a new, empty database.
    let file = setup.path("catalog.toml");
    let output = setup.run(&["catalog", "export", "--output", file.to_str().unwrap()]);
    assert_eq!(code(&output), 0);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    let output = setup.run(&["catalog", "export", "--output", file.to_str().unwrap()]);
    assert_eq!(code(&output), 4);

    let other = setup.path("other/booking.db");
    let other_url = format!("sqlite://{}", other.display());
    let output = setup
        .command(&["catalog", "import", file.to_str().unwrap()])
        .env("BOOKING_DATABASE_URL", &other_url)
        .output()
        .unwrap();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let second = setup
        .command(&["catalog", "export"])
        .env("BOOKING_DATABASE_URL", &other_url)
        .output()
        .unwrap();
    assert_eq!(stdout(&second), text);

    // A database with a catalog refuses an import.
    let refused = setup.run(&["catalog", "import", file.to_str().unwrap()]);
    assert_eq!(code(&refused), 3, "{}", stderr(&refused));

    // A bad entry is named in one line.
    let broken = setup.path("broken.toml");
    std::fs::write(
        &broken,
        text.replacen("price = \"2500.00\"", "price = \"25.001\"", 1),
    )
    .unwrap();
    let output = setup
        .command(&["catalog", "import", broken.to_str().unwrap()])
        .env(
            "BOOKING_DATABASE_URL",
            format!("sqlite://{}", setup.path("third.db").display()),
        )
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    assert_eq!(stderr(&output).lines().count(), 1);
    assert!(
        stderr(&output).contains("services[0].price is invalid"),
        "{}",
        stderr(&output)
    );
}
