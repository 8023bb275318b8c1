//! The steps that wait for typed text ([`AdminState`]): the reason for
//! cancelling one booking, and the message to the customers of bookings a
//! schedule edit collides with. A step's answer is the next text or
//! `/skip`; any other command leaves the step.

use booking_domain::{BookingId, CancelReason, Version};
use booking_ports::BookingDetails;
use booking_ports::engine::BookingChangeError;
use teloxide::prelude::*;

use super::bookings::after_change;
use super::ctx::{Ctx, Notice};
use super::state::{AdminState, Seen};
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::telegram::Screen;
use crate::ui::admin::schedule::{LeftStanding, ask_colliding_reason, colliding_done, collisions};

/// `/skip`: answers the step without text.
pub(super) async fn skip(ctx: Ctx) -> Result<(), HandlerError> {
    answer(&ctx, None).await
}

/// Text that is no command: the answer to the step waiting for it.
pub(super) async fn text(ctx: Ctx, message: Message) -> Result<(), HandlerError> {
    answer(&ctx, Some(message.text().unwrap_or_default())).await
}

/// The typed transition: what a reply means in the step the chat is in.
async fn answer(ctx: &Ctx, reply: Option<&str>) -> Result<(), HandlerError> {
    match ctx.state().await? {
        AdminState::CancelReason { seen } => cancel_with_reason(ctx, seen, reply).await,
        AdminState::CollidingReason { bookings } => cancel_colliding(ctx, &bookings, reply).await,
        AdminState::CustomerNotes { customer } => {
            super::customers::notes_typed(ctx, customer, reply).await
        }
        AdminState::Idle | AdminState::Colliding { .. } | AdminState::MovingTo { .. } => {
            ctx.say_text(Msg::AdminHelp).await
        }
        state @ (AdminState::Booking { .. }
        | AdminState::BookPhone { .. }
        | AdminState::BookName { .. }
        | AdminState::BookComment { .. }
        | AdminState::BookReady { .. }) => super::desk::answer(ctx, state, reply).await,
    }
}

/// Before any other command: a step waiting for text is left.
pub(super) async fn leave(ctx: Ctx) -> Result<(), HandlerError> {
    if ctx.state().await? != AdminState::Idle {
        ctx.save(&AdminState::Idle).await?;
    }
    Ok(())
}

fn ids(seen: Seen) -> Option<(BookingId, Version)> {
    Some((
        BookingId::new(seen.booking).ok()?,
        Version::new(seen.version).ok()?,
    ))
}

/// The reason typed, `None` for `/skip`, or the message saying it cannot
/// be used.
fn reason(ctx: &Ctx, text: Option<&str>) -> Result<Option<CancelReason>, String> {
    text.map(CancelReason::new)
        .transpose()
        .map_err(|_| ctx.t().get(Msg::AdminReasonInvalid))
}

async fn cancel_with_reason(ctx: &Ctx, seen: Seen, text: Option<&str>) -> Result<(), HandlerError> {
    let reason = match reason(ctx, text) {
        Ok(reason) => reason,
        // The step stays, so they can write it again.
        Err(message) => return ctx.say(&Screen::text(message)).await,
    };
    ctx.save(&AdminState::Idle).await?;
    let Some((id, v)) = ids(seen) else {
        return Ok(());
    };
    let result = ctx.engine.cancel_booking(&ctx.actor, id, v, reason).await;
    if matches!(result, Err(BookingChangeError::NotFound)) {
        return ctx.say_text(Msg::AdminNotFound).await;
    }
    // Otherwise the card is shown, with the conflict or refusal on top; the
    // short notice is only for answering a button.
    after_change(ctx, id, result, Msg::AdminCancelled).await?;
    Ok(())
}

async fn cancel_colliding(
    ctx: &Ctx,
    bookings: &[Seen],
    text: Option<&str>,
) -> Result<(), HandlerError> {
    let reason = match reason(ctx, text) {
        Ok(reason) => reason,
        Err(message) => return ctx.say(&Screen::text(message)).await,
    };
    ctx.save(&AdminState::Idle).await?;
    let mut cancelled = 0;
    let mut left = Vec::new();
    for (id, v) in bookings.iter().filter_map(|s| ids(*s)) {
        match ctx
            .engine
            .cancel_booking(&ctx.actor, id, v, reason.clone())
            .await
        {
            Ok(_) => cancelled += 1,
            Err(BookingChangeError::VersionConflict { .. }) => left.push(LeftStanding::Changed(id)),
            Err(
                BookingChangeError::Refused(_)
                | BookingChangeError::NotFound
                | BookingChangeError::TooManyToday { .. },
            ) => {
                left.push(LeftStanding::NotCancelled(id));
            }
            Err(BookingChangeError::Forbidden(refusal)) => return Err(refusal.into()),
            Err(BookingChangeError::Store(e)) => {
                return Err(HandlerError::engine("cancel a colliding booking", e));
            }
        }
    }
    ctx.say(&colliding_done(&ctx.t(), cancelled, &left)).await
}

/// Says `done` (what a schedule edit stored), then whether bookings
/// collide with it; when some do, lists them and offers to cancel them
/// with a message to each customer. Nothing is cancelled without that
/// press.
pub(super) async fn offer_to_cancel(
    ctx: &Ctx,
    done: String,
    colliding: &[BookingDetails],
) -> Result<(), HandlerError> {
    let screen = collisions(&ctx.t(), ctx.tz(), done, colliding);
    if !colliding.is_empty() {
        let bookings = colliding
            .iter()
            .map(|d| Seen {
                booking: d.booking.id().get(),
                version: d.booking.version().get(),
            })
            .collect();
        ctx.save(&AdminState::Colliding { bookings }).await?;
    }
    ctx.say(&screen).await
}

/// The cancel-them button: waits for the message to the customers.
pub(super) async fn ask_for_message(ctx: &Ctx) -> Result<Notice, HandlerError> {
    let AdminState::Colliding { bookings } = ctx.state().await? else {
        return Ok(Some(ctx.t().get(Msg::ButtonExpired)));
    };
    let count = bookings.len();
    ctx.save(&AdminState::CollidingReason { bookings }).await?;
    ctx.say(&ask_colliding_reason(&ctx.t(), count)).await?;
    Ok(None)
}
