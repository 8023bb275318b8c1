//! Booking throughput on PostgreSQL (`synchronous_commit` on, the server's
//! default: every acknowledged booking is on disk), docs/BENCHMARKS.md
//! figure 6.
//!
//! Each line is measured beside the raw ceiling on a database of its own,
//! in alternating slices (three of a second each by default, after a
//! warm-up): the ceiling is 16 connections of the same driver, each running
//! `BEGIN; INSERT INTO bookings ...; COMMIT` per booking. The lines, all
//! with 16 concurrent bookers:
//! - `PgStore::create_booking` alone (with the three notices the engine
//!   writes along), one pool of 16 connections;
//! - `Engine::book` (a customer's "book" button: the day's and the
//!   customer's reads, then the write) on one instance (one engine, one
//!   pool of 16);
//! - `Engine::book` on three instances (three engines, each with its own
//!   pool of 6, the bookers spread over them), as three `booking run`
//!   processes would be. They run in this process: the database, the
//!   machine's two cores and the work are the same as with three
//!   processes; what a process adds (its runtime, its HTTP) is not counted.
//!
//! Every database starts from the same catalog (16 staff members working
//! 08:00 to 20:00 every day, a 30-minute service) and 1,000 returning
//! customers; bookings take distinct free slots spread over the year, so
//! none is refused. Needs PostgreSQL (`BOOKING_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each line creates and
//! drops its databases.
//!
//! Run with `cargo bench -p adapter-postgres --bench throughput`; add words
//! of a line's label to run some lines only, and set `BENCH_SECONDS` to
//! change the 3 s each line runs. It ends with one `FIGURE 6-<n>-instances`
//! line per engine line: its ratio to the raw ceiling, budget 1.0 as figure 3.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

// The salon and policy of the SQLite benchmarks, so both stores book into
// the same calendar (the file is shared, not copied).
#[path = "../../adapter-sqlite/benches/common/mod.rs"]
#[allow(dead_code)]
mod common;
#[path = "../../adapter-sqlite/benches/common/throughput.rs"]
mod shared;

use std::sync::Arc;
use std::time::Duration;

use adapter_postgres::PgStore;
use adapter_postgres::testing::PgTestDb;
use booking_domain::StaffId;
use booking_ports::{BookingStore, CustomerStore, Engine, EngineSettings, ManualClock};
use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};

use common::{load_average, policy};
use shared::{
    Booker, CUSTOMERS, DAYS, SALON, STAFF, Tally, booking_form, customer, customer_profile,
    engine_settings, now, slot_start, store_booking,
};

const BOOKERS: usize = 16;
const SLICES: u32 = 3;
const WARM_UP: Duration = Duration::from_millis(300);

/// The `g`-th booking of a line: consecutive bookings go to different
/// staff members (a booking locks its staff member's calendar, so 16
/// bookers on one member would queue behind each other), then days fill
/// evenly, one slot a day before the next.
fn slot(g: u64) -> (StaffId, DateTime<Utc>) {
    let staff = 1 + g % STAFF;
    let rank = g / STAFF;
    let day = 1 + rank % DAYS;
    let slot = rank / DAYS;
    (StaffId::new(staff as i64).unwrap(), slot_start(day, slot))
}

/// A database with the catalog and every customer's profile.
async fn prepared_database() -> PgTestDb {
    let db = PgTestDb::create().await;
    let store = db.open().await;
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
    store.close().await;
    db
}

async fn open_store(db: &PgTestDb, connections: u32) -> PgStore {
    let mut settings = db.settings();
    settings.max_connections = connections;
    PgStore::open(&settings).await.unwrap()
}

