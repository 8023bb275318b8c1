//! Memory, docs/BENCHMARKS.md figure 5: the resident memory of the
//! `booking` binary (the bench profile's build of it) idle, after serving
//! 10,000 chats, and at its peak during exports of 1,000 and 100,000
//! bookings.
//!
//! - `booking run` against a fake Bot API on 127.0.0.1 that serves updates
//!   to long polling as Telegram does (at most 100 per `getUpdates`). Its
//!   memory is read from `/proc/<pid>/status`: `VmRSS` (resident now) and
//!   `VmHWM` (the most it was resident).
//! - Idle is two seconds after its first `getUpdates`: started, the catalog
//!   imported, waiting for updates.
//! - Then 10,000 chats each send `/start` and press "Book": each chat's
//!   conversation (choosing a service) is stored, unexpired, in SQLite, and
//!   each chat had a worker in teloxide's dispatcher. Read once all 10,000
//!   were answered and again two seconds later; the live conversations are
//!   counted through the store.
//! - `booking run` restarted on that database: idle, with the 10,000
//!   conversations stored.
//! - `booking export` of 1,008 and of 100,000 bookings to a file, from one
//!   database of 100,000 bookings (generated once, kept under
//!   `target/tmp/app-bench`). Its peak is the kernel's count of the most
//!   memory it had resident (`getrusage` of the child, read by this
//!   benchmark's binary run again as a thin parent, so that no other child
//!   counts).
//!
//! Run with `cargo bench -p app --bench memory`; `BENCH_CHATS` changes the
//! 10,000.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use adapter_sqlite::SqliteStore;
use booking_ports::{BotName, ChatKey, ConversationKey, ConversationStore, Engine, SystemClock};
use chrono::NaiveDate;
use serde_json::Value;

use common::{
    Env, FakeTelegram, Method, TOKEN, add_visits, bench_dir, callback_update, load_average,
    salon_config, setting, stop_as_systemd_would, text_update,
};

/// Set in the environment of this binary run as the thin parent of one
/// command, whose peak resident memory it prints.
const PEAK_OF: &str = "BENCH_PEAK_OF_CHILD";
/// Chats at a time in the steady run.
const WAVE: i64 = 100;
/// How long "idle" waits after the bot's first poll.
const SETTLE: Duration = Duration::from_secs(2);
/// The exported bookings' first day, and how many days hold 100,000 of
/// them (seven haircuts a day for each of 8 staff members, 6 days a week).
const HISTORY_START: (i32, u32, u32) = (2019, 1, 7);
const HISTORY_DAYS: u64 = 2_084;
/// The days of the small export: 18 working days, 1,008 bookings.
const SMALL_EXPORT_DAYS: u64 = 21;

