//! The conversation port in memory: each conversation's state, expiry and
//! version, its writes fenced by the version under the store's one lock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::MemoryStore;
use crate::error::StoreError;
use crate::ports::conversations::{
    ConversationKey, ConversationStore, DeleteConversationError, LoadedConversation,
    SaveConversationError, StoredConversation,
};
use crate::ports::versions::RecordVersion;

/// One stored conversation.
#[derive(Debug, Clone)]
pub(super) struct Conversation {
    /// `None` once a purge erased it, leaving the expired mark.
    state: Option<String>,
    expires_at: DateTime<Utc>,
    version: RecordVersion,
}

#[async_trait]
impl ConversationStore for MemoryStore {
    async fn load_conversation(
        &self,
        key: ConversationKey,
        now: DateTime<Utc>,
    ) -> Result<LoadedConversation, StoreError> {
        let state = self.lock("reading a conversation")?;
        Ok(state
            .conversations
            .get(&key)
            .map_or(LoadedConversation::NONE, |c| LoadedConversation {
                stored: Some(match &c.state {
                    Some(text) if c.expires_at > now => StoredConversation::Live(text.clone()),
                    _ => StoredConversation::Expired,
                }),
                version: c.version,
            }))
    }

    async fn save_conversation(
        &self,
        key: ConversationKey,
        state: String,
        expires_at: DateTime<Utc>,
        expected: RecordVersion,
    ) -> Result<RecordVersion, SaveConversationError> {
        let mut store = self.lock("saving a conversation")?;
        let stored = store
            .conversations
            .get(&key)
            .map_or(RecordVersion::NONE, |c| c.version);
        if stored != expected {
            return Err(SaveConversationError::Conflict { expected });
        }
        let version = expected.next();
        store.conversations.insert(
            key,
            Conversation {
                state: Some(state),
                expires_at,
                version,
            },
        );
        Ok(version)
    }

    async fn delete_conversation(
        &self,
        key: ConversationKey,
        expected: RecordVersion,
    ) -> Result<(), DeleteConversationError> {
        let mut store = self.lock("deleting a conversation")?;
        match store.conversations.get(&key) {
            Some(c) if c.version != expected => Err(DeleteConversationError::Conflict { expected }),
            _ => {
                store.conversations.remove(&key);
                Ok(())
            }
        }
    }

    async fn purge_expired_conversations(
        &self,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut state = self.lock("purging conversations")?;
        let before = state.conversations.len();
        state
            .conversations
            .retain(|_, c| c.expires_at > forget_before);
        let mut changed = (before - state.conversations.len()) as u64;
        // Erasing keeps the version: see the port's note on what is fenced.
        for c in state.conversations.values_mut() {
            if c.expires_at <= now && c.state.take().is_some() {
                changed += 1;
            }
        }
        Ok(changed)
    }
}
