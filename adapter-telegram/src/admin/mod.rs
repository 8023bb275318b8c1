//! The admin bot: what staff use to see the day's bookings, act on them,
//! block periods, and read statistics and exports.
//!
//! Shape, as in the client bot: [`access`] decides who may use it (allow-
//! list, PIN, sessions, lockout), [`commands`] and [`callback`] parse what
//! was typed or pressed, [`state`] holds the few steps that wait for text,
//! [`handler_tree`] builds the tree and `handlers` holds thin endpoints that
//! call the engine ([`booking_ports::Engine`]) and render with `view`;
//! [`catalog`] parses and runs the catalog commands (services, staff,
//! weekly hours, date overrides). Every
//! user-facing string is in the locale files (`## Admin bot`).
//!
//! Architecture invariant: every endpoint asks the gate first, with the
//! Telegram user id of the update; only [`access::Gate::Admitted`] leads to
//! a `StaffActor`, the engine's proof of authentication.

pub mod access;
pub mod callback;
pub mod catalog;
pub mod commands;
pub mod export;
mod handlers;
pub mod pin;
pub mod state;
mod view;

use std::fmt;
use std::sync::Arc;

use booking_ports::{BotName, Clock, ConversationStore, Engine, InvalidBotName, StaffAccessStore};
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree;
use teloxide::prelude::*;

pub use self::access::{Access, AdminBotConfig, AdminConfigError, Gate, PinOutcome};
pub use self::pin::{HashPinError, InvalidPinHash, PinHash, hash_pin};
use crate::conversation::ConversationStorage;
use crate::error::HandlerError;
use crate::guard::catch_panics;
use crate::i18n::Locales;
use crate::metrics::observe_updates;

/// The name of the admin bot in conversation keys.
pub const ADMIN_BOT: &str = "admin";

/// Everything the admin bot's handlers need; one dependency, so it cannot
/// collide with the client bot's types in a shared dependency map.
#[derive(Clone)]
pub struct AdminBot {
    pub engine: Arc<Engine>,
    pub locales: Arc<Locales>,
    pub access: Arc<Access>,
    pub conversations: Arc<ConversationStorage>,
}

impl fmt::Debug for AdminBot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminBot")
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

/// Why the admin bot could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AdminBotError {
    #[error(transparent)]
    Config(#[from] AdminConfigError),
    #[error(transparent)]
    BotName(#[from] InvalidBotName),
}

impl AdminBot {
    /// The admin bot over `engine`. Access records live in `staff_access`,
    /// conversations in `store` under [`ADMIN_BOT`] (idle for at most
    /// `idle_expiry`).
    ///
    /// # Errors
    /// [`AdminBotError::Config`] for a configuration that admits nobody.
    pub fn new(
        engine: Arc<Engine>,
        locales: Arc<Locales>,
        config: AdminBotConfig,
        store: Arc<dyn ConversationStore>,
        staff_access: Arc<dyn StaffAccessStore>,
        clock: Arc<dyn Clock>,
        idle_expiry: chrono::Duration,
    ) -> Result<Self, AdminBotError> {
        let access = Access::new(config, staff_access, Arc::clone(&clock))?;
        Ok(Self {
            engine,
            locales,
            access: Arc::new(access),
            conversations: Arc::new(ConversationStorage::new(
                store,
                clock,
                BotName::new(ADMIN_BOT)?,
                idle_expiry,
            )),
        })
    }

    /// The dependencies [`handler_tree`] needs.
    pub fn dependencies(&self) -> DependencyMap {
        dptree::deps![Arc::new(self.clone())]
    }
}

/// The admin bot's handler tree: messages and button presses, under the
/// panic guard, each update counted and timed.
pub fn handler_tree() -> UpdateHandler<HandlerError> {
    observe_updates(ADMIN_BOT).chain(
        catch_panics()
            .branch(Update::filter_message().endpoint(handlers::on_message))
            .branch(Update::filter_callback_query().endpoint(handlers::on_callback)),
    )
}