/// One `BEGIN; INSERT; COMMIT` per booking on each of [`BOOKERS`]
/// connections: what PostgreSQL through sqlx allows at this durability.
async fn raw_ceiling(db: &PgTestDb) -> Booker {
    let mut connections = Vec::new();
    for _ in 0..BOOKERS {
        let conn = PgConnection::connect(db.url()).await.unwrap();
        connections.push(Arc::new(tokio::sync::Mutex::new(conn)));
    }
    let connections = Arc::new(connections);
    Booker::new(
        BOOKERS,
        Arc::new(move |b, g| {
            let conn = Arc::clone(&connections[b]);
            Box::pin(async move {
                let (staff, start) = slot(g);
                let start_ms = start.timestamp_millis();
                let mut conn = conn.lock().await;
                let mut tx = conn.begin().await.unwrap();
                sqlx::query(
                    "INSERT INTO bookings (customer_id, service_id, staff_id, start_ms, end_ms, \
                 buffer_before_min, buffer_after_min, status, version, created_at_ms) \
                 VALUES ($1, 1, $2, $3, $4, 0, 0, 'confirmed', 1, $5)",
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

/// `Engine::book` on `engines.len()` instances, booker `b` on instance
/// `b % len`.
fn engine_booker(stores: &[PgStore]) -> Booker {
    let engines: Arc<Vec<_>> = Arc::new(
        stores
            .iter()
            .map(|store| {
                Engine::on_store(
                    store.clone(),
                    ManualClock::new(now()),
                    policy(30),
                    engine_settings(),
                )
            })
            .collect(),
    );
    Booker::new(
        BOOKERS,
        Arc::new(move |b, g| {
            let engines = Arc::clone(&engines);
            Box::pin(async move {
                let (staff, start) = slot(g);
                let customer = customer(g);
                let form = booking_form(customer, staff, start);
                engines[b % engines.len()]
                    .book(customer, form)
                    .await
                    .unwrap();
            })
        }),
    )
}

/// `PgStore::create_booking` alone, with the notices the engine writes.
fn store_booker(store: &PgStore) -> Booker {
    let store = store.clone();
    Booker::new(
        BOOKERS,
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

#[derive(Clone, Copy)]
enum Line {
    Store,
    Engine { instances: usize },
}

/// Runs `line` (unless filtered out: `None`) and returns its ratio to the
/// raw ceiling of the same slices.
async fn measure(line: Line, run: Duration) -> Option<f64> {
    let label = match line {
        Line::Store => format!("`PgStore::create_booking`, {BOOKERS} concurrent callers"),
        Line::Engine { instances: 1 } => {
            format!("`Engine::book`, {BOOKERS} concurrent bookers, 1 instance")
        }
        Line::Engine { instances } => {
            format!("`Engine::book`, {BOOKERS} concurrent bookers, {instances} instances")
        }
    };
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| label.contains(f.as_str())) {
        return None;
    }
    let raw_db = prepared_database().await;
    let line_db = prepared_database().await;
    let ceiling = raw_ceiling(&raw_db).await;
    let stores = match line {
        Line::Store | Line::Engine { instances: 1 } => vec![open_store(&line_db, 16).await],
        Line::Engine { instances } => {
            let mut stores = Vec::new();
            for _ in 0..instances {
                stores.push(open_store(&line_db, 6).await);
            }
            stores
        }
    };
    let booker = match line {
        Line::Store => store_booker(&stores[0]),
        Line::Engine { .. } => engine_booker(&stores),
    };
    ceiling.run(WARM_UP).await;
    booker.run(WARM_UP).await;
    let (mut ceiling_tally, mut line_tally) = (Tally::default(), Tally::default());
    for _ in 0..SLICES {
        ceiling_tally.add(ceiling.run(run / SLICES).await);
        line_tally.add(booker.run(run / SLICES).await);
    }
    for store in stores {
        store.close().await;
    }
    drop(ceiling);
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "Booking throughput on PostgreSQL, synchronous_commit on, {} s per line in {SLICES} \
             slices alternating with the raw ceiling; load average before: {}",
            run.as_secs_f64(),
            load_average()
        );
        println!(
            "| line | bookings/s | raw ceiling, bookings/s (same slices) | ratio | median ms | p99 ms |"
        );
        println!("|---|---|---|---|---|---|");
        let mut figures = Vec::new();
        for line in [
            Line::Store,
            Line::Engine { instances: 1 },
            Line::Engine { instances: 3 },
        ] {
            let ratio = measure(line, run).await;
            if let (Line::Engine { instances }, Some(ratio)) = (line, ratio) {
                figures.push((instances, ratio));
            }
        }
        println!("Load average after: {}", load_average());
        // The budget of figure 3 (SQLite), for the same reason: the engine
        // should cost no more than the bare commit of a booking.
        for (instances, ratio) in figures {
            let verdict = if ratio >= 1.0 { "met" } else { "not met" };
            println!("FIGURE 6-{instances}-instances: {ratio:.2} x budget 1.0 {verdict}");
        }
    });
}
