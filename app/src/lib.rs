//! The bundled deployment as a library, so its parts are testable and the
//! `booking` binary (`src/main.rs`) is only the composition root.
//!
//! - `backups`: scheduled online backups beside the bots.
//! - `cli`: the command line.
//! - `commands`: the maintenance subcommands (migrate, backup, restore,
//!   export, hash-pin, check-config, catalog).
//! - `config`: settings from the TOML file and the environment.
//! - `database`: the store `BOOKING_DATABASE_URL` names (SQLite or
//!   PostgreSQL) and its settings; `store`: the opened store, either one.
//! - `bots`: running a bot until a stop signal; `admitted`: its updates
//!   behind the per-chat admission; `inbox`: each update recorded before
//!   Telegram is told it arrived, and handed back after a crash.
//! - `updates`: where the bots' updates come from (long polling or
//!   webhooks); `polling` and `webhook`: the two kinds; `unreadable`:
//!   updates teloxide cannot read, logged by id and kind only.
//! - `http`: the HTTP listener (`/healthz`, `/readyz`, webhooks), and its
//!   settings; `health`: what `/readyz` checks.
//! - `run_lock`: the lock `booking run` holds on its database (a lock file
//!   on SQLite, an advisory lock on PostgreSQL, shared by the instances).
//! - `leadership`: what one instance does at a time on PostgreSQL (each
//!   bot's long polling, the periodic jobs); on SQLite, the one instance.
//! - `serve`: `booking run`: the bots and the notification dispatcher.
//! - `reload`: hot reload of the config file while `booking run` runs.
//! - `maintenance`: housekeeping beside the bots.
//! - `metrics`: the Prometheus exporter behind the `metrics` facade, and
//!   the `GET /metrics` route.
//! - `shutdown`: SIGINT and SIGTERM, and the stop deadline.
//! - `telemetry`: logging.
#![forbid(unsafe_code)]

/// jemalloc for the binary, its tests and its benchmarks alike (declared
/// here, not in `main.rs`, so that the benchmarks measure the allocator
/// `booking` runs on): glibc's malloc and free were about a sixth of an
/// update's CPU (docs/BENCHMARKS.md, figure 4).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

pub mod admitted;
pub mod backups;
pub mod bots;
pub mod cli;
pub mod commands;
pub mod config;
pub mod database;
pub mod health;
pub mod http;
pub mod inbox;
pub mod leadership;
pub mod maintenance;
pub mod metrics;
pub mod miniapp;
pub mod polling;
pub mod reload;
pub mod run_lock;
pub mod serve;
pub mod shutdown;
pub mod store;
pub mod telemetry;
pub mod unreadable;
pub mod updates;
pub mod webhook;
