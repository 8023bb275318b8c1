//! The booking flow's button steps: service -> staff member (when several)
//! -> day -> time -> name -> (phone and comment, typed: `details`) ->
//! summary -> confirm, with Back and Cancel at every step. Button steps
//! edit their message in place.
//!
//! The days and times shown are the engine's free times at that moment, and
//! a pressed time is checked again before it is accepted. The booking itself
//! is decided by the engine atomically at confirmation: if someone took the
//! time meanwhile, the customer is told and shown the day's current times,
//! keeping the details they already gave.
//!
//! [`on_action`] routes a press by `(step, action)`; each step's function
//! fetches what the next screen needs, renders it with `ui::client::booking`
//! and stores the next step.

use booking_domain::{CustomerName, ServiceId, SlotRefusal};
use booking_ports::Language as ProfileLanguage;
use booking_ports::engine::{BookError, BookingForm, ServiceOffer};
use chrono::{DateTime, NaiveDate, Utc};

use super::availability::{free_days, free_days_to_page, free_starts};
use super::callback::{FlowAction, FlowId};
use super::ctx::{Answer, Ctx};
use super::menu;
use super::state::{BookingStep, Details, Slot, StaffPick, State};
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::telegram::Place;
use crate::ui::client::booking as screen;
use crate::ui::client::calendar::{self, DayPage, DayTimes};
use crate::ui::client::history;
use crate::ui::client::menu as menu_screen;

fn state(flow: FlowId, step: BookingStep) -> State {
    State::Booking { flow, step }
}

/// Starts a new booking: the list of services.
pub(crate) async fn start(ctx: &Ctx) -> Result<(), HandlerError> {
    show_services(ctx, ctx.new_flow()).await
}

/// A pressed button in the booking flow.
pub(crate) async fn on_action(
    ctx: &Ctx,
    flow: FlowId,
    step: BookingStep,
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    if action == FlowAction::Cancel {
        cancel(ctx).await?;
        return Ok(Answer::Silent);
    }
    match step {
        BookingStep::Service => on_service(ctx, flow, action).await,
        BookingStep::Staff { service } => on_staff(ctx, flow, service, action).await,
        BookingStep::Day {
            service,
            staff,
            page,
        } => on_day(ctx, flow, (service, staff, page), action).await,
        BookingStep::Time {
            service,
            staff,
            day,
            details,
        } => {
            let times = Times {
                staff,
                day,
                details,
            };
            on_time(ctx, flow, service, times, action).await
        }
        BookingStep::Name { slot, suggestions } => {
            on_name(ctx, flow, slot, &suggestions, action).await
        }
        BookingStep::Comment { slot, name, phone } => {
            on_comment(ctx, flow, slot, (name, phone), action).await
        }
        BookingStep::Summary { slot, details } => {
            on_summary(ctx, flow, slot, details, action).await
        }
        // The phone step has no inline buttons; anything pressed is stale.
        BookingStep::Phone { .. } => Ok(Answer::Expired),
    }
}

/// A step that showed its next screen: nothing to add to the press.
fn silent(shown: Result<(), HandlerError>) -> Result<Answer, HandlerError> {
    shown.map(|()| Answer::Silent)
}

async fn on_service(ctx: &Ctx, flow: FlowId, action: FlowAction) -> Result<Answer, HandlerError> {
    match action {
        FlowAction::Back => silent(menu::show_main(ctx, None).await),
        FlowAction::Service(id) => match offer(ctx, id).await? {
            Some(offer) => silent(after_service(ctx, flow, &offer).await),
            None => Ok(Answer::Expired),
        },
        _ => Ok(Answer::Expired),
    }
}

async fn on_staff(
    ctx: &Ctx,
    flow: FlowId,
    service: ServiceId,
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    if action == FlowAction::Back {
        return silent(show_services(ctx, flow).await);
    }
    if !matches!(action, FlowAction::Staff(_) | FlowAction::AnyStaff) {
        return Ok(Answer::Expired);
    }
    let Some(offer) = offered(ctx, service).await? else {
        return Ok(Answer::Silent);
    };
    let staff = match action {
        FlowAction::Staff(id) if offer.performers.iter().any(|m| m.id() == id) => {
            StaffPick::Only(id)
        }
        FlowAction::AnyStaff => StaffPick::Any,
        _ => return Ok(Answer::Expired),
    };
    silent(show_days(ctx, flow, &offer, staff, 0).await)
}

