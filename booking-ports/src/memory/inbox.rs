//! The update inbox in memory: one row per bot and update id, ordered by
//! both, so a bot's unfinished updates come out in id order; chat leases
//! by bot and chat. One lock guards both, so every method is atomic.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::MemoryStore;
use crate::error::StoreError;
use crate::ports::conversations::{BotName, ChatKey, ConversationKey};
use crate::ports::inbox::{
    ChatClaim, InboxUpdate, LeaseHolder, NewInboxUpdate, Recorded, TakeChatUpdatesError,
    Unfinished, UpdateId, UpdateInbox,
};

/// One recorded update.
#[derive(Debug, Clone)]
struct Row {
    chat: ChatKey,
    /// Empty once finished: the raw update is customer data.
    raw: String,
    received_at: DateTime<Utc>,
    attempts: u32,
    finished_at: Option<DateTime<Utc>>,
    /// The holder that last took it through its chat's lease.
    taken_by: Option<LeaseHolder>,
}

/// One chat's lease.
#[derive(Debug, Clone)]
struct Lease {
    holder: LeaseHolder,
    until: DateTime<Utc>,
}

/// Every recorded update, by bot and id, and the chat leases.
#[derive(Debug, Default)]
pub(super) struct Inbox {
    rows: BTreeMap<(BotName, UpdateId), Row>,
    leases: BTreeMap<(BotName, ChatKey), Lease>,
}

impl Inbox {
    /// The unfinished updates of `chat` of `bot`, in id order.
    fn unfinished_of_chat<'a>(
        &'a mut self,
        bot: &'a BotName,
        chat: ChatKey,
    ) -> impl Iterator<Item = (UpdateId, &'a mut Row)> + 'a {
        self.rows
            .range_mut((bot.clone(), UpdateId::FIRST)..)
            .take_while(move |((of, _), _)| of == bot)
            .filter(move |(_, row)| row.finished_at.is_none() && row.chat == chat)
            .map(|((_, id), row)| (*id, row))
    }
}

impl Row {
    fn finish(&mut self, at: DateTime<Utc>) {
        if self.finished_at.is_none() {
            self.finished_at = Some(at);
            self.raw = String::new();
        }
    }
}

/// Stores `update` unfinished unless its id is stored already.
fn record(
    rows: &mut BTreeMap<(BotName, UpdateId), Row>,
    bot: &BotName,
    update: NewInboxUpdate,
    received_at: DateTime<Utc>,
) -> Recorded {
    let key = (bot.clone(), update.update_id);
    if rows.contains_key(&key) {
        return Recorded::Duplicate;
    }
    rows.insert(
        key,
        Row {
            chat: update.chat,
            raw: update.raw,
            received_at,
            attempts: 1,
            finished_at: None,
            taken_by: None,
        },
    );
    Recorded::New
}

#[async_trait]
impl UpdateInbox for MemoryStore {
    async fn record_update(
        &self,
        bot: BotName,
        update_id: UpdateId,
        chat: ChatKey,
        raw: String,
        received_at: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        let mut state = self.lock("recording an update")?;
        let update = NewInboxUpdate {
            update_id,
            chat,
            raw,
        };
        Ok(record(&mut state.inbox.rows, &bot, update, received_at))
    }

    async fn record_updates(
        &self,
        bot: BotName,
        updates: Vec<NewInboxUpdate>,
        received_at: DateTime<Utc>,
    ) -> Result<Vec<Recorded>, StoreError> {
        // One lock: all of them or none, as one step.
        let mut state = self.lock("recording updates")?;
        let rows = &mut state.inbox.rows;
        Ok(updates
            .into_iter()
            .map(|update| record(rows, &bot, update, received_at))
            .collect())
    }

    async fn finish_update(
        &self,
        bot: BotName,
        update_id: UpdateId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.finish_updates(bot, vec![update_id], at).await
    }

