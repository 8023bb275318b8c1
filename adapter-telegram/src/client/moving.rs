//! Moving one of the customer's bookings from "My bookings": to which
//! specialist (when another one performs the service), the days and times
//! the engine would accept for this move, a summary, and the move.
//!
//! Days and times come from the engine's move-aware queries
//! ([`Engine::days_to_move`], [`Engine::free_times_to_move`]): the booking
//! being moved does not block its own new time, so an hour's visit can move
//! by half an hour, exactly when the reschedule would accept it. Every read
//! names the customer, so a booking that is not theirs reads as gone.
//!
//! [`Engine::days_to_move`]: booking_ports::Engine::days_to_move
//! [`Engine::free_times_to_move`]: booking_ports::Engine::free_times_to_move

use booking_domain::{SlotRefusal, StaffChoice, StaffMember};
use booking_ports::BookingDetails;
use booking_ports::engine::{FindBookingError, Mover, RescheduleBookingError};
use chrono::{DateTime, NaiveDate, Utc};

use super::callback::{FlowAction, FlowId};
use super::ctx::{Answer, Ctx};
use super::manage::{
    back_to_details, changed_meanwhile, own, show_details, show_list, silent, state,
};
use super::state::{ManageStep, Move};
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::ui::client::calendar::{self, DayPage, DayTimes};
use crate::ui::client::manage as screen;

