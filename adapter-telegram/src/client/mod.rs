//! The client bot: what customers use to book, see, move and cancel their
//! bookings, and to see or erase what the business stores about them.
//!
//! Shape (as in the teloxide and teloxide_tests examples): [`State`] is the
//! conversation, [`callback`] the button data, [`handler_tree`] builds the
//! tree, and the flow modules (`booking`, `manage`, `about`) hold thin
//! endpoints that turn updates into engine calls and results into screens.
//! Every user-facing string comes from the locale files.
//!
//! [`State`]: state::State

mod about;
mod booking;
pub mod callback;
mod keyboard;
mod manage;
mod menu;
mod session;
pub mod state;

use std::sync::Arc;

use booking_ports::{BotName, Clock, Engine};
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree;
use teloxide::prelude::*;
use teloxide::types::{MaybeInaccessibleMessage, Message};

use self::callback::Callback;
use self::menu::Notice;
use self::session::{Session, customer_of};
use self::state::State;
use crate::conversation::{ConversationStorage, Loaded};
use crate::error::HandlerError;
use crate::guard::catch_panics;
use crate::i18n::Locales;
use crate::live::Live;
use crate::metrics::observe_updates;
use crate::telegram::{self, Place};

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
        })
    }

    /// The dependencies [`handler_tree`] needs.
    pub fn dependencies(&self) -> DependencyMap {
        dptree::deps![
            Arc::clone(&self.engine),
            Arc::clone(&self.locales),
            self.business.clone(),
            Arc::clone(&self.conversations)
        ]
    }
}

/// The client bot's handler tree: private messages and button presses,
/// under the panic guard, each update counted and timed.
pub fn handler_tree() -> UpdateHandler<HandlerError> {
    observe_updates(CLIENT_BOT).chain(
        catch_panics()
            .branch(Update::filter_message().endpoint(on_message))
            .branch(Update::filter_callback_query().endpoint(on_callback)),
    )
}

/// The conversation of an update, and what to tell the customer about a
/// conversation that could not continue.
async fn load_state(
    conversations: &ConversationStorage,
    chat: ChatId,
) -> Result<(State, Option<Notice>), HandlerError> {
    let loaded = conversations.load::<State>(chat).await?;
    let outcome = match loaded {
        Loaded::Fresh => (State::Idle, None),
        Loaded::Active(state) => (state, None),
        Loaded::Expired => (State::Idle, Some(Notice::Expired)),
        Loaded::Unreadable(why) => {
            tracing::warn!(
                ?why,
                "stored client conversation is unreadable; starting over"
            );
            (State::Idle, Some(Notice::Unreadable))
        }
    };
    if outcome.1.is_some() {
        // Said once: the stale state must not produce the notice again.
        conversations.remove(chat).await?;
    }
    Ok(outcome)
}

async fn on_message(
    bot: Bot,
    message: Message,
    engine: Arc<Engine>,
    locales: Arc<Locales>,
    business: Live<BusinessInfo>,
    conversations: Arc<ConversationStorage>,
) -> Result<(), HandlerError> {
    // The client bot talks to customers one to one; in a group it would
    // show one person's bookings to everyone.
    if !message.chat.is_private() {
        return Ok(());
    }
    let Some(user) = message.from.as_ref() else {
        return Ok(());
    };
    let Some(customer) = customer_of(user) else {
        return Ok(());
    };
    let language = locales.language_for(user.language_code.as_deref());
    let business = business.get();
    let session = Session {
        bot: &bot,
        chat: message.chat.id,
        user,
        customer,
        t: locales.text(language),
        locales: &locales,
        engine: engine.as_ref(),
        business: &business,
        conversations: &conversations,
        policy: engine.policy(),
    };
    let (state, notice) = load_state(&conversations, message.chat.id).await?;

    if let Some(command) = message.text().and_then(command_of) {
        if matches!(
            state,
            State::Booking {
                step: state::BookingStep::Phone { .. },
                ..
            }
        ) {
            // Leaving the phone step: its reply keyboard must go too.
            booking::hide_reply_keyboard(&session).await?;
        }
        return match command {
            "start" | "menu" => menu::show_main(&session, notice, Place::New).await,
            _ => menu::show_hint(&session, notice).await,
        };
    }
    if let Some(notice) = notice {
        // The context of whatever they typed is gone: explain, offer the menu.
        return menu::show_main(&session, Some(notice), Place::New).await;
    }
    match state {
        State::Booking { flow, step } => booking::on_message(&session, flow, step, &message).await,
        State::Idle => menu::show_main(&session, None, Place::New).await,
        State::Bookings { .. } | State::About { .. } => menu::show_hint(&session, None).await,
    }
}

