//! Booking throughput on SQLite with the default durability
//! (`synchronous=FULL`: every acknowledged booking survives a power loss),
//! docs/BENCHMARKS.md figure 3.
//!
//! Prints, from one run on one disk so they compare:
//! - the raw ceiling: one writer on one sqlx connection with the store's file
//!   settings, one `BEGIN IMMEDIATE; INSERT; COMMIT` per booking;
//! - `Engine::book` with 1, 4 and 16 concurrent bookers: what a customer's
//!   "book" button costs, reads of the day and the customer included;
//! - `SqliteStore::create_booking` alone with 1, 4 and 16 concurrent callers.
//!
//! Each line starts from a copy of one template database (the catalog and
//! 1,000 returning customers, whose profiles are stored, so a booking is one
//! write) and books distinct free slots spread over the year, so every line
//! sees the same calendar density after the same number of bookings and no
//! booking is refused. Divan measures one call at a time; this needs many
//! concurrent tokio tasks, hence a plain `main`.
//!
//! Run with `cargo bench -p adapter-sqlite --bench throughput`; set
//! `BENCH_SECONDS` to change the 3 s each line runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use adapter_sqlite::{SqliteSettings, SqliteStore};
use booking_domain::{
    BookingStatus, CustomerId, CustomerName, Minutes, NewBooking, NewBookingParts, PhoneNumber,
    PhoneRegion, ServiceId, StaffChoice, StaffId,
};
use booking_ports::engine::BookingForm;
use booking_ports::{
    ActiveBookingLimit, BookingStore, CustomerProfile, CustomerStore, Engine, EngineSettings,
    ManualClock, NewNotice, NoticeKind, Recipient,
};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use common::{Salon, bench_dir, load_average, policy};

const BOOKERS: [usize; 3] = [1, 4, 16];
const STAFF: u64 = 16;
const SLOTS_PER_DAY: u64 = 24;
const DAYS: u64 = 365;
const CUSTOMERS: u64 = 1_000;
const PHONE: &str = "030 901820";
/// Bookings made before the clock starts, so connections are open and
/// statements prepared when it does.
const WARM_UP: Duration = Duration::from_millis(300);

/// Every staff member works 08:00 to 20:00 every day; a visit is 30
/// minutes on a 30-minute grid: 24 slots a day each.
const SALON: Salon = Salon {
    staff: STAFF as i64,
    periods: &["08:00-20:00"],
    days: &[
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ],
    duration_min: 30,
    buffer_before_min: 0,
    buffer_after_min: 0,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, 6, 0, 0).unwrap()
}

/// The `g`-th booking of a line (bookers take interleaved numbers, so none
/// collide): days fill evenly, one slot of each staff member per day
/// before the next slot. Returns the staff member and the start.
fn slot(g: u64) -> (StaffId, DateTime<Utc>) {
    let day = 1 + g % DAYS;
    let rank = g / DAYS;
    let staff = 1 + rank % STAFF;
    let slot = rank / STAFF;
    assert!(slot < SLOTS_PER_DAY, "the calendar is full");
    let date: NaiveDate = now().date_naive() + Days::new(day);
    let local = date.and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap())
        + chrono::Duration::minutes(30 * slot as i64);
    let start = policy(30)
        .time_zone()
        .from_local_datetime(&local)
        .single()
        .unwrap()
        .with_timezone(&Utc);
    (StaffId::new(staff as i64).unwrap(), start)
}

fn customer(g: u64) -> CustomerId {
    CustomerId::new(1 + (g % CUSTOMERS) as i64).unwrap()
}

