//! [`ChatConversation`]: one chat's conversation within one update, which
//! remembers the version the update loaded so that every write of the
//! update is fenced by it, and which updates wrote the state it loaded so
//! that an update handled a second time can tell it was applied.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use booking_ports::RecordVersion;
use teloxide::types::{ChatId, UpdateId};

use super::{APPLIED_KEPT, ConversationError, ConversationStorage, DialogueState, Loaded};

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
    /// The update this conversation is loaded for, when the caller said.
    update: Option<UpdateId>,
    /// The updates that wrote the state as last loaded or written, oldest
    /// first (see [`super::APPLIED_KEPT`]).
    applied: Arc<Mutex<Vec<u32>>>,
}

impl fmt::Debug for ChatConversation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatConversation")
            .field("version", &self.version())
            .finish_non_exhaustive()
    }
}

impl ChatConversation {
    pub(super) fn new(
        storage: Arc<ConversationStorage>,
        chat: ChatId,
        update: Option<UpdateId>,
    ) -> Self {
        Self {
            storage,
            chat,
            version: Arc::new(AtomicU64::new(RecordVersion::NONE.get())),
            update,
            applied: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Whether the state loaded was written by this very update: the update
    /// is being handled a second time (its instance died, or lost the chat,
    /// after saving its step but before the update was marked done), and
    /// what it did, showing and saving, is done. Asked right after the
    /// update's load (after its own save it is `true`, of course). Always
    /// `false` for a conversation made without an update.
    pub fn already_applied(&self) -> bool {
        self.update
            .is_some_and(|update| self.applied_ids().contains(&update.0))
    }

    fn applied_ids(&self) -> std::sync::MutexGuard<'_, Vec<u32>> {
        // Only ever replaced or cleared whole; a panic elsewhere cannot
        // leave it torn.
        self.applied.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The updates to record with a state this update writes: those that
    /// wrote the loaded state, then this one, at most [`APPLIED_KEPT`].
    fn applied_with_this(&self) -> Vec<u32> {
        let mut applied = self.applied_ids().clone();
        if let Some(update) = self.update {
            applied.retain(|id| *id != update.0);
            applied.push(update.0);
        }
        let surplus = applied.len().saturating_sub(APPLIED_KEPT);
        applied.drain(..surplus);
        applied
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
        let (loaded, version) = self.storage.load_envelope(self.chat).await?;
        self.set_version(version);
        *self.applied_ids() = loaded.applied;
        if self.already_applied() {
            // Logged here, once for both bots, without the chat: an operator
            // sees the hand-over at work.
            tracing::info!(
                bot = self.storage.bot.as_str(),
                "an update handled again (after a crash or a lost chat) had already saved its \
                 step; it is not applied twice"
            );
        }
        Ok(loaded.loaded)
    }

    /// Stores `state`, fenced by the version remembered, and remembers the
    /// new one.
    ///
    /// # Errors
    /// [`ConversationError::Conflict`] when the conversation changed since
    /// it was loaded; [`ConversationError`] when the state does not
    /// serialise or the store fails.
    pub async fn save<S: DialogueState>(&self, state: &S) -> Result<(), ConversationError> {
        let applied = self.applied_with_this();
        let saved = self
            .storage
            .save_applied(self.chat, state, self.version(), applied.clone())
            .await?;
        self.set_version(saved);
        *self.applied_ids() = applied;
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
        self.applied_ids().clear();
        Ok(())
    }
}
