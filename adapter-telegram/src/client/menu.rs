//! The main menu's endpoints: commands, text the current step does not
//! expect, and what a customer is told when their conversation could not
//! continue.

use super::commands::Command;
use super::ctx::Ctx;
use super::state::{BookingStep, State};
use crate::error::HandlerError;
use crate::ui::client::menu::{self as screen, Notice};

/// `/start`, `/menu` (`Some`), or a command we do not have (`None`).
pub(crate) async fn on_command(
    ctx: Ctx,
    command: Option<Command>,
    state: State,
    notice: Option<Notice>,
) -> Result<(), HandlerError> {
    if let State::Booking {
        step: BookingStep::Phone { .. },
        ..
    } = state
    {
        // Leaving the phone step: its reply keyboard must go too.
        ctx.hide_reply_keyboard().await?;
    }
    match command {
        Some(Command::Start | Command::Menu) => show_main(&ctx, notice).await,
        None => show_hint(&ctx, notice).await,
    }
}

/// Something typed after the conversation could not continue: its context
/// is gone, so explain and offer the menu.
pub(crate) async fn on_restart(ctx: Ctx, notice: Option<Notice>) -> Result<(), HandlerError> {
    show_main(&ctx, notice).await
}

/// Text outside the booking flow: the menu when idle, the hint inside a
/// flow of buttons (the conversation stays where it is).
pub(crate) async fn on_text(ctx: Ctx, state: State) -> Result<(), HandlerError> {
    match state {
        State::Idle => show_main(&ctx, None).await,
        _ => show_hint(&ctx, None).await,
    }
}

/// The greeting with the main menu, after the notice if there is one. The
/// conversation is reset.
pub(crate) async fn show_main(ctx: &Ctx, notice: Option<Notice>) -> Result<(), HandlerError> {
    let screen = screen::main(&ctx.t(), &ctx.business.name, notice);
    ctx.go(&State::Idle, &screen).await
}

/// A reminder to use the buttons; the conversation stays where it is. With
/// a notice, the conversation is gone: the greeting instead.
pub(crate) async fn show_hint(ctx: &Ctx, notice: Option<Notice>) -> Result<(), HandlerError> {
    if notice.is_some() {
        return show_main(ctx, notice).await;
    }
    ctx.show(&screen::hint(&ctx.t())).await
}
