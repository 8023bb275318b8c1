//! Conversation state through the conversation-store port.
//!
//! [`ConversationStorage`] is a teloxide [`Storage`] over
//! [`ConversationStore`], so a conversation survives a restart and lives in
//! the same database as everything else. It adds what teloxide's storages
//! lack (TECH_NOTES):
//!
//! - **The bot is in the key.** A user's private chat id is the same in the
//!   client and the admin bot; each storage is bound to one [`BotName`].
//! - **Idle expiry.** Each save sets the expiry to now plus the configured
//!   idle time. The port never returns an expired state, and its purge
//!   erases it (a booking draft holds a name and a phone) while keeping a
//!   mark that it expired, so the next message after expiry can say why
//!   the conversation starts over. The housekeeping forgets the marks
//!   after [`EXPIRY_NOTICE_WINDOW`].
//! - **Versioned state.** The state is stored as JSON inside an envelope with
//!   the schema version of the state type. A state written by an older
//!   schema, or one that does not parse, is reported as
//!   [`Loaded::Unreadable`] so the bot can say so and start fresh, where
//!   teloxide's own dialogue layer would silently drop the update.
//! - **Fenced writes.** Several instances may serve one chat one after the
//!   other; every save and removal passes the version the update loaded
//!   ([`ChatConversation`] keeps it per update), so an instance that lost
//!   the chat meanwhile gets [`ConversationError::Conflict`] instead of
//!   overwriting the newer state. The update then ends (see
//!   [`ConversationError::Conflict`]); the chat's next update loads afresh.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use booking_ports::{
    BotName, ChatKey, Clock, ConversationKey, ConversationStore, DeleteConversationError,
    RecordVersion, SaveConversationError, StoreError, StoredConversation,
};
use chrono::{DateTime, Duration, Utc};
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::{ChatId, UpdateId};

mod chat;

pub use self::chat::ChatConversation;

/// How long after its expiry the mark of an expired conversation is kept
/// (its state is erased at expiry) so that the next message can be told
/// that the conversation expired. After that the housekeeping forgets it
/// and a returning user simply starts fresh.
pub const EXPIRY_NOTICE_WINDOW: Duration = Duration::hours(24);

/// The default idle time after which a conversation expires.
pub const DEFAULT_IDLE_EXPIRY: Duration = Duration::minutes(30);

/// How many of the updates that last wrote a conversation its stored form
/// remembers. One chat's updates are handled in order, one at a time, and a
/// handed-over update comes back before any newer one of its chat is
/// handled again; a few cover the updates of a chat that can be in flight
/// together when an instance dies.
pub const APPLIED_KEPT: usize = 8;

/// A dialogue state type that can be stored: serialisable, with a schema
/// version to bump whenever a change makes old stored states unreadable.
pub trait DialogueState: Serialize + DeserializeOwned + Send + 'static {
    /// The schema version of the stored form.
    const SCHEMA_VERSION: u32;
}

/// The stored form: the state with its schema version, our own expiry and
/// the updates that wrote it.
#[derive(Serialize, Deserialize)]
struct Envelope<S> {
    v: u32,
    expires_at: DateTime<Utc>,
    /// The ids of the last updates that wrote this state, oldest first.
    /// Absent in states saved before this field existed (and when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    applied: Vec<u32>,
    state: S,
}

/// The first fields of any envelope, read before the state itself so that
/// the version decides how (whether) to read the rest.
#[derive(Deserialize)]
struct EnvelopeHeader {
    v: u32,
    expires_at: DateTime<Utc>,
    #[serde(default)]
    applied: Vec<u32>,
}

/// A conversation as loaded, with the updates that wrote its state.
struct LoadedEnvelope<S> {
    loaded: Loaded<S>,
    /// Empty unless `loaded` is [`Loaded::Active`].
    applied: Vec<u32>,
}

/// Why a stored state could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Written by another schema version of the state type.
    OtherVersion { stored: u32, current: u32 },
    /// Not a state of the current schema (corrupt, or a change that forgot
    /// to bump the version).
    Malformed,
}

/// A conversation as loaded for one update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded<S> {
    /// Nothing stored: a new conversation.
    Fresh,
    /// The state to continue from.
    Active(S),
    /// The conversation was idle for longer than the expiry; start fresh and
    /// say so.
    Expired,
    /// Something is stored that cannot be read; start fresh and say so.
    Unreadable(Unreadable),
}

