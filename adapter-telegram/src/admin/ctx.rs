//! Who sent an update ([`Visitor`]) and, once the gate admitted them,
//! everything an endpoint needs ([`Ctx`]): built once per update, with the
//! policy and the access settings read once, so a config reload in the
//! middle of an update cannot mix old and new settings.
//!
//! The chat's step is loaded once per update, and the step an endpoint
//! chooses is written when the update ends well, after everything it
//! showed: the stored step is never ahead of the screen the member sees,
//! and it records the update, so an update handled again after a crash or
//! a takeover, whose step was written, is not applied twice
//! ([`Ctx::already_applied`], [`step_written_at_the_end`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, PoisonError};

use booking_domain::{Policy, StaffMember};
use booking_ports::{Capability, Engine, Forbidden, StaffActor, StaffRole, StaffUser};
use chrono::NaiveDate;
use chrono_tz::Tz;
use teloxide::dispatching::{DpHandlerDescription, UpdateHandler};
use teloxide::dptree::{self, HandlerDescription, HandlerSignature, Type};
use teloxide::prelude::*;
use teloxide::types::{UpdateId, User};

use super::AdminBot;
use super::access::{Access, AdminBotConfig};
use super::state::AdminState;
use crate::conversation::{ChatConversation, Loaded};
use crate::error::HandlerError;
use crate::i18n::{Language, Locales, Msg, Text};
use crate::telegram::{self, Place, Screen};

/// What a button press is answered with: a short notice, or nothing.
pub(super) type Notice = Option<String>;

/// The sender of an update, before anyone asked whether they may use the
/// bot: their Telegram user id (never the chat's) and language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Visitor {
    pub(super) user: i64,
    pub(super) language: Language,
}

impl Visitor {
    pub(super) fn of(user: &User, locales: &Locales) -> Option<Self> {
        Some(Self {
            user: i64::try_from(user.id.0).ok()?,
            language: locales.language_for(user.language_code.as_deref()),
        })
    }

    /// The sender of `message`; `None` for channel posts and the like.
    pub(super) fn of_message(message: Message, admin: Arc<AdminBot>) -> Option<Self> {
        Self::of(message.from.as_ref()?, &admin.locales)
    }
}

/// One admitted update's context.
#[derive(Clone)]
pub(super) struct Ctx {
    pub(super) bot: Bot,
    pub(super) chat: ChatId,
    /// Where [`Ctx::show`] puts a screen: over the pressed message, or new.
    pub(super) place: Place,
    pub(super) user: i64,
    /// The engine's proof that the gate admitted this user.
    pub(super) actor: StaffActor,
    pub(super) engine: Arc<Engine>,
    /// The booking policy, read once for this update.
    pub(super) policy: Arc<Policy>,
    /// The access settings (page size, export limit), read once.
    pub(super) config: Arc<AdminBotConfig>,
    pub(super) access: Arc<Access>,
    /// This chat's conversation as this update loaded it: every write of
    /// the update is fenced by that version.
    pub(super) conversation: ChatConversation,
    /// The step as loaded and the step chosen, shared by the update's
    /// clones of the context.
    steps: Arc<Mutex<Steps>>,
    locales: Arc<Locales>,
    language: Language,
}

/// One update's view of its chat's step.
#[derive(Debug, Default)]
struct Steps {
    /// As stored when the update began; `None` until first asked.
    loaded: Option<AdminState>,
    /// What an endpoint chose, written when the update ends well.
    chosen: Option<AdminState>,
}

impl fmt::Debug for Ctx {
    // Not the bot: its `Debug` prints the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx")
            .field("chat", &self.chat)
            .field("user", &self.user)
            .field("place", &self.place)
            .finish_non_exhaustive()
    }
}

impl Ctx {
    /// The context of an update the gate admitted.
    pub(super) fn new(
        bot: Bot,
        (chat, place): (ChatId, Place),
        (visitor, update): (Visitor, UpdateId),
        admin: &AdminBot,
    ) -> Self {
        // The gate admitted this user; the role their list gives them is
        // what the engine lets them do.
        let actor = StaffActor::authenticated(
            StaffUser::new(visitor.user),
            admin.access.member_of(visitor.user),
            admin.access.role_of(visitor.user),
        );
        Self {
            bot,
            chat,
            place,
            user: visitor.user,
            actor,
            engine: Arc::clone(&admin.engine),
            policy: admin.engine.policy(),
            config: admin.access.config(),
            access: Arc::clone(&admin.access),
            conversation: admin.conversations.chat_in_update(chat, update),
            steps: Arc::default(),
            locales: Arc::clone(&admin.locales),
            language: visitor.language,
        }
    }

    /// The context of an admitted message: answers go to its chat, new.
    pub(super) fn of_message(
        bot: Bot,
        update: Update,
        message: Message,
        visitor: Visitor,
        admin: Arc<AdminBot>,
    ) -> Self {
        Self::new(
            bot,
            (message.chat.id, Place::New),
            (visitor, update.id),
            &admin,
        )
    }

