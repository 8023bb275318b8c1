//! Logs: human-readable lines on standard error, filtered by `RUST_LOG`
//! (default `info`). teloxide logs through the `log` crate; those records
//! are forwarded into the same subscriber.
//!
//! What is logged never holds personal data or tokens: domain values mask
//! themselves, teloxide strips tokens from request errors, and updates the
//! bots do not handle are dropped without being logged.

use tracing_subscriber::EnvFilter;

/// Installs the subscriber. Calling it twice is harmless.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
