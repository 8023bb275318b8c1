//! Whether the service is ready: the database answers and every bot is
//! receiving updates. `/readyz` on the HTTP listener (`http`) asks
//! [`Readiness::check`]; the bots report into their [`BotHealth`].
//!
//! "Receiving updates" means, for each bot:
//! - its dispatcher has started: `getMe` answered and the update listener
//!   was handed to it (until then the bot is *starting*);
//! - with long polling, the latest `getUpdates` that completed did not fail
//!   (an error makes the bot *failing* until a later `getUpdates` succeeds,
//!   empty answers included: `polling` observes every answer), or another
//!   instance on the same PostgreSQL database polls it (standby);
//! - with a webhook, `setWebhook` succeeded (the service does not start
//!   otherwise); Telegram's delivery failures are not visible from here.
//!
//! After SIGINT or SIGTERM every bot is *stopping*, so a load balancer stops
//! sending traffic while the updates in flight finish.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use adapter_postgres::PgStore;
use adapter_sqlite::SqliteStore;
use booking_ports::StoreError;
use futures::future::BoxFuture;

/// How long `/readyz` waits for the database before reporting it
/// unreachable: a busy pool or a locked file must not hang the probe.
pub const DATABASE_ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// Something that tells whether the database answers.
pub trait DatabaseProbe: Send + Sync + 'static {
    /// Resolves to `Ok` when the database answered a cheap query.
    fn answers(&self) -> BoxFuture<'_, Result<(), StoreError>>;
}

impl DatabaseProbe for SqliteStore {
    fn answers(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.ping())
    }
}

impl DatabaseProbe for PgStore {
    fn answers(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.ping())
    }
}

/// What a bot is doing, as far as readiness goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum BotState {
    /// `getMe` has not answered yet, or the listener is not running.
    Starting = 0,
    /// Listening, and the last poll (if any since the start) succeeded.
    Receiving = 1,
    /// The last `getUpdates` failed; teloxide's backoff retries it.
    Failing = 2,
    /// A stop signal arrived; no new updates are taken.
    Stopping = 3,
}

impl BotState {
    fn from_u8(value: u8) -> Self {
        match value {
            0 => Self::Starting,
            1 => Self::Receiving,
            2 => Self::Failing,
            _ => Self::Stopping,
        }
    }
}

/// One bot's state, shared between the bot's runner (which reports) and
/// [`Readiness`] (which reads). Cheap to clone.
#[derive(Clone)]
pub struct BotHealth {
    name: &'static str,
    state: Arc<AtomicU8>,
}

impl fmt::Debug for BotHealth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotHealth")
            .field("name", &self.name)
            .field("state", &self.state())
            .finish()
    }
}

impl BotHealth {
    /// A bot named `name` ("client", "admin"), starting.
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            state: Arc::new(AtomicU8::new(BotState::Starting as u8)),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn state(&self) -> BotState {
        BotState::from_u8(self.state.load(Ordering::Acquire))
    }

    /// The dispatcher started listening.
    pub fn started(&self) {
        self.set(BotState::Receiving);
    }

    /// A `getUpdates` answered (with updates or without).
    pub fn polled(&self) {
        self.set(BotState::Receiving);
    }

    /// Another instance polls this bot (`leadership`): this one is as
    /// ready as it can be, whatever its last poll before standing by.
    pub fn standing_by(&self) {
        self.set(BotState::Receiving);
    }

    /// A `getUpdates` failed.
    pub fn poll_failed(&self) {
        self.set(BotState::Failing);
    }

    /// A stop signal arrived. Final: later reports do not undo it.
    pub fn stopping(&self) {
        self.state
            .store(BotState::Stopping as u8, Ordering::Release);
    }

    fn set(&self, state: BotState) {
        // Never leave `Stopping`: a poll that completes during the drain
        // must not make the service look ready again.
        let _ = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
                (current != BotState::Stopping as u8).then_some(state as u8)
            });
    }
}

/// The readiness of the whole service. Cheap to clone.
#[derive(Clone)]
pub struct Readiness {
    database: Arc<dyn DatabaseProbe>,
    bots: Arc<[BotHealth]>,
}

impl fmt::Debug for Readiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Readiness")
            .field("bots", &self.bots)
            .finish_non_exhaustive()
    }
}

impl Readiness {
    pub fn new(
        database: Arc<dyn DatabaseProbe>,
        bots: impl IntoIterator<Item = BotHealth>,
    ) -> Self {
        Self {
            database,
            bots: bots.into_iter().collect(),
        }
    }

    /// `Ok` when the database answers within [`DATABASE_ANSWER_WITHIN`] and
    /// every bot is receiving updates; otherwise one short reason per
    /// problem ("client bot: starting"), safe to show to anyone who can
    /// reach the listener: no error details (those go to the log).
    pub async fn check(&self) -> Result<(), Vec<String>> {
        let mut reasons: Vec<String> = self
            .bots
            .iter()
            .filter_map(|bot| {
                let problem = match bot.state() {
                    BotState::Receiving => return None,
                    BotState::Starting => "starting (getMe has not answered yet)",
                    BotState::Failing => "the last getUpdates failed; retrying",
                    BotState::Stopping => "stopping",
                };
                Some(format!("{} bot: {problem}", bot.name()))
            })
            .collect();
        match tokio::time::timeout(DATABASE_ANSWER_WITHIN, self.database.answers()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %adapter_telegram::error::chain(&e), "readiness: the database did not answer");
                reasons.push("database: not answering".to_owned());
            }
            Err(_) => {
                tracing::warn!(
                    within = ?DATABASE_ANSWER_WITHIN,
                    "readiness: the database did not answer in time"
                );
                reasons.push(format!(
                    "database: no answer within {} s",
                    DATABASE_ANSWER_WITHIN.as_secs()
                ));
            }
        }
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bot_recovers_from_a_failed_poll_but_never_from_stopping() {
        let bot = BotHealth::new("client");
        assert_eq!(bot.state(), BotState::Starting);

        bot.started();
        bot.poll_failed();
        assert_eq!(bot.state(), BotState::Failing);
        bot.polled();
        assert_eq!(bot.state(), BotState::Receiving);

        bot.stopping();
        bot.polled();
        bot.poll_failed();
        assert_eq!(bot.state(), BotState::Stopping);
    }
}