    /// The reader's texts.
    pub(super) fn t(&self) -> Text<'_> {
        self.locales.text(self.language)
    }

    /// The business's time zone.
    pub(super) fn tz(&self) -> Tz {
        self.policy.time_zone()
    }

    /// Today in the business's time zone.
    pub(super) fn today(&self) -> NaiveDate {
        self.policy.today(self.engine.now())
    }

    /// Shows `screen` at [`Ctx::place`].
    pub(super) async fn show(&self, screen: &Screen) -> Result<(), HandlerError> {
        telegram::show(&self.bot, self.chat, screen, self.place).await?;
        Ok(())
    }

    /// Sends `screen` as a new message.
    pub(super) async fn say(&self, screen: &Screen) -> Result<(), HandlerError> {
        telegram::show(&self.bot, self.chat, screen, Place::New).await?;
        Ok(())
    }

    /// Sends the message `id` as a new message.
    pub(super) async fn say_text(&self, id: Msg) -> Result<(), HandlerError> {
        self.say(&Screen::text(self.t().get(id))).await
    }

    /// The staff members whose schedules this user may open: everyone's
    /// for managers and owners, their own for staff (so a screen offers no
    /// button the engine would refuse).
    pub(super) fn schedule_members(&self, members: Vec<StaffMember>) -> Vec<StaffMember> {
        if self.actor.may(Capability::WholeSchedule) {
            return members;
        }
        members
            .into_iter()
            .filter(|m| Some(m.id()) == self.actor.member())
            .collect()
    }

    /// Tells the user the engine refused them by role, and which role may.
    pub(super) async fn refuse(&self, refusal: Forbidden) -> Result<(), HandlerError> {
        self.say(&Screen::text(refusal_text(&self.t(), refusal)))
            .await
    }

    fn steps(&self) -> std::sync::MutexGuard<'_, Steps> {
        // Only ever assigned whole; a panic elsewhere cannot leave it torn.
        self.steps.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The step this chat waits in, as this update chose it or else as
    /// stored (loaded once per update); idle when there is none, it
    /// expired, or it no longer reads (staff simply start again).
    pub(super) async fn state(&self) -> Result<AdminState, HandlerError> {
        if let Some(step) = {
            let steps = self.steps();
            steps.chosen.clone().or_else(|| steps.loaded.clone())
        } {
            return Ok(step);
        }
        let loaded = match self.conversation.load::<AdminState>().await? {
            Loaded::Active(state) => state,
            Loaded::Fresh | Loaded::Expired | Loaded::Unreadable(_) => AdminState::Idle,
        };
        self.steps().loaded = Some(loaded.clone());
        Ok(loaded)
    }

    /// Chooses the step this chat waits in next; written when the update
    /// ends well ([`Ctx::write_chosen_step`]), after what it shows.
    pub(super) async fn save(&self, state: &AdminState) -> Result<(), HandlerError> {
        self.steps().chosen = Some(state.clone());
        Ok(())
    }

    /// Whether this update was handled before, up to writing its step (see
    /// [`ChatConversation::already_applied`]): then what it did is done.
    ///
    /// # Errors
    /// The store's, loading the step.
    pub(super) async fn already_applied(&self) -> Result<bool, HandlerError> {
        self.state().await?;
        Ok(self.conversation.already_applied())
    }

    /// Ends the update with `outcome`, writing the step it chose when it
    /// ended well or with a refusal by role (a refused command still leaves
    /// the step it interrupted, and a refused action may have chosen
    /// `Idle` after part of its work); after any other error nothing is
    /// written, so the step stays the one the member saw last.
    ///
    /// # Errors
    /// `outcome`'s, or the write's.
    pub(super) async fn end_update<T>(
        &self,
        outcome: Result<T, HandlerError>,
    ) -> Result<T, HandlerError> {
        match outcome {
            Ok(value) => {
                self.write_chosen_step().await?;
                Ok(value)
            }
            Err(HandlerError::Forbidden(refusal)) => {
                self.write_chosen_step().await?;
                Err(HandlerError::Forbidden(refusal))
            }
            Err(other) => Err(other),
        }
    }

    /// Writes the step an endpoint chose, if it differs from the stored
    /// one; `Idle` forgets it.
    ///
    /// # Errors
    /// The store's, or a conflict when another instance wrote the chat's
    /// conversation since this update loaded it.
    pub(super) async fn write_chosen_step(&self) -> Result<(), HandlerError> {
        let (loaded, chosen) = {
            let mut steps = self.steps();
            (steps.loaded.clone(), steps.chosen.take())
        };
        match chosen {
            None => {}
            Some(AdminState::Idle) if matches!(loaded, Some(AdminState::Idle)) => {}
            Some(AdminState::Idle) => self.conversation.remove().await?,
            Some(step) => self.conversation.save(&step).await?,
        }
        Ok(())
    }
}

/// The update's step around the rest of a message's chain: an update
/// whose step was written by its own earlier handling ends at once (its
/// screens are on display); otherwise the step an endpoint chose is
/// written when the chain ends ([`Ctx::end_update`]). Put it right after
/// the `Ctx` is made.
pub(super) fn step_written_at_the_end() -> UpdateHandler<HandlerError> {
    dptree::from_fn_with_description(
        DpHandlerDescription::entry(),
        |deps: DependencyMap, cont| async move {
            let Some(ctx) = deps.try_get::<Ctx>() else {
                return ControlFlow::Continue(deps);
            };
            match ctx.already_applied().await {
                Ok(true) => return ControlFlow::Break(Ok(())),
                Ok(false) => {}
                Err(error) => return ControlFlow::Break(Err(error)),
            }
            match cont(deps).await {
                ControlFlow::Break(outcome) => ControlFlow::Break(ctx.end_update(outcome).await),
                other => other,
            }
        },
        HandlerSignature::Other {
            obligations: BTreeMap::from([(Type::of::<Ctx>(), std::panic::Location::caller())]),
            guaranteed_outcomes: BTreeSet::new(),
            conditional_outcomes: BTreeSet::new(),
            continues: true,
        },
    )
}

/// What a user refused by role reads: who may do it instead.
pub(super) fn refusal_text(t: &Text<'_>, refusal: Forbidden) -> String {
    t.get(match refusal.needs {
        StaffRole::Owner => Msg::AdminForbiddenOwner,
        StaffRole::Manager | StaffRole::Staff => Msg::AdminForbiddenManager,
    })
}
