//! The update inbox port: one row per bot and update id. Recording is one
//! `INSERT ... ON CONFLICT DO NOTHING`, so "new or duplicate" is decided by
//! the primary key, atomically; handing back unfinished updates after a
//! crash is one transaction that gives up the exhausted ones and counts an
//! attempt of the rest (only for an instance alone on the database).
//!
//! Several instances share the inbox through chat leases (`chat_leases`):
//! a claim is one conditional upsert; a take locks the lease `FOR SHARE`
//! so no takeover comes between its check and its updates; a release locks
//! the lease, then checks for unfinished updates in a statement of its own,
//! so an update recorded concurrently is either seen or recorded before a
//! claim that waits for the release to commit.

use async_trait::async_trait;
use booking_ports::{
    BotName, ChatClaim, ChatKey, ConversationKey, InboxUpdate, LeaseHolder, NewInboxUpdate,
    Recorded, StoreError, TakeChatUpdatesError, Unfinished, UpdateId, UpdateInbox,
};
use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};

use crate::PgStore;
use crate::convert::{Record, instant, to_ms};
use crate::failure::backend;
use crate::sql;

/// An unfinished update as `REPLAY_UPDATES` returns it.
#[derive(sqlx::FromRow)]
struct ReplayRow {
    update_id: i64,
    raw: String,
    received_at_ms: i64,
    attempts: i64,
}

impl ReplayRow {
    fn into_update(self) -> Result<InboxUpdate, StoreError> {
        let record = Record::new("inbox update", self.update_id);
        Ok(InboxUpdate {
            update_id: update_id(record, self.update_id)?,
            raw: self.raw,
            received_at: instant(record, self.received_at_ms)?,
            attempts: u32::try_from(self.attempts).map_err(|e| record.corrupt(e))?,
        })
    }
}

fn update_id(record: Record, value: i64) -> Result<UpdateId, StoreError> {
    UpdateId::new(value).map_err(|e| record.corrupt(e))
}

/// Given-up ids and taken updates as the database returned them, each in
/// update id order.
fn in_id_order(given_up: Vec<i64>, replay: Vec<ReplayRow>) -> Result<Unfinished, StoreError> {
    let mut given_up = given_up
        .into_iter()
        .map(|id| update_id(Record::new("inbox update", id), id))
        .collect::<Result<Vec<_>, _>>()?;
    given_up.sort_unstable();
    let mut replay = replay
        .into_iter()
        .map(ReplayRow::into_update)
        .collect::<Result<Vec<_>, _>>()?;
    replay.sort_unstable_by_key(|update| update.update_id);
    Ok(Unfinished { replay, given_up })
}

/// What `RECORD_UPDATE` did: it inserts one row, or none for a stored id.
fn recorded(rows_affected: u64) -> Recorded {
    if rows_affected == 1 {
        Recorded::New
    } else {
        Recorded::Duplicate
    }
}

/// A chat's lease as one holder names it.
#[derive(Clone, Copy)]
struct Lease<'a> {
    bot: &'a BotName,
    chat: ChatKey,
    holder: &'a LeaseHolder,
}

