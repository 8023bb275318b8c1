//! The conversation store: one opaque dialogue state per bot and chat, with an
//! expiry, so a conversation survives a restart and an idle one starts fresh.
//!
//! A state holds what the person typed so far (a booking draft has their
//! name and phone), so it must not outlive its expiry by much: the purge
//! erases expired states and keeps only a mark that the conversation
//! expired, which lets the bot say so at the next message instead of
//! starting over without a word.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;

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
    pub fn new(id: i64) -> Self {
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

/// Where dialogue state lives. The state is opaque to the store: the bot
/// adapter serialises its own state type (and versions it).
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// The conversation of `key`: `None` when there is none (never saved,
    /// deleted, or its expired mark forgotten). MUST answer
    /// [`StoredConversation::Expired`], never the state, once it expired
    /// (`expires_at <= now`), even before a purge erased the state. MUST
    /// never return the state of another bot for the same chat.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn load_conversation(
        &self,
        key: ConversationKey,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredConversation>, StoreError>;

    /// Creates or replaces the state of `key`, valid until `expires_at`.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn save_conversation(
        &self,
        key: ConversationKey,
        state: String,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Removes the state of `key`; removing an absent one succeeds.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn delete_conversation(&self, key: ConversationKey) -> Result<(), StoreError>;

    /// Erases the state of every conversation with `expires_at <= now`,
    /// keeping its expired mark, and forgets the marks of those with
    /// `expires_at <= forget_before` altogether. Returns how many states it
    /// erased plus how many marks it forgot.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn purge_expired_conversations(
        &self,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}
