//! The bundled deployment as a library, so its parts are testable and the
//! `booking` binary (`src/main.rs`) is only the composition root.
//!
//! - `backups`: scheduled online backups beside the bots.
//! - `cli`: the command line.
//! - `commands`: the maintenance subcommands (migrate, backup, restore,
//!   export, hash-pin, check-config, catalog).
//! - `config`: settings from the TOML file and the environment.
//! - `database`: the SQLite store at `BOOKING_DATABASE_URL`.
//! - `bots`: running a bot with long polling until a stop signal.
//! - `run_lock`: the lock `booking run` holds on its database.
//! - `serve`: `booking run`: the bots and the notification dispatcher.
//! - `reload`: hot reload of the config file while `booking run` runs.
//! - `maintenance`: housekeeping beside the bots.
//! - `metrics`: the Prometheus recorder and the `GET /metrics` route.
//! - `shutdown`: SIGINT and SIGTERM.
//! - `telemetry`: logging.
#![forbid(unsafe_code)]

pub mod backups;
pub mod bots;
pub mod cli;
pub mod commands;
pub mod config;
pub mod database;
pub mod maintenance;
pub mod metrics;
pub mod reload;
pub mod run_lock;
pub mod serve;
pub mod shutdown;
pub mod telemetry;