/// "Move" on a booking: the specialist first when the service has more
/// than one, otherwise the days.
pub(super) async fn start(
    ctx: &Ctx,
    flow: FlowId,
    details: &BookingDetails,
) -> Result<(), HandlerError> {
    let booking = &details.booking;
    if let Err(refusal) = booking.check_customer_may_reschedule(ctx.now(), &ctx.policy) {
        let intro = screen::refusal(&ctx.t(), &refusal, Msg::ReschedulePastCutoff, booking);
        return show_details(ctx, flow, details, Some(intro)).await;
    }
    let r#move = Move {
        booking: booking.id(),
        version: booking.version(),
        service: booking.service(),
        staff: booking.staff(),
    };
    let staff = performers(ctx, details).await?;
    if staff.len() > 1 {
        let screen = screen::move_staff(&ctx.t(), flow, details, &staff);
        return ctx
            .go(&state(flow, ManageStep::MoveStaff { r#move }), &screen)
            .await;
    }
    show_days(ctx, flow, r#move, 0).await
}

/// Who the booking could move to: its own specialist first, then the other
/// active specialists who perform its service.
async fn performers(ctx: &Ctx, details: &BookingDetails) -> Result<Vec<StaffMember>, HandlerError> {
    let offers = ctx
        .engine
        .services()
        .await
        .map_err(|e| HandlerError::engine("list services", e))?;
    let own = details.booking.staff();
    let mut staff: Vec<StaffMember> = details.staff.iter().cloned().collect();
    if let Some(offer) = offers
        .into_iter()
        .find(|o| o.service.id() == details.booking.service())
    {
        staff.extend(offer.performers.into_iter().filter(|m| m.id() != own));
    }
    Ok(staff)
}

/// The name of the specialist the booking moves to.
async fn target_name(
    ctx: &Ctx,
    r#move: Move,
    moving: &BookingDetails,
) -> Result<String, HandlerError> {
    Ok(performers(ctx, moving)
        .await?
        .into_iter()
        .find(|m| m.id() == r#move.staff)
        .map(|m| m.name().to_string())
        .unwrap_or_default())
}

pub(super) async fn on_staff(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    match action {
        FlowAction::Back | FlowAction::Cancel => {
            silent(back_to_details(ctx, flow, r#move.booking).await)
        }
        FlowAction::Staff(staff) => {
            let Some(moving) = own(ctx, r#move.booking).await? else {
                return Ok(Answer::Expired);
            };
            // Only a specialist the screen offered; the engine checks again.
            if !performers(ctx, &moving)
                .await?
                .iter()
                .any(|m| m.id() == staff)
            {
                return Ok(Answer::Expired);
            }
            silent(show_days(ctx, flow, Move { staff, ..r#move }, 0).await)
        }
        _ => Ok(Answer::Expired),
    }
}

pub(super) async fn on_day(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    page: u8,
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    match action {
        FlowAction::Back | FlowAction::Cancel => {
            silent(back_to_details(ctx, flow, r#move.booking).await)
        }
        FlowAction::Page(next) if next.abs_diff(page) == 1 => {
            silent(show_days(ctx, flow, r#move, next).await)
        }
        FlowAction::Day(day) => silent(show_times(ctx, flow, r#move, day, None).await),
        _ => Ok(Answer::Expired),
    }
}

pub(super) async fn on_time(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    day: NaiveDate,
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    match action {
        FlowAction::Cancel => silent(back_to_details(ctx, flow, r#move.booking).await),
        FlowAction::Back => {
            let days = free_days(ctx, r#move).await?;
            let page = calendar::page_of(&days, day);
            silent(show_days(ctx, flow, r#move, page).await)
        }
        FlowAction::Time(start) => {
            if free_starts(ctx, r#move, day).await?.contains(&start) {
                silent(show_summary(ctx, flow, r#move, start).await)
            } else {
                let intro = calendar::slot_taken(&ctx.t(), start, day, ctx.tz());
                silent(show_times(ctx, flow, r#move, day, Some(intro)).await)
            }
        }
        _ => Ok(Answer::Expired),
    }
}

pub(super) async fn on_summary(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    start: DateTime<Utc>,
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    match action {
        FlowAction::Cancel => silent(back_to_details(ctx, flow, r#move.booking).await),
        FlowAction::Back => silent(show_times(ctx, flow, r#move, ctx.day_of(start), None).await),
        FlowAction::Confirm => reschedule(ctx, flow, r#move, start).await,
        _ => Ok(Answer::Expired),
    }
}

/// The days from today to the horizon the engine would move to; none when
/// the booking is no longer the customer's (the next read says so).
async fn free_days(ctx: &Ctx, r#move: Move) -> Result<Vec<NaiveDate>, HandlerError> {
    let Some(customer) = ctx.customer().await? else {
        return Ok(Vec::new());
    };
    let now = ctx.now();
    let (today, last) = (ctx.policy.today(now), ctx.policy.last_bookable_day(now));
    let result = ctx
        .engine
        .days_to_move(
            Mover::Customer(customer),
            r#move.booking,
            StaffChoice::Only(r#move.staff),
            today,
            last,
        )
        .await;
    match result {
        Ok(days) => Ok(days),
        Err(FindBookingError::NotFound) => Ok(Vec::new()),
        Err(FindBookingError::Forbidden(refusal)) => Err(refusal.into()),
        Err(FindBookingError::Store(e)) => Err(HandlerError::engine("list days to move to", e)),
    }
}

/// The starts of `day` the engine would move to.
async fn free_starts(
    ctx: &Ctx,
    r#move: Move,
    day: NaiveDate,
) -> Result<Vec<DateTime<Utc>>, HandlerError> {
    let Some(customer) = ctx.customer().await? else {
        return Ok(Vec::new());
    };
    let result = ctx
        .engine
        .free_times_to_move(
            Mover::Customer(customer),
            r#move.booking,
            StaffChoice::Only(r#move.staff),
            day,
        )
        .await;
    match result {
        Ok(free) => Ok(free.into_iter().map(|f| f.start).collect()),
        Err(FindBookingError::NotFound) => Ok(Vec::new()),
        Err(FindBookingError::Forbidden(refusal)) => Err(refusal.into()),
        Err(FindBookingError::Store(e)) => Err(HandlerError::engine("list times to move to", e)),
    }
}

async fn show_days(ctx: &Ctx, flow: FlowId, r#move: Move, page: u8) -> Result<(), HandlerError> {
    let Some(moving) = own(ctx, r#move.booking).await? else {
        return show_list(ctx, flow, None).await;
    };
    let days = free_days(ctx, r#move).await?;
    let to = target_name(ctx, r#move, &moving).await?;
    let shown = DayPage {
        days: &days,
        page,
        horizon_days: ctx.policy.horizon_days(),
    };
    let screen = screen::move_days(&ctx.t(), flow, &moving, &to, &shown, ctx.tz());
    ctx.go(&state(flow, ManageStep::MoveDay { r#move, page }), &screen)
        .await
}

async fn show_times(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    day: NaiveDate,
    intro: Option<String>,
) -> Result<(), HandlerError> {
    let Some(moving) = own(ctx, r#move.booking).await? else {
        return show_list(ctx, flow, None).await;
    };
    let starts = free_starts(ctx, r#move, day).await?;
    let to = target_name(ctx, r#move, &moving).await?;
    let shown = DayTimes {
        day,
        starts: &starts,
        tz: ctx.tz(),
    };
    let screen = screen::move_times(&ctx.t(), flow, &moving, &to, &shown, intro);
    ctx.go(&state(flow, ManageStep::MoveTime { r#move, day }), &screen)
        .await
}

async fn show_summary(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    start: DateTime<Utc>,
) -> Result<(), HandlerError> {
    let Some(moving) = own(ctx, r#move.booking).await? else {
        return show_list(ctx, flow, None).await;
    };
    let to = target_name(ctx, r#move, &moving).await?;
    let screen = screen::move_summary(&ctx.t(), flow, &moving, &to, start, ctx.tz());
    ctx.go(
        &state(flow, ManageStep::MoveSummary { r#move, start }),
        &screen,
    )
    .await
}

/// Moves the booking, or explains why not on the screen that fits.
async fn reschedule(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    start: DateTime<Utc>,
) -> Result<Answer, HandlerError> {
    let staff = StaffChoice::Only(r#move.staff);
    let Some(customer) = ctx.customer().await? else {
        return Ok(Answer::Expired);
    };
    let outcome = ctx
        .engine
        .reschedule_my_booking(customer, r#move.booking, r#move.version, staff, start)
        .await;
    let t = ctx.t();
    let (details, refused) = match outcome {
        Ok(moved) => {
            tracing::info!(from = %r#move.booking, to = %moved.new.booking.id(), "booking moved by the customer");
            let intro = screen::moved(&t, &moved.new, ctx.tz());
            return silent(show_details(ctx, flow, &moved.new, Some(intro)).await);
        }
        Err(RescheduleBookingError::NotFound) => return Ok(Answer::Expired),
        Err(RescheduleBookingError::VersionConflict { .. }) => {
            return silent(changed_meanwhile(ctx, flow, r#move.booking).await);
        }
        Err(RescheduleBookingError::Store(e)) => {
            return Err(HandlerError::engine("move a booking", e));
        }
        // Refused: explained on the booking as it is now.
        Err(refused) => {
            let Some(details) = own(ctx, r#move.booking).await? else {
                return Ok(Answer::Expired);
            };
            (details, refused)
        }
    };
    match refused {
        RescheduleBookingError::SlotTaken { .. }
        | RescheduleBookingError::Slot(SlotRefusal::TooSoon { .. } | SlotRefusal::NotFree) => {
            let intro = screen::move_slot_taken(&t, start, &details.booking, ctx.tz());
            silent(show_times(ctx, flow, r#move, ctx.day_of(start), Some(intro)).await)
        }
        RescheduleBookingError::Refused(refusal) => {
            let intro = screen::refusal(&t, &refusal, Msg::ReschedulePastCutoff, &details.booking);
            silent(show_details(ctx, flow, &details, Some(intro)).await)
        }
        RescheduleBookingError::TooManyToday { limit } => {
            let intro = t.with(Msg::BookTooManyToday, &[("limit", i64::from(limit).into())]);
            silent(show_details(ctx, flow, &details, Some(intro)).await)
        }
        // Any other slot refusal: that time can no longer be booked at all.
        _ => silent(show_details(ctx, flow, &details, Some(t.get(Msg::BookUnavailable))).await),
    }
}
