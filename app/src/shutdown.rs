//! Stopping on SIGINT (Ctrl-C) and SIGTERM (systemd, Docker), within a
//! deadline.
//!
//! teloxide's own Ctrl-C handler listens to SIGINT only, so it is not
//! enabled; [`signalled`] waits for either signal and the runner asks each
//! dispatcher to stop. A stopping dispatcher takes no new updates and
//! finishes the ones in flight before `dispatch` returns. Finishing can
//! hang on the network (teloxide waits 10 s after a Telegram 5xx before it
//! returns the error), so [`within_deadline`] bounds the whole stop by
//! `[shutdown] deadline_seconds`: a service manager's own kill timeout
//! (systemd's `TimeoutStopSec`, Docker's stop timeout) should be longer.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::watch;

use crate::config::{ConfigError, Reason};

pub const DEFAULT_DEADLINE_SECONDS: u32 = 20;

/// Whether the stop signal was received, for every part of the service:
/// the first call of [`signalled`] starts the one listener.
static STOPPED: OnceLock<watch::Sender<bool>> = OnceLock::new();

/// Resolves at the first SIGINT or SIGTERM, also when it came before this
/// call: a part of the service that starts waiting late (the bots start
/// after the database is open) still stops. Every part waits on its own
/// call; the signal is logged once.
pub async fn signalled() {
    let mut stopped = STOPPED
        .get_or_init(|| {
            tokio::spawn(async {
                let which = received().await;
                tracing::info!("{which} received; stopping");
                if let Some(stopped) = STOPPED.get() {
                    stopped.send_replace(true);
                }
            });
            watch::channel(false).0
        })
        .subscribe();
    // The sender is a static: it is never dropped, so this cannot fail.
    let _ = stopped.wait_for(|stopped| *stopped).await;
}

async fn received() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => "SIGINT",
                    _ = terminate.recv() => "SIGTERM",
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the bots");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// The service had not stopped when the deadline after the stop signal
/// passed.
#[derive(Debug, thiserror::Error)]
#[error("the service did not stop within {} s of the stop signal ([shutdown] deadline_seconds); exiting with work unfinished", .0.as_secs())]
pub struct DeadlinePassed(pub Duration);

/// Runs `service` to its end, but once `stop` has resolved gives it at most
/// `deadline` more.
///
/// # Errors
/// [`DeadlinePassed`] when the service was still running at the deadline;
/// it is dropped then.
pub async fn within_deadline<T>(
    service: impl Future<Output = T>,
    stop: impl Future<Output = ()>,
    deadline: Duration,
) -> Result<T, DeadlinePassed> {
    tokio::pin!(service);
    tokio::select! {
        done = &mut service => return Ok(done),
        () = stop => {}
    }
    tokio::time::timeout(deadline, service)
        .await
        .map_err(|_| DeadlinePassed(deadline))
}

/// `[shutdown]` as written in the config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShutdownSection {
    #[serde(default = "default_deadline_seconds")]
    deadline_seconds: u32,
}

fn default_deadline_seconds() -> u32 {
    DEFAULT_DEADLINE_SECONDS
}

impl Default for ShutdownSection {
    fn default() -> Self {
        Self {
            deadline_seconds: DEFAULT_DEADLINE_SECONDS,
        }
    }
}

impl ShutdownSection {
    /// The deadline after a stop signal.
    pub(crate) fn deadline(&self) -> Result<Duration, ConfigError> {
        if !(1..=3600).contains(&self.deadline_seconds) {
            return Err(ConfigError::invalid(
                "shutdown.deadline_seconds",
                Reason("expected 1 to 3600 seconds"),
            ));
        }
        Ok(Duration::from_secs(u64::from(self.deadline_seconds)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEADLINE: Duration = Duration::from_secs(20);

    // Virtual time: the runtime jumps its clock when every task waits, so
    // the deadline passes without the test waiting for it.
    #[tokio::test(start_paused = true)]
    async fn a_service_that_stops_in_time_returns_its_outcome() {
        let service = async {
            tokio::time::sleep(DEADLINE / 2).await;
            7
        };
        assert_eq!(
            within_deadline(service, async {}, DEADLINE).await.unwrap(),
            7
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_service_still_busy_at_the_deadline_is_given_up() {
        let started = tokio::time::Instant::now();
        let outcome = within_deadline(std::future::pending::<()>(), async {}, DEADLINE).await;
        assert_eq!(outcome.unwrap_err().0, DEADLINE);
        assert_eq!(
            started.elapsed(),
            DEADLINE,
            "given up exactly at the deadline"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_stop_signal_there_is_no_deadline() {
        let service = async {
            tokio::time::sleep(DEADLINE * 10).await;
            "done"
        };
        let outcome = within_deadline(service, std::future::pending(), DEADLINE).await;
        assert_eq!(outcome.unwrap(), "done");
    }

    #[test]
    fn the_deadline_is_checked() {
        let section: ShutdownSection = toml::from_str("").unwrap();
        assert_eq!(section.deadline().unwrap(), DEADLINE);
        let section: ShutdownSection = toml::from_str("deadline_seconds = 0").unwrap();
        let error = section.deadline().unwrap_err().to_string();
        assert!(error.starts_with("shutdown.deadline_seconds"), "{error}");
    }
}
