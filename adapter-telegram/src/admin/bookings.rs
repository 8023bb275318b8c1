//! Bookings: the day view (`/today`, `/tomorrow`, `/day` and its
//! buttons), a booking's card, and the lifecycle buttons on it: confirm,
//! complete, no-show, and cancel, which asks for a reason first.

use booking_domain::{BookingId, Version};
use booking_ports::BookingDetails;
use booking_ports::engine::{BookingChangeError, FindBookingError, Period};

use super::commands::DayQuery;
use super::ctx::{Ctx, Notice};
use super::state::{AdminState, Seen};
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::ui::admin::card::{ask_reason as ask_reason_screen, card};
use crate::ui::admin::day::{DayView, day as day_screen};
use crate::ui::admin::desk::with_free_times;

/// `/today`.
pub(super) async fn today(ctx: Ctx) -> Result<(), HandlerError> {
    let query = DayQuery {
        day: ctx.today(),
        staff: None,
    };
    show_day(&ctx, query, 0).await
}

/// `/tomorrow`.
pub(super) async fn tomorrow(ctx: Ctx) -> Result<(), HandlerError> {
    let today = ctx.today();
    let query = DayQuery {
        day: today.succ_opt().unwrap_or(today),
        staff: None,
    };
    show_day(&ctx, query, 0).await
}

/// `/day`.
pub(super) async fn day(ctx: Ctx, query: DayQuery) -> Result<(), HandlerError> {
    show_day(&ctx, query, 0).await
}

/// The day view of `query` at `page`.
pub(super) async fn show_day(ctx: &Ctx, query: DayQuery, page: u8) -> Result<(), HandlerError> {
    // A staff member's "everyone" is themselves: the screen says so.
    let query = DayQuery {
        staff: ctx.actor.scope(query.staff)?,
        ..query
    };
    let bookings = ctx
        .engine
        .bookings_in(&ctx.actor, Period::day(query.day), query.staff)
        .await
        .map_err(|e| HandlerError::engine("list a day's bookings", e))?;
    let members = ctx.schedule_members(
        ctx.engine
            .all_staff(&ctx.actor)
            .await
            .map_err(|e| HandlerError::engine("list staff", e))?,
    );
    let blocked: Vec<_> = ctx
        .engine
        .blocked_periods(&ctx.actor, Period::day(query.day))
        .await
        .map_err(|e| HandlerError::engine("list a day's blocked periods", e))?
        .into_iter()
        .filter(|b| query.staff.is_none_or(|id| b.applies_to(id)))
        .collect();
    let view = DayView {
        day: query.day,
        staff: query.staff,
        page,
        page_size: ctx.config.page_size,
        tz: ctx.tz(),
        bookings: &bookings,
        members: &members,
        blocked: &blocked,
    };
    let free = ctx
        .engine
        .free_window_starts(&ctx.actor, query.day, query.staff)
        .await
        .map_err(|e| HandlerError::engine("list a day's free times", e))?;
    let screen = with_free_times(day_screen(&ctx.t(), &view), ctx.tz(), &members, &free);
    ctx.show(&screen).await
}

/// Booking `id` as staff see it, or `None` when there is no such booking.
pub(super) async fn details(
    ctx: &Ctx,
    id: BookingId,
) -> Result<Option<BookingDetails>, HandlerError> {
    match ctx.engine.booking_details(&ctx.actor, id).await {
        Ok(d) => Ok(Some(d)),
        Err(FindBookingError::NotFound) => Ok(None),
        Err(FindBookingError::Forbidden(refusal)) => Err(refusal.into()),
        Err(FindBookingError::Store(e)) => Err(HandlerError::engine("read a booking", e)),
    }
}

/// Shows the card of `details`, under `notice` when given.
pub(super) async fn show(
    ctx: &Ctx,
    details: &BookingDetails,
    notice: Option<String>,
) -> Result<(), HandlerError> {
    // The catalog's staff, for the names in the audit trail.
    let staff = ctx
        .engine
        .all_staff(&ctx.actor)
        .await
        .map_err(|e| HandlerError::engine("read the staff", e))?;
    let screen = card(
        &ctx.t(),
        ctx.tz(),
        ctx.engine.now(),
        details,
        &staff,
        notice,
    );
    ctx.show(&screen).await
}

/// Booking `id`'s card, read anew.
pub(super) async fn show_card(
    ctx: &Ctx,
    id: BookingId,
    notice: Option<String>,
) -> Result<Notice, HandlerError> {
    match details(ctx, id).await? {
        Some(d) => {
            show(ctx, &d, notice).await?;
            Ok(None)
        }
        None => Ok(Some(ctx.t().get(Msg::AdminNotFound))),
    }
}

/// The card after a lifecycle change: the new state under `done`, or the
/// current state under why nothing was done.
pub(super) async fn after_change(
    ctx: &Ctx,
    id: BookingId,
    result: Result<BookingDetails, BookingChangeError>,
    done: Msg,
) -> Result<Notice, HandlerError> {
    let t = ctx.t();
    match result {
        Ok(d) => {
            show(ctx, &d, Some(t.get(done))).await?;
            Ok(None)
        }
        Err(BookingChangeError::VersionConflict { .. }) => {
            show_card(ctx, id, Some(t.get(Msg::AdminConflict))).await?;
            Ok(Some(t.get(Msg::AdminConflictShort)))
        }
        // Daily limits hold customers, not staff.
        Err(BookingChangeError::Refused(_) | BookingChangeError::TooManyToday { .. }) => {
            show_card(ctx, id, Some(t.get(Msg::AdminNotPossible))).await?;
            Ok(Some(t.get(Msg::AdminNotPossible)))
        }
        Err(BookingChangeError::NotFound) => Ok(Some(t.get(Msg::AdminNotFound))),
        Err(BookingChangeError::Forbidden(refusal)) => Err(refusal.into()),
        Err(BookingChangeError::Store(e)) => Err(HandlerError::engine("change a booking", e)),
    }
}

pub(super) async fn confirm(ctx: &Ctx, id: BookingId, v: Version) -> Result<Notice, HandlerError> {
    let result = ctx.engine.confirm_booking(&ctx.actor, id, v).await;
    after_change(ctx, id, result, Msg::AdminConfirmed).await
}

pub(super) async fn complete(ctx: &Ctx, id: BookingId, v: Version) -> Result<Notice, HandlerError> {
    let result = ctx.engine.complete_booking(&ctx.actor, id, v).await;
    after_change(ctx, id, result, Msg::AdminCompleted).await
}

pub(super) async fn no_show(ctx: &Ctx, id: BookingId, v: Version) -> Result<Notice, HandlerError> {
    let result = ctx.engine.mark_no_show(&ctx.actor, id, v).await;
    after_change(ctx, id, result, Msg::AdminMarkedNoShow).await
}

/// The cancel button: waits for the reason (see `steps`).
pub(super) async fn ask_reason(
    ctx: &Ctx,
    id: BookingId,
    v: Version,
) -> Result<Notice, HandlerError> {
    let seen = Seen {
        booking: id.get(),
        version: v.get(),
    };
    ctx.save(&AdminState::CancelReason { seen }).await?;
    ctx.say(&ask_reason_screen(&ctx.t(), id)).await?;
    Ok(None)
}
