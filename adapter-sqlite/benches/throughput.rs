//! Booking throughput on SQLite with the default durability
//! (`synchronous=FULL`: every acknowledged booking survives a power loss),
//! docs/BENCHMARKS.md figure 3.
//!
//! Each line of the table is measured beside the raw ceiling: one writer on
//! one sqlx connection with the store's file settings, one
//! `BEGIN IMMEDIATE; INSERT; COMMIT` per booking. The two alternate in
//! slices (three of a second each by default, after a warm-up), because the
//! load of a shared machine drifts within seconds and alternating exposes
//! both to the same drift. The lines:
//! - `Engine::book` with 1, 4 and 16 concurrent bookers: a customer's "book"
//!   button, with the reads of the day and of the customer it makes;
//! - `SqliteStore::create_booking` alone with 1, 4 and 16 concurrent callers.
//!
//! Every line and its ceiling start from a copy of one template database
//! (the catalog: 16 staff members working 08:00 to 20:00 every day, a
//! 30-minute service; and 1,000 returning customers, whose profiles are
//! stored, so a booking is one write) and book distinct free slots spread
//! over the year, so every line sees the same calendar after the same number
//! of bookings and no booking is refused. Divan measures one call at a
//! time; this needs many concurrent tokio tasks (on 2 worker threads, as
//! the machine has 2 cores), hence a plain `main`.
//!
//! Run with `cargo bench -p adapter-sqlite --bench throughput`; add
//! `-- Engine` (or any part of a line's label) to run some lines only, and
//! set `BENCH_SECONDS` to change the 3 s each line runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;
#[path = "common/throughput.rs"]
mod shared;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use adapter_sqlite::{SqliteSettings, SqliteStore};
use booking_domain::StaffId;
use booking_ports::{BookingStore, CustomerStore, Engine, EngineSettings, ManualClock};
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use common::{bench_dir, load_average, policy};
use shared::{
    Booker, CUSTOMERS, DAYS, SALON, STAFF, Tally, booking_form, customer, customer_profile,
    engine_settings, now, slot_start, store_booking,
};

const CONCURRENCY: [usize; 3] = [1, 4, 16];
/// Each line runs in this many slices, alternating with the raw ceiling.
const SLICES: u32 = 3;
/// How long each line and its ceiling book before the clock starts, so
/// connections are open and statements prepared when it does.
const WARM_UP: Duration = Duration::from_millis(300);

/// The `g`-th booking of a line (each number is handed out once, so no two
/// bookings collide): days fill evenly, one slot of each staff member per
/// day before the next slot. Returns the staff member and the start.
fn slot(g: u64) -> (StaffId, DateTime<Utc>) {
    let day = 1 + g % DAYS;
    let rank = g / DAYS;
    let staff = 1 + rank % STAFF;
    let slot = rank / STAFF;
    (StaffId::new(staff as i64).unwrap(), slot_start(day, slot))
}

/// The template database: the catalog and every customer's profile.
async fn create_template(path: &Path) {
    let store = SqliteStore::open(&SqliteSettings::new(path)).await.unwrap();
    let engine = Engine::on_store(
        store.clone(),
        ManualClock::new(now()),
        policy(30),
        EngineSettings::default(),
    );
    assert!(
        engine
            .import_catalog_if_empty(SALON.catalog())
            .await
            .unwrap()
    );
    for g in 0..CUSTOMERS {
        store.save_customer(customer_profile(g)).await.unwrap();
    }
    // Closing checkpoints the log into the file, so a plain copy is whole.
    store.close().await;
}

