//! [`Ctx`]: one update's context, built once per update from the bot's
//! dependencies: who is asking, in which chat and language, where the
//! answer goes, the engine, and the policy and business information as
//! they were when the update arrived (a config reload never mixes two
//! versions into one answer). Endpoints take `&Ctx` and the parsed input.
//!
//! Also here: loading the conversation, once per update, with the notice
//! for one that could not continue.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::sync::Arc;

use booking_domain::{CustomerId, Policy, TelegramUserId};
use booking_ports::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use teloxide::dispatching::{DpHandlerDescription, UpdateHandler};
use teloxide::dptree::{self, HandlerDescription, HandlerSignature, Type};
use teloxide::prelude::*;
use teloxide::types::{ChatId, MaybeInaccessibleMessage, UpdateId, User};

use super::callback::FlowId;
use super::state::State;
use super::{BusinessInfo, ClientBot};
use crate::conversation::{ChatConversation, ConversationError, ConversationStorage, Loaded};
use crate::error::HandlerError;
use crate::i18n::{Language, Locales, Text};
use crate::telegram::{self, Place, Screen};
use crate::ui::client::menu::Notice;

/// The context of one update. Cheap to clone: handles and ids.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub bot: Bot,
    pub chat: ChatId,
    pub user: User,
    /// The Telegram user: the same person in every chat and bot. Not a
    /// customer id: see [`Ctx::customer`].
    pub account: TelegramUserId,
    language: Language,
    pub locales: Arc<Locales>,
    pub engine: Arc<Engine>,
    /// Read once per update, so one decision never mixes two policies.
    pub policy: Arc<Policy>,
    /// Read once per update from the reloadable setting.
    pub business: Arc<BusinessInfo>,
    pub conversations: Arc<ConversationStorage>,
    /// This chat's conversation as this update loaded it: every write of
    /// the update is fenced by that version.
    pub conversation: ChatConversation,
    /// Where screens go: the message whose button was pressed, or a new one.
    pub place: Place,
    /// The Mini App's booking page, when it is served.
    pub mini_app: Option<url::Url>,
}

impl Ctx {
    fn new(
        bot: Bot,
        client: &ClientBot,
        (chat, update): (ChatId, UpdateId),
        user: &User,
        place: Place,
    ) -> Option<Self> {
        Some(Self {
            account: account_of(user)?,
            language: client.locales.language_for(user.language_code.as_deref()),
            bot,
            chat,
            user: user.clone(),
            locales: Arc::clone(&client.locales),
            policy: client.engine.policy(),
            engine: Arc::clone(&client.engine),
            business: client.business.get(),
            conversations: Arc::clone(&client.conversations),
            conversation: client.conversations.chat_in_update(chat, update),
            place,
            mini_app: client.mini_app.clone(),
        })
    }

    /// The context of a message, if it is one the bot answers: a private
    /// chat (in a group the bot would show one person's bookings to
    /// everyone) with a sender.
    pub(crate) fn for_message(
        bot: Bot,
        client: ClientBot,
        update: Update,
        message: Message,
    ) -> Option<Self> {
        if !message.chat.is_private() {
            return None;
        }
        let user = message.from.as_ref()?;
        Self::new(bot, &client, (message.chat.id, update.id), user, Place::New)
    }

    /// The context of a pressed button. Buttons we send live in private
    /// chats only; the private chat id is the user's id, so the chat is
    /// known even for a message too old to read (then the answer is a new
    /// message).
    pub(crate) fn for_press(
        bot: Bot,
        client: &ClientBot,
        update: UpdateId,
        query: &CallbackQuery,
    ) -> Option<Self> {
        let (chat, place) = match &query.message {
            Some(MaybeInaccessibleMessage::Regular(message)) if message.chat.is_private() => {
                (message.chat.id, Place::Edit(message.id))
            }
            Some(MaybeInaccessibleMessage::Inaccessible(message)) if message.chat.is_private() => {
                (message.chat.id, Place::New)
            }
            _ => return None,
        };
        Self::new(bot, client, (chat, update), &query.from, place)
    }

    /// The same context, answering at `place` instead.
    pub(crate) fn at(&self, place: Place) -> Self {
        Self {
            place,
            ..self.clone()
        }
    }

    /// The customer record this account acts as; `None` before its first
    /// booking (which makes it).
    pub(crate) async fn customer(&self) -> Result<Option<CustomerId>, HandlerError> {
        self.engine
            .customer_of_account(self.account)
            .await
            .map_err(|e| HandlerError::engine("find the account's customer record", e))
    }