/// The conversation store failed, or a state did not serialise.
#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the dialogue state did not serialise")]
    Serialise(#[source] serde_json::Error),
    /// Only from teloxide's [`Storage::get_dialogue`], which has no way to
    /// say "unreadable" other than an error.
    #[error("the stored dialogue state is unreadable: {0:?}")]
    Unreadable(Unreadable),
    /// The conversation changed since this update loaded it (another
    /// instance handled the chat meanwhile); nothing was written. Not a
    /// failure: the bots end the update with a warning and ask the user to
    /// try again, and the next update loads the newer state.
    #[error("the conversation changed since it was loaded at {expected}")]
    Conflict { expected: RecordVersion },
}

impl From<SaveConversationError> for ConversationError {
    fn from(error: SaveConversationError) -> Self {
        match error {
            SaveConversationError::Conflict { expected } => Self::Conflict { expected },
            SaveConversationError::Store(e) => Self::Store(e),
        }
    }
}

impl From<DeleteConversationError> for ConversationError {
    fn from(error: DeleteConversationError) -> Self {
        match error {
            DeleteConversationError::Conflict { expected } => Self::Conflict { expected },
            DeleteConversationError::Store(e) => Self::Store(e),
        }
    }
}

/// Dialogue storage of one bot over the conversation-store port.
pub struct ConversationStorage {
    store: Arc<dyn ConversationStore>,
    clock: Arc<dyn Clock>,
    bot: BotName,
    /// In milliseconds; replaced when the config file is reloaded.
    idle_expiry_ms: AtomicI64,
}

impl fmt::Debug for ConversationStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConversationStorage")
            .field("bot", &self.bot)
            .field("idle_expiry", &self.idle_expiry())
            .finish_non_exhaustive()
    }
}

impl ConversationStorage {
    /// The storage of `bot`'s conversations, which expire after
    /// `idle_expiry` without a message.
    pub fn new(
        store: Arc<dyn ConversationStore>,
        clock: Arc<dyn Clock>,
        bot: BotName,
        idle_expiry: Duration,
    ) -> Self {
        Self {
            store,
            clock,
            bot,
            idle_expiry_ms: AtomicI64::new(idle_expiry.num_milliseconds()),
        }
    }

    pub fn idle_expiry(&self) -> Duration {
        Duration::milliseconds(self.idle_expiry_ms.load(Ordering::Relaxed))
    }

    /// Changes the idle time for conversations saved from now on (a config
    /// reload); saved ones keep the expiry they were saved with.
    pub fn set_idle_expiry(&self, idle_expiry: Duration) {
        self.idle_expiry_ms
            .store(idle_expiry.num_milliseconds(), Ordering::Relaxed);
    }

    fn key(&self, chat: ChatId) -> ConversationKey {
        ConversationKey {
            bot: self.bot.clone(),
            chat: ChatKey::new(chat.0),
        }
    }

    /// The conversation of `chat` as one update sees it: its loads and
    /// writes share the version, so each write is fenced by the last load
    /// (or write) of that update.
    pub fn chat(self: &Arc<Self>, chat: ChatId) -> ChatConversation {
        ChatConversation::new(Arc::clone(self), chat, None)
    }

    /// The conversation of `chat` as the update `update` sees it: like
    /// [`ConversationStorage::chat`], and its saves record the update, so
    /// that the update handed over again after a crash can tell it was
    /// applied ([`ChatConversation::already_applied`]).
    pub fn chat_in_update(self: &Arc<Self>, chat: ChatId, update: UpdateId) -> ChatConversation {
        ChatConversation::new(Arc::clone(self), chat, Some(update))
    }

    /// The conversation of `chat`, telling apart a fresh start, an expired
    /// conversation and an unreadable state, and the version to write it
    /// back with.
    ///
    /// # Errors
    /// [`ConversationError::Store`] when the store fails.
    pub async fn load<S: DialogueState>(
        &self,
        chat: ChatId,
    ) -> Result<(Loaded<S>, RecordVersion), ConversationError> {
        let (loaded, version) = self.load_envelope(chat).await?;
        Ok((loaded.loaded, version))
    }

    async fn load_envelope<S: DialogueState>(
        &self,
        chat: ChatId,
    ) -> Result<(LoadedEnvelope<S>, RecordVersion), ConversationError> {
        let now = self.clock.now();
        let loaded = self.store.load_conversation(self.key(chat), now).await?;
        let conversation = match loaded.stored {
            None => LoadedEnvelope::without(Loaded::Fresh),
            Some(StoredConversation::Expired) => LoadedEnvelope::without(Loaded::Expired),
            Some(StoredConversation::Live(stored)) => decode(&stored, now),
        };
        Ok((conversation, loaded.version))
    }

