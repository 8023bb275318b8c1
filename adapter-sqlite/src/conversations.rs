//! The conversation port: opaque dialogue state per bot and chat, with an
//! expiry. The bot is part of the key, so two bots never share a state.

use async_trait::async_trait;
use booking_ports::{ConversationKey, ConversationStore, StoreError};
use chrono::{DateTime, Utc};

use crate::SqliteStore;
use crate::convert::to_ms;

fn backend(context: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| StoreError::backend(context, e)
}

#[async_trait]
impl ConversationStore for SqliteStore {
    async fn load_conversation(
        &self,
        key: ConversationKey,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        // An expired state reads as absent even before the purge removes it.
        sqlx::query_scalar(
            "SELECT state FROM conversations WHERE bot = ? AND chat_id = ? AND expires_at_ms > ?",
        )
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
        sqlx::query(
            "INSERT INTO conversations (bot, chat_id, state, expires_at_ms) VALUES (?, ?, ?, ?) \
             ON CONFLICT (bot, chat_id) DO UPDATE \
             SET state = excluded.state, expires_at_ms = excluded.expires_at_ms",
        )
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
        sqlx::query("DELETE FROM conversations WHERE bot = ? AND chat_id = ?")
            .bind(key.bot.as_str())
            .bind(key.chat.get())
            .execute(&self.pool)
            .await
            .map_err(backend("deleting a conversation"))?;
        Ok(())
    }

    async fn purge_expired_conversations(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let purged = sqlx::query("DELETE FROM conversations WHERE expires_at_ms <= ?")
            .bind(to_ms(now))
            .execute(&self.pool)
            .await
            .map_err(backend("purging expired conversations"))?;
        Ok(purged.rows_affected())
    }
}
