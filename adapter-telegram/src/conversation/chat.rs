//! [`ChatConversation`]: one chat's conversation within one update, which
//! remembers the version the update loaded so that every write of the
//! update is fenced by it.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use booking_ports::RecordVersion;
use teloxide::types::ChatId;

use super::{ConversationError, ConversationStorage, DialogueState, Loaded};

/// One chat's conversation within one update: it remembers the version its
/// last load or write saw, and fences every write by it. Made per update
/// by [`ConversationStorage::chat`]; clones share the version.
#[derive(Clone)]
pub struct ChatConversation {
    storage: Arc<ConversationStorage>,
    chat: ChatId,
    /// A [`RecordVersion`]: an atomic so that clones of an update's
    /// context share it without a lock (one update runs its steps in
    /// order, so there is no contention).
    version: Arc<AtomicU64>,
}

impl fmt::Debug for ChatConversation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatConversation")
            .field("version", &self.version())
            .finish_non_exhaustive()
    }
}

impl ChatConversation {
    pub(super) fn new(storage: Arc<ConversationStorage>, chat: ChatId) -> Self {
        Self {
            storage,
            chat,
            version: Arc::new(AtomicU64::new(RecordVersion::NONE.get())),
        }
    }

    /// The version the next write is fenced by.
    pub fn version(&self) -> RecordVersion {
        RecordVersion::new(self.version.load(Ordering::Relaxed))
    }

    fn set_version(&self, version: RecordVersion) {
        self.version.store(version.get(), Ordering::Relaxed);
    }

    /// Loads the conversation and remembers its version.
    ///
    /// # Errors
    /// [`ConversationError::Store`] when the store fails.
    pub async fn load<S: DialogueState>(&self) -> Result<Loaded<S>, ConversationError> {
        let (loaded, version) = self.storage.load(self.chat).await?;
        self.set_version(version);
        Ok(loaded)
    }

    /// Stores `state`, fenced by the version remembered, and remembers the
    /// new one.
    ///
    /// # Errors
    /// [`ConversationError::Conflict`] when the conversation changed since
    /// it was loaded; [`ConversationError`] when the state does not
    /// serialise or the store fails.
    pub async fn save<S: DialogueState>(&self, state: &S) -> Result<(), ConversationError> {
        let saved = self.storage.save(self.chat, state, self.version()).await?;
        self.set_version(saved);
        Ok(())
    }

    /// Forgets the conversation, fenced by the version remembered.
    ///
    /// # Errors
    /// [`ConversationError::Conflict`] when the conversation changed since
    /// it was loaded; [`ConversationError::Store`] when the store fails.
    pub async fn remove(&self) -> Result<(), ConversationError> {
        self.storage.remove(self.chat, self.version()).await?;
        self.set_version(RecordVersion::NONE);
        Ok(())
    }
}