/// A fresh copy of the template for one line.
fn copy_of(template: &Path, name: &str) -> PathBuf {
    let path = template.with_file_name(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    std::fs::copy(template, &path).unwrap();
    path
}

fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// One `BEGIN IMMEDIATE; INSERT; COMMIT` per booking on one connection with
/// the store's settings (WAL, `synchronous=FULL`, foreign keys, 5 s busy
/// timeout): what SQLite through sqlx allows one writer at this durability.
async fn raw_ceiling(path: &Path) -> Booker {
    // The template's file is already in WAL mode with the store's schema.
    let conn: SqliteConnection = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .connect()
        .await
        .unwrap();
    let conn = Arc::new(tokio::sync::Mutex::new(conn));
    Booker::new(
        1,
        Arc::new(move |_, g| {
            let conn = Arc::clone(&conn);
            Box::pin(async move {
                let (staff, start) = slot(g);
                let start_ms = start.timestamp_millis();
                let mut conn = conn.lock().await;
                let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.unwrap();
                sqlx::query(
                    "INSERT INTO bookings (customer_id, service_id, staff_id, start_ms, end_ms, \
                     buffer_before_min, buffer_after_min, status, version, created_at_ms) \
                     VALUES (?, 1, ?, ?, ?, 0, 0, 'confirmed', 1, ?)",
                )
                .bind(customer(g).get())
                .bind(staff.get())
                .bind(start_ms)
                .bind(start_ms + 30 * 60_000)
                .bind(now().timestamp_millis())
                .execute(&mut *tx)
                .await
                .unwrap();
                tx.commit().await.unwrap();
            })
        }),
    )
}

/// `Engine::book` by `concurrency` customers at once, as the bot calls it.
fn engine_booker(store: &SqliteStore, concurrency: usize) -> Booker {
    let engine = Arc::new(Engine::on_store(
        store.clone(),
        ManualClock::new(now()),
        policy(30),
        engine_settings(),
    ));
    Booker::new(
        concurrency,
        Arc::new(move |_, g| {
            let engine = Arc::clone(&engine);
            Box::pin(async move {
                let (staff, start) = slot(g);
                let customer = customer(g);
                let form = booking_form(customer, staff, start);
                engine.book(customer, form).await.unwrap();
            })
        }),
    )
}

/// `SqliteStore::create_booking` alone, by `concurrency` callers at once,
/// with the notices the engine sends along (the staff member's, and two
/// reminders).
fn store_booker(store: &SqliteStore, concurrency: usize) -> Booker {
    let store = store.clone();
    Booker::new(
        concurrency,
        Arc::new(move |_, g| {
            let store = store.clone();
            Box::pin(async move {
                let (staff, start) = slot(g);
                let (new, limit, notices) = store_booking(customer(g), staff, start);
                store.create_booking(new, limit, notices).await.unwrap();
            })
        }),
    )
}

/// Writes out what the kernel still holds of the databases at `paths`
/// (checkpointed pages, log appends), so that writing it back does not fall
/// into the next slice and slow whichever of the two runs there.
fn settle(paths: &[&Path]) {
    for path in paths {
        for suffix in ["", "-wal"] {
            if let Ok(file) = std::fs::File::open(format!("{}{suffix}", path.display())) {
                file.sync_all().unwrap();
            }
        }
    }
}

/// Which way a line books.
#[derive(Clone, Copy)]
enum Way {
    Engine,
    Store,
}

/// Measures one line and the raw ceiling beside it, each on its own copy of
/// the template, in alternating slices: the load of these shared machines
/// drifts within seconds, and alternating exposes both to the same drift.
/// Returns the line's ratio to the ceiling; `None` when filtered out.
async fn measure(template: &Path, way: Way, concurrency: usize, run: Duration) -> Option<f64> {
    let label = match way {
        Way::Engine => format!("`Engine::book`, {concurrency} concurrent bookers"),
        Way::Store => format!("`SqliteStore::create_booking`, {concurrency} concurrent callers"),
    };
    // `cargo bench --bench throughput -- Engine` runs the lines whose label
    // contains one of the words given (Cargo's own `--bench` flag aside).
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| label.contains(f.as_str())) {
        return None;
    }
    let raw_path = copy_of(template, "raw");
    let line_path = copy_of(template, "line");
    let ceiling = raw_ceiling(&raw_path).await;
    let store = SqliteStore::open(&SqliteSettings::new(&line_path))
        .await
        .unwrap();
    let line = match way {
        Way::Engine => engine_booker(&store, concurrency),
        Way::Store => store_booker(&store, concurrency),
    };
    // Open every connection and prepare every statement first.
    ceiling.run(WARM_UP).await;
    line.run(WARM_UP).await;
    let (mut ceiling_tally, mut line_tally) = (Tally::default(), Tally::default());
    for _ in 0..SLICES {
        settle(&[&raw_path, &line_path]);
        ceiling_tally.add(ceiling.run(run / SLICES).await);
        settle(&[&raw_path, &line_path]);
        line_tally.add(line.run(run / SLICES).await);
    }
    store.close().await;
    remove_database(&raw_path);
    remove_database(&line_path);
    let per_second = line_tally.per_second();
    let ratio = per_second / ceiling_tally.per_second();
    println!(
        "| {label} | {per_second:.0} | {:.0} | {ratio:.2} | {:.2} | {:.2} |",
        ceiling_tally.per_second(),
        line_tally.latency_ms(0.5),
        line_tally.latency_ms(0.99),
    );
    Some(ratio)
}

fn main() {
    let run = Duration::from_secs_f64(
        std::env::var("BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3.0),
    );
    // As many worker threads as the machine the figures are for has cores.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir_in(bench_dir()).unwrap();
        let template = dir.path().join("template.db");
        create_template(&template).await;
        println!(
            "Booking throughput, synchronous=FULL, {} s per line in {SLICES} slices alternating \
             with the raw ceiling; load average before: {}",
            run.as_secs_f64(),
            load_average()
        );
        println!(
            "| line | bookings/s | raw ceiling, bookings/s (same slices) | ratio | median ms | p99 ms |"
        );
        println!("|---|---|---|---|---|---|");
        let mut engine_ratio = None;
        for way in [Way::Engine, Way::Store] {
            for concurrency in CONCURRENCY {
                let ratio = measure(&template, way, concurrency, run).await;
                if matches!(way, Way::Engine) && concurrency == 16 {
                    engine_ratio = ratio;
                }
            }
        }
        println!("Load average after: {}", load_average());
        // Issue 19's budget: `Engine::book` with 16 bookers at least the raw
        // ceiling of the same run.
        if let Some(ratio) = engine_ratio {
            let verdict = if ratio >= 1.0 { "met" } else { "not met" };
            println!("FIGURE 3: {ratio:.2} x budget 1.0 {verdict}");
        }
    });
}
