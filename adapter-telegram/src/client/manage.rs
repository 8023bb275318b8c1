//! "My bookings": the customer's upcoming bookings and recent past visits,
//! their details, and cancelling (after a confirmation) or moving one.
//!
//! Button data names a booking but authorises nothing: every read and
//! change goes through the engine with the presser's customer id, and a
//! booking that is not theirs is answered as an expired button, showing and
//! changing nothing. Changes carry the version the customer saw, so a change
//! by staff meanwhile is shown rather than overwritten.

use booking_domain::{Actor, BookingId, SlotRefusal, Version};
use booking_ports::BookingDetails;
use booking_ports::engine::{BookingChangeError, FindBookingError, RescheduleBookingError};
use chrono::{DateTime, NaiveDate, Utc};

use super::availability::{free_days, free_starts};
use super::callback::{FlowAction, FlowId};
use super::ctx::{Answer, Ctx};
use super::menu;
use super::state::{ManageStep, Move, StaffPick, State};
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::telegram::Place;
use crate::ui::client::calendar::{self, DayPage, DayTimes};
use crate::ui::client::history::RECENT_VISITS;
use crate::ui::client::manage as screen;

fn state(flow: FlowId, step: ManageStep) -> State {
    State::Bookings { flow, step }
}

/// Opens "My bookings".
pub(crate) async fn start(ctx: &Ctx) -> Result<(), HandlerError> {
    show_list(ctx, ctx.new_flow(), None).await
}

