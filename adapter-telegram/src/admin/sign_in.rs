//! The door: `/whoami` for anyone, the gate's answer to those it does not
//! admit (one refusal, the lockout, the PIN step), `/help` and `/logout`.

use std::sync::Arc;

use booking_ports::StaffRole;
use chrono::{DateTime, Utc};
use teloxide::prelude::*;

use super::AdminBot;
use super::access::{Gate, JoinOutcome, PinOutcome};
use super::commands;
use super::ctx::{Ctx, Visitor};
use super::state::AdminState;
use crate::conversation::Loaded;
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::telegram::{self, Place, Screen};
use crate::ui::admin::sign_in as ui;

/// Whether `visitor` may use the bot now. For staff let in, the language
/// they write in is noted, so their notices speak it.
pub(super) async fn gate(visitor: Visitor, admin: Arc<AdminBot>) -> Result<Gate, HandlerError> {
    let gate = admin
        .access
        .gate(visitor.user)
        .await
        .map_err(|e| HandlerError::engine("check access", e))?;
    if gate == Gate::Admitted
        && let Err(e) = admin
            .access
            .note_language(visitor.user, visitor.language)
            .await
    {
        // Notices then keep the language they had: not worth refusing the
        // update for.
        tracing::warn!(error = %crate::error::chain(&e), "recording a staff member's language failed");
    }
    Ok(gate)
}

/// `/join <code>`: anyone in a private chat may try an invitation code;
/// wrong codes count like wrong PINs.
pub(super) async fn join(
    bot: Bot,
    message: Message,
    visitor: Visitor,
    admin: Arc<AdminBot>,
    code: String,
) -> Result<(), HandlerError> {
    let t = admin.locales.text(visitor.language);
    let tz = admin.engine.policy().time_zone();
    let outcome = admin
        .access
        .join(visitor.user, &code, visitor.language)
        .await
        .map_err(|e| HandlerError::engine("join with an invitation", e))?;
    let text = match outcome {
        JoinOutcome::Joined(member) => {
            let joined = t.with(Msg::AdminJoined, &[("staff", member.get().into())]);
            if admin.access.uses_pin() {
                format!("{joined}\n{}", t.get(Msg::AdminJoinedPin))
            } else {
                joined
            }
        }
        JoinOutcome::Wrong => t.get(Msg::AdminJoinWrong),
        JoinOutcome::NotACode => t.get(Msg::AdminUsageJoin),
        JoinOutcome::LockedOut { until } => ui::locked_out(&t, tz, until),
        JoinOutcome::Paused { until } => {
            return reply(&bot, &message, ui::paused(&t, tz, until)).await;
        }
    };
    reply(&bot, &message, Screen::text(text)).await
}

async fn reply(bot: &Bot, message: &Message, screen: Screen) -> Result<(), HandlerError> {
    telegram::show(bot, message.chat.id, &screen, Place::New).await?;
    Ok(())
}

/// `/whoami`: anyone's own id, in any chat.
pub(super) async fn whoami(
    bot: Bot,
    message: Message,
    visitor: Visitor,
    admin: Arc<AdminBot>,
) -> Result<(), HandlerError> {
    let t = admin.locales.text(visitor.language);
    reply(&bot, &message, ui::whoami(&t, visitor.user)).await
}

/// A stranger hears one refusal, then nothing.
pub(super) async fn refused(
    bot: Bot,
    message: Message,
    visitor: Visitor,
    admin: Arc<AdminBot>,
    first_time: bool,
) -> Result<(), HandlerError> {
    if !first_time {
        return Ok(());
    }
    let t = admin.locales.text(visitor.language);
    reply(&bot, &message, Screen::text(t.get(Msg::AdminRefused))).await
}

/// Locked out after too many wrong PINs.
pub(super) async fn locked_out(
    bot: Bot,
    message: Message,
    visitor: Visitor,
    admin: Arc<AdminBot>,
    until: DateTime<Utc>,
) -> Result<(), HandlerError> {
    let t = admin.locales.text(visitor.language);
    let text = ui::locked_out(&t, admin.engine.policy().time_zone(), until);
    reply(&bot, &message, Screen::text(text)).await
}

/// PIN checks are paused for everyone not signed in.
pub(super) async fn paused(
    bot: Bot,
    message: Message,
    visitor: Visitor,
    admin: Arc<AdminBot>,
    until: DateTime<Utc>,
) -> Result<(), HandlerError> {
    let t = admin.locales.text(visitor.language);
    let tz = admin.engine.policy().time_zone();
    reply(&bot, &message, ui::paused(&t, tz, until)).await
}

