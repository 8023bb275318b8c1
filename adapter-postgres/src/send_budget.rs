//! Telegram's sending budget shared by every instance on the database
//! (`send_budget_*`, unlogged tables of migration 2). A grant is one
//! transaction: the bot's pause, then the chat's interval, then the bot's
//! count in the current second, each a conditional upsert that locks its
//! row, so instances asking at once are served one after the other; a
//! refusal rolls back whatever the transaction counted.

use async_trait::async_trait;
use booking_ports::{BotName, Destination, SendBudget, SendLimits, SendPermit, StoreError};
use chrono::{DateTime, Duration, Utc};

use crate::PgStore;
use crate::convert::{self, Record, to_ms};
use crate::failure::backend;
use crate::sql;

/// Unix milliseconds as an instant, for an answer about when to ask again.
fn instant(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    convert::instant(Record::new("send budget", 0), ms)
}

#[async_trait]
impl SendBudget for PgStore {
    async fn take_send(
        &self,
        to: &Destination,
        now: DateTime<Utc>,
        limits: SendLimits,
    ) -> Result<SendPermit, StoreError> {
        let fail = backend("taking a send from the budget");
        let (bot, chat, now_ms) = (to.bot.as_str(), to.chat.get(), to_ms(now));
        let mut tx = self.pool.begin().await.map_err(&fail)?;
        let paused: Option<i64> = sqlx::query_scalar(sql::BUDGET_PAUSED_UNTIL)
            .bind(bot)
            .bind(now_ms)
            .fetch_optional(&mut *tx)
            .await
            .map_err(&fail)?;
        if let Some(until) = paused {
            return Ok(SendPermit::WaitUntil(instant(until)?));
        }
        let interval_ms = limits.per_chat_interval.num_milliseconds();
        let chat_taken: Option<i64> = sqlx::query_scalar(sql::BUDGET_TAKE_CHAT)
            .bind(bot)
            .bind(chat)
            .bind(now_ms)
            .bind(interval_ms)
            .fetch_optional(&mut *tx)
            .await
            .map_err(&fail)?;
        if chat_taken.is_none() {
            let last: i64 = sqlx::query_scalar(sql::BUDGET_CHAT_LAST_SENT)
                .bind(bot)
                .bind(chat)
                .fetch_one(&mut *tx)
                .await
                .map_err(&fail)?;
            return Ok(SendPermit::WaitUntil(instant(last + interval_ms)?));
        }
        let second = now.timestamp();
        let counted: Option<i64> = sqlx::query_scalar(sql::BUDGET_TAKE_SECOND)
            .bind(bot)
            .bind(second)
            .bind(i64::from(limits.per_bot_per_second))
            .fetch_optional(&mut *tx)
            .await
            .map_err(&fail)?;
        if counted.is_none() {
            // Dropping the transaction rolls the chat's grant back.
            let next_second = second.saturating_add(1).saturating_mul(1000);
            return Ok(SendPermit::WaitUntil(instant(next_second)?));
        }
        tx.commit().await.map_err(&fail)?;
        Ok(SendPermit::Granted)
    }

    async fn pause_bot(&self, bot: &BotName, until: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(sql::BUDGET_PAUSE)
            .bind(bot.as_str())
            .bind(to_ms(until))
            .execute(&self.pool)
            .await
            .map_err(backend("pausing a bot's sends"))?;
        Ok(())
    }

    async fn forget_sends_before(
        &self,
        now: DateTime<Utc>,
        limits: SendLimits,
    ) -> Result<(), StoreError> {
        let fail = backend("trimming the send budget");
        let chats_before = now - limits.per_chat_interval.max(Duration::zero());
        sqlx::query(sql::BUDGET_FORGET_CHATS)
            .bind(to_ms(chats_before))
            .execute(&self.pool)
            .await
            .map_err(&fail)?;
        sqlx::query(sql::BUDGET_FORGET_SECONDS)
            .bind(now.timestamp())
            .execute(&self.pool)
            .await
            .map_err(&fail)?;
        sqlx::query(sql::BUDGET_FORGET_PAUSES)
            .bind(to_ms(now))
            .execute(&self.pool)
            .await
            .map_err(&fail)?;
        Ok(())
    }
}