async fn on_day(
    ctx: &Ctx,
    flow: FlowId,
    (service, staff, page): (ServiceId, StaffPick, u8),
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    let Some(offer) = offered(ctx, service).await? else {
        return Ok(Answer::Silent);
    };
    match action {
        FlowAction::Back if offer.performers.len() > 1 => {
            silent(show_staff(ctx, flow, &offer).await)
        }
        FlowAction::Back => silent(show_services(ctx, flow).await),
        FlowAction::Page(next) if next.abs_diff(page) == 1 => {
            silent(show_days(ctx, flow, &offer, staff, next).await)
        }
        FlowAction::Day(day) => {
            let times = Times {
                staff,
                day,
                details: None,
            };
            silent(show_times(ctx, flow, &offer, times, None).await)
        }
        _ => Ok(Answer::Expired),
    }
}

async fn on_time(
    ctx: &Ctx,
    flow: FlowId,
    service: ServiceId,
    times: Times,
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    let Some(offer) = offered(ctx, service).await? else {
        return Ok(Answer::Silent);
    };
    match action {
        FlowAction::Back => {
            let days = free_days(ctx, service, times.staff)
                .await?
                .unwrap_or_default();
            let page = calendar::page_of(&days, times.day);
            silent(show_days(ctx, flow, &offer, times.staff, page).await)
        }
        FlowAction::Time(start) if ctx.day_of(start) == times.day => {
            silent(pick_time(ctx, flow, &offer, times, start).await)
        }
        _ => Ok(Answer::Expired),
    }
}

/// A pressed time, checked again: the name (or, with the details already
/// given, the summary), or the day's times again if it was taken.
async fn pick_time(
    ctx: &Ctx,
    flow: FlowId,
    offer: &ServiceOffer,
    times: Times,
    start: DateTime<Utc>,
) -> Result<(), HandlerError> {
    let service = offer.service.id();
    let free = free_starts(ctx, service, times.staff, times.day)
        .await?
        .unwrap_or_default();
    if !free.contains(&start) {
        let intro = calendar::slot_taken(&ctx.t(), start, times.day, ctx.tz());
        return show_times(ctx, flow, offer, times, Some(intro)).await;
    }
    let slot = Slot {
        service,
        staff: times.staff,
        start,
    };
    match times.details {
        Some(details) => show_summary(ctx, flow, offer, slot, details).await,
        None => show_name(ctx, flow, slot).await,
    }
}

async fn on_name(
    ctx: &Ctx,
    flow: FlowId,
    slot: Slot,
    suggestions: &[String],
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    match action {
        FlowAction::Back => {
            let Some(offer) = offered(ctx, slot.service).await? else {
                return Ok(Answer::Silent);
            };
            let times = Times {
                staff: slot.staff,
                day: ctx.day_of(slot.start),
                details: None,
            };
            silent(show_times(ctx, flow, &offer, times, None).await)
        }
        FlowAction::Name(index) => match suggestions.get(usize::from(index)) {
            Some(name) => silent(show_phone(ctx, flow, slot, name.clone()).await),
            None => Ok(Answer::Expired),
        },
        _ => Ok(Answer::Expired),
    }
}

async fn on_comment(
    ctx: &Ctx,
    flow: FlowId,
    slot: Slot,
    (name, phone): (String, String),
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    match action {
        FlowAction::Back => silent(show_phone(ctx, flow, slot, name).await),
        FlowAction::SkipComment => {
            let Some(offer) = offered(ctx, slot.service).await? else {
                return Ok(Answer::Silent);
            };
            let details = Details {
                name,
                phone,
                comment: None,
            };
            silent(show_summary(ctx, flow, &offer, slot, details).await)
        }
        _ => Ok(Answer::Expired),
    }
}

async fn on_summary(
    ctx: &Ctx,
    flow: FlowId,
    slot: Slot,
    details: Details,
    action: FlowAction,
) -> Result<Answer, HandlerError> {
    match action {
        FlowAction::Back => {
            silent(show_comment(ctx, flow, slot, details.name, details.phone).await)
        }
        FlowAction::Confirm => silent(confirm(ctx, flow, slot, details).await),
        _ => Ok(Answer::Expired),
    }
}

async fn offers(ctx: &Ctx) -> Result<Vec<ServiceOffer>, HandlerError> {
    ctx.engine
        .services()
        .await
        .map_err(|e| HandlerError::engine("list services", e))
}

async fn offer(ctx: &Ctx, service: ServiceId) -> Result<Option<ServiceOffer>, HandlerError> {
    Ok(offers(ctx)
        .await?
        .into_iter()
        .find(|o| o.service.id() == service))
}

/// The offer of `service`; when it is no longer offered, the customer is
/// told so and taken back to the menu, and the answer is `None`.
pub(crate) async fn offered(
    ctx: &Ctx,
    service: ServiceId,
) -> Result<Option<ServiceOffer>, HandlerError> {
    let found = offer(ctx, service).await?;
    if found.is_none() {
        unavailable(ctx).await?;
    }
    Ok(found)
}

