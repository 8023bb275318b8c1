//! What one statement costs through sqlx's pool, docs/BENCHMARKS.md figure
//! 8: the store runs every statement on `&pool`, and sqlx 0.9 takes a
//! connection from the pool for it and gives it back with a ping (one more
//! round trip to the connection's worker thread, in a spawned task;
//! `PoolConnection::return_to_pool` does it unconditionally). Measured three
//! ways, the same indexed one-row read each time, on the store's file
//! settings (WAL, a pool of 8 with one kept open and no test before
//! acquire, as `SqliteStore` opens it):
//! - on `&pool`, as the store runs it;
//! - on one connection taken from the pool once and held;
//! - on a connection of its own, outside any pool.
//!
//! The figure is the first way's CPU per statement over the third's:
//! what the pool adds. CPU is the process's (user and kernel, every
//! thread: the tokio workers, the worker threads of sqlx's connections).
//!
//! Run with `cargo bench -p adapter-sqlite --bench statement_cost`;
//! `BENCH_STATEMENTS` sets the statements per way and round (20,000).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

// Only its file location and load report; the salon is for the others.
#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Connection, Executor, SqliteConnection};

use common::{bench_dir, load_average};

/// Rows of the table read; each statement reads one by its key.
const ROWS: i64 = 1_000;
/// Rounds of the three ways, alternating, so the load's drift hits each.
const ROUNDS: usize = 3;
/// At most this many CPU per statement through the pool, as a multiple of
/// the connection of its own: what a pool that hands connections out and
/// takes them back without a round trip would cost.
const BUDGET_RATIO: f64 = 1.5;

/// The process's CPU time so far, user and kernel, from `/proc/self/stat`
/// (fields 14 and 15, in clock ticks; Linux reports them at 100 a second
/// whatever the kernel's own tick).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The command name may hold spaces: count fields after its `)`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

/// Where the statements run.
enum Way<'a> {
    Pool(&'a SqlitePool),
    Connection(&'a mut SqliteConnection),
}

/// Runs `statements` reads `way`, each its own statement; returns the wall
/// and CPU time per statement, in µs.
async fn reads(mut way: Way<'_>, statements: usize) -> (f64, f64) {
    let (wall, cpu) = (Instant::now(), process_cpu());
    for i in 0..statements {
        let key = i64::try_from(i).unwrap() % ROWS;
        let query = sqlx::query_as("SELECT v FROM t WHERE id = ?").bind(key);
        let (value,): (String,) = match &mut way {
            Way::Pool(pool) => query.fetch_one(*pool).await,
            Way::Connection(connection) => query.fetch_one(&mut **connection).await,
        }
        .unwrap();
        assert_eq!(value.len(), 8);
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / statements as f64;
    (per(wall.elapsed()), per(process_cpu() - cpu))
}

fn main() {
    let statements: usize = std::env::var("BENCH_STATEMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(statements));
}

async fn run(statements: usize) {
    let dir = tempfile::tempdir_in(bench_dir()).unwrap();
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("statements.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        .test_before_acquire(false)
        .connect_with(options.clone())
        .await
        .unwrap();
    pool.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        .await
        .unwrap();
    pool.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999) \
         INSERT INTO t SELECT i, printf('%08d', i) FROM n",
    )
    .await
    .unwrap();
    let mut own = SqliteConnection::connect_with(&options).await.unwrap();

    println!(
        "One statement's cost, {statements} reads per way and round, {ROUNDS} rounds; load average before: {}",
        load_average()
    );
    println!();
    println!("| way | round | wall µs per statement | CPU µs per statement |");
    println!("|---|---|---|---|");
    let (mut pooled_cpu, mut own_cpu) = (Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        let (wall, cpu) = reads(Way::Pool(&pool), statements).await;
        println!("| on `&pool` (as the store) | {round} | {wall:.1} | {cpu:.1} |");
        pooled_cpu.push(cpu);
        let mut held = pool.acquire().await.unwrap();
        let (wall, cpu) = reads(Way::Connection(&mut held), statements).await;
        drop(held);
        println!("| one pooled connection, held | {round} | {wall:.1} | {cpu:.1} |");
        let (wall, cpu) = reads(Way::Connection(&mut own), statements).await;
        println!("| a connection of its own | {round} | {wall:.1} | {cpu:.1} |");
        own_cpu.push(cpu);
    }
    own.close().await.unwrap();
    pool.close().await;
    println!();
    println!("Load average after: {}", load_average());
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let ratio = median(&mut pooled_cpu) / median(&mut own_cpu);
    let verdict = if ratio <= BUDGET_RATIO {
        "met"
    } else {
        "not met"
    };
    println!("FIGURE 8: {ratio:.2} x budget {BUDGET_RATIO} {verdict}");
}
