//! "My bookings": the customer's upcoming bookings and recent past visits,
//! their details, and cancelling (after a confirmation) or moving one.
//!
//! Button data names a booking but authorises nothing: every read and
//! change goes through the engine with the presser's customer id, and a
//! booking that is not theirs is answered as an expired button, showing and
//! changing nothing. Changes carry the version the customer saw, so a change
//! by staff meanwhile is shown rather than overwritten.

use booking_domain::{Actor, BookingId, Version};
use booking_ports::BookingDetails;
use booking_ports::engine::{BookingChangeError, FindBookingError};

use super::callback::{FlowAction, FlowId};
use super::ctx::{Answer, Ctx};
use super::state::{ManageStep, State};
use super::{menu, moving};
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::telegram::Place;
use crate::ui::client::history::RECENT_VISITS;
use crate::ui::client::manage as screen;

pub(super) fn state(flow: FlowId, step: ManageStep) -> State {
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
                Some(details) => silent(moving::start(ctx, flow, &details).await),
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
        (ManageStep::MoveStaff { r#move }, action) => {
            moving::on_staff(ctx, flow, r#move, action).await
        }
        (ManageStep::MoveDay { r#move, page }, action) => {
            moving::on_day(ctx, flow, r#move, page, action).await
        }
        (ManageStep::MoveTime { r#move, day }, action) => {
            moving::on_time(ctx, flow, r#move, day, action).await
        }
        (ManageStep::MoveSummary { r#move, start }, action) => {
            moving::on_summary(ctx, flow, r#move, start, action).await
        }
        (_, FlowAction::Cancel) => silent(menu::show_main(ctx, None).await),
        _ => Ok(Answer::Expired),
    }
}

/// A step that showed its next screen: nothing to add to the press.
pub(super) fn silent(shown: Result<(), HandlerError>) -> Result<Answer, HandlerError> {
    shown.map(|()| Answer::Silent)
}

/// The customer's booking `id`, or `None` when it is not theirs (or gone).
pub(super) async fn own(ctx: &Ctx, id: BookingId) -> Result<Option<BookingDetails>, HandlerError> {
    let Some(customer) = ctx.customer().await? else {
        return Ok(None);
    };
    match ctx.engine.my_booking(customer, id).await {
        Ok(details) => Ok(Some(details)),
        Err(FindBookingError::NotFound) => Ok(None),
        Err(FindBookingError::Forbidden(refusal)) => Err(refusal.into()),
        Err(FindBookingError::Store(e)) => Err(HandlerError::engine("read a booking", e)),
    }
}

/// The list, after `intro` when something just happened.
pub(super) async fn show_list(
    ctx: &Ctx,
    flow: FlowId,
    intro: Option<String>,
) -> Result<(), HandlerError> {
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

pub(super) async fn show_details(
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

pub(super) async fn back_to_details(
    ctx: &Ctx,
    flow: FlowId,
    booking: BookingId,
) -> Result<(), HandlerError> {
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
        Err(BookingChangeError::Forbidden(refusal)) => Err(refusal.into()),
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
        Err(BookingChangeError::Forbidden(refusal)) => Err(refusal.into()),
        Err(BookingChangeError::Store(e)) => Err(HandlerError::engine("cancel a booking", e)),
    }
}

pub(super) async fn changed_meanwhile(
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
