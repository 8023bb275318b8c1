//! Rescheduling from a booking's card: the days with free times, a day's
//! free times, and the move itself, always with the same staff member.

use booking_domain::{BookingId, StaffChoice, Version};
use booking_ports::engine::{Mover, RescheduleBookingError};
use chrono::{DateTime, NaiveDate, Utc};

use super::bookings::{details, show, show_card};
use super::ctx::{Ctx, Notice};
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::ui::admin::card::{MoveTimes, move_days, move_times};
use crate::ui::format;

/// The days booking `id` can move to, if it is still as staff saw it.
pub(super) async fn days(ctx: &Ctx, id: BookingId, v: Version) -> Result<Notice, HandlerError> {
    let t = ctx.t();
    let Some(d) = details(ctx, id).await? else {
        return Ok(Some(t.get(Msg::AdminNotFound)));
    };
    if d.booking.version() != v {
        show(ctx, &d, Some(t.get(Msg::AdminConflict))).await?;
        return Ok(Some(t.get(Msg::AdminConflictShort)));
    }
    let last = ctx.policy.last_bookable_day(ctx.engine.now());
    let staff = StaffChoice::Only(d.booking.staff());
    let days = ctx
        .engine
        .days_to_move(Mover::Staff(&ctx.actor), id, staff, ctx.today(), last)
        .await
        .map_err(|e| HandlerError::engine("list days to move to", e))?;
    ctx.show(&move_days(&t, id, v, &days)).await?;
    Ok(None)
}

/// The free times on `day` to move booking `id` to.
pub(super) async fn times(
    ctx: &Ctx,
    id: BookingId,
    v: Version,
    day: NaiveDate,
) -> Result<Notice, HandlerError> {
    let Some(d) = details(ctx, id).await? else {
        return Ok(Some(ctx.t().get(Msg::AdminNotFound)));
    };
    let staff = StaffChoice::Only(d.booking.staff());
    let starts: Vec<DateTime<Utc>> = ctx
        .engine
        .free_times_to_move(Mover::Staff(&ctx.actor), id, staff, day)
        .await
        .map_err(|e| HandlerError::engine("list times to move to", e))?
        .into_iter()
        .map(|f| f.start)
        .collect();
    let screen = move_times(
        &ctx.t(),
        &MoveTimes {
            id,
            version: v,
            day,
            starts: &starts,
            tz: ctx.tz(),
        },
    );
    ctx.show(&screen).await?;
    Ok(None)
}

/// Moves booking `id`, seen at version `v`, to `start`.
pub(super) async fn to(
    ctx: &Ctx,
    id: BookingId,
    v: Version,
    start: DateTime<Utc>,
) -> Result<Notice, HandlerError> {
    let t = ctx.t();
    let Some(d) = details(ctx, id).await? else {
        return Ok(Some(t.get(Msg::AdminNotFound)));
    };
    let staff = StaffChoice::Only(d.booking.staff());
    let result = ctx
        .engine
        .reschedule_booking(&ctx.actor, id, v, staff, start)
        .await;
    match result {
        Ok(moved) => {
            let when = format::when(&t, start, ctx.tz());
            let notice = t.with(Msg::AdminMoved, &[("when", when.into())]);
            show(ctx, &moved.new, Some(notice)).await?;
            Ok(None)
        }
        Err(RescheduleBookingError::VersionConflict { .. }) => {
            show_card(ctx, id, Some(t.get(Msg::AdminConflict))).await?;
            Ok(Some(t.get(Msg::AdminConflictShort)))
        }
        Err(RescheduleBookingError::SlotTaken { .. } | RescheduleBookingError::Slot(_)) => {
            Ok(Some(t.get(Msg::AdminSlotTaken)))
        }
        // Daily limits hold customers, not staff.
        Err(RescheduleBookingError::Refused(_) | RescheduleBookingError::TooManyToday { .. }) => {
            Ok(Some(t.get(Msg::AdminNotPossible)))
        }
        Err(RescheduleBookingError::NotFound) => Ok(Some(t.get(Msg::AdminNotFound))),
        Err(RescheduleBookingError::Store(e)) => {
            Err(HandlerError::engine("reschedule a booking", e))
        }
    }
}
