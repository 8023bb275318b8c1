//! One update's context: who is asking, in which language, and the
//! services the endpoints use. Built by the endpoints from the injected
//! dependencies; lives only while the update is handled.

use booking_domain::{CustomerId, Policy};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::sync::Arc;
use teloxide::prelude::*;
use teloxide::types::{ChatId, User};

use super::BusinessInfo;
use super::callback::FlowId;
use super::state::State;
use crate::conversation::ConversationStorage;
use crate::error::HandlerError;
use crate::i18n::{Locales, Text};
use crate::telegram::{self, Place, Screen};
use booking_ports::Engine;

/// The context of one update.
pub(crate) struct Session<'a> {
    pub bot: &'a Bot,
    pub chat: ChatId,
    pub user: &'a User,
    /// The Telegram user id: the same person in every chat and bot.
    pub customer: CustomerId,
    pub t: Text<'a>,
    pub locales: &'a Locales,
    pub engine: &'a Engine,
    pub business: &'a BusinessInfo,
    pub conversations: &'a ConversationStorage,
    /// Read once per update, so one decision never mixes two policies.
    pub policy: Arc<Policy>,
}

impl Session<'_> {
    pub(crate) fn tz(&self) -> Tz {
        self.policy.time_zone()
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.engine.now()
    }

    /// A new flow id for a flow starting now.
    pub(crate) fn new_flow(&self) -> FlowId {
        FlowId::starting_at(self.now())
    }

    /// Stores the conversation state; `Idle` forgets it.
    pub(crate) async fn save(&self, state: &State) -> Result<(), HandlerError> {
        match state {
            State::Idle => self.conversations.remove(self.chat).await?,
            other => self.conversations.save(self.chat, other).await?,
        }
        Ok(())
    }

    pub(crate) async fn show(&self, screen: &Screen, place: Place) -> Result<(), HandlerError> {
        telegram::show(self.bot, self.chat, screen, place).await?;
        Ok(())
    }

    /// Saves `state`, then shows `screen`. The state goes first: if showing
    /// fails, the next button press still finds the state it expects.
    pub(crate) async fn go(
        &self,
        state: &State,
        screen: &Screen,
        place: Place,
    ) -> Result<(), HandlerError> {
        self.save(state).await?;
        self.show(screen, place).await
    }
}

/// The customer id of a Telegram user.
pub(crate) fn customer_of(user: &User) -> Option<CustomerId> {
    i64::try_from(user.id.0)
        .ok()
        .and_then(|id| CustomerId::new(id).ok())
}
