//! The update inbox port: one row per bot and update id. Recording is one
//! `INSERT ... ON CONFLICT DO NOTHING`, so "new or duplicate" is decided by
//! the primary key, atomically; handing back unfinished updates after a
//! crash is one transaction that gives up the exhausted ones and counts an
//! attempt of the rest (one instance per database until step S12 of the
//! plan gives chats leases).

use async_trait::async_trait;
use booking_ports::{
    BotName, InboxUpdate, Recorded, StoreError, Unfinished, UpdateId, UpdateInbox,
};
use chrono::{DateTime, Utc};

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

#[async_trait]
impl UpdateInbox for PgStore {
    async fn record_update(
        &self,
        bot: BotName,
        update_id: UpdateId,
        raw: String,
        received_at: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        let done = sqlx::query(sql::RECORD_UPDATE)
            .bind(bot.as_str())
            .bind(update_id.get())
            .bind(raw)
            .bind(to_ms(received_at))
            .execute(&self.pool)
            .await
            .map_err(backend("recording an update"))?;
        Ok(if done.rows_affected() == 1 {
            Recorded::New
        } else {
            Recorded::Duplicate
        })
    }

    async fn finish_update(
        &self,
        bot: BotName,
        update_id: UpdateId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(sql::FINISH_UPDATE)
            .bind(to_ms(at))
            .bind(bot.as_str())
            .bind(update_id.get())
            .execute(&self.pool)
            .await
            .map_err(backend("finishing an update"))?;
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
}