/// `take_chat_updates` in a transaction on `conn` (the lender's, as every
/// update of a chat in webhook mode takes its chat's updates).
async fn take_chat_updates_on(
    conn: &mut PgConnection,
    lease: Lease<'_>,
    max_attempts: u32,
    now: DateTime<Utc>,
) -> Result<Unfinished, TakeChatUpdatesError> {
    let fail = backend("taking a chat's updates");
    let mut tx = conn.begin().await.map_err(&fail)?;
    let held: Option<i64> = sqlx::query_scalar(sql::CHAT_LEASE_HELD)
        .bind(lease.bot.as_str())
        .bind(lease.chat.get())
        .bind(lease.holder.as_str())
        .bind(to_ms(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(&fail)?;
    if held.is_none() {
        return Err(TakeChatUpdatesError::NotHeld);
    }
    let given_up: Vec<i64> = sqlx::query_scalar(sql::GIVE_UP_CHAT_UPDATES)
        .bind(to_ms(now))
        .bind(lease.bot.as_str())
        .bind(lease.chat.get())
        .bind(lease.holder.as_str())
        .bind(i64::from(max_attempts))
        .fetch_all(&mut *tx)
        .await
        .map_err(&fail)?;
    let replay: Vec<ReplayRow> = sqlx::query_as(sql::TAKE_CHAT_UPDATES)
        .bind(lease.holder.as_str())
        .bind(lease.bot.as_str())
        .bind(lease.chat.get())
        .fetch_all(&mut *tx)
        .await
        .map_err(&fail)?;
    tx.commit().await.map_err(&fail)?;
    Ok(in_id_order(given_up, replay)?)
}

/// `release_chat_if_drained` in a transaction on `conn`.
async fn release_chat_if_drained_on(
    conn: &mut PgConnection,
    lease: Lease<'_>,
) -> Result<bool, StoreError> {
    let fail = backend("releasing a chat");
    let mut tx = conn.begin().await.map_err(&fail)?;
    let held: Option<i64> = sqlx::query_scalar(sql::LOCK_CHAT_LEASE)
        .bind(lease.bot.as_str())
        .bind(lease.chat.get())
        .bind(lease.holder.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(&fail)?;
    if held.is_none() {
        // Ended here rather than on drop, so the connection goes back to
        // the lender clean.
        tx.rollback().await.map_err(&fail)?;
        return Ok(false);
    }
    let done = sqlx::query(sql::RELEASE_CHAT_IF_DRAINED)
        .bind(lease.bot.as_str())
        .bind(lease.chat.get())
        .bind(lease.holder.as_str())
        .execute(&mut *tx)
        .await
        .map_err(&fail)?;
    tx.commit().await.map_err(&fail)?;
    Ok(done.rows_affected() == 1)
}

#[async_trait]
impl UpdateInbox for PgStore {
    async fn record_update(
        &self,
        bot: BotName,
        update_id: UpdateId,
        chat: ChatKey,
        raw: String,
        received_at: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        let fail = backend("recording an update");
        let mut connection = self.lender.lend().await.map_err(&fail)?;
        let done = sqlx::query(sql::RECORD_UPDATE)
            .bind(bot.as_str())
            .bind(update_id.get())
            .bind(chat.get())
            .bind(raw)
            .bind(to_ms(received_at))
            .execute(&mut *connection)
            .await;
        let done = self.lender.finished(connection, done).map_err(&fail)?;
        Ok(recorded(done.rows_affected()))
    }

    async fn finish_update(
        &self,
        bot: BotName,
        update_id: UpdateId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let fail = backend("finishing an update");
        let mut connection = self.lender.lend().await.map_err(&fail)?;
        let done = sqlx::query(sql::FINISH_UPDATE)
            .bind(to_ms(at))
            .bind(bot.as_str())
            .bind(update_id.get())
            .execute(&mut *connection)
            .await;
        self.lender.finished(connection, done).map_err(&fail)?;
        Ok(())
    }

    async fn record_updates(
        &self,
        bot: BotName,
        updates: Vec<NewInboxUpdate>,
        received_at: DateTime<Utc>,
    ) -> Result<Vec<Recorded>, StoreError> {
        let fail = backend("recording updates");
        // One transaction: one commit for the whole answer.
        let mut tx = self.pool.begin().await.map_err(&fail)?;
        let mut outcomes = Vec::with_capacity(updates.len());
        for update in updates {
            let done = sqlx::query(sql::RECORD_UPDATE)
                .bind(bot.as_str())
                .bind(update.update_id.get())
                .bind(update.chat.get())
                .bind(update.raw)
                .bind(to_ms(received_at))
                .execute(&mut *tx)
                .await
                .map_err(&fail)?;
            outcomes.push(recorded(done.rows_affected()));
        }
        tx.commit().await.map_err(&fail)?;
        Ok(outcomes)
    }

    async fn finish_updates(
        &self,
        bot: BotName,
        update_ids: Vec<UpdateId>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = update_ids.iter().map(|id| id.get()).collect();
        let fail = backend("finishing updates");
        let mut connection = self.lender.lend().await.map_err(&fail)?;
        let done = sqlx::query(sql::FINISH_UPDATES)
            .bind(to_ms(at))
            .bind(bot.as_str())
            .bind(ids)
            .execute(&mut *connection)
            .await;
        self.lender.finished(connection, done).map_err(&fail)?;
        Ok(())
    }

    async fn take_unfinished_updates(
        &self,
        bot: BotName,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Unfinished, StoreError> {
        let fail = backend("taking unfinished updates");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        let given_up: Vec<i64> = sqlx::query_scalar(sql::GIVE_UP_UPDATES)
            .bind(to_ms(now))
            .bind(bot.as_str())
            .bind(i64::from(max_attempts))
            .fetch_all(&mut *tx)
            .await
            .map_err(&fail)?;
        let replay: Vec<ReplayRow> = sqlx::query_as(sql::REPLAY_UPDATES)
            .bind(bot.as_str())
            .fetch_all(&mut *tx)
            .await
            .map_err(&fail)?;
        tx.commit().await.map_err(&fail)?;
        in_id_order(given_up, replay)
    }

    async fn purge_finished_updates(
        &self,
        finished_before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let purged = sqlx::query(sql::PURGE_FINISHED_UPDATES)
            .bind(to_ms(finished_before))
            .execute(&self.pool)
            .await
            .map_err(backend("purging finished updates"))?;
        Ok(purged.rows_affected())
    }
    async fn claim_chat(
        &self,
        bot: BotName,
        chat: ChatKey,
        holder: LeaseHolder,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<ChatClaim, StoreError> {
        let fail = backend("claiming a chat");
        let mut connection = self.lender.lend().await.map_err(&fail)?;
        let claimed: Result<Option<String>, _> = sqlx::query_scalar(sql::CLAIM_CHAT)
            .bind(bot.as_str())
            .bind(chat.get())
            .bind(holder.as_str())
            .bind(to_ms(now))
            .bind(to_ms(until))
            .fetch_optional(&mut *connection)
            .await;
        let claimed = self.lender.finished(connection, claimed).map_err(&fail)?;
        Ok(match claimed {
            Some(_) => ChatClaim::Claimed,
            None => ChatClaim::HeldByAnother,
        })
    }

    async fn renew_chat_leases(
        &self,
        holder: LeaseHolder,
        until: DateTime<Utc>,
    ) -> Result<Vec<ConversationKey>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(sql::RENEW_CHAT_LEASES)
            .bind(to_ms(until))
            .bind(holder.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(backend("renewing chat leases"))?;
        rows.into_iter()
            .map(|(bot, chat)| {
                let bot =
                    BotName::new(&bot).map_err(|e| Record::new("chat lease", chat).corrupt(e))?;
                Ok(ConversationKey {
                    bot,
                    chat: ChatKey::new(chat),
                })
            })
            .collect()
    }

    async fn take_chat_updates(
        &self,
        bot: BotName,
        chat: ChatKey,
        holder: LeaseHolder,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Unfinished, TakeChatUpdatesError> {
        let mut connection = self
            .lender
            .lend()
            .await
            .map_err(backend("taking a chat's updates"))?;
        let lease = Lease {
            bot: &bot,
            chat,
            holder: &holder,
        };
        let taken = take_chat_updates_on(&mut connection, lease, max_attempts, now).await;
        self.lender.settled(connection, taken)
    }

    async fn release_chat_if_drained(
        &self,
        bot: BotName,
        chat: ChatKey,
        holder: LeaseHolder,
    ) -> Result<bool, StoreError> {
        let mut connection = self
            .lender
            .lend()
            .await
            .map_err(backend("releasing a chat"))?;
        let lease = Lease {
            bot: &bot,
            chat,
            holder: &holder,
        };
        let released = release_chat_if_drained_on(&mut connection, lease).await;
        self.lender.settled(connection, released)
    }

    async fn chats_to_take_over(
        &self,
        bot: BotName,
        now: DateTime<Utc>,
        received_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ChatKey>, StoreError> {
        let chats: Vec<i64> = sqlx::query_scalar(sql::CHATS_TO_TAKE_OVER)
            .bind(bot.as_str())
            .bind(to_ms(now))
            .bind(to_ms(received_before))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(backend("finding chats to take over"))?;
        Ok(chats.into_iter().map(ChatKey::new).collect())
    }

    async fn forget_run_out_chat_leases(
        &self,
        ran_out_before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let forgotten = sqlx::query(sql::FORGET_RUN_OUT_CHAT_LEASES)
            .bind(to_ms(ran_out_before))
            .execute(&self.pool)
            .await
            .map_err(backend("forgetting run-out chat leases"))?;
        Ok(forgotten.rows_affected())
    }
}
