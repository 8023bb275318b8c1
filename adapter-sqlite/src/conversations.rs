//! The conversation port: opaque dialogue state per bot and chat, with an
//! expiry. The bot is part of the key, so two bots never share a state. An
//! expired conversation's row stays, with its state erased to the empty
//! text, as the mark that it expired (`sql::ERASE_EXPIRED_CONVERSATIONS`).
//! Saves and deletes are fenced by the version loaded (schema level 12 in
//! SQLite, 3 in PostgreSQL); erasing an expired state keeps the version.

use async_trait::async_trait;
use booking_ports::{
    ConversationKey, ConversationStore, DeleteConversationError, LoadedConversation, RecordVersion,
    SaveConversationError, StoreError, StoredConversation,
};
use chrono::{DateTime, Utc};

use crate::SqliteStore;
use crate::convert::{self, Record, to_ms};
use crate::failure::backend;
use crate::sql;

/// The record a stored version came from, for a corrupt value.
fn record(key: &ConversationKey) -> Record {
    Record::new("conversation in chat", key.chat.get())
}

#[async_trait]
impl ConversationStore for SqliteStore {
    async fn load_conversation(
        &self,
        key: ConversationKey,
        now: DateTime<Utc>,
    ) -> Result<LoadedConversation, StoreError> {
        let fail = backend("reading a conversation");
        let mut connection = self.conversations.lend().await.map_err(&fail)?;
        let row: Result<Option<(String, bool, i64)>, _> = sqlx::query_as(sql::CONVERSATION)
            .bind(to_ms(now))
            .bind(key.bot.as_str())
            .bind(key.chat.get())
            .fetch_optional(&mut *connection)
            .await;
        let row = self
            .conversations
            .finished(connection, row)
            .map_err(&fail)?;
        let Some((state, expired, version)) = row else {
            return Ok(LoadedConversation::NONE);
        };
        Ok(LoadedConversation {
            stored: Some(if expired || state.is_empty() {
                StoredConversation::Expired
            } else {
                StoredConversation::Live(state)
            }),
            version: convert::version(record(&key), version)?,
        })
    }

    async fn save_conversation(
        &self,
        key: ConversationKey,
        state: String,
        expires_at: DateTime<Utc>,
        expected: RecordVersion,
    ) -> Result<RecordVersion, SaveConversationError> {
        let fail = backend("saving a conversation");
        let mut connection = self.conversations.lend().await.map_err(&fail)?;
        let saved = if expected == RecordVersion::NONE {
            sqlx::query_scalar::<_, i64>(sql::INSERT_CONVERSATION)
                .bind(key.bot.as_str())
                .bind(key.chat.get())
                .bind(state)
                .bind(to_ms(expires_at))
                .fetch_optional(&mut *connection)
                .await
        } else {
            sqlx::query_scalar::<_, i64>(sql::UPDATE_CONVERSATION)
                .bind(state)
                .bind(to_ms(expires_at))
                .bind(key.bot.as_str())
                .bind(key.chat.get())
                .bind(convert::version_to_stored(expected))
                .fetch_optional(&mut *connection)
                .await
        };
        let saved = self
            .conversations
            .finished(connection, saved)
            .map_err(&fail)?;
        match saved {
            Some(version) => Ok(convert::version(record(&key), version)?),
            None => Err(SaveConversationError::Conflict { expected }),
        }
    }

    async fn delete_conversation(
        &self,
        key: ConversationKey,
        expected: RecordVersion,
    ) -> Result<(), DeleteConversationError> {
        let context = "deleting a conversation";
        let deleted = sqlx::query(sql::DELETE_CONVERSATION)
            .bind(key.bot.as_str())
            .bind(key.chat.get())
            .bind(convert::version_to_stored(expected))
            .execute(&self.pool)
            .await
            .map_err(backend(context))?;
        if deleted.rows_affected() > 0 {
            return Ok(());
        }
        // Nothing of that version: absent (done, whoever deleted it) or
        // changed by another writer (a conflict).
        let stored: Option<i64> = sqlx::query_scalar(sql::CONVERSATION_VERSION)
            .bind(key.bot.as_str())
            .bind(key.chat.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend(context))?;
        match stored {
            None => Ok(()),
            Some(_) => Err(DeleteConversationError::Conflict { expected }),
        }
    }

    async fn purge_expired_conversations(
        &self,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let forgotten = sqlx::query(sql::FORGET_EXPIRED_CONVERSATIONS)
            .bind(to_ms(forget_before))
            .execute(&self.pool)
            .await
            .map_err(backend("forgetting expired conversations"))?;
        let erased = sqlx::query(sql::ERASE_EXPIRED_CONVERSATIONS)
            .bind(to_ms(now))
            .execute(&self.pool)
            .await
            .map_err(backend("erasing expired conversations"))?;
        Ok(forgotten.rows_affected() + erased.rows_affected())
    }
}
