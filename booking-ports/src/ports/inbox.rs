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
//!
//! Several instances on one store (PostgreSQL) cannot hand back "what was
//! not finished" at a start: another live instance may be handling it. They
//! share the work by chat instead: every update is recorded with its chat,
//! and an instance handles a chat's updates only while it holds the chat's
//! lease ([`UpdateInbox::claim_chat`]), in update id order
//! ([`UpdateInbox::take_chat_updates`]), until the chat is drained
//! ([`UpdateInbox::release_chat_if_drained`]). A chat whose holder died
//! keeps its unfinished updates; once its lease has run out,
//! [`UpdateInbox::chats_to_take_over`] names it to the others. The lease
//! types are in the submodule `leases`.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::ports::conversations::{BotName, ChatKey, ConversationKey};

mod leases;

pub use leases::{ChatClaim, InvalidLeaseHolder, LeaseHolder, TakeChatUpdatesError};

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

/// The chat an update without one is recorded under. Telegram never uses
/// chat id 0; updates recorded before stores kept the chat (SQLite below
/// level 13, PostgreSQL below level 4) read as this chat too, so they are
/// ordered, in id order, and taken over like the rest.
pub const NO_CHAT: ChatKey = ChatKey::new(0);

/// What [`UpdateInbox::record_update`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Stored now: hand it to the handlers.
    New,
    /// Stored before (finished or not): drop this copy.
    Duplicate,
}

/// An update to record, as [`UpdateInbox::record_updates`] takes it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewInboxUpdate {
    pub update_id: UpdateId,
    /// Its chat, or [`NO_CHAT`].
    pub chat: ChatKey,
    /// The update as the platform sent it (JSON for Telegram).
    pub raw: String,
}

