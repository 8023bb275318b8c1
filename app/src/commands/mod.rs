//! The maintenance subcommands of `booking`, one module each. They share
//! the exit codes below, the settings they read and a small runtime.
//!
//! Exit codes (documented in `booking --help` and docs/OPERATIONS.md):
//! 0 done; 1 failed while running; 2 bad settings or usage; 3 refused
//! (verification failed, bots running, catalog not empty); 4 the target
//! file exists.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command's output and its one error line are what the operator reads"
)]

use std::future::Future;
use std::process::ExitCode;

use crate::config::{self, ProcessEnvironment};
use crate::database::{self, DatabaseSettings, OpenAloneError, Store};
use crate::run_lock::{HeldLock, RunLock, RunLockError};

pub mod backup;
pub mod catalog;
pub mod check_config;
pub mod export;
pub mod hash_pin;
pub mod migrate;
pub mod migrate_store;
pub mod restore;
pub mod webhook;

/// How a command ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Failure = 1,
    Settings = 2,
    Refused = 3,
    TargetExists = 4,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Prints `message` as the command's one error line and returns `exit`.
pub fn fail(exit: Exit, message: impl std::fmt::Display) -> Exit {
    eprintln!("booking: {message}");
    exit
}

/// Reads `.env` (without overriding the environment).
///
/// # Errors
/// [`Exit::Settings`] after printing what is wrong.
pub fn dotenv() -> Result<(), Exit> {
    config::load_dotenv().map_err(|e| fail(Exit::Settings, e))
}

/// The full settings, for commands that need the business's time zone or
/// catalog.
///
/// # Errors
/// [`Exit::Settings`] after printing the one-line reason.
pub fn settings() -> Result<config::Settings, Exit> {
    dotenv()?;
    config::load(&ProcessEnvironment).map_err(|e| fail(Exit::Settings, e))
}

/// The database settings alone (`BOOKING_DATABASE_*` or their defaults):
/// the database commands need no bot token.
///
/// # Errors
/// [`Exit::Settings`] after printing what is wrong.
pub fn database_settings() -> Result<DatabaseSettings, Exit> {
    dotenv()?;
    config::database(&ProcessEnvironment).map_err(|e| fail(Exit::Settings, e))
}

/// Takes the database's run lock for a command that must not run beside
/// the bots (or beside another such command): a migration would change
/// the schema under a running older release, an import would race the
/// bots' catalog reads, a restore would swap the file under them. Held
/// until the returned lock is dropped.
///
/// # Errors
/// [`Exit::Refused`] when `booking run` (or another such command) holds
/// the lock, [`Exit::Failure`] when the lock file cannot be made; each
/// after printing why.
pub fn exclusive(database: &std::path::Path) -> Result<RunLock, Exit> {
    match RunLock::try_acquire(database) {
        Ok(lock) => Ok(lock),
        Err(e @ RunLockError::Held { .. }) => Err(fail(
            Exit::Refused,
            format_args!("{e}; stop the bots first"),
        )),
        Err(e) => Err(fail(Exit::Failure, chain(&e))),
    }
}

/// Opens the store for a command that must not run beside the bots (or
/// another such command), holding the run lock: see [`exclusive`]. On
/// PostgreSQL the lock is the database's own, taken before migrating.
///
/// # Errors
/// [`Exit::Refused`] when another process holds the lock,
/// [`Exit::Failure`] when the database cannot be opened; each after
/// printing why.
pub async fn open_alone(settings: &DatabaseSettings) -> Result<(Store, HeldLock), Exit> {
    match database::open_alone(settings).await {
        Ok(opened) => Ok(opened),
        Err(e @ OpenAloneError::InUse { .. }) => Err(fail(
            Exit::Refused,
            format_args!("{e}; stop the bots first"),
        )),
        Err(e) => Err(fail(Exit::Failure, chain(&e))),
    }
}

/// Runs `work` to completion on a single-threaded runtime.
pub fn block_on<F: Future<Output = Exit>>(work: F) -> Exit {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(work),
        Err(e) => fail(
            Exit::Failure,
            format_args!("cannot start the async runtime: {e}"),
        ),
    }
}

/// The error with its sources, on one line.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    adapter_telegram::error::chain(error)
}