/// The PIN step: text that is no command is a PIN attempt, unless the chat
/// was in a step when the session ended: text typed for that step (a
/// cancellation reason) is dropped with the step, never taken as a PIN.
pub(super) async fn pin(
    bot: Bot,
    message: Message,
    visitor: Visitor,
    admin: Arc<AdminBot>,
) -> Result<(), HandlerError> {
    let t = admin.locales.text(visitor.language);
    let text = message.text().unwrap_or_default();
    let chat = message.chat.id;
    if commands::parse(text).is_ok() || text.is_empty() || text.starts_with('/') {
        return reply(&bot, &message, Screen::text(t.get(Msg::AdminAskPin))).await;
    }
    let conversation = admin.conversations.chat(chat);
    let in_step = match conversation.load::<AdminState>().await? {
        Loaded::Active(state) => state != AdminState::Idle,
        Loaded::Expired => true,
        Loaded::Fresh | Loaded::Unreadable(_) => false,
    };
    if in_step {
        conversation.remove().await?;
        return reply(&bot, &message, Screen::text(t.get(Msg::AdminSessionEnded))).await;
    }
    // The PIN should not stay readable in the chat; best effort.
    let _ = telegram::send(bot.delete_message(chat, message.id)).await;
    let outcome = admin
        .access
        .try_pin(visitor.user, text)
        .await
        .map_err(|e| HandlerError::engine("check a PIN", e))?;
    let tz = admin.engine.policy().time_zone();
    let screen = match outcome {
        PinOutcome::SignedIn { until } => ui::signed_in(&t, tz, until),
        PinOutcome::Wrong { attempts_left } => ui::pin_wrong(&t, attempts_left),
        PinOutcome::LockedOut { until } => Screen::text(ui::locked_out(&t, tz, until)),
        PinOutcome::Paused { until, began } => {
            if began {
                tell_owners(&bot, &admin, until).await;
            }
            ui::paused(&t, tz, until)
        }
        PinOutcome::NotAPin => Screen::text(t.get(Msg::AdminNotAPin)),
        PinOutcome::Busy => Screen::text(t.get(Msg::AdminPinBusy)),
        PinOutcome::NotApplicable => Screen::text(t.get(Msg::AdminRefused)),
    };
    reply(&bot, &message, screen).await
}

/// Tells the owners' chats that PIN checks paused. Best effort: the pause
/// holds whether or not they hear of it, and it is logged and counted.
async fn tell_owners(bot: &Bot, admin: &AdminBot, until: DateTime<Utc>) {
    let t = admin.locales.text(admin.locales.default_language());
    let screen = ui::paused_for_owners(&t, admin.engine.policy().time_zone(), until);
    for chat in admin.access.config().owner_chats.iter().copied() {
        if let Err(e) = telegram::show(bot, ChatId(chat), &screen, Place::New).await {
            tracing::warn!(chat, error = %crate::error::chain(&e), "could not tell an owner that PIN checks paused");
        }
    }
}

/// `/help`, and anything staff write outside a step.
pub(super) async fn help(ctx: Ctx) -> Result<(), HandlerError> {
    let t = ctx.t();
    let role = t.get(match ctx.actor.role() {
        StaffRole::Owner => Msg::AdminRoleOwner,
        StaffRole::Manager => Msg::AdminRoleManager,
        StaffRole::Staff => Msg::AdminRoleStaff,
    });
    // Staff see the commands of their own schedule; the rest would only
    // be refused.
    let commands = match ctx.actor.role() {
        StaffRole::Staff => Msg::AdminHelpStaff,
        StaffRole::Owner | StaffRole::Manager => Msg::AdminHelp,
    };
    ctx.say(&Screen::text(format!("{role}\n\n{}", t.get(commands))))
        .await
}

/// `/logout`: ends a PIN session; on the allow-list alone there is none.
pub(super) async fn logout(ctx: Ctx) -> Result<(), HandlerError> {
    if !ctx.access.uses_pin() {
        return ctx.say_text(Msg::AdminNoSession).await;
    }
    // Signing out twice is harmless: the answer is the same.
    ctx.access
        .sign_out(ctx.user)
        .await
        .map_err(|e| HandlerError::engine("sign out", e))?;
    ctx.say_text(Msg::AdminSignedOut).await
}
