//! Availability through the SQLite store (docs/BENCHMARKS.md, figure 2):
//! the free times of one day with 10,000 and with 1,000,000 bookings
//! stored. Budget: the 1,000,000 figure at most 1.5 times the 10,000 one.
//!
//! The business: 20 staff members, Monday to Saturday 09:00-13:00 and
//! 14:00-19:00 (Berlin), a 45-minute service with 5 minutes before and 10
//! after, six bookings per staff member and working day (120 a day). The
//! two databases differ only in how far back their history goes (about 3
//! months against 32 years): the days around the one asked are the same in
//! both, so the work a day's query needs is the same, and any difference is
//! what the stored history costs. Past bookings are mostly completed, some
//! cancelled or no-shows; upcoming ones mostly confirmed.
//!
//! Databases are generated once (one transaction of multi-row inserts on a
//! connection without journal or fsync, which only the generator uses) and
//! kept under `target/tmp`, so reruns start at once; bump
//! [`FIXTURE_VERSION`] when the generator changes. The measured calls run
//! through `SqliteStore::open` with the default settings.
//!
//! Run with `cargo bench -p adapter-sqlite --bench availability`; its last
//! line is the figure's (`FIGURE 2`), timed apart from divan's table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use adapter_sqlite::{SqliteSettings, SqliteStore};
use booking_domain::{Interval, ServiceId, StaffChoice};
use booking_ports::{BookingScope, Engine, EngineSettings, ManualClock};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use divan::Bencher;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, SqliteConnection};
use tokio::runtime::Runtime;

use common::{SERVICE, Salon, bench_dir, load_average, policy};

/// Part of the cached files' names: change it when the generator changes.
const FIXTURE_VERSION: u32 = 1;
const STAFF: i64 = 20;
const BOOKINGS_PER_STAFF_AND_DAY: i64 = 6;
/// Rows per INSERT statement: 500 rows of 8 parameters, well under
/// SQLite's limit of 32,766 parameters per statement.
const ROWS_PER_INSERT: usize = 500;

const SALON: Salon = Salon {
    staff: STAFF,
    periods: &["09:00-13:00", "14:00-19:00"],
    days: &[
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
    ],
    duration_min: 45,
    buffer_before_min: 5,
    buffer_after_min: 10,
};

/// Monday 2030-03-04, 06:00 UTC.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 4, 6, 0, 0).unwrap()
}

/// The day whose free times are asked: the Wednesday after `now`.
fn asked_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2030, 3, 6).unwrap()
}

/// Bookings are stored up to four weeks ahead of `now`.
fn last_booked_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2030, 4, 1).unwrap()
}

/// The working days holding `count` bookings, oldest first, ending on
/// [`last_booked_day`].
fn working_days(count: usize) -> Vec<NaiveDate> {
    let per_day = (STAFF * BOOKINGS_PER_STAFF_AND_DAY) as usize;
    let mut days = Vec::with_capacity(count.div_ceil(per_day));
    let mut day = last_booked_day();
    while days.len() * per_day < count {
        if day.weekday() != Weekday::Sun {
            days.push(day);
        }
        day = day.pred_opt().unwrap();
    }
    days.reverse();
    days
}

/// One generated booking: the bound values of one row.
struct Row {
    customer: i64,
    staff: i64,
    start_ms: i64,
    end_ms: i64,
    status: &'static str,
    cancelled_by: Option<&'static str>,
    cancelled_at_ms: Option<i64>,
    created_at_ms: i64,
}

