//! The conversation port: opaque dialogue state per bot and chat, with an
//! expiry. The bot is part of the key, so two bots never share a state.

use async_trait::async_trait;
use booking_ports::{ConversationKey, ConversationStore, StoreError};
use chrono::{DateTime, Utc};

use crate::SqliteStore;
use crate::convert::to_ms;
use crate::failure::backend;
use crate::sql;

#[async_trait]
impl ConversationStore for SqliteStore {
    async fn load_conversation(
        &self,
        key: ConversationKey,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(sql::LIVE_CONVERSATION)
            .bind(key.bot.as_str())
            .bind(key.chat.get())
            .bind(to_ms(now))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend("reading a conversation"))
    }

    async fn save_conversation(
        &self,
        key: ConversationKey,
        state: String,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(sql::UPSERT_CONVERSATION)
            .bind(key.bot.as_str())
            .bind(key.chat.get())
            .bind(state)
            .bind(to_ms(expires_at))
            .execute(&self.pool)
            .await
            .map_err(backend("saving a conversation"))?;
        Ok(())
    }

    async fn delete_conversation(&self, key: ConversationKey) -> Result<(), StoreError> {
        sqlx::query(sql::DELETE_CONVERSATION)
            .bind(key.bot.as_str())
            .bind(key.chat.get())
            .execute(&self.pool)
            .await
            .map_err(backend("deleting a conversation"))?;
        Ok(())
    }

    async fn purge_expired_conversations(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let purged = sqlx::query(sql::PURGE_EXPIRED_CONVERSATIONS)
            .bind(to_ms(now))
            .execute(&self.pool)
            .await
            .map_err(backend("purging expired conversations"))?;
        Ok(purged.rows_affected())
    }
}