impl fmt::Debug for NewInboxUpdate {
    /// Without the raw update: it holds personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewInboxUpdate")
            .field("update_id", &self.update_id)
            .field("chat", &self.chat)
            .field("raw_bytes", &self.raw.len())
            .finish()
    }
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
    /// Records `update_id` of `bot`, from `chat`, with its raw text,
    /// unfinished, with one attempt (the hand-off that follows). An update
    /// without a chat (Telegram: inline queries, poll answers) is recorded
    /// under [`NO_CHAT`], so it is ordered and taken over like any chat's.
    /// MUST be durable when it returns
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
        chat: ChatKey,
        raw: String,
        received_at: DateTime<Utc>,
    ) -> Result<Recorded, StoreError>;

    /// Records each of `updates` of `bot` as
    /// [`record_update`](Self::record_update) would, received at
    /// `received_at`, and returns their outcomes in the order given (an id
    /// given twice is [`Recorded::New`] at most once). MUST be atomic and
    /// durable as one: when it returns every new one is stored, and when it
    /// fails none is. This is how a poller records the whole answer of one
    /// request before confirming it, with one commit instead of one per
    /// update.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn record_updates(
        &self,
        bot: BotName,
        updates: Vec<NewInboxUpdate>,
        received_at: DateTime<Utc>,
    ) -> Result<Vec<Recorded>, StoreError>;

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

    /// Marks each of `update_ids` of `bot` finished at `at` as
    /// [`finish_update`](Self::finish_update) would, in one atomic step:
    /// all of them or, on failure, none. Updates whose handlers return
    /// together are finished with one commit.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn finish_updates(
        &self,
        bot: BotName,
        update_ids: Vec<UpdateId>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The unfinished updates of `bot`, for a start after a crash, in one
    /// atomic step: those already attempted `max_attempts` times or more
    /// MUST be finished at `now` (raw text forgotten) and listed in
    /// [`Unfinished::given_up`]; every other MUST have its attempts counted
    /// up by one and be returned in [`Unfinished::replay`], with the new
    /// count. Both lists in update id order. MUST NOT return another bot's
    /// updates or finished ones. Only for a process alone on its store: it
    /// ignores chat leases, so beside other instances it would hand back
    /// what they are handling.
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

    /// Takes or renews the lease of `chat` of `bot` for `holder` until
    /// `until` (after `now`): MUST answer [`ChatClaim::Claimed`] and store
    /// the lease when there is none, when it ran out (`until <= now`), or
    /// when `holder` holds it already (renewed, whatever `until` was); else
    /// MUST answer [`ChatClaim::HeldByAnother`] and change nothing. MUST
    /// decide atomically: of concurrent claims of one free chat exactly one
    /// is claimed. A claim MUST wait for a concurrent
    /// [`release_chat_if_drained`](Self::release_chat_if_drained) of the
    /// chat, so an update recorded before the claim is either seen by the
    /// release (which then keeps the lease) or claimed.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn claim_chat(
        &self,
        bot: BotName,
        chat: ChatKey,
        holder: LeaseHolder,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<ChatClaim, StoreError>;

    /// Moves the end of every lease `holder` holds, of every bot, to
    /// `until`, and returns those chats (any order). A lease `holder` held
    /// that another holder took over since is no longer its own: MUST NOT
    /// be renewed nor returned (the caller learns it lost the chat). A
    /// lease that ran out but was not taken over is still `holder`'s and
    /// MUST be renewed.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn renew_chat_leases(
        &self,
        holder: LeaseHolder,
        until: DateTime<Utc>,
    ) -> Result<Vec<ConversationKey>, StoreError>;

    /// The unfinished updates of `chat` of `bot`, for `holder` to hand to
    /// the handlers in update id order, in one atomic step. MUST refuse
    /// with [`TakeChatUpdatesError::NotHeld`], changing nothing, unless
    /// `holder` holds the chat's lease and it runs past `now`.
    ///
    /// Attempts count hand-offs to another holder: an update taken for the
    /// first time keeps the attempt its record counted; one another holder
    /// took before (it died, or lost the lease, before finishing it) MUST
    /// have its attempts counted up by one, or, when attempted
    /// `max_attempts` times or more, MUST be finished at `now` and listed
    /// in [`Unfinished::given_up`] instead; one `holder` took before (its
    /// finish failed, or it is still in flight: the caller skips what it
    /// handed already) MUST come back unchanged. MUST NOT return other
    /// chats' or bots' updates, nor finished ones. (Updates recorded before
    /// the store kept chats are [`NO_CHAT`]'s.)
    ///
    /// # Errors
    /// [`TakeChatUpdatesError::NotHeld`] as above;
    /// [`TakeChatUpdatesError::Store`] when the backend fails or a row is
    /// corrupt.
    async fn take_chat_updates(
        &self,
        bot: BotName,
        chat: ChatKey,
        holder: LeaseHolder,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Unfinished, TakeChatUpdatesError>;

    /// Ends `holder`'s lease of `chat` of `bot` when the chat has no
    /// unfinished update, and answers whether the lease is gone. MUST keep
    /// the lease and answer `false` while an unfinished update of the chat
    /// is stored (the holder takes it next), and MUST answer `false` and
    /// change nothing when `holder` does not hold the lease. MUST decide
    /// against records atomically: an update recorded concurrently is
    /// either seen (the lease stays) or recorded after the lease is gone,
    /// so its recorder's [`claim_chat`](Self::claim_chat) succeeds.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn release_chat_if_drained(
        &self,
        bot: BotName,
        chat: ChatKey,
        holder: LeaseHolder,
    ) -> Result<bool, StoreError>;

    /// Up to `limit` chats of `bot` that have an unfinished update received
    /// at or before `received_before` and no lease running past `now`
    /// (none, or one that ran out: its holder died or stalled), those with
    /// the lowest unfinished update id first. `received_before` is a grace
    /// for the instance that just recorded an update and is about to claim
    /// its chat. MUST NOT name a chat under a live lease, nor one whose
    /// unfinished updates are all younger.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn chats_to_take_over(
        &self,
        bot: BotName,
        now: DateTime<Utc>,
        received_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ChatKey>, StoreError>;

    /// Forgets every chat lease, of every bot and holder, that ran out at or
    /// before `ran_out_before`, and returns how many. MUST NOT forget one
    /// running past it. A live holder renews its leases every few seconds,
    /// so one that ran out long ago is a dead holder's (one stalled that
    /// long has lost its chats anyway: its renewal no longer finds the
    /// lease, as when another holder took it over). A forgotten lease is as
    /// free as one that ran out: the chat can be claimed and, with
    /// unfinished updates, taken over.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn forget_run_out_chat_leases(
        &self,
        ran_out_before: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}