/// The bookings of `day`, staff member by staff member. Everything about a
/// booking follows from its day, staff member and hour, so a day is the
/// same whichever history it belongs to.
fn rows_of(day: NaiveDate) -> impl Iterator<Item = Row> {
    let tz = policy(15).time_zone();
    let day_number = i64::from(day.num_days_from_ce());
    // Visits start 5 minutes past the hour, so the buffers fill the hour.
    let hours = [9, 10, 11, 12, 14, 15, 16, 17, 18];
    (1..=STAFF).flat_map(move |staff| {
        hours
            .into_iter()
            .enumerate()
            // Six of the nine hours, a different six each day.
            .filter(move |(slot, _)| (*slot as i64 + day_number + staff) % 3 != 0)
            .map(move |(slot, hour)| {
                let local = day.and_time(NaiveTime::from_hms_opt(hour, 5, 0).unwrap());
                let start = tz.from_local_datetime(&local).earliest().unwrap();
                let start_ms = start.timestamp_millis();
                let key = day_number * 31 + staff * 7 + slot as i64;
                let past = start < now();
                let (status, cancelled) = match (key % 20, past) {
                    (0, _) => ("cancelled", true),
                    (1, true) => ("no_show", false),
                    (1, false) => ("pending", false),
                    (_, true) => ("completed", false),
                    (_, false) => ("confirmed", false),
                };
                Row {
                    customer: 1 + key.rem_euclid(50_000),
                    staff,
                    start_ms,
                    end_ms: start_ms + 45 * 60_000,
                    status,
                    cancelled_by: cancelled.then_some("customer"),
                    cancelled_at_ms: cancelled.then_some(start_ms - 86_400_000),
                    created_at_ms: start_ms - 7 * 86_400_000,
                }
            })
    })
}

/// `INSERT INTO bookings ... VALUES (...), (...)` for `rows` rows.
fn insert_statement(rows: usize) -> String {
    let row = "(?, 1, ?, ?, ?, 5, 10, ?, ?, ?, 1, ?)";
    format!(
        "INSERT INTO bookings (customer_id, service_id, staff_id, start_ms, end_ms, \
         buffer_before_min, buffer_after_min, status, cancelled_by, cancelled_at_ms, version, \
         created_at_ms) VALUES {}",
        vec![row; rows].join(", ")
    )
}

async fn insert_rows(conn: &mut SqliteConnection, rows: &[Row]) {
    let mut query = sqlx::query(AssertSqlSafe(insert_statement(rows.len())));
    for row in rows {
        query = query
            .bind(row.customer)
            .bind(row.staff)
            .bind(row.start_ms)
            .bind(row.end_ms)
            .bind(row.status)
            .bind(row.cancelled_by)
            .bind(row.cancelled_at_ms)
            .bind(row.created_at_ms);
    }
    query.execute(&mut *conn).await.unwrap();
}

/// Writes a database with the catalog and `count` bookings to `path`.
async fn generate(path: &Path, count: usize) {
    // The store creates the schema; the engine imports the catalog.
    let store = SqliteStore::open(&SqliteSettings::new(path)).await.unwrap();
    let engine = Engine::on_store(
        store.clone(),
        ManualClock::new(now()),
        policy(15),
        EngineSettings::default(),
    );
    assert!(
        engine
            .import_catalog_if_empty(SALON.catalog())
            .await
            .unwrap()
    );
    store.close().await;

    // Only this connection writes the bookings: no journal and no fsync,
    // which is safe because a half-written file is never used (it is
    // renamed into place when complete), and a large page cache.
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Off)
        .synchronous(SqliteSynchronous::Off)
        .pragma("cache_size", "-524288")
        .connect()
        .await
        .unwrap();
    let mut tx = conn.begin().await.unwrap();
    let mut rows = working_days(count)
        .into_iter()
        .flat_map(rows_of)
        .take(count);
    loop {
        let chunk: Vec<Row> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        if chunk.is_empty() {
            break;
        }
        insert_rows(&mut tx, &chunk).await;
    }
    tx.commit().await.unwrap();
    // Leave the file as the store leaves it: in WAL mode.
    sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

/// The database with `count` bookings, generated on first use.
fn fixture(runtime: &Runtime, count: usize) -> PathBuf {
    let path = bench_dir().join(format!(
        "availability-{count}-v{FIXTURE_VERSION}-schema{}.db",
        adapter_sqlite::schema_level()
    ));
    if !path.exists() {
        let partial = path.with_extension("partial");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
        }
        let started = Instant::now();
        runtime.block_on(generate(&partial, count));
        std::fs::rename(&partial, &path).unwrap();
        eprintln!(
            "generated {} in {:.1} s",
            path.display(),
            started.elapsed().as_secs_f64()
        );
    }
    path
}