    /// The customer's texts.
    pub(crate) fn t(&self) -> Text<'_> {
        self.locales.text(self.language)
    }

    pub(crate) fn tz(&self) -> Tz {
        self.policy.time_zone()
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.engine.now()
    }

    /// The local day of `start`.
    pub(crate) fn day_of(&self, start: DateTime<Utc>) -> NaiveDate {
        start.with_timezone(&self.tz()).date_naive()
    }

    /// A new flow id for a flow starting now.
    pub(crate) fn new_flow(&self) -> FlowId {
        FlowId::starting_at(self.now())
    }

    /// The conversation of this chat, and what to tell the customer about a
    /// conversation that could not continue.
    pub(crate) async fn load(&self) -> Result<(State, Option<Notice>), HandlerError> {
        let loaded = self.conversation.load::<State>().await?;
        let outcome = match loaded {
            Loaded::Fresh => (State::Idle, None),
            Loaded::Active(state) => (state, None),
            Loaded::Expired => (
                State::Idle,
                Some(Notice::Expired {
                    idle_minutes: self.conversations.idle_expiry().num_minutes(),
                }),
            ),
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
            self.conversation.remove().await?;
        }
        Ok(outcome)
    }

    /// Stores the conversation state; `Idle` forgets it.
    pub(crate) async fn save(&self, state: &State) -> Result<(), HandlerError> {
        match state {
            State::Idle => self.conversation.remove().await?,
            other => self.conversation.save(other).await?,
        }
        Ok(())
    }

    /// Shows `screen` at this update's place.
    pub(crate) async fn show(&self, screen: &Screen) -> Result<(), HandlerError> {
        self.show_at(screen, self.place).await
    }

    /// Shows `screen` at `place`.
    pub(crate) async fn show_at(&self, screen: &Screen, place: Place) -> Result<(), HandlerError> {
        telegram::show(&self.bot, self.chat, screen, place).await?;
        Ok(())
    }

    /// Removes the phone step's reply keyboard: a message carrying the
    /// removal, deleted at once so it leaves nothing in the chat.
    pub(crate) async fn hide_reply_keyboard(&self) -> Result<(), HandlerError> {
        use teloxide::types::{KeyboardRemove, ReplyMarkup};
        let sent = telegram::retrying(false, || {
            self.bot
                .send_message(self.chat, "⌛")
                .reply_markup(ReplyMarkup::KeyboardRemove(KeyboardRemove::new()))
        })
        .await?;
        // Best effort: a leftover hourglass is harmless.
        let _ = telegram::send(self.bot.delete_message(self.chat, sent.id)).await;
        Ok(())
    }

    /// Shows `screen`, then saves `state`. The screen goes first so that
    /// the stored step is never ahead of what the customer sees: if showing
    /// fails, or the process dies before the save, the customer still looks
    /// at the screen the stored step belongs to, and the update, handled
    /// again, takes the same step and shows it once more (an unchanged edit
    /// counts as done). Once saved, the step records this update, which a
    /// second handling then skips ([`ChatConversation::already_applied`]).
    /// The price: a save that loses to another instance (a conflict) comes
    /// after the new screen is on display; the customer is then asked to
    /// try again, and a button of that screen answers "expired".
    pub(crate) async fn go(&self, state: &State, screen: &Screen) -> Result<(), HandlerError> {
        self.show(screen).await?;
        self.save(state).await
    }
}

impl Ctx {
    /// `result`, unless the update ended on a conversation conflict (another
    /// instance handled this chat since the update loaded it): then the
    /// customer is asked to try again, which loads the newer state, and the
    /// update ends well. Logged without the chat: ids of people stay out of
    /// warnings.
    pub(crate) async fn after_conflict(
        &self,
        result: Result<(), HandlerError>,
    ) -> Result<(), HandlerError> {
        match result {
            Err(HandlerError::Conversation(ConversationError::Conflict { expected })) => {
                tracing::warn!(
                    bot = "client",
                    %expected,
                    "the conversation changed under this update (another instance handled the \
                     chat); nothing was saved, the next message reloads it"
                );
                let t = self.t();
                self.show_at(
                    &Screen::text(t.get(crate::i18n::Msg::UnexpectedError)),
                    Place::New,
                )
                .await
            }
            other => other,
        }
    }
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

/// The Telegram account of a user.
pub(crate) fn account_of(user: &User) -> Option<TelegramUserId> {
    i64::try_from(user.id.0)
        .ok()
        .and_then(|id| TelegramUserId::new(id).ok())
}

/// A handler that loads the conversation of the update's [`Ctx`] and
/// passes on its [`State`] and the `Option<Notice>` for one that could not
/// continue. A store failure ends the update with that error (dptree's own
/// `filter_map_async` could only drop it silently).
pub(crate) fn load_conversation() -> UpdateHandler<HandlerError> {
    dptree::from_fn_with_description(
        DpHandlerDescription::entry(),
        |deps: DependencyMap, cont| async move {
            let Some(ctx) = deps.try_get::<Ctx>() else {
                return ControlFlow::Continue(deps);
            };
            match ctx.load().await {
                Ok(_) if ctx.conversation.already_applied() => ControlFlow::Break(Ok(())),
                Ok((state, notice)) => {
                    let mut loaded = deps.clone();
                    loaded.insert(state);
                    loaded.insert(notice);
                    match cont(loaded).await {
                        ControlFlow::Continue(_) => ControlFlow::Continue(deps),
                        ControlFlow::Break(result) => {
                            ControlFlow::Break(ctx.after_conflict(result).await)
                        }
                    }
                }
                Err(error) => ControlFlow::Break(Err(error)),
            }
        },
        HandlerSignature::Other {
            obligations: BTreeMap::from([(Type::of::<Ctx>(), std::panic::Location::caller())]),
            guaranteed_outcomes: BTreeSet::from([
                Type::of::<State>(),
                Type::of::<Option<Notice>>(),
            ]),
            conditional_outcomes: BTreeSet::new(),
            continues: true,
        },
    )
}