fn history_start() -> NaiveDate {
    let (y, m, d) = HISTORY_START;
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// `VmRSS` and `VmHWM` of process `pid`, in KiB.
fn memory_of(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap()
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// A directory with the salon's config file, and the environment that
/// runs the binary on it.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        let dir = tempfile::tempdir_in(bench_dir()).unwrap();
        std::fs::write(dir.path().join("booking.toml"), salon_config()).unwrap();
        Self { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("booking.toml")
    }

    /// The environment that runs the binary on `database`.
    fn environment(&self, database: &Path) -> Vec<(&'static str, String)> {
        vec![
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("RUST_LOG", "info".to_owned()),
            ("BOOKING_CONFIG", self.config().display().to_string()),
            ("BOOKING_CLIENT_BOT_TOKEN", TOKEN.to_owned()),
            (
                "BOOKING_DATABASE_URL",
                format!("sqlite://{}", database.display()),
            ),
        ]
    }

    fn command(&self, database: &Path) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_booking"));
        command
            .current_dir(self.dir.path())
            .env_clear()
            .envs(self.environment(database))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Where a command's output goes: a file, as a service's journal.
    fn log(&self, name: &str) -> std::fs::File {
        std::fs::File::create(self.dir.path().join(name)).unwrap()
    }
}

/// `booking run`, started and waiting for updates.
struct Running {
    child: tokio::process::Child,
    pid: u32,
}

impl Running {
    async fn start(workspace: &Workspace, database: &Path, fake: &mut FakeTelegram) -> Self {
        let child = workspace
            .command(database)
            .arg("run")
            .env(
                "BOOKING_TELEGRAM_API_URL",
                format!("http://{}", fake.address),
            )
            .stdout(workspace.log("run.out"))
            .stderr(workspace.log("run.log"))
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        // Its first poll, after its `getMe`: a long poll of a process
        // stopped before may still end and be seen now.
        let started = loop {
            let seen = fake.next().await;
            if seen.method == Method::GetMe {
                break seen.arrived;
            }
        };
        loop {
            let seen = fake.next().await;
            if seen.method == Method::GetUpdates && seen.arrived > started {
                break;
            }
        }
        Self { child, pid }
    }

    /// Stops it as systemd would, and checks that it stopped cleanly.
    async fn stop(self) {
        stop_as_systemd_would(self.child).await;
    }
}

/// Sends `/start` from `chats` chats, then presses "Book" in each, through
/// long polling, `wave` chats at a time (each wave once the previous one
/// was answered). `next_update_id` numbers the updates. Returns how long
/// it took.
async fn serve_chats(
    fake: &mut FakeTelegram,
    chats: i64,
    wave: i64,
    next_update_id: &mut i64,
) -> Duration {
    let started = Instant::now();
    let mut first = 1;
    while first <= chats {
        let last = (first + wave - 1).min(chats);
        fake.updates.push((first..=last).map(|chat| {
            *next_update_id += 1;
            text_update(*next_update_id, chat, "/start")
        }));
        let mut menus: HashMap<i64, (i64, Value)> = HashMap::new();
        while (menus.len() as i64) < last - first + 1 {
            let seen = fake.next().await;
            if let (Method::Send, Some(message)) = (seen.method, seen.message) {
                menus.insert(seen.chat, message);
            }
        }
        // In the order of their ids, as Telegram gives them.
        let mut menus: Vec<_> = menus.into_iter().collect();
        menus.sort_by_key(|(chat, _)| *chat);
        fake.updates.push(menus.iter().map(|(chat, (id, body))| {
            *next_update_id += 1;
            let text = body["text"].as_str().unwrap_or_default();
            callback_update(*next_update_id, *chat, *id, text, "m:b")
        }));
        let mut answered = 0;
        while answered < menus.len() {
            if fake.next().await.method == Method::AnswerCallback {
                answered += 1;
            }
        }
        first = last + 1;
    }
    started.elapsed()
}

/// How many of `chats` chats have a live conversation with the client bot.
async fn live_conversations(database: &Path, chats: i64) -> usize {
    let settings = adapter_sqlite::SqliteSettings::new(database);
    let store = SqliteStore::open(&settings).await.unwrap();
    let bot = BotName::new(adapter_telegram::CLIENT_BOT).unwrap();
    let now = chrono::Utc::now();
    let mut live = 0;
    for chat in 1..=chats {
        let key = ConversationKey {
            bot: bot.clone(),
            chat: ChatKey::new(chat),
        };
        if store
            .load_conversation(key, now)
            .await
            .unwrap()
            .stored
            .is_some()
        {
            live += 1;
        }
    }
    store.close().await;
    live
}

/// A database of 100,000 bookings over the salon's past, generated once.
async fn history_database(workspace: &Workspace) -> PathBuf {
    let path = bench_dir().join(format!(
        "export-100000-schema{}.db",
        adapter_sqlite::schema_level()
    ));
    if path.exists() {
        return path;
    }
    let started = Instant::now();
    let partial = path.with_extension("partial");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
    }
    let settings = app::config::load(&Env(vec![
        ("BOOKING_CONFIG", workspace.config().display().to_string()),
        ("BOOKING_CLIENT_BOT_TOKEN", TOKEN.to_owned()),
    ]))
    .unwrap();
    let app::database::Store::Sqlite(store) = app::database::open(
        &app::database::DatabaseSettings::from_url(&format!("sqlite://{}", partial.display()))
            .unwrap(),
    )
    .await
    .unwrap() else {
        panic!("a sqlite:// URL opens SQLite");
    };
    let engine = Engine::on_store(
        store.clone(),
        SystemClock,
        settings.policy.clone(),
        settings.engine.clone(),
    );
    engine
        .import_catalog_if_empty(settings.catalog.clone())
        .await
        .unwrap();
    let days = history_start().iter_days().take(HISTORY_DAYS as usize);
    let count = add_visits(&store, days, 100, chrono::Utc::now()).await;
    // Closing checkpoints the log into the file, so the file alone is whole.
    store.close().await;
    std::fs::rename(&partial, &path).unwrap();
    println!(
        "(generated {} with {count} bookings in {:.0} s)",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    path
}

/// Runs `booking export` of `from..=to` under a thin parent that reports
/// its peak resident memory. Returns the peak in KiB, the rows written and
/// how long it took.
fn export_peak(
    workspace: &Workspace,
    database: &Path,
    from: NaiveDate,
    to: NaiveDate,
) -> (u64, usize, Duration) {
    let output = workspace.dir.path().join(format!("export-{from}-{to}.csv"));
    let _ = std::fs::remove_file(&output);
    let started = Instant::now();
    let parent = std::process::Command::new(std::env::current_exe().unwrap())
        .current_dir(workspace.dir.path())
        .env_clear()
        .envs(workspace.environment(database))
        .env(PEAK_OF, "1")
        .arg(env!("CARGO_BIN_EXE_booking"))
        .args([
            "export",
            "--from",
            &from.to_string(),
            "--to",
            &to.to_string(),
        ])
        .arg("--output")
        .arg(&output)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(parent.status.success(), "booking export failed: {parent:?}");
    let peak = String::from_utf8_lossy(&parent.stdout)
        .trim()
        .parse()
        .unwrap();
    let rows = std::fs::read_to_string(&output).unwrap().lines().count() - 1;
    (peak, rows, took)
}

/// The thin parent: runs the command of its arguments, waits for it, and
/// prints the most memory it had resident, in KiB.
fn run_as_peak_parent() {
    use nix::sys::resource::{UsageWho, getrusage};
    let mut args = std::env::args_os().skip(1);
    let program = args.next().unwrap();
    let status = std::process::Command::new(program)
        .args(args)
        .env_remove(PEAK_OF)
        .status()
        .unwrap();
    assert!(status.success(), "the command failed: {status}");
    // Linux reports the largest child's peak, in KiB; there is one child.
    let peak = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap().max_rss();
    println!("{peak}");
}

async fn run(chats: i64) {
    let workspace = Workspace::new();
    let mut fake = FakeTelegram::start();
    let database = workspace.dir.path().join("booking.db");
    println!("Memory; load average before: {}", load_average());
    println!();
    println!("| state | VmRSS MiB | VmHWM MiB (the most so far) |");
    println!("|---|---|---|");

    let mut update_id = 0;
    let running = Running::start(&workspace, &database, &mut fake).await;
    tokio::time::sleep(SETTLE).await;
    let (rss, hwm) = memory_of(running.pid);
    println!(
        "| `booking run`, idle {} s after its first poll | {:.1} | {:.1} |",
        SETTLE.as_secs(),
        mib(rss),
        mib(hwm)
    );
    let took = serve_chats(&mut fake, chats, chats, &mut update_id).await;
    let (rss, hwm) = memory_of(running.pid);
    println!(
        "| the same after {chats} chats sent `/start` and pressed \"Book\", all at once ({:.1} s for the {} updates) | {:.1} | {:.1} |",
        took.as_secs_f64(),
        2 * chats,
        mib(rss),
        mib(hwm)
    );
    tokio::time::sleep(SETTLE).await;
    let (rss, hwm) = memory_of(running.pid);
    let left_by_burst = mib(rss);
    println!(
        "| the same, {} s later | {:.1} | {:.1} |",
        SETTLE.as_secs(),
        mib(rss),
        mib(hwm)
    );
    running.stop().await;
    let live = live_conversations(&database, chats).await;
    assert_eq!(live as i64, chats, "every chat has a live conversation");

    let running = Running::start(&workspace, &database, &mut fake).await;
    tokio::time::sleep(SETTLE).await;
    let (rss, hwm) = memory_of(running.pid);
    println!(
        "| `booking run` restarted on that database ({live} live conversations stored), idle | {:.1} | {:.1} |",
        mib(rss),
        mib(hwm)
    );
    let took = serve_chats(&mut fake, chats, WAVE, &mut update_id).await;
    let (rss, hwm) = memory_of(running.pid);
    println!(
        "| the same after the {chats} chats did it again, {WAVE} at a time ({:.1} s) | {:.1} | {:.1} |",
        took.as_secs_f64(),
        mib(rss),
        mib(hwm)
    );
    running.stop().await;

    let history = history_database(&workspace).await;
    let first = history_start();
    let small_to = first + chrono::Days::new(SMALL_EXPORT_DAYS - 1);
    let large_to = first + chrono::Days::new(HISTORY_DAYS - 1);
    for to in [small_to, large_to] {
        let (peak, rows, took) = export_peak(&workspace, &history, first, to);
        println!(
            "| `booking export` of {rows} bookings (to a file, {:.1} s), peak | | {:.1} |",
            took.as_secs_f64(),
            mib(peak)
        );
    }
    println!();
    println!("Load average after: {}", load_average());
    // Issue 19's budget: a burst of new chats leaves at most 64 MiB.
    let verdict = if left_by_burst <= 64.0 {
        "met"
    } else {
        "not met"
    };
    println!("FIGURE 5b-burst-{chats}: {left_by_burst:.1} MiB budget 64 {verdict}");
}

fn main() {
    if std::env::var_os(PEAK_OF).is_some() {
        run_as_peak_parent();
        return;
    }
    let chats = setting("BENCH_CHATS", 10_000i64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(chats));
}
