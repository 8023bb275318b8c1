//! The update inbox: every update a bot receives is recorded here before the
//! messaging platform is told it arrived, and marked finished once its
//! handler ran, so a crash loses nothing a customer did and a redelivered
//! update is handled once.
//!
//! The flow, per bot: [`UpdateInbox::record_update`] as the update arrives
//! (a [`Recorded::Duplicate`] is dropped: it is, or was, handled already);
//! [`UpdateInbox::finish_update`] when its handler returned; at the next
//! start, [`UpdateInbox::take_unfinished_updates`] hands back what was
//! recorded but never finished, so it is handled before anything new. An
//! update that keeps failing (it crashes the process every time) is given
//! up after a few attempts instead of crashing every start.
//!
//! The raw update is customer data (names, phones, message texts): the store
//! forgets it when the update is finished and keeps only the id, for
//! deduplication, until [`UpdateInbox::purge_finished_updates`].

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::ports::conversations::BotName;

/// An update id below zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an update id is zero or more, got {0}")]
pub struct InvalidUpdateId(pub i64);

/// The platform's id of one update of one bot (Telegram's `update_id`:
/// increasing, unique per bot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UpdateId(i64);

impl UpdateId {
    /// The lowest id.
    pub const FIRST: Self = Self(0);

    /// # Errors
    /// [`InvalidUpdateId`] when `value < 0`.
    pub fn new(value: i64) -> Result<Self, InvalidUpdateId> {
        if value >= 0 {
            Ok(Self(value))
        } else {
            Err(InvalidUpdateId(value))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for UpdateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What [`UpdateInbox::record_update`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Stored now: hand it to the handlers.
    New,
    /// Stored before (finished or not): drop this copy.
    Duplicate,
}

/// A recorded update that was not finished.
#[derive(Clone, PartialEq, Eq)]
pub struct InboxUpdate {
    pub update_id: UpdateId,
    /// The update as the platform sent it (JSON for Telegram).
    pub raw: String,
    pub received_at: DateTime<Utc>,
    /// How many times it has been handed to the handlers, this time
    /// included.
    pub attempts: u32,
}

impl fmt::Debug for InboxUpdate {
    /// Without the raw update: it holds personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InboxUpdate")
            .field("update_id", &self.update_id)
            .field("raw_bytes", &self.raw.len())
            .field("received_at", &self.received_at)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// What [`UpdateInbox::take_unfinished_updates`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unfinished {
    /// To hand to the handlers again, in update id order.
    pub replay: Vec<InboxUpdate>,
    /// Attempted `max_attempts` times already: now finished without being
    /// handled, in update id order.
    pub given_up: Vec<UpdateId>,
}

/// Where received updates are recorded until handled.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait UpdateInbox: Send + Sync {
    /// Records `update_id` of `bot` with its raw text, unfinished, with one
    /// attempt (the hand-off that follows). MUST be durable when it returns
    /// (the caller tells the platform the update arrived only then). MUST
    /// return [`Recorded::Duplicate`] and change nothing when `(bot,
    /// update_id)` is stored already, finished or not; MUST decide that
    /// atomically, so of two concurrent records of one update exactly one is
    /// [`Recorded::New`]. The same id in another bot is another update.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn record_update(
        &self,
        bot: BotName,
        update_id: UpdateId,
        raw: String,
        received_at: DateTime<Utc>,
    ) -> Result<Recorded, StoreError>;

    /// Marks `update_id` of `bot` finished at `at` and forgets its raw text.
    /// MUST keep the id, so a later record of it is a duplicate until the
    /// purge. Finishing an unknown or finished update MUST succeed and
    /// change nothing.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn finish_update(
        &self,
        bot: BotName,
        update_id: UpdateId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The unfinished updates of `bot`, for a start after a crash, in one
    /// atomic step: those already attempted `max_attempts` times or more
    /// MUST be finished at `now` (raw text forgotten) and listed in
    /// [`Unfinished::given_up`]; every other MUST have its attempts counted
    /// up by one and be returned in [`Unfinished::replay`], with the new
    /// count. Both lists in update id order. MUST NOT return another bot's
    /// updates or finished ones.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a row is corrupt.
    async fn take_unfinished_updates(
        &self,
        bot: BotName,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Unfinished, StoreError>;

    /// Removes every finished update (of every bot) finished at or before
    /// `finished_before`, and returns how many. MUST NOT remove an
    /// unfinished one, however old.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn purge_finished_updates(
        &self,
        finished_before: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}
