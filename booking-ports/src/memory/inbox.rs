//! The update inbox in memory: one row per bot and update id, ordered by
//! both, so a bot's unfinished updates come out in id order.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::MemoryStore;
use crate::error::StoreError;
use crate::ports::conversations::BotName;
use crate::ports::inbox::{InboxUpdate, Recorded, Unfinished, UpdateId, UpdateInbox};

/// One recorded update.
#[derive(Debug, Clone)]
struct Row {
    /// Empty once finished: the raw update is customer data.
    raw: String,
    received_at: DateTime<Utc>,
    attempts: u32,
    finished_at: Option<DateTime<Utc>>,
}

/// Every recorded update, by bot and id.
#[derive(Debug, Default)]
pub(super) struct Inbox {
    rows: BTreeMap<(BotName, UpdateId), Row>,
}

impl Row {
    fn finish(&mut self, at: DateTime<Utc>) {
        if self.finished_at.is_none() {
            self.finished_at = Some(at);
            self.raw = String::new();
        }
    }
}

#[async_trait]
impl UpdateInbox for MemoryStore {
    async fn record_update(
        &self,
        bot: BotName,
        update_id: UpdateId,
        raw: String,
        received_at: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        let mut state = self.lock("recording an update")?;
        let rows = &mut state.inbox.rows;
        if rows.contains_key(&(bot.clone(), update_id)) {
            return Ok(Recorded::Duplicate);
        }
        rows.insert(
            (bot, update_id),
            Row {
                raw,
                received_at,
                attempts: 1,
                finished_at: None,
            },
        );
        Ok(Recorded::New)
    }

    async fn finish_update(
        &self,
        bot: BotName,
        update_id: UpdateId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut state = self.lock("finishing an update")?;
        if let Some(row) = state.inbox.rows.get_mut(&(bot, update_id)) {
            row.finish(at);
        }
        Ok(())
    }

    async fn take_unfinished_updates(
        &self,
        bot: BotName,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Unfinished, StoreError> {
        let mut state = self.lock("taking unfinished updates")?;
        let mut unfinished = Unfinished::default();
        let first = (bot.clone(), UpdateId::FIRST);
        let rows = state
            .inbox
            .rows
            .range_mut(first..)
            .take_while(|((of, _), _)| *of == bot)
            .filter(|(_, row)| row.finished_at.is_none());
        for ((_, update_id), row) in rows {
            if row.attempts >= max_attempts {
                row.finish(now);
                unfinished.given_up.push(*update_id);
            } else {
                row.attempts = row.attempts.saturating_add(1);
                unfinished.replay.push(InboxUpdate {
                    update_id: *update_id,
                    raw: row.raw.clone(),
                    received_at: row.received_at,
                    attempts: row.attempts,
                });
            }
        }
        Ok(unfinished)
    }

    async fn purge_finished_updates(
        &self,
        finished_before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut state = self.lock("purging finished updates")?;
        let rows = &mut state.inbox.rows;
        let before = rows.len();
        rows.retain(|_, row| row.finished_at.is_none_or(|at| at > finished_before));
        Ok((before - rows.len()) as u64)
    }
}
