//! The door: `/whoami` for anyone, the gate's answer to those it does not
//! admit (one refusal, the lockout, the PIN step), `/help` and `/logout`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use teloxide::prelude::*;

use super::AdminBot;
use super::access::{Gate, PinOutcome};
use super::commands;
use super::ctx::{Ctx, Visitor};
use crate::error::HandlerError;
use crate::telegram::{self, Place, Screen};
use crate::ui::admin::sign_in as ui;

/// Whether `visitor` may use the bot now.
pub(super) async fn gate(visitor: Visitor, admin: Arc<AdminBot>) -> Result<Gate, HandlerError> {
    admin
        .access
        .gate(visitor.user)
        .await
        .map_err(|e| HandlerError::engine("check access", e))
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
    reply(&bot, &message, Screen::text(t.get("admin-refused"))).await
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

/// The PIN step: any text that is no command is a PIN attempt.
pub(super) async fn pin(
    bot: Bot,
    message: Message,
    visitor: Visitor,
    admin: Arc<AdminBot>,
) -> Result<(), HandlerError> {
    let t = admin.locales.text(visitor.language);
    let text = message.text().unwrap_or_default();
    if commands::parse(text).is_ok() || text.is_empty() || text.starts_with('/') {
        return reply(&bot, &message, Screen::text(t.get("admin-ask-pin"))).await;
    }
    // The PIN should not stay readable in the chat; best effort.
    let _ = telegram::send(bot.delete_message(message.chat.id, message.id)).await;
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
        PinOutcome::NotApplicable => Screen::text(t.get("admin-refused")),
    };
    reply(&bot, &message, screen).await
}

/// `/help`, and anything staff write outside a step.
pub(super) async fn help(ctx: Ctx) -> Result<(), HandlerError> {
    ctx.say_text("admin-help").await
}

/// `/logout`: ends a PIN session; on the allow-list alone there is none.
pub(super) async fn logout(ctx: Ctx) -> Result<(), HandlerError> {
    if !ctx.access.uses_pin() {
        return ctx.say_text("admin-no-session").await;
    }
    // Signing out twice is harmless: the answer is the same.
    ctx.access
        .sign_out(ctx.user)
        .await
        .map_err(|e| HandlerError::engine("sign out", e))?;
    ctx.say_text("admin-signed-out").await
}