/// A pressed button in "My bookings".
pub(crate) async fn on_action(
    ctx: &Ctx,
    flow: FlowId,
    step: ManageStep,
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    match (step, action) {
        (ManageStep::List, FlowAction::Back) => silent(menu::show_main(ctx, None).await),
        (ManageStep::List, FlowAction::Booking(id)) => match own(ctx, id).await? {
            Some(details) => silent(show_details(ctx, flow, &details, None).await),
            None => Ok(Answer::Expired),
        },
        (ManageStep::Details { .. }, FlowAction::Back) => silent(show_list(ctx, flow, None).await),
        (ManageStep::Details { booking }, FlowAction::CancelBooking(id)) if id == booking => {
            match own(ctx, id).await? {
                Some(details) => silent(ask_cancel(ctx, flow, &details).await),
                None => Ok(Answer::Expired),
            }
        }
        (ManageStep::Details { booking }, FlowAction::Reschedule(id)) if id == booking => {
            match own(ctx, id).await? {
                Some(details) => silent(start_move(ctx, flow, &details).await),
                None => Ok(Answer::Expired),
            }
        }
        (ManageStep::ConfirmCancel { booking, .. }, FlowAction::Back) => {
            silent(back_to_details(ctx, flow, booking).await)
        }
        (ManageStep::ConfirmCancel { booking, version }, FlowAction::ConfirmCancel(id))
            if id == booking =>
        {
            cancel(ctx, flow, booking, version).await
        }
        (ManageStep::MoveDay { r#move, page }, action) => {
            on_move_day(ctx, flow, r#move, page, action).await
        }
        (ManageStep::MoveTime { r#move, day }, action) => {
            on_move_time(ctx, flow, r#move, day, action).await
        }
        (ManageStep::MoveSummary { r#move, start }, action) => {
            on_move_summary(ctx, flow, r#move, start, action).await
        }
        (_, FlowAction::Cancel) => silent(menu::show_main(ctx, None).await),
        _ => Ok(Answer::Expired),
    }
}

/// A step that showed its next screen: nothing to add to the press.
fn silent(shown: Result<(), HandlerError>) -> Result<Answer, HandlerError> {
    shown.map(|()| Answer::Silent)
}

async fn on_move_day(
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
            silent(show_move_days(ctx, flow, r#move, next).await)
        }
        FlowAction::Day(day) => silent(show_move_times(ctx, flow, r#move, day, None).await),
        _ => Ok(Answer::Expired),
    }
}

async fn on_move_time(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    day: NaiveDate,
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    let staff = StaffPick::Only(r#move.staff);
    match action {
        FlowAction::Cancel => silent(back_to_details(ctx, flow, r#move.booking).await),
        FlowAction::Back => {
            let days = free_days(ctx, r#move.service, staff)
                .await?
                .unwrap_or_default();
            let page = calendar::page_of(&days, day);
            silent(show_move_days(ctx, flow, r#move, page).await)
        }
        FlowAction::Time(start) => {
            let free = free_starts(ctx, r#move.service, staff, day)
                .await?
                .unwrap_or_default();
            if free.contains(&start) {
                silent(show_move_summary(ctx, flow, r#move, start).await)
            } else {
                let intro = calendar::slot_taken(&ctx.t(), start, day, ctx.tz());
                silent(show_move_times(ctx, flow, r#move, day, Some(intro)).await)
            }
        }
        _ => Ok(Answer::Expired),
    }
}

async fn on_move_summary(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    start: DateTime<Utc>,
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    match action {
        FlowAction::Cancel => silent(back_to_details(ctx, flow, r#move.booking).await),
        FlowAction::Back => {
            silent(show_move_times(ctx, flow, r#move, ctx.day_of(start), None).await)
        }
        FlowAction::Confirm => reschedule(ctx, flow, r#move, start).await,
        _ => Ok(Answer::Expired),
    }
}

/// The customer's booking `id`, or `None` when it is not theirs (or gone).
async fn own(ctx: &Ctx, id: BookingId) -> Result<Option<BookingDetails>, HandlerError> {
    let Some(customer) = ctx.customer().await? else {
        return Ok(None);
    };
    match ctx.engine.my_booking(customer, id).await {
        Ok(details) => Ok(Some(details)),
        Err(FindBookingError::NotFound) => Ok(None),
        Err(FindBookingError::Store(e)) => Err(HandlerError::engine("read a booking", e)),
    }
}

/// The list, after `intro` when something just happened.
async fn show_list(ctx: &Ctx, flow: FlowId, intro: Option<String>) -> Result<(), HandlerError> {
    let (bookings, past) = match ctx.customer().await? {
        Some(customer) => (
            ctx.engine
                .my_bookings(customer)
                .await
                .map_err(|e| HandlerError::engine("list a customer's bookings", e))?,
            ctx.engine
                .my_recent_visits(customer, RECENT_VISITS)
                .await
                .map_err(|e| HandlerError::engine("list a customer's past visits", e))?,
        ),
        // Not booked yet: nothing to list.
        None => (Vec::new(), Vec::new()),
    };
    let screen = screen::list(&ctx.t(), flow, &bookings, &past, ctx.tz(), intro);
    ctx.go(&state(flow, ManageStep::List), &screen).await
}

async fn show_details(
    ctx: &Ctx,
    flow: FlowId,
    details: &BookingDetails,
    intro: Option<String>,
) -> Result<(), HandlerError> {
    let screen = screen::details(&ctx.t(), flow, details, ctx.tz(), intro);
    let step = ManageStep::Details {
        booking: details.booking.id(),
    };
    ctx.go(&state(flow, step), &screen).await
}

/// The booking's card again, after `intro`; the list if it is gone.
async fn details_or_list(
    ctx: &Ctx,
    flow: FlowId,
    booking: BookingId,
    intro: Option<String>,
) -> Result<(), HandlerError> {
    match own(ctx, booking).await? {
        Some(details) => show_details(ctx, flow, &details, intro).await,
        None => show_list(ctx, flow, None).await,
    }
}

async fn back_to_details(ctx: &Ctx, flow: FlowId, booking: BookingId) -> Result<(), HandlerError> {
    details_or_list(ctx, flow, booking, None).await
}

/// "I'll come" under a reminder: recorded on the booking, so staff see it.
pub(crate) async fn attend(ctx: &Ctx, id: BookingId) -> Result<Answer, HandlerError> {
    let Some(customer) = ctx.customer().await? else {
        return Ok(Answer::Expired);
    };
    match ctx.engine.confirm_attendance(customer, id).await {
        Ok(_) => {
            tracing::info!(booking = %id, "attendance confirmed by the customer");
            Ok(Answer::Notice(ctx.t().get(Msg::AttendDone)))
        }
        Err(BookingChangeError::NotFound) => Ok(Answer::Expired),
        Err(
            BookingChangeError::Refused(_)
            | BookingChangeError::VersionConflict { .. }
            | BookingChangeError::TooManyToday { .. },
        ) => Ok(match own(ctx, id).await? {
            Some(details) => Answer::Notice(screen::not_active(&ctx.t(), &details.booking)),
            None => Answer::Expired,
        }),
        Err(BookingChangeError::Store(e)) => Err(HandlerError::engine("confirm attendance", e)),
    }
}

/// "Cancel" under a reminder: the same question as in "My bookings" (the
/// cutoff explained when it has passed), in a new message below, so the
/// reminder stays readable.
pub(crate) async fn cancel_from_reminder(ctx: &Ctx, id: BookingId) -> Result<Answer, HandlerError> {
    let Some(details) = own(ctx, id).await? else {
        return Ok(Answer::Expired);
    };
    silent(ask_cancel(&ctx.at(Place::New), ctx.new_flow(), &details).await)
}

/// Asks for confirmation, or explains at once why cancelling is not
/// possible. The engine decides again at confirmation; asking the domain
/// here only spares the customer a pointless question.
async fn ask_cancel(ctx: &Ctx, flow: FlowId, details: &BookingDetails) -> Result<(), HandlerError> {
    let booking = &details.booking;
    if let Err(refusal) = booking.cancel(Actor::Customer, None, ctx.now(), &ctx.policy) {
        let intro = screen::refusal(&ctx.t(), &refusal, Msg::CancelPastCutoff, booking);
        return show_details(ctx, flow, details, Some(intro)).await;
    }
    let step = ManageStep::ConfirmCancel {
        booking: booking.id(),
        version: booking.version(),
    };
    let screen = screen::ask_cancel(&ctx.t(), flow, details, ctx.tz());
    ctx.go(&state(flow, step), &screen).await
}

async fn cancel(
    ctx: &Ctx,
    flow: FlowId,
    booking: BookingId,
    version: Version,
) -> Result<Answer, HandlerError> {
    let Some(customer) = ctx.customer().await? else {
        return Ok(Answer::Expired);
    };
    let outcome = ctx
        .engine
        .cancel_my_booking(customer, booking, version)
        .await;
    match outcome {
        Ok(cancelled) => {
            tracing::info!(booking = %booking, "booking cancelled by the customer");
            let intro = screen::cancelled(&ctx.t(), &cancelled, ctx.tz());
            silent(show_list(ctx, flow, Some(intro)).await)
        }
        Err(BookingChangeError::NotFound) => Ok(Answer::Expired),
        // Show the booking as it is now; nothing was changed.
        Err(BookingChangeError::VersionConflict { .. }) => {
            silent(changed_meanwhile(ctx, flow, booking).await)
        }
        Err(BookingChangeError::Refused(refusal)) => {
            let Some(details) = own(ctx, booking).await? else {
                return Ok(Answer::Expired);
            };
            let intro =
                screen::refusal(&ctx.t(), &refusal, Msg::CancelPastCutoff, &details.booking);
            silent(show_details(ctx, flow, &details, Some(intro)).await)
        }
        Err(BookingChangeError::TooManyToday { limit }) => {
            let Some(details) = own(ctx, booking).await? else {
                return Ok(Answer::Expired);
            };
            let t = ctx.t();
            let intro = t.with(
                Msg::CancelTooManyToday,
                &[("limit", i64::from(limit).into())],
            );
            silent(show_details(ctx, flow, &details, Some(intro)).await)
        }
        Err(BookingChangeError::Store(e)) => Err(HandlerError::engine("cancel a booking", e)),
    }
}

async fn changed_meanwhile(
    ctx: &Ctx,
    flow: FlowId,
    booking: BookingId,
) -> Result<(), HandlerError> {
    let intro = ctx.t().get(Msg::BookingChanged);
    match own(ctx, booking).await? {
        Some(details) => show_details(ctx, flow, &details, Some(intro)).await,
        None => show_list(ctx, flow, None).await,
    }
}

async fn start_move(ctx: &Ctx, flow: FlowId, details: &BookingDetails) -> Result<(), HandlerError> {
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
    show_move_days(ctx, flow, r#move, 0).await
}

async fn show_move_days(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    page: u8,
) -> Result<(), HandlerError> {
    let Some(moving) = own(ctx, r#move.booking).await? else {
        return show_list(ctx, flow, None).await;
    };
    let days = free_days(ctx, r#move.service, StaffPick::Only(r#move.staff))
        .await?
        .unwrap_or_default();
    let shown = DayPage {
        days: &days,
        page,
        horizon_days: ctx.policy.horizon_days(),
    };
    let screen = screen::move_days(&ctx.t(), flow, &moving, &shown, ctx.tz());
    ctx.go(&state(flow, ManageStep::MoveDay { r#move, page }), &screen)
        .await
}

async fn show_move_times(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    day: NaiveDate,
    intro: Option<String>,
) -> Result<(), HandlerError> {
    let Some(moving) = own(ctx, r#move.booking).await? else {
        return show_list(ctx, flow, None).await;
    };
    let starts = free_starts(ctx, r#move.service, StaffPick::Only(r#move.staff), day)
        .await?
        .unwrap_or_default();
    let shown = DayTimes {
        day,
        starts: &starts,
        tz: ctx.tz(),
    };
    let screen = screen::move_times(&ctx.t(), flow, &moving, &shown, intro);
    ctx.go(&state(flow, ManageStep::MoveTime { r#move, day }), &screen)
        .await
}

async fn show_move_summary(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    start: DateTime<Utc>,
) -> Result<(), HandlerError> {
    let Some(moving) = own(ctx, r#move.booking).await? else {
        return show_list(ctx, flow, None).await;
    };
    let screen = screen::move_summary(&ctx.t(), flow, &moving, start, ctx.tz());
    ctx.go(
        &state(flow, ManageStep::MoveSummary { r#move, start }),
        &screen,
    )
    .await
}

async fn reschedule(
    ctx: &Ctx,
    flow: FlowId,
    r#move: Move,
    start: DateTime<Utc>,
) -> Result<Answer, HandlerError> {
    let staff = StaffPick::Only(r#move.staff).choice();
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
            silent(show_move_times(ctx, flow, r#move, ctx.day_of(start), Some(intro)).await)
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