    /// Stores `state` for `chat`, expiring after the idle time from now, if
    /// the stored version is still `expected`; returns the new version.
    ///
    /// # Errors
    /// [`ConversationError::Conflict`] when the conversation changed since
    /// `expected`; [`ConversationError`] when the state does not serialise
    /// or the store fails.
    pub async fn save<S: DialogueState>(
        &self,
        chat: ChatId,
        state: &S,
        expected: RecordVersion,
    ) -> Result<RecordVersion, ConversationError> {
        self.save_applied(chat, state, expected, Vec::new()).await
    }

    /// [`ConversationStorage::save`], recording that the updates `applied`
    /// (oldest first) wrote the state.
    async fn save_applied<S: DialogueState>(
        &self,
        chat: ChatId,
        state: &S,
        expected: RecordVersion,
        applied: Vec<u32>,
    ) -> Result<RecordVersion, ConversationError> {
        let expires_at = self.clock.now() + self.idle_expiry();
        let envelope = Envelope {
            v: S::SCHEMA_VERSION,
            expires_at,
            applied,
            state,
        };
        let json = serde_json::to_string(&envelope).map_err(ConversationError::Serialise)?;
        Ok(self
            .store
            .save_conversation(self.key(chat), json, expires_at, expected)
            .await?)
    }

    /// Forgets the conversation of `chat` if the stored version is still
    /// `expected` (or none is stored).
    ///
    /// # Errors
    /// [`ConversationError::Conflict`] when it changed since `expected`;
    /// [`ConversationError::Store`] when the store fails.
    pub async fn remove(
        &self,
        chat: ChatId,
        expected: RecordVersion,
    ) -> Result<(), ConversationError> {
        self.store
            .delete_conversation(self.key(chat), expected)
            .await?;
        Ok(())
    }
}

impl<S> LoadedEnvelope<S> {
    fn without(loaded: Loaded<S>) -> Self {
        Self {
            loaded,
            applied: Vec::new(),
        }
    }
}

fn decode<S: DialogueState>(stored: &str, now: DateTime<Utc>) -> LoadedEnvelope<S> {
    let Ok(header) = serde_json::from_str::<EnvelopeHeader>(stored) else {
        return LoadedEnvelope::without(Loaded::Unreadable(Unreadable::Malformed));
    };
    match decode_state(&header, stored, now) {
        loaded @ Loaded::Active(_) => LoadedEnvelope {
            loaded,
            applied: header.applied,
        },
        other => LoadedEnvelope::without(other),
    }
}

fn decode_state<S: DialogueState>(
    header: &EnvelopeHeader,
    stored: &str,
    now: DateTime<Utc>,
) -> Loaded<S> {
    // The store's own expiry is the envelope's since this release; states
    // saved by an earlier one were stored to expire a day later, so the
    // envelope's is still the one that counts.
    if header.expires_at <= now {
        // Checked before the version: an expired state is stale whatever
        // its schema, and "expired" is the more useful thing to say.
        return Loaded::Expired;
    }
    if header.v != S::SCHEMA_VERSION {
        return Loaded::Unreadable(Unreadable::OtherVersion {
            stored: header.v,
            current: S::SCHEMA_VERSION,
        });
    }
    match serde_json::from_str::<Envelope<S>>(stored) {
        Ok(envelope) => Loaded::Active(envelope.state),
        Err(_) => Loaded::Unreadable(Unreadable::Malformed),
    }
}

/// teloxide's dialogue storage API has no version, so through it each write
/// is fenced by a load made just before it: last writer wins, as with
/// teloxide's own storages. The bots use [`ChatConversation`] instead.
impl<S: DialogueState + Sync> Storage<S> for ConversationStorage {
    type Error = ConversationError;

    fn remove_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<(), Self::Error>>
    where
        S: Send + 'static,
    {
        Box::pin(async move {
            let (_, version) = self.load::<S>(chat_id).await?;
            self.remove(chat_id, version).await
        })
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: S,
    ) -> BoxFuture<'static, Result<(), Self::Error>>
    where
        S: Send + 'static,
    {
        Box::pin(async move {
            let (_, version) = self.load::<S>(chat_id).await?;
            self.save(chat_id, &dialogue, version).await?;
            Ok(())
        })
    }

    /// An expired conversation reads as none, so teloxide starts from the
    /// default state; an unreadable one is an error rather than a silent
    /// reset. The bots themselves use [`ConversationStorage::load`], which
    /// tells the cases apart.
    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<Option<S>, Self::Error>> {
        Box::pin(async move {
            match self.load::<S>(chat_id).await?.0 {
                Loaded::Active(state) => Ok(Some(state)),
                Loaded::Fresh | Loaded::Expired => Ok(None),
                Loaded::Unreadable(why) => Err(ConversationError::Unreadable(why)),
            }
        })
    }
}

#[cfg(test)]
mod tests;