    async fn finish_updates(
        &self,
        bot: BotName,
        update_ids: Vec<UpdateId>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut state = self.lock("finishing updates")?;
        for update_id in update_ids {
            if let Some(row) = state.inbox.rows.get_mut(&(bot.clone(), update_id)) {
                row.finish(at);
            }
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

    async fn claim_chat(
        &self,
        bot: BotName,
        chat: ChatKey,
        holder: LeaseHolder,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<ChatClaim, StoreError> {
        let mut state = self.lock("claiming a chat")?;
        let leases = &mut state.inbox.leases;
        let free = leases
            .get(&(bot.clone(), chat))
            .is_none_or(|lease| lease.holder == holder || lease.until <= now);
        if !free {
            return Ok(ChatClaim::HeldByAnother);
        }
        leases.insert((bot, chat), Lease { holder, until });
        Ok(ChatClaim::Claimed)
    }

    async fn renew_chat_leases(
        &self,
        holder: LeaseHolder,
        until: DateTime<Utc>,
    ) -> Result<Vec<ConversationKey>, StoreError> {
        let mut state = self.lock("renewing chat leases")?;
        let mut renewed = Vec::new();
        for ((bot, chat), lease) in &mut state.inbox.leases {
            if lease.holder == holder {
                lease.until = until;
                renewed.push(ConversationKey {
                    bot: bot.clone(),
                    chat: *chat,
                });
            }
        }
        Ok(renewed)
    }

    async fn take_chat_updates(
        &self,
        bot: BotName,
        chat: ChatKey,
        holder: LeaseHolder,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Unfinished, TakeChatUpdatesError> {
        let mut state = self.lock("taking a chat's updates")?;
        let held = state
            .inbox
            .leases
            .get(&(bot.clone(), chat))
            .is_some_and(|lease| lease.holder == holder && lease.until > now);
        if !held {
            return Err(TakeChatUpdatesError::NotHeld);
        }
        let mut unfinished = Unfinished::default();
        for (update_id, row) in state.inbox.unfinished_of_chat(&bot, chat) {
            let handed_over = row.taken_by.as_ref().is_some_and(|by| *by != holder);
            if handed_over && row.attempts >= max_attempts {
                row.finish(now);
                unfinished.given_up.push(update_id);
                continue;
            }
            if handed_over {
                row.attempts = row.attempts.saturating_add(1);
            }
            row.taken_by = Some(holder.clone());
            unfinished.replay.push(InboxUpdate {
                update_id,
                raw: row.raw.clone(),
                received_at: row.received_at,
                attempts: row.attempts,
            });
        }
        Ok(unfinished)
    }

    async fn release_chat_if_drained(
        &self,
        bot: BotName,
        chat: ChatKey,
        holder: LeaseHolder,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock("releasing a chat")?;
        let key = (bot.clone(), chat);
        let holds = state
            .inbox
            .leases
            .get(&key)
            .is_some_and(|lease| lease.holder == holder);
        if !holds || state.inbox.unfinished_of_chat(&bot, chat).next().is_some() {
            return Ok(false);
        }
        state.inbox.leases.remove(&key);
        Ok(true)
    }

    async fn chats_to_take_over(
        &self,
        bot: BotName,
        now: DateTime<Utc>,
        received_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ChatKey>, StoreError> {
        let state = self.lock("finding chats to take over")?;
        let inbox = &state.inbox;
        let mut seen = BTreeSet::new();
        let mut chats = Vec::new();
        // Id order is the order of the oldest unfinished update per chat.
        let unfinished = inbox
            .rows
            .range((bot.clone(), UpdateId::FIRST)..)
            .take_while(|((of, _), _)| *of == bot)
            .filter(|(_, row)| row.finished_at.is_none() && row.received_at <= received_before);
        for (_, row) in unfinished {
            if chats.len() >= limit as usize {
                break;
            }
            let live = inbox
                .leases
                .get(&(bot.clone(), row.chat))
                .is_some_and(|lease| lease.until > now);
            if !live && seen.insert(row.chat) {
                chats.push(row.chat);
            }
        }
        Ok(chats)
    }

    async fn forget_run_out_chat_leases(
        &self,
        ran_out_before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut state = self.lock("forgetting run-out chat leases")?;
        let leases = &mut state.inbox.leases;
        let before = leases.len();
        leases.retain(|_, lease| lease.until > ran_out_before);
        Ok((before - leases.len()) as u64)
    }
}