/// The service is no longer offered: say so and return to the menu.
async fn unavailable(ctx: &Ctx) -> Result<(), HandlerError> {
    ctx.go(&State::Idle, &screen::unavailable(&ctx.t())).await
}

async fn show_services(ctx: &Ctx, flow: FlowId) -> Result<(), HandlerError> {
    let offers = offers(ctx).await?;
    if offers.is_empty() {
        return ctx.go(&State::Idle, &screen::no_services(&ctx.t())).await;
    }
    let screen = screen::services(&ctx.t(), flow, &offers, ctx.mini_app.as_ref());
    ctx.go(&state(flow, BookingStep::Service), &screen).await
}

/// After a service: the staff choice when several perform it, else the days.
async fn after_service(ctx: &Ctx, flow: FlowId, offer: &ServiceOffer) -> Result<(), HandlerError> {
    match offer.performers.as_slice() {
        [only] => show_days(ctx, flow, offer, StaffPick::Only(only.id()), 0).await,
        _ => show_staff(ctx, flow, offer).await,
    }
}

async fn show_staff(ctx: &Ctx, flow: FlowId, offer: &ServiceOffer) -> Result<(), HandlerError> {
    let step = BookingStep::Staff {
        service: offer.service.id(),
    };
    ctx.go(&state(flow, step), &screen::staff(&ctx.t(), flow, offer))
        .await
}

async fn show_days(
    ctx: &Ctx,
    flow: FlowId,
    offer: &ServiceOffer,
    staff: StaffPick,
    page: u8,
) -> Result<(), HandlerError> {
    let service = offer.service.id();
    let Some(days) = free_days_to_page(ctx, service, staff, page).await? else {
        return unavailable(ctx).await;
    };
    let shown = DayPage {
        days: &days,
        page,
        horizon_days: ctx.policy.horizon_days(),
    };
    let screen = screen::days(&ctx.t(), flow, offer, staff, &shown);
    let step = BookingStep::Day {
        service,
        staff,
        page,
    };
    ctx.go(&state(flow, step), &screen).await
}

/// The time step's choice so far: whose time, which day, and the details
/// when coming back from a taken time at confirmation.
struct Times {
    staff: StaffPick,
    day: NaiveDate,
    details: Option<Details>,
}

/// The free times of a day. `intro` comes before the prompt when the
/// customer must be told something first (their time was taken).
async fn show_times(
    ctx: &Ctx,
    flow: FlowId,
    offer: &ServiceOffer,
    times: Times,
    intro: Option<String>,
) -> Result<(), HandlerError> {
    let service = offer.service.id();
    let Some(starts) = free_starts(ctx, service, times.staff, times.day).await? else {
        return unavailable(ctx).await;
    };
    let shown = DayTimes {
        day: times.day,
        starts: &starts,
        tz: ctx.tz(),
    };
    let screen = screen::times(&ctx.t(), flow, offer, times.staff, &shown, intro);
    let step = BookingStep::Time {
        service,
        staff: times.staff,
        day: times.day,
        details: times.details,
    };
    ctx.go(&state(flow, step), &screen).await
}

/// The names to offer: the name used last time and the Telegram profile
/// name, when valid, different, and not a button's label.
async fn name_suggestions(ctx: &Ctx) -> Result<Vec<String>, HandlerError> {
    let profile_name = match &ctx.user.last_name {
        Some(last) => format!("{} {last}", ctx.user.first_name),
        None => ctx.user.first_name.clone(),
    };
    let last_used = ctx
        .engine
        .account(ctx.account)
        .await
        .map_err(|e| HandlerError::engine("read a customer profile", e))?
        .map(|p| p.name.expose().to_owned());
    let mut names = Vec::new();
    for candidate in last_used.into_iter().chain([profile_name]) {
        if let Ok(name) = CustomerName::new(&candidate) {
            let name = name.expose().to_owned();
            if !names.contains(&name) && !ctx.locales.is_button_label(&name) {
                names.push(name);
            }
        }
    }
    Ok(names)
}

/// Asks for the name, at this update's place.
pub(crate) async fn show_name(ctx: &Ctx, flow: FlowId, slot: Slot) -> Result<(), HandlerError> {
    let suggestions = name_suggestions(ctx).await?;
    let screen = screen::name(&ctx.t(), flow, &suggestions);
    ctx.go(
        &state(flow, BookingStep::Name { slot, suggestions }),
        &screen,
    )
    .await
}

