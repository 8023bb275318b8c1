//! Rescheduling from a booking's card: to which specialist (any active one
//! who performs the service, the current one first), the days with free
//! times, a day's free times, and the move itself.
//!
//! The day and time buttons carry the booking and its version but not the
//! chosen specialist (with it, the largest ids would not fit Telegram's 64
//! bytes of button data); the choice waits in [`AdminState::MovingTo`] for
//! those presses, and a press about another booking falls back to the
//! booking's own specialist. A forged choice is harmless: the engine moves
//! only to a specialist who performs the service and is free.

use booking_domain::{BookingId, StaffChoice, StaffId, StaffMember, Version};
use booking_ports::BookingDetails;
use booking_ports::engine::{Mover, RescheduleBookingError};
use chrono::{DateTime, NaiveDate, Utc};

use super::bookings::{details, show, show_card};
use super::ctx::{Ctx, Notice};
use super::state::{AdminState, Seen};
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::ui::admin::card::{MoveTimes, move_days, move_staff, move_times};
use crate::ui::format;

/// Booking `id` if staff still see it as it is (version `v`); otherwise
/// shows its card anew and says why.
async fn as_seen(
    ctx: &Ctx,
    id: BookingId,
    v: Version,
) -> Result<Result<BookingDetails, Notice>, HandlerError> {
    let t = ctx.t();
    let Some(d) = details(ctx, id).await? else {
        return Ok(Err(Some(t.get(Msg::AdminNotFound))));
    };
    if d.booking.version() != v {
        show(ctx, &d, Some(t.get(Msg::AdminConflict))).await?;
        return Ok(Err(Some(t.get(Msg::AdminConflictShort))));
    }
    Ok(Ok(d))
}

/// The active specialists who perform the booking's service and whose
/// schedule the user may act on, its own specialist first (even when no
/// longer active: a move within the day).
async fn performers(ctx: &Ctx, d: &BookingDetails) -> Result<Vec<StaffMember>, HandlerError> {
    let Some(service) = &d.service else {
        return Ok(Vec::new());
    };
    let own = d.booking.staff();
    // A staff member moves within their own schedule only.
    let mut staff: Vec<StaffMember> = ctx
        .schedule_members(
            ctx.engine
                .all_staff(&ctx.actor)
                .await
                .map_err(|e| HandlerError::engine("read the staff", e))?,
        )
        .into_iter()
        .filter(|s| s.id() == own || (s.is_active() && service.is_performed_by(s.id())))
        .collect();
    staff.sort_by_key(|s| s.id() != own);
    Ok(staff)
}

/// "Reschedule" on a card: to whom, when another specialist could take
/// it; otherwise straight to the days.
pub(super) async fn start(ctx: &Ctx, id: BookingId, v: Version) -> Result<Notice, HandlerError> {
    let d = match as_seen(ctx, id, v).await? {
        Ok(d) => d,
        Err(notice) => return Ok(notice),
    };
    let staff = performers(ctx, &d).await?;
    if staff.len() <= 1 {
        return list_days(ctx, id, v, d.booking.staff()).await;
    }
    ctx.show(&move_staff(&ctx.t(), id, v, d.booking.staff(), &staff))
        .await?;
    Ok(None)
}

/// The days booking `id` can move to with `staff`, if it is still as staff
/// saw it.
pub(super) async fn days(
    ctx: &Ctx,
    id: BookingId,
    v: Version,
    staff: StaffId,
) -> Result<Notice, HandlerError> {
    if let Err(notice) = as_seen(ctx, id, v).await? {
        return Ok(notice);
    }
    list_days(ctx, id, v, staff).await
}

/// Keeps `staff` as the choice for moving booking `id` and lists the days
/// it can move to with them; the caller checked the booking is as seen.
async fn list_days(
    ctx: &Ctx,
    id: BookingId,
    v: Version,
    staff: StaffId,
) -> Result<Notice, HandlerError> {
    let seen = Seen {
        booking: id.get(),
        version: v.get(),
    };
    ctx.save(&AdminState::MovingTo {
        seen,
        staff: staff.get(),
    })
    .await?;
    let last = ctx.policy.last_bookable_day(ctx.engine.now());
    let days = ctx
        .engine
        .days_to_move(
            Mover::Staff(&ctx.actor),
            id,
            StaffChoice::Only(staff),
            ctx.today(),
            last,
        )
        .await
        .map_err(|e| HandlerError::engine("list days to move to", e))?;
    ctx.show(&move_days(&ctx.t(), id, v, &days)).await?;
    Ok(None)
}

/// The specialist chosen for moving booking `id`, or `own` when none was
/// (or the choice was about another booking).
async fn chosen(ctx: &Ctx, id: BookingId, own: StaffId) -> Result<StaffId, HandlerError> {
    Ok(match ctx.state().await? {
        AdminState::MovingTo { seen, staff } if seen.booking == id.get() => {
            StaffId::new(staff).unwrap_or(own)
        }
        _ => own,
    })
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
    let staff = chosen(ctx, id, d.booking.staff()).await?;
    let starts: Vec<DateTime<Utc>> = ctx
        .engine
        .free_times_to_move(Mover::Staff(&ctx.actor), id, StaffChoice::Only(staff), day)
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
            staff,
            day,
            starts: &starts,
            tz: ctx.tz(),
        },
    );
    ctx.show(&screen).await?;
    Ok(None)
}

/// Moves booking `id`, seen at version `v`, to `start` with the chosen
/// specialist.
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
    let staff = chosen(ctx, id, d.booking.staff()).await?;
    let result = ctx
        .engine
        .reschedule_booking(&ctx.actor, id, v, StaffChoice::Only(staff), start)
        .await;
    match result {
        Ok(moved) => {
            ctx.save(&AdminState::Idle).await?;
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
        Err(RescheduleBookingError::Forbidden(refusal)) => Err(refusal.into()),
        Err(RescheduleBookingError::Store(e)) => {
            Err(HandlerError::engine("reschedule a booking", e))
        }
    }
}
