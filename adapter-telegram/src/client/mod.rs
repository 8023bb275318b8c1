//! The client bot: what customers use to book, see, move and cancel their
//! bookings, and to see or erase what the business stores about them.
//!
//! Shape (as in the teloxide and teloxide_tests examples, and alike in the
//! admin bot): [`ClientBot`] holds the dependencies, [`handler_tree`] builds
//! the dptree tree, [`commands`] the typed commands, [`callback`] the typed
//! button data, [`state`] the stored conversation. Each update gets one
//! context (`ctx.rs`); endpoints read as parse, one use case, render, with
//! every screen a pure function in `crate::ui::client`.
//!
//! - `menu.rs`: commands, stray text, the main menu.
//! - `press.rs`: every button press: parsed, routed to its flow, answered.
//! - `booking.rs`: the booking flow's button steps and the booking itself;
//!   `details.rs`: what is typed in it (name, phone, comment).
//! - `manage.rs`: "My bookings" (details, cancel, move) and the reminder
//!   buttons.
//! - `about.rs`: "About" and the customer's data.
//! - `records.rs`: "Save as my details" after a booking for other details.
//! - `availability.rs`: free days and times, for booking and moving.

mod about;
mod availability;
mod booking;
pub mod callback;
pub mod commands;
mod ctx;
mod details;
mod manage;
mod menu;
mod moving;
mod press;
mod records;
pub mod state;

use std::sync::Arc;

use booking_ports::{BotName, Clock, Engine};
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::{self, case};
use teloxide::prelude::*;

use self::commands::{Command, other_command};
use self::ctx::{Ctx, load_conversation};
use self::state::State;
use crate::conversation::ConversationStorage;
use crate::error::HandlerError;
use crate::guard::catch_panics;
use crate::i18n::Locales;
use crate::live::Live;
use crate::metrics::observe_updates;
use crate::ui::client::menu::Notice;

/// The name of the client bot in conversation keys.
pub const CLIENT_BOT: &str = "client";

/// What the business tells customers about itself (greeting and "About").
/// Public information, not personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessInfo {
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
}

/// Everything the client bot's handlers need, as dependencies for the
/// dispatcher.
#[derive(Clone)]
pub struct ClientBot {
    pub engine: Arc<Engine>,
    pub locales: Arc<Locales>,
    /// Replaced when the config file is reloaded; read once per update.
    pub business: Live<BusinessInfo>,
    pub conversations: Arc<ConversationStorage>,
    /// The Mini App's booking page, when it is served: the service list
    /// offers it first.
    pub mini_app: Option<url::Url>,
}

impl std::fmt::Debug for ClientBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBot")
            .field("business", &self.business.get().name)
            .field("conversations", &self.conversations)
            .finish_non_exhaustive()
    }
}

impl ClientBot {
    /// The client bot over `engine`, keeping conversations in `store` under
    /// the bot name [`CLIENT_BOT`], idle for at most `idle_expiry`.
    pub fn new(
        engine: Arc<Engine>,
        locales: Arc<Locales>,
        business: BusinessInfo,
        store: Arc<dyn booking_ports::ConversationStore>,
        clock: Arc<dyn Clock>,
        idle_expiry: chrono::Duration,
    ) -> Result<Self, booking_ports::InvalidBotName> {
        Ok(Self {
            engine,
            locales,
            business: Live::new(business),
            conversations: Arc::new(ConversationStorage::new(
                store,
                clock,
                BotName::new(CLIENT_BOT)?,
                idle_expiry,
            )),
            mini_app: None,
        })
    }

    /// Offers the Mini App's booking page at `url` on the service list.
    #[must_use]
    pub fn with_mini_app(mut self, url: url::Url) -> Self {
        self.mini_app = Some(url);
        self
    }

    /// The dependencies [`handler_tree`] needs: the bot itself, from which
    /// each update's context is built.
    pub fn dependencies(&self) -> DependencyMap {
        dptree::deps![self.clone()]
    }
}

/// The client bot's handler tree, under the panic guard, each update
/// counted and timed. Messages in a private chat: the context and the
/// conversation are loaded once, then commands, a conversation that could
/// not continue, the booking flow's typed steps by state, and anything
/// else. Button presses: one endpoint that parses, routes and always
/// answers.
pub fn handler_tree() -> UpdateHandler<HandlerError> {
    let answered = dptree::filter_map(Ctx::for_message)
        .chain(load_conversation())
        .branch(
            // Commands in text only, never in a photo's caption.
            dptree::filter(|message: Message| message.text().is_some())
                .filter_command::<Command>()
                .map(Some::<Command>)
                .endpoint(menu::on_command),
        )
        .branch(
            dptree::filter_map(|message: Message| message.text().and_then(other_command))
                .endpoint(menu::on_command),
        )
        .branch(
            dptree::filter(|notice: Option<Notice>| notice.is_some()).endpoint(menu::on_restart),
        )
        .branch(
            // A contact outside the phone step (which takes it for the
            // booking): the Mini App's contact request sends one.
            dptree::filter(|message: Message, state: State| {
                message.contact().is_some() && !state.asks_for_phone()
            })
            .endpoint(records::on_contact),
        )
        .branch(case![State::Booking { flow, step }].endpoint(details::on_message))
        .endpoint(menu::on_text);
    // A message the bot does not answer (a group, no sender) is handled by
    // doing nothing, as before, rather than left to the dispatcher's
    // default handler, which would log it whole.
    let messages = Update::filter_message()
        .branch(answered)
        .endpoint(|| async { Ok(()) });
    observe_updates(CLIENT_BOT).chain(
        catch_panics()
            .branch(messages)
            .branch(Update::filter_callback_query().endpoint(press::on_press)),
    )
}
