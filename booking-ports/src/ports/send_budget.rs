//! Telegram's sending limits shared by every dispatcher on one database: one
//! message per chat per interval, a cap per bot per second, and a pause of a
//! whole bot after flood control (a 429's `retry_after`).
//!
//! One process keeps them in memory ([`RateLimiter`](crate::dispatch::RateLimiter));
//! several instances sending for the same bots must count together, or each
//! would use the whole budget and Telegram would answer 429 to all of them.
//! A store that several processes share implements this port, and the
//! dispatcher asks it before each send
//! ([`Dispatcher::with_send_budget`](crate::dispatch::Dispatcher::with_send_budget)).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::error::StoreError;
use crate::ports::conversations::BotName;
use crate::ports::sender::Destination;

/// The limits a send is checked against; every dispatcher sharing a budget
/// should use the same ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    /// The shortest gap between two messages to one chat.
    pub per_chat_interval: Duration,
    /// The most messages one bot sends in one second of the clock
    /// (`hh:mm:ss.000` to `.999`).
    pub per_bot_per_second: u32,
}

/// What the budget said about one send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendPermit {
    /// Counted: send now.
    Granted,
    /// Not now (nothing was counted): the earliest instant it may be asked
    /// again.
    WaitUntil(DateTime<Utc>),
}

/// The sending budget of every bot, shared by all the dispatchers that use
/// one store.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait SendBudget: Send + Sync {
    /// Grants one send to `to` at `now` when its bot is not paused, the chat
    /// had no message granted within `per_chat_interval` before `now`, and
    /// the bot had fewer than `per_bot_per_second` granted in `now`'s
    /// second; a grant counts at once. Otherwise counts nothing and answers
    /// when to ask again. MUST be atomic across processes: two dispatchers
    /// asking at once MUST NOT both get the chat's one message, nor the
    /// bot's last one of a second.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn take_send(
        &self,
        to: &Destination,
        now: DateTime<Utc>,
        limits: SendLimits,
    ) -> Result<SendPermit, StoreError>;

    /// Pauses every send of `bot` until `until` (flood control); a pause
    /// MUST only ever be lengthened.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn pause_bot(&self, bot: &BotName, until: DateTime<Utc>) -> Result<(), StoreError>;

    /// Forgets what can no longer hold a send back at `now` or later
    /// (grants older than `per_chat_interval` and than one second, pauses
    /// over), so the budget stays small.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn forget_sends_before(
        &self,
        now: DateTime<Utc>,
        limits: SendLimits,
    ) -> Result<(), StoreError>;
}