/// An engine on the fixture with `count` bookings, opened with the
/// store's default settings.
fn engine_on(runtime: &Runtime, count: usize) -> Engine {
    let path = fixture(runtime, count);
    let store = runtime
        .block_on(SqliteStore::open(&SqliteSettings::new(path)))
        .unwrap();
    Engine::on_store(
        store,
        ManualClock::new(now()),
        policy(15),
        EngineSettings::default(),
    )
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The figure: `Engine::free_times` of one day, any staff member. It reads
/// the catalog, the day's overrides and blocked periods, and the bookings
/// of the day and its neighbours, then runs the slot engine.
#[divan::bench(args = [10_000, 1_000_000], max_time = Duration::from_secs(5))]
fn free_times_of_one_day(bencher: Bencher, stored_bookings: usize) {
    let runtime = runtime();
    let engine = engine_on(&runtime, stored_bookings);
    let service = ServiceId::new(SERVICE).unwrap();
    let free = runtime
        .block_on(engine.free_times(service, StaffChoice::Any, asked_day()))
        .unwrap();
    // Each staff member has three free hours that day.
    assert!(!free.is_empty(), "the asked day has free times");
    bencher.bench_local(|| {
        runtime
            .block_on(engine.free_times(service, StaffChoice::Any, asked_day()))
            .unwrap()
    });
}

/// The store's part alone: the active bookings of the asked day and the
/// days around it (what `free_times` reads), the range search whose cost
/// must not grow with the history.
#[divan::bench(args = [10_000, 1_000_000], max_time = Duration::from_secs(5))]
fn bookings_around_one_day(bencher: Bencher, stored_bookings: usize) {
    let runtime = runtime();
    let engine = engine_on(&runtime, stored_bookings);
    let store = engine.booking_store();
    let from = Utc.from_utc_datetime(&asked_day().pred_opt().unwrap().and_time(NaiveTime::MIN));
    let window = Interval::new(from, from + chrono::Duration::days(3)).unwrap();
    let found = runtime
        .block_on(store.bookings_overlapping(window, None, BookingScope::ActiveOnly))
        .unwrap();
    assert!(found.len() > 200, "the three days hold {}", found.len());
    bencher.bench_local(|| {
        runtime
            .block_on(store.bookings_overlapping(window, None, BookingScope::ActiveOnly))
            .unwrap()
    });
}

/// Figure 2's line: the median of `Engine::free_times` with 1,000,000
/// stored bookings over the median with 10,000, timed in alternating
/// rounds so that a change of load falls on both (divan's table above
/// gives its results no API).
fn figure() {
    const ROUNDS: usize = 10;
    const CALLS_PER_ROUND: usize = 30;
    let runtime = runtime();
    let engines = [engine_on(&runtime, 10_000), engine_on(&runtime, 1_000_000)];
    let service = ServiceId::new(SERVICE).unwrap();
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..ROUNDS {
        for (engine, times) in engines.iter().zip(&mut times) {
            for _ in 0..CALLS_PER_ROUND {
                let started = Instant::now();
                runtime
                    .block_on(engine.free_times(service, StaffChoice::Any, asked_day()))
                    .unwrap();
                times.push(started.elapsed().as_secs_f64());
            }
        }
    }
    let [small, large] = times.map(|mut times| {
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    });
    let ratio = large / small;
    let verdict = if ratio <= 1.5 { "met" } else { "not met" };
    println!(
        "FIGURE 2: {ratio:.2} x budget 1.5 {verdict} (medians {:.0} µs and {:.0} µs)",
        small * 1e6,
        large * 1e6
    );
}

fn main() {
    // The figures depend on what else runs on the machine's cores.
    eprintln!("load average before: {}", load_average());
    divan::main();
    figure();
    eprintln!("load average after: {}", load_average());
}
