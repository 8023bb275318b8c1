//! The conversation store: one opaque dialogue state per bot and chat, with an
//! expiry, so a conversation survives a restart and an idle one starts fresh.

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

/// Where dialogue state lives. The state is opaque to the store: the bot
/// adapter serialises its own state type (and versions it).
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// The state of `key`. MUST return `None` when there is none or when it
    /// expired (`expires_at <= now`), even before a purge removed it. MUST
    /// never return the state of another bot for the same chat.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn load_conversation(
        &self,
        key: ConversationKey,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError>;

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

    /// Removes every state with `expires_at <= now` and returns how many.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn purge_expired_conversations(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}
