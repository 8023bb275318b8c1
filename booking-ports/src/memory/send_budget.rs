//! The shared sending budget in memory: the reference for
//! [`SendBudget`]'s contract, with fixed one-second windows as the SQL
//! stores count them.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::MemoryStore;
use crate::error::StoreError;
use crate::ports::conversations::BotName;
use crate::ports::send_budget::{SendBudget, SendLimits, SendPermit};
use crate::ports::sender::Destination;

/// What the budget remembers.
#[derive(Debug, Default)]
pub(super) struct Budget {
    last_to_chat: HashMap<Destination, DateTime<Utc>>,
    /// Per bot: the second (Unix seconds) being counted and its grants.
    windows: HashMap<BotName, (i64, u32)>,
    paused: HashMap<BotName, DateTime<Utc>>,
}

/// The start of `now`'s second, and the next second's start.
fn second_of(now: DateTime<Utc>) -> (i64, DateTime<Utc>) {
    let second = now.timestamp();
    let next = DateTime::from_timestamp(second + 1, 0).unwrap_or(now + Duration::seconds(1));
    (second, next)
}

#[async_trait]
impl SendBudget for MemoryStore {
    async fn take_send(
        &self,
        to: &Destination,
        now: DateTime<Utc>,
        limits: SendLimits,
    ) -> Result<SendPermit, StoreError> {
        let mut state = self.lock("taking a send from the budget")?;
        let budget = &mut state.budget;
        if let Some(until) = budget.paused.get(&to.bot).filter(|until| **until > now) {
            return Ok(SendPermit::WaitUntil(*until));
        }
        if let Some(last) = budget.last_to_chat.get(to) {
            let free = *last + limits.per_chat_interval;
            if free > now {
                return Ok(SendPermit::WaitUntil(free));
            }
        }
        let (second, next_second) = second_of(now);
        let used = match budget.windows.get(&to.bot) {
            Some((counted, used)) if *counted == second => *used,
            _ => 0,
        };
        if used >= limits.per_bot_per_second {
            return Ok(SendPermit::WaitUntil(next_second));
        }
        budget.windows.insert(to.bot.clone(), (second, used + 1));
        budget.last_to_chat.insert(to.clone(), now);
        Ok(SendPermit::Granted)
    }

    async fn pause_bot(&self, bot: &BotName, until: DateTime<Utc>) -> Result<(), StoreError> {
        let mut state = self.lock("pausing a bot's sends")?;
        let pause = state.budget.paused.entry(bot.clone()).or_insert(until);
        *pause = (*pause).max(until);
        Ok(())
    }

    async fn forget_sends_before(
        &self,
        now: DateTime<Utc>,
        limits: SendLimits,
    ) -> Result<(), StoreError> {
        let mut state = self.lock("trimming the send budget")?;
        let budget = &mut state.budget;
        budget
            .last_to_chat
            .retain(|_, last| *last + limits.per_chat_interval > now);
        let (second, _) = second_of(now);
        budget.windows.retain(|_, (counted, _)| *counted >= second);
        budget.paused.retain(|_, until| *until > now);
        Ok(())
    }
}
