//! The conversation port: opaque dialogue state per bot and chat, with an
//! expiry. The bot is part of the key, so two bots never share a state. An
//! expired conversation's row stays, with its state erased to the empty
//! text, as the mark that it expired (`sql::ERASE_EXPIRED_CONVERSATIONS`).

use async_trait::async_trait;
use booking_ports::{ConversationKey, ConversationStore, StoreError, StoredConversation};
use chrono::{DateTime, Utc};

use crate::PgStore;
use crate::convert::to_ms;
use crate::failure::backend;
use crate::sql;

#[async_trait]
impl ConversationStore for PgStore {
    async fn load_conversation(
        &self,
        key: ConversationKey,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredConversation>, StoreError> {
        let row: Option<(String, bool)> = sqlx::query_as(sql::CONVERSATION)
            .bind(to_ms(now))
            .bind(key.bot.as_str())
            .bind(key.chat.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend("reading a conversation"))?;
        Ok(row.map(|(state, expired)| {
            if expired || state.is_empty() {
                StoredConversation::Expired
            } else {
                StoredConversation::Live(state)
            }
        }))
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
