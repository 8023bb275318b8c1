//! The conversation store: one opaque dialogue state per bot and chat, with an
//! expiry, so a conversation survives a restart and an idle one starts fresh.
//!
//! A state holds what the person typed so far (a booking draft has their
//! name and phone), so it must not outlive its expiry by much: the purge
//! erases expired states and keeps only a mark that the conversation
//! expired, which lets the bot say so at the next message instead of
//! starting over without a word.
//!
//! Several instances of the application may serve one chat one after the
//! other (a chat's lease moves to another instance when its holder stalls),
//! so every write is fenced by the [`RecordVersion`] the writer loaded: a
//! write from an instance that lost the chat meanwhile is refused as a
//! conflict instead of overwriting the newer state.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::ports::versions::RecordVersion;

/// A bot name that is empty, too long or not `[a-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a bot name has 1 to 32 characters a-z, 0-9, '-' or '_', got {0:?}")]
pub struct InvalidBotName(pub String);

/// Which bot a conversation belongs to (`client`, `admin`). Part of the key,
/// because a user's chat id is the same in every bot they talk to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BotName(String);

impl BotName {
    pub const MAX_CHARS: usize = 32;

    /// # Errors
    /// [`InvalidBotName`] unless 1 to 32 characters of `[a-z0-9_-]`.
    pub fn new(name: &str) -> Result<Self, InvalidBotName> {
        let valid = (1..=Self::MAX_CHARS).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if valid {
            Ok(Self(name.to_owned()))
        } else {
            Err(InvalidBotName(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BotName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A chat as the messaging platform identifies it (Telegram chat ids are
/// 64-bit and negative for groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChatKey(i64);

impl ChatKey {
    pub const fn new(id: i64) -> Self {
        Self(id)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// The key of one conversation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConversationKey {
    pub bot: BotName,
    pub chat: ChatKey,
}

/// A conversation as the store holds it at some instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredConversation {
    /// Its state, not yet expired.
    Live(String),
    /// It expired. The state is gone (or goes at the next purge) and is
    /// never returned; the mark stays until the purge forgets it.
    Expired,
}

/// A conversation as loaded: what is stored, and the version to write it
/// back with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedConversation {
    /// `None` when there is none (never saved, deleted, or its expired
    /// mark forgotten).
    pub stored: Option<StoredConversation>,
    /// The stored version; [`RecordVersion::NONE`] exactly when `stored` is
    /// `None`. An expired conversation has a version too: the bot deletes
    /// or replaces it with that version.
    pub version: RecordVersion,
}

impl LoadedConversation {
    /// Nothing stored.
    pub const NONE: LoadedConversation = LoadedConversation {
        stored: None,
        version: RecordVersion::NONE,
    };
}

/// Why a conversation state was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveConversationError {
    /// The stored version is not `expected` (another writer saved or
    /// deleted the conversation since it was loaded, or, for a first save,
    /// one was created meanwhile); nothing changed.
    #[error("the conversation changed since it was loaded at {expected}")]
    Conflict { expected: RecordVersion },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a conversation was not deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteConversationError {
    /// A conversation with another version than `expected` is stored
    /// (another writer saved it since it was loaded); nothing changed.
    #[error("the conversation changed since it was loaded at {expected}")]
    Conflict { expected: RecordVersion },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where dialogue state lives. The state is opaque to the store: the bot
/// adapter serialises its own state type (and versions it).
///
/// Writes are fenced: a writer passes the version it loaded, and the write
/// happens only if that is still the stored version. What is not fenced,
/// and why: the purge's erasing of an expired state does not change the
/// version (a writer that loaded the state while it was live acts for a
/// user who was still talking, and may extend it), and forgetting a mark
/// deletes the row (a writer still holding that mark's version then gets a
/// conflict, as for any deleted conversation). A deleted conversation is
/// absent, version [`RecordVersion::NONE`], so a writer that loaded "none"
/// before another writer created and then deleted the conversation can
/// still create it: the fence catches every overwrite of a stored state,
/// not that one re-creation (which needs a stall longer than a chat's lease
/// plus two updates handled elsewhere meanwhile).
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// The conversation of `key` and its version. MUST answer
    /// [`StoredConversation::Expired`], never the state, once it expired
    /// (`expires_at <= now`), even before a purge erased the state. MUST
    /// never return the state of another bot for the same chat. MUST
    /// return [`LoadedConversation::NONE`] when none is stored.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn load_conversation(
        &self,
        key: ConversationKey,
        now: DateTime<Utc>,
    ) -> Result<LoadedConversation, StoreError>;

    /// Stores `state` for `key`, valid until `expires_at`, if the stored
    /// version is still `expected` (the version it was loaded at;
    /// [`RecordVersion::NONE`] to create it). MUST check and write in one
    /// atomic step, so of two saves from the same version exactly one
    /// succeeds; MUST store `expected.next()` and return it.
    ///
    /// # Errors
    /// [`SaveConversationError::Conflict`] when the stored version is not
    /// `expected`: another version is stored, or `expected` is not
    /// [`RecordVersion::NONE`] and none is stored (it was deleted or
    /// forgotten); nothing changes. [`SaveConversationError::Store`] when
    /// the backend fails.
    async fn save_conversation(
        &self,
        key: ConversationKey,
        state: String,
        expires_at: DateTime<Utc>,
        expected: RecordVersion,
    ) -> Result<RecordVersion, SaveConversationError>;

    /// Removes the conversation of `key` if its stored version is
    /// `expected`; removing an absent one succeeds (whatever `expected`:
    /// the conversation is gone either way).
    ///
    /// # Errors
    /// [`DeleteConversationError::Conflict`] when a conversation with
    /// another version is stored; nothing changes.
    /// [`DeleteConversationError::Store`] when the backend fails.
    async fn delete_conversation(
        &self,
        key: ConversationKey,
        expected: RecordVersion,
    ) -> Result<(), DeleteConversationError>;

    /// Erases the state of every conversation with `expires_at <= now`,
    /// keeping its expired mark (and its version), and forgets the marks
    /// of those with `expires_at <= forget_before` altogether. Returns how
    /// many states it erased plus how many marks it forgot.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn purge_expired_conversations(
        &self,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}