fn customer_name(id: CustomerId) -> String {
    format!("Customer {}", id.get())
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
    let phone = PhoneNumber::parse(PHONE, PhoneRegion::new("DE").unwrap()).unwrap();
    for g in 0..CUSTOMERS {
        let id = customer(g);
        store
            .save_customer(CustomerProfile {
                id,
                name: CustomerName::new(&customer_name(id)).unwrap(),
                phone: phone.clone(),
                language: None,
                consented_at: now(),
            })
            .await
            .unwrap();
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

/// What one line measured.
struct Line {
    bookings: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Line {
    fn per_second(&self) -> f64 {
        self.bookings as f64 / self.elapsed.as_secs_f64()
    }

    fn latency(&mut self, quantile: f64) -> Duration {
        self.latencies.sort_unstable();
        let at = ((self.latencies.len() as f64 - 1.0) * quantile).round() as usize;
        self.latencies.get(at).copied().unwrap_or_default()
    }
}

/// Runs `bookers` tasks, each calling `book(g)` with its own interleaved
/// numbers until `run` has passed after the warm-up; counts the calls that
/// started after the warm-up.
async fn drive<F, Fut>(bookers: usize, run: Duration, book: F) -> Line
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let book = Arc::new(book);
    let measured_from = Instant::now() + WARM_UP;
    let deadline = measured_from + run;
    let tasks: Vec<_> = (0..bookers)
        .map(|k| {
            let book = Arc::clone(&book);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for i in 0.. {
                    let started = Instant::now();
                    if started >= deadline {
                        break;
                    }
                    book(i * bookers as u64 + k as u64).await;
                    if started >= measured_from {
                        latencies.push(started.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    Line {
        bookings: latencies.len(),
        elapsed: measured_from.elapsed(),
        latencies,
    }
}

/// One `BEGIN IMMEDIATE; INSERT; COMMIT` per booking on one connection with
/// the store's settings (WAL, `synchronous=FULL`, foreign keys, 5 s busy
/// timeout): what SQLite through sqlx allows one writer at this durability.
async fn raw_ceiling(path: &Path, run: Duration) -> Line {
    // The store switches the file to WAL and creates the schema.
    SqliteStore::open(&SqliteSettings::new(path))
        .await
        .unwrap()
        .close()
        .await;
    let mut conn: SqliteConnection = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .connect()
        .await
        .unwrap();
    let measured_from = Instant::now() + WARM_UP;
    let deadline = measured_from + run;
    let mut latencies = Vec::new();
    for g in 0.. {
        let started = Instant::now();
        if started >= deadline {
            break;
        }
        let (staff, start) = slot(g);
        let start_ms = start.timestamp_millis();
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
        if started >= measured_from {
            latencies.push(started.elapsed());
        }
    }
    conn.close().await.unwrap();
    Line {
        bookings: latencies.len(),
        elapsed: measured_from.elapsed(),
        latencies,
    }
}

/// `Engine::book` by `bookers` concurrent customers, as the bot calls it.
async fn engine_line(path: &Path, bookers: usize, run: Duration) -> Line {
    let store = SqliteStore::open(&SqliteSettings::new(path)).await.unwrap();
    let engine = Arc::new(Engine::on_store(
        store.clone(),
        ManualClock::new(now()),
        policy(30),
        EngineSettings::default(),
    ));
    let line = drive(bookers, run, move |g| {
        let engine = Arc::clone(&engine);
        async move {
            let (staff, start) = slot(g);
            let customer = customer(g);
            let form = BookingForm {
                service: ServiceId::new(common::SERVICE).unwrap(),
                staff: StaffChoice::Only(staff),
                start,
                name: customer_name(customer),
                phone: PHONE.to_owned(),
                comment: None,
                language: None,
            };
            engine.book(customer, form).await.unwrap();
        }
    })
    .await;
    store.close().await;
    line
}

/// `SqliteStore::create_booking` alone, with the notices the engine would
/// send along (the staff member's, and two reminders).
async fn store_line(path: &Path, bookers: usize, run: Duration) -> Line {
    let store = SqliteStore::open(&SqliteSettings::new(path)).await.unwrap();
    let caller = store.clone();
    let line = drive(bookers, run, move |g| {
        let store = caller.clone();
        async move {
            let (staff, start) = slot(g);
            let customer = customer(g);
            let new = NewBooking::new(NewBookingParts {
                customer,
                service: ServiceId::new(common::SERVICE).unwrap(),
                staff,
                start,
                end: start + chrono::Duration::minutes(30),
                buffer_before: Minutes::ZERO,
                buffer_after: Minutes::ZERO,
                comment: None,
                status: BookingStatus::Confirmed,
                created_at: now(),
                rescheduled_from: None,
            })
            .unwrap();
            let notices = vec![
                NewNotice {
                    recipient: Recipient::Staff(staff),
                    kind: NoticeKind::NewBooking {
                        awaiting_confirmation: false,
                    },
                    due_at: now(),
                },
                NewNotice {
                    recipient: Recipient::Customer(customer),
                    kind: NoticeKind::CustomerReminder {
                        before: Minutes::new(24 * 60).unwrap(),
                    },
                    due_at: start - chrono::Duration::hours(24),
                },
                NewNotice {
                    recipient: Recipient::Customer(customer),
                    kind: NoticeKind::CustomerReminder {
                        before: Minutes::new(120).unwrap(),
                    },
                    due_at: start - chrono::Duration::hours(2),
                },
            ];
            let limit = ActiveBookingLimit {
                max: 1_000,
                now: now(),
            };
            store.create_booking(new, limit, notices).await.unwrap();
        }
    })
    .await;
    store.close().await;
    line
}

fn report(label: &str, line: &mut Line, ceiling: &Line) {
    let per_second = line.per_second();
    println!(
        "| {label} | {per_second:.0} | {:.0} | {:.2} | {:.2} | {:.2} |",
        ceiling.per_second(),
        per_second / ceiling.per_second(),
        line.latency(0.5).as_secs_f64() * 1e3,
        line.latency(0.99).as_secs_f64() * 1e3,
    );
}

/// Which way a line books.
#[derive(Clone, Copy)]
enum Booker {
    Engine,
    Store,
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
            "Booking throughput, synchronous=FULL, {} s per line; load average before: {}",
            run.as_secs_f64(),
            load_average()
        );
        // The load of these shared machines drifts within seconds, so each
        // line is compared with a ceiling measured just before it.
        println!(
            "| line | bookings/s | raw ceiling/s, measured just before | ratio | median ms | p99 ms |"
        );
        println!("|---|---|---|---|---|---|");
        let lines = [Booker::Engine, Booker::Store]
            .into_iter()
            .flat_map(|booker| BOOKERS.map(|n| (booker, n)));
        for (booker, bookers) in lines {
            let path = copy_of(&template, "raw");
            let ceiling = raw_ceiling(&path, run).await;
            remove_database(&path);
            let path = copy_of(&template, "line");
            let (label, mut line) = match booker {
                Booker::Engine => (
                    format!("`Engine::book`, {bookers} concurrent bookers"),
                    engine_line(&path, bookers, run).await,
                ),
                Booker::Store => (
                    format!("`SqliteStore::create_booking`, {bookers} concurrent callers"),
                    store_line(&path, bookers, run).await,
                ),
            };
            remove_database(&path);
            report(&label, &mut line, &ceiling);
        }
        println!("Load average after: {}", load_average());
    });
}