/// The command of a message such as `/start` or `/start@salon_bot payload`.
fn command_of(text: &str) -> Option<&str> {
    let word = text.strip_prefix('/')?.split_whitespace().next()?;
    Some(word.split('@').next().unwrap_or(word))
}

async fn on_callback(
    bot: Bot,
    query: CallbackQuery,
    engine: Arc<Engine>,
    locales: Arc<Locales>,
    business: Live<BusinessInfo>,
    conversations: Arc<ConversationStorage>,
) -> Result<(), HandlerError> {
    let language = locales.language_for(query.from.language_code.as_deref());
    let t = locales.text(language);
    let outcome = on_callback_inner(
        &bot,
        &query,
        engine.as_ref(),
        &locales,
        &business.get(),
        &conversations,
    )
    .await;
    // Every press is answered, whatever happened, so the client stops its
    // spinner; the notice says why nothing happened when it did not.
    let notice = match &outcome {
        Ok(Answer::Silent) => None,
        Ok(Answer::Expired) => Some(t.get("button-expired")),
        Ok(Answer::Notice(text)) => Some(text.clone()),
        Err(_) => Some(t.get("unexpected-error")),
    };
    let answered = telegram::answer(&bot, &query, notice).await;
    outcome?;
    answered?;
    Ok(())
}

/// How a pressed button is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The screen changed; nothing to add.
    Silent,
    /// The button belongs to a conversation that moved on, or names
    /// something this customer cannot act on. Nothing changed.
    Expired,
    /// A short notice over the chat.
    Notice(String),
}

async fn on_callback_inner(
    bot: &Bot,
    query: &CallbackQuery,
    engine: &Engine,
    locales: &Locales,
    business: &BusinessInfo,
    conversations: &ConversationStorage,
) -> Result<Answer, HandlerError> {
    let Ok(callback) = query
        .data
        .as_deref()
        .map_or(Err(()), |d| Callback::parse(d).map_err(|_| ()))
    else {
        tracing::debug!("unrecognised callback data");
        return Ok(Answer::Expired);
    };
    // Buttons we send live in private chats only; the private chat id is the
    // user's id, so the chat is known even for a message too old to read.
    let (chat, place) = match &query.message {
        Some(MaybeInaccessibleMessage::Regular(message)) if message.chat.is_private() => {
            (message.chat.id, Place::Edit(message.id))
        }
        Some(MaybeInaccessibleMessage::Inaccessible(message)) if message.chat.is_private() => {
            (message.chat.id, Place::New)
        }
        _ => return Ok(Answer::Expired),
    };
    let Some(customer) = customer_of(&query.from) else {
        return Ok(Answer::Expired);
    };
    let language = locales.language_for(query.from.language_code.as_deref());
    let session = Session {
        bot,
        chat,
        user: &query.from,
        customer,
        t: locales.text(language),
        locales,
        engine,
        business,
        conversations,
        policy: engine.policy(),
    };
    let (state, notice) = load_state(conversations, chat).await?;
    match callback {
        Callback::Menu(item) => {
            menu::open(&session, item, place).await?;
            Ok(notice.map_or(Answer::Silent, |n| Answer::Notice(n.text(&session))))
        }
        Callback::Attend(id) => manage::attend(&session, id).await,
        Callback::CancelFromReminder(id) => {
            // A new "My bookings" conversation, asking under the reminder.
            manage::cancel_from_reminder(&session, id).await
        }
        Callback::Flow { flow, action } => {
            if let Some(notice) = notice {
                menu::show_main(&session, Some(notice), place).await?;
                return Ok(Answer::Expired);
            }
            if state.flow() != Some(flow) {
                return Ok(Answer::Expired);
            }
            match state {
                State::Booking { step, .. } => {
                    booking::on_action(&session, flow, step, action, place).await
                }
                State::Bookings { step, .. } => {
                    manage::on_action(&session, flow, step, action, place).await
                }
                State::About { step, .. } => {
                    about::on_action(&session, flow, step, action, place).await
                }
                State::Idle => Ok(Answer::Expired),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_read_with_and_without_the_bot_name() {
        assert_eq!(command_of("/start"), Some("start"));
        assert_eq!(command_of("/start@salon_bot ref42"), Some("start"));
        assert_eq!(command_of("start"), None);
        assert_eq!(command_of("/"), None);
    }
}