/// Asks for the phone. Its reply keyboard can only come with a new
/// message, so this step is always one.
pub(crate) async fn show_phone(
    ctx: &Ctx,
    flow: FlowId,
    slot: Slot,
    name: String,
) -> Result<(), HandlerError> {
    // Shown first, as in `Ctx::go`.
    ctx.show_at(&screen::phone(&ctx.t()), Place::New).await?;
    ctx.save(&state(flow, BookingStep::Phone { slot, name }))
        .await
}

pub(crate) async fn show_comment(
    ctx: &Ctx,
    flow: FlowId,
    slot: Slot,
    name: String,
    phone: String,
) -> Result<(), HandlerError> {
    let screen = screen::comment(&ctx.t(), flow);
    ctx.go(
        &state(flow, BookingStep::Comment { slot, name, phone }),
        &screen,
    )
    .await
}

/// The summary of the booking to confirm.
pub(crate) async fn show_summary(
    ctx: &Ctx,
    flow: FlowId,
    offer: &ServiceOffer,
    slot: Slot,
    details: Details,
) -> Result<(), HandlerError> {
    let view = screen::SummaryView {
        offer,
        slot,
        details: &details,
        tz: ctx.tz(),
    };
    let screen = screen::summary(&ctx.t(), flow, &view);
    ctx.go(
        &state(flow, BookingStep::Summary { slot, details }),
        &screen,
    )
    .await
}

/// Cancels the flow: nothing was booked.
pub(crate) async fn cancel(ctx: &Ctx) -> Result<(), HandlerError> {
    ctx.go(&State::Idle, &menu_screen::cancelled(&ctx.t()))
        .await
}

/// Books: the engine decides atomically whether the time is still free.
async fn confirm(
    ctx: &Ctx,
    flow: FlowId,
    slot: Slot,
    details: Details,
) -> Result<(), HandlerError> {
    let form = BookingForm {
        service: slot.service,
        staff: slot.staff.choice(),
        start: slot.start,
        name: details.name.clone(),
        phone: details.phone.clone(),
        comment: details.comment.clone(),
        language: ctx
            .user
            .language_code
            .as_deref()
            .and_then(|tag| ProfileLanguage::new(tag).ok()),
    };
    let t = ctx.t();
    let ended = |text: String| menu_screen::with_main_menu(&t, text);
    let screen = match ctx.engine.book_as(ctx.account, form).await {
        Ok(booked) => {
            tracing::info!(booking = %booked.booking.id(), "booking made through the client bot");
            // Shown before the conversation moves on, as in `Ctx::go`: if
            // the process dies in between, the press is handled again (by
            // the next start, or another instance), finds the summary still
            // in place and the booking made (`Engine::book` returns it
            // again), and shows this once more, instead of "button expired"
            // and no confirmation at all.
            let done = screen::done(&t, &booked, ctx.tz());
            let done = if super::records::offers_to_save(ctx, &booked).await? {
                history::done_offering_to_save(&t, done.text, &booked)
            } else {
                done
            };
            ctx.show(&done).await?;
            return ctx.save(&State::Idle).await;
        }
        Err(BookError::SlotTaken { start }) => {
            let intro = calendar::slot_taken(&t, start, ctx.day_of(start), ctx.tz());
            return retry_times(ctx, flow, slot, details, intro).await;
        }
        Err(BookError::Slot(SlotRefusal::TooSoon { .. })) => {
            return retry_times(ctx, flow, slot, details, t.get(Msg::BookTooSoon)).await;
        }
        Err(BookError::TooManyActiveBookings { limit }) => screen::too_many(&t, limit),
        Err(BookError::TooManyToday { limit }) => screen::too_many_today(&t, limit),
        Err(BookError::UnknownService | BookError::Slot(_)) => return unavailable(ctx).await,
        // Checked when typed; reaching here means the rules changed between
        // the two checks. Say what is wrong and start over from the menu.
        Err(BookError::InvalidName(e)) => ended(screen::name_refusal(&t, &e)),
        Err(BookError::InvalidPhone(e)) => ended(screen::phone_refusal(&t, &e)),
        Err(BookError::InvalidComment(e)) => ended(screen::comment_refusal(&t, &e)),
        Err(BookError::Store(e)) => return Err(HandlerError::engine("make a booking", e)),
    };
    ctx.go(&State::Idle, &screen).await
}

/// The booked time is gone: the day's current times after `intro`, keeping
/// the details given.
async fn retry_times(
    ctx: &Ctx,
    flow: FlowId,
    slot: Slot,
    details: Details,
    intro: String,
) -> Result<(), HandlerError> {
    let Some(offer) = offer(ctx, slot.service).await? else {
        return unavailable(ctx).await;
    };
    let times = Times {
        staff: slot.staff,
        day: ctx.day_of(slot.start),
        details: Some(details),
    };
    show_times(ctx, flow, &offer, times, Some(intro)).await
}
