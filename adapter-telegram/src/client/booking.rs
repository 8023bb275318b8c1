//! The booking flow: service -> staff member (when several) -> day -> time
//! -> name -> phone -> comment -> summary -> confirm, with Back and Cancel at
//! every step. Button steps edit their message in place; after something
//! typed, the next step is a new message at the bottom of the chat.
//!
//! The days and times shown are the engine's free times at that moment, and
//! a pressed time is checked again before it is accepted. The booking itself
//! is decided by the engine atomically at confirmation: if someone took the
//! time meanwhile, the customer is told and shown the day's current times,
//! keeping the details they already gave.

use booking_domain::{
    CustomerName, InvalidComment, InvalidName, InvalidPhone, PhoneNumber, ServiceId, SlotRefusal,
};
use booking_ports::engine::{AvailabilityError, BookError, BookingForm, ServiceOffer};
use booking_ports::{BookingDetails, Language as ProfileLanguage};
use chrono::{DateTime, NaiveDate, Utc};
use teloxide::types::{InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup, Message};

use super::Answer;
use super::callback::{FlowAction, FlowId};
use super::keyboard::{self, flow_button};
use super::menu;
use super::session::Session;
use super::state::{BookingStep, Details, Slot, StaffPick, State};
use crate::error::HandlerError;
use crate::i18n::Text;
use crate::telegram::{Markup, Place, Screen};
use crate::ui::format;

/// Days per calendar page: four rows of three.
pub(crate) const DAYS_PER_PAGE: usize = 12;
/// Times per row.
const TIMES_PER_ROW: usize = 4;
/// Telegram allows 100 buttons per message; a day has fewer starts than this
/// unless the step is tiny, and the rest are reachable by another day.
const MAX_TIMES: usize = 88;

fn state(flow: FlowId, step: BookingStep) -> State {
    State::Booking { flow, step }
}

/// Starts a new booking: the list of services.
pub(crate) async fn start(s: &Session<'_>, place: Place) -> Result<(), HandlerError> {
    show_services(s, s.new_flow(), place).await
}

async fn offers(s: &Session<'_>) -> Result<Vec<ServiceOffer>, HandlerError> {
    s.engine
        .services()
        .await
        .map_err(|e| HandlerError::engine("list services", e))
}

async fn offer(s: &Session<'_>, service: ServiceId) -> Result<Option<ServiceOffer>, HandlerError> {
    Ok(offers(s)
        .await?
        .into_iter()
        .find(|o| o.service.id() == service))
}

/// The service is no longer offered: say so and return to the menu.
async fn unavailable(s: &Session<'_>, place: Place) -> Result<(), HandlerError> {
    s.go(
        &State::Idle,
        &Screen::inline(s.t.get("book-unavailable"), keyboard::to_menu(&s.t)),
        place,
    )
    .await
}

fn staff_label(t: &Text<'_>, offer: &ServiceOffer, staff: StaffPick) -> String {
    match staff {
        StaffPick::Any => t.get("btn-any-staff"),
        StaffPick::Only(id) => offer
            .performers
            .iter()
            .find(|m| m.id() == id)
            .map_or_else(|| t.get("btn-any-staff"), |m| m.name().to_string()),
    }
}

async fn show_services(s: &Session<'_>, flow: FlowId, place: Place) -> Result<(), HandlerError> {
    let offers = offers(s).await?;
    if offers.is_empty() {
        return s
            .go(
                &State::Idle,
                &Screen::inline(s.t.get("book-no-services"), keyboard::to_menu(&s.t)),
                place,
            )
            .await;
    }
    let mut rows: Vec<_> = offers
        .iter()
        .map(|offer| {
            let service = &offer.service;
            let label = s.t.with(
                "service-button",
                &[
                    ("name", service.name().as_str().into()),
                    (
                        "duration",
                        format::duration(&s.t, service.duration()).into(),
                    ),
                    ("price", format::price(service.price()).into()),
                ],
            );
            vec![flow_button(label, flow, FlowAction::Service(service.id()))]
        })
        .collect();
    rows.push(keyboard::back_cancel(&s.t, flow));
    s.go(
        &state(flow, BookingStep::Service),
        &Screen::inline(
            s.t.get("book-choose-service"),
            InlineKeyboardMarkup::new(rows),
        ),
        place,
    )
    .await
}

/// After a service: the staff choice when several perform it, else the days.
async fn after_service(
    s: &Session<'_>,
    flow: FlowId,
    offer: &ServiceOffer,
    place: Place,
) -> Result<(), HandlerError> {
    match offer.performers.as_slice() {
        [only] => show_days(s, flow, offer, StaffPick::Only(only.id()), 0, place).await,
        _ => show_staff(s, flow, offer, place).await,
    }
}

async fn show_staff(
    s: &Session<'_>,
    flow: FlowId,
    offer: &ServiceOffer,
    place: Place,
) -> Result<(), HandlerError> {
    let mut buttons: Vec<_> = offer
        .performers
        .iter()
        .map(|member| {
            flow_button(
                member.name().to_string(),
                flow,
                FlowAction::Staff(member.id()),
            )
        })
        .collect();
    buttons.push(flow_button(
        s.t.get("btn-any-staff"),
        flow,
        FlowAction::AnyStaff,
    ));
    let mut rows = keyboard::grid(buttons, 2);
    rows.push(keyboard::back_cancel(&s.t, flow));
    let text = s.t.with(
        "book-choose-staff",
        &[("service", offer.service.name().as_str().into())],
    );
    s.go(
        &state(
            flow,
            BookingStep::Staff {
                service: offer.service.id(),
            },
        ),
        &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

/// The days with free times from today to the horizon.
pub(crate) async fn free_days(
    s: &Session<'_>,
    service: ServiceId,
    staff: StaffPick,
) -> Result<Option<Vec<NaiveDate>>, HandlerError> {
    let now = s.now();
    let result = s
        .engine
        .days_with_free_times(
            service,
            staff.choice(),
            s.policy.today(now),
            s.policy.last_bookable_day(now),
        )
        .await;
    free_days_or_unavailable(result)
}

/// The days with free times that calendar page `page` needs: the days of
/// the pages up to it, and one more to tell whether a later page exists.
/// Reads only as much of the calendar as that takes: the whole horizon's
/// bookings are the most expensive read of the booking flow.
async fn free_days_to_page(
    s: &Session<'_>,
    service: ServiceId,
    staff: StaffPick,
    page: u8,
) -> Result<Option<Vec<NaiveDate>>, HandlerError> {
    let now = s.now();
    let result = s
        .engine
        .first_days_with_free_times(
            service,
            staff.choice(),
            s.policy.today(now),
            s.policy.last_bookable_day(now),
            DAYS_PER_PAGE * (usize::from(page) + 1) + 1,
        )
        .await;
    free_days_or_unavailable(result)
}

fn free_days_or_unavailable(
    result: Result<Vec<NaiveDate>, AvailabilityError>,
) -> Result<Option<Vec<NaiveDate>>, HandlerError> {
    match result {
        Ok(days) => Ok(Some(days)),
        Err(AvailabilityError::UnknownService) => Ok(None),
        Err(AvailabilityError::Store(e)) => Err(HandlerError::engine("list free days", e)),
    }
}

/// The calendar page that shows `day`, or the first page.
pub(crate) fn page_of(days: &[NaiveDate], day: NaiveDate) -> u8 {
    days.iter()
        .position(|d| *d == day)
        .map_or(0, |i| u8::try_from(i / DAYS_PER_PAGE).unwrap_or(u8::MAX))
}

/// A page of day buttons with Earlier/Later, for the booking flow and for
/// moving a booking. `None` when there are no free days at all.
pub(crate) fn calendar_rows(
    t: &Text<'_>,
    flow: FlowId,
    days: &[NaiveDate],
    page: u8,
) -> Option<Vec<keyboard::Row>> {
    if days.is_empty() {
        return None;
    }
    let pages = days.len().div_ceil(DAYS_PER_PAGE);
    let page = usize::from(page).min(pages - 1);
    let shown = days.iter().skip(page * DAYS_PER_PAGE).take(DAYS_PER_PAGE);
    let buttons = shown
        .map(|d| flow_button(format::day(t, *d), flow, FlowAction::Day(*d)))
        .collect();
    let mut rows = keyboard::grid(buttons, 3);
    let mut navigation = Vec::new();
    if page > 0 {
        let earlier = u8::try_from(page - 1).unwrap_or(0);
        navigation.push(flow_button(
            t.get("btn-earlier"),
            flow,
            FlowAction::Page(earlier),
        ));
    }
    if page + 1 < pages
        && let Ok(later) = u8::try_from(page + 1)
    {
        navigation.push(flow_button(
            t.get("btn-later"),
            flow,
            FlowAction::Page(later),
        ));
    }
    if !navigation.is_empty() {
        rows.push(navigation);
    }
    Some(rows)
}

async fn show_days(
    s: &Session<'_>,
    flow: FlowId,
    offer: &ServiceOffer,
    staff: StaffPick,
    page: u8,
    place: Place,
) -> Result<(), HandlerError> {
    let service = offer.service.id();
    let Some(days) = free_days_to_page(s, service, staff, page).await? else {
        return unavailable(s, place).await;
    };
    let names = [
        ("service", offer.service.name().as_str().into()),
        ("staff", staff_label(&s.t, offer, staff).into()),
    ];
    let screen = match calendar_rows(&s.t, flow, &days, page) {
        Some(mut rows) => {
            rows.push(keyboard::back_cancel(&s.t, flow));
            Screen::inline(
                s.t.with("book-choose-day", &names),
                InlineKeyboardMarkup::new(rows),
            )
        }
        None => {
            let horizon = s.t.with(
                "days-ahead",
                &[("count", i64::from(s.policy.horizon_days()).into())],
            );
            let mut args = names.to_vec();
            args.push(("days", horizon.into()));
            Screen::inline(
                s.t.with("book-no-days", &args),
                InlineKeyboardMarkup::new(vec![keyboard::back_cancel(&s.t, flow)]),
            )
        }
    };
    s.go(
        &state(
            flow,
            BookingStep::Day {
                service,
                staff,
                page,
            },
        ),
        &screen,
        place,
    )
    .await
}

/// The free starts of `day`, or `None` for a service no longer offered.
pub(crate) async fn free_starts(
    s: &Session<'_>,
    service: ServiceId,
    staff: StaffPick,
    day: NaiveDate,
) -> Result<Option<Vec<DateTime<Utc>>>, HandlerError> {
    match s.engine.free_times(service, staff.choice(), day).await {
        Ok(free) => Ok(Some(free.into_iter().map(|f| f.start).collect())),
        Err(AvailabilityError::UnknownService) => Ok(None),
        Err(AvailabilityError::Store(e)) => Err(HandlerError::engine("list free times", e)),
    }
}

/// Time buttons for `starts`.
pub(crate) fn time_rows(
    s: &Session<'_>,
    flow: FlowId,
    starts: &[DateTime<Utc>],
) -> Vec<keyboard::Row> {
    let buttons = starts
        .iter()
        .take(MAX_TIMES)
        .map(|start| flow_button(format::time(*start, s.tz()), flow, FlowAction::Time(*start)))
        .collect();
    keyboard::grid(buttons, TIMES_PER_ROW)
}

/// The free times of `day`. `intro` replaces the usual prompt when the
/// customer must be told something first (their time was taken).
#[allow(clippy::too_many_arguments)]
async fn show_times(
    s: &Session<'_>,
    flow: FlowId,
    offer: &ServiceOffer,
    staff: StaffPick,
    day: NaiveDate,
    details: Option<Details>,
    intro: Option<String>,
    place: Place,
) -> Result<(), HandlerError> {
    let service = offer.service.id();
    let Some(starts) = free_starts(s, service, staff, day).await? else {
        return unavailable(s, place).await;
    };
    let day_text = format::day(&s.t, day);
    let prompt = s.t.with(
        "book-choose-time",
        &[
            ("service", offer.service.name().as_str().into()),
            ("staff", staff_label(&s.t, offer, staff).into()),
            ("day", day_text.as_str().into()),
        ],
    );
    let mut text = intro.map_or(prompt.clone(), |intro| format!("{intro}\n\n{prompt}"));
    if starts.is_empty() {
        text = format!(
            "{}\n\n{}",
            text,
            s.t.with("book-no-times", &[("day", day_text.into())])
        );
    }
    let mut rows = time_rows(s, flow, &starts);
    rows.push(keyboard::back_cancel(&s.t, flow));
    s.go(
        &state(
            flow,
            BookingStep::Time {
                service,
                staff,
                day,
                details,
            },
        ),
        &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

/// The names to offer: the Telegram profile name and the name used last
/// time, when valid and different.
async fn name_suggestions(s: &Session<'_>) -> Result<Vec<String>, HandlerError> {
    let mut names = Vec::new();
    let profile_name = match &s.user.last_name {
        Some(last) => format!("{} {last}", s.user.first_name),
        None => s.user.first_name.clone(),
    };
    let last_used = s
        .engine
        .profile(s.customer)
        .await
        .map_err(|e| HandlerError::engine("read a customer profile", e))?
        .map(|p| p.name.expose().to_owned());
    for candidate in last_used.into_iter().chain([profile_name]) {
        if let Ok(name) = CustomerName::new(&candidate) {
            let name = name.expose().to_owned();
            if !names.contains(&name) && !s.locales.is_button_label(&name) {
                names.push(name);
            }
        }
    }
    Ok(names)
}

async fn show_name(
    s: &Session<'_>,
    flow: FlowId,
    slot: Slot,
    place: Place,
) -> Result<(), HandlerError> {
    let suggestions = name_suggestions(s).await?;
    let mut rows: Vec<_> = suggestions
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let index = u8::try_from(i).ok()?;
            Some(vec![flow_button(
                name.clone(),
                flow,
                FlowAction::Name(index),
            )])
        })
        .collect();
    rows.push(keyboard::back_cancel(&s.t, flow));
    let prompt = if suggestions.is_empty() {
        "book-ask-name-plain"
    } else {
        "book-ask-name"
    };
    s.go(
        &state(flow, BookingStep::Name { slot, suggestions }),
        &Screen::inline(s.t.get(prompt), InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

/// The phone step needs a reply keyboard ("share my phone" cannot be an
/// inline button), so it is always a new message; Back and Cancel are on
/// that keyboard as text buttons.
async fn show_phone(
    s: &Session<'_>,
    flow: FlowId,
    slot: Slot,
    name: String,
) -> Result<(), HandlerError> {
    let keyboard = KeyboardMarkup::new(vec![
        vec![
            KeyboardButton::new(s.t.get("btn-share-phone"))
                .request(teloxide::types::ButtonRequest::Contact),
        ],
        vec![
            KeyboardButton::new(s.t.get("btn-back")),
            KeyboardButton::new(s.t.get("btn-cancel")),
        ],
    ])
    .resize_keyboard()
    .one_time_keyboard();
    s.go(
        &state(flow, BookingStep::Phone { slot, name }),
        &Screen::new(s.t.get("book-ask-phone"), Markup::Reply(keyboard)),
        Place::New,
    )
    .await
}

async fn show_comment(
    s: &Session<'_>,
    flow: FlowId,
    slot: Slot,
    name: String,
    phone: String,
    place: Place,
) -> Result<(), HandlerError> {
    let rows = vec![
        vec![flow_button(
            s.t.get("btn-skip-comment"),
            flow,
            FlowAction::SkipComment,
        )],
        keyboard::back_cancel(&s.t, flow),
    ];
    s.go(
        &state(flow, BookingStep::Comment { slot, name, phone }),
        &Screen::inline(s.t.get("book-ask-comment"), InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

async fn show_summary(
    s: &Session<'_>,
    flow: FlowId,
    offer: &ServiceOffer,
    slot: Slot,
    details: Details,
    place: Place,
) -> Result<(), HandlerError> {
    let service = &offer.service;
    let mut text = s.t.with(
        "book-summary",
        &[
            ("service", service.name().as_str().into()),
            (
                "duration",
                format::duration(&s.t, service.duration()).into(),
            ),
            ("price", format::price(service.price()).into()),
            ("staff", staff_label(&s.t, offer, slot.staff).into()),
            ("when", format::when(&s.t, slot.start, s.tz()).into()),
            ("name", details.name.as_str().into()),
            ("phone", details.phone.as_str().into()),
        ],
    );
    if let Some(comment) = &details.comment {
        text.push('\n');
        text.push_str(&s.t.with(
            "book-summary-comment",
            &[("comment", comment.as_str().into())],
        ));
    }
    let rows = vec![
        vec![flow_button(
            s.t.get("btn-confirm"),
            flow,
            FlowAction::Confirm,
        )],
        keyboard::back_cancel(&s.t, flow),
    ];
    s.go(
        &state(flow, BookingStep::Summary { slot, details }),
        &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

/// Cancels the flow: nothing was booked.
async fn cancel(s: &Session<'_>, place: Place) -> Result<(), HandlerError> {
    let text = format!(
        "{}\n\n{}",
        s.t.get("flow-cancelled"),
        s.t.get("menu-prompt")
    );
    s.go(
        &State::Idle,
        &Screen::inline(text, keyboard::main_menu(&s.t)),
        place,
    )
    .await
}

/// The local day of a start.
fn day_of(s: &Session<'_>, start: DateTime<Utc>) -> NaiveDate {
    start.with_timezone(&s.tz()).date_naive()
}

/// A pressed button in the booking flow.
pub(crate) async fn on_action(
    s: &Session<'_>,
    flow: FlowId,
    step: BookingStep,
    action: FlowAction,
    place: Place,
) -> Result<Answer, HandlerError> {
    if action == FlowAction::Cancel {
        cancel(s, place).await?;
        return Ok(Answer::Silent);
    }
    match (step, action) {
        (BookingStep::Service, FlowAction::Back) => menu::show_main(s, None, place).await?,
        (BookingStep::Service, FlowAction::Service(id)) => match offer(s, id).await? {
            Some(offer) => after_service(s, flow, &offer, place).await?,
            None => return Ok(Answer::Expired),
        },
        (BookingStep::Staff { .. }, FlowAction::Back) => show_services(s, flow, place).await?,
        (BookingStep::Staff { service }, FlowAction::Staff(_) | FlowAction::AnyStaff) => {
            let Some(offer) = offer(s, service).await? else {
                unavailable(s, place).await?;
                return Ok(Answer::Silent);
            };
            let staff = match action {
                FlowAction::Staff(id) if offer.performers.iter().any(|m| m.id() == id) => {
                    StaffPick::Only(id)
                }
                FlowAction::AnyStaff => StaffPick::Any,
                _ => return Ok(Answer::Expired),
            };
            show_days(s, flow, &offer, staff, 0, place).await?;
        }
        (
            BookingStep::Day {
                service,
                staff,
                page,
            },
            action,
        ) => {
            let Some(offer) = offer(s, service).await? else {
                unavailable(s, place).await?;
                return Ok(Answer::Silent);
            };
            match action {
                FlowAction::Back if offer.performers.len() > 1 => {
                    show_staff(s, flow, &offer, place).await?
                }
                FlowAction::Back => show_services(s, flow, place).await?,
                FlowAction::Page(next) if next.abs_diff(page) == 1 => {
                    show_days(s, flow, &offer, staff, next, place).await?;
                }
                FlowAction::Day(day) => {
                    show_times(s, flow, &offer, staff, day, None, None, place).await?
                }
                _ => return Ok(Answer::Expired),
            }
        }
        (
            BookingStep::Time {
                service,
                staff,
                day,
                details,
            },
            action,
        ) => {
            let Some(offer) = offer(s, service).await? else {
                unavailable(s, place).await?;
                return Ok(Answer::Silent);
            };
            match action {
                FlowAction::Back => {
                    let days = free_days(s, service, staff).await?.unwrap_or_default();
                    show_days(s, flow, &offer, staff, page_of(&days, day), place).await?;
                }
                FlowAction::Time(start) if day_of(s, start) == day => {
                    let free = free_starts(s, service, staff, day)
                        .await?
                        .unwrap_or_default();
                    if !free.contains(&start) {
                        let intro = s.t.with(
                            "book-slot-taken",
                            &[
                                ("time", format::time(start, s.tz()).into()),
                                ("day", format::day(&s.t, day).into()),
                            ],
                        );
                        show_times(s, flow, &offer, staff, day, details, Some(intro), place)
                            .await?;
                        return Ok(Answer::Silent);
                    }
                    let slot = Slot {
                        service,
                        staff,
                        start,
                    };
                    match details {
                        Some(details) => {
                            show_summary(s, flow, &offer, slot, details, place).await?
                        }
                        None => show_name(s, flow, slot, place).await?,
                    }
                }
                _ => return Ok(Answer::Expired),
            }
        }
        (BookingStep::Name { slot, suggestions }, action) => match action {
            FlowAction::Back => {
                let Some(offer) = offer(s, slot.service).await? else {
                    unavailable(s, place).await?;
                    return Ok(Answer::Silent);
                };
                show_times(
                    s,
                    flow,
                    &offer,
                    slot.staff,
                    day_of(s, slot.start),
                    None,
                    None,
                    place,
                )
                .await?;
            }
            FlowAction::Name(index) => match suggestions.get(usize::from(index)) {
                Some(name) => show_phone(s, flow, slot, name.clone()).await?,
                None => return Ok(Answer::Expired),
            },
            _ => return Ok(Answer::Expired),
        },
        (BookingStep::Comment { slot, name, phone }, action) => match action {
            FlowAction::Back => show_phone(s, flow, slot, name).await?,
            FlowAction::SkipComment => {
                let Some(offer) = offer(s, slot.service).await? else {
                    unavailable(s, place).await?;
                    return Ok(Answer::Silent);
                };
                let details = Details {
                    name,
                    phone,
                    comment: None,
                };
                show_summary(s, flow, &offer, slot, details, place).await?;
            }
            _ => return Ok(Answer::Expired),
        },
        (BookingStep::Summary { slot, details }, action) => match action {
            FlowAction::Back => {
                show_comment(s, flow, slot, details.name, details.phone, place).await?
            }
            FlowAction::Confirm => confirm(s, flow, slot, details, place).await?,
            _ => return Ok(Answer::Expired),
        },
        // The phone step has no inline buttons; anything else is stale.
        _ => return Ok(Answer::Expired),
    }
    Ok(Answer::Silent)
}

/// Books: the engine decides atomically whether the time is still free.
async fn confirm(
    s: &Session<'_>,
    flow: FlowId,
    slot: Slot,
    details: Details,
    place: Place,
) -> Result<(), HandlerError> {
    let form = BookingForm {
        service: slot.service,
        staff: slot.staff.choice(),
        start: slot.start,
        name: details.name.clone(),
        phone: details.phone.clone(),
        comment: details.comment.clone(),
        language: s
            .user
            .language_code
            .as_deref()
            .and_then(|tag| ProfileLanguage::new(tag).ok()),
    };
    let outcome = s.engine.book(s.customer, form).await;
    let retry_times = |intro: String| async move {
        let Some(offer) = offer(s, slot.service).await? else {
            return unavailable(s, place).await;
        };
        let day = day_of(s, slot.start);
        show_times(
            s,
            flow,
            &offer,
            slot.staff,
            day,
            Some(details),
            Some(intro),
            place,
        )
        .await
    };
    match outcome {
        Ok(booked) => {
            tracing::info!(booking = %booked.booking.id(), "booking made through the client bot");
            let text = done_text(s, &booked);
            s.go(
                &State::Idle,
                &Screen::inline(text, keyboard::to_menu(&s.t)),
                place,
            )
            .await
        }
        Err(BookError::SlotTaken { start }) => {
            let intro = s.t.with(
                "book-slot-taken",
                &[
                    ("time", format::time(start, s.tz()).into()),
                    ("day", format::day(&s.t, day_of(s, start)).into()),
                ],
            );
            retry_times(intro).await
        }
        Err(BookError::Slot(SlotRefusal::TooSoon { .. })) => {
            retry_times(s.t.get("book-too-soon")).await
        }
        Err(BookError::TooManyActiveBookings { limit }) => {
            let text =
                s.t.with("book-too-many", &[("limit", i64::from(limit).into())]);
            s.go(
                &State::Idle,
                &Screen::inline(text, keyboard::main_menu(&s.t)),
                place,
            )
            .await
        }
        Err(BookError::UnknownService | BookError::Slot(_)) => unavailable(s, place).await,
        // Checked when typed; reaching here means the rules changed between
        // the two checks. Say what is wrong and start over from the menu.
        Err(BookError::InvalidName(e)) => {
            let text = name_refusal(&s.t, &e);
            s.go(
                &State::Idle,
                &Screen::inline(text, keyboard::main_menu(&s.t)),
                place,
            )
            .await
        }
        Err(BookError::InvalidPhone(e)) => {
            let text = phone_refusal(&s.t, &e);
            s.go(
                &State::Idle,
                &Screen::inline(text, keyboard::main_menu(&s.t)),
                place,
            )
            .await
        }
        Err(BookError::InvalidComment(e)) => {
            let text = comment_refusal(&s.t, &e);
            s.go(
                &State::Idle,
                &Screen::inline(text, keyboard::main_menu(&s.t)),
                place,
            )
            .await
        }
        Err(BookError::Store(e)) => Err(HandlerError::engine("make a booking", e)),
    }
}

fn done_text(s: &Session<'_>, booked: &BookingDetails) -> String {
    let booking = &booked.booking;
    let service = booked
        .service
        .as_ref()
        .map_or_else(String::new, |sv| sv.name().to_string());
    let staff = booked
        .staff
        .as_ref()
        .map_or_else(String::new, |m| m.name().to_string());
    let id = if booking.is_active() && *booking.status() == booking_domain::BookingStatus::Pending {
        "book-done-pending"
    } else {
        "book-done-confirmed"
    };
    s.t.with(
        id,
        &[
            ("service", service.into()),
            ("staff", staff.into()),
            ("when", format::when(&s.t, booking.start(), s.tz()).into()),
        ],
    )
}

pub(crate) fn name_refusal(t: &Text<'_>, error: &InvalidName) -> String {
    match error {
        InvalidName::TooShort { min } => t.with("name-too-short", &[("min", (*min as i64).into())]),
        InvalidName::TooLong { max } => t.with("name-too-long", &[("max", (*max as i64).into())]),
        InvalidName::ControlCharacter => t.get("name-control"),
    }
}

pub(crate) fn phone_refusal(t: &Text<'_>, error: &InvalidPhone) -> String {
    match error {
        InvalidPhone::Empty => t.get("phone-empty"),
        InvalidPhone::TooLong { max } => t.with("phone-too-long", &[("max", (*max as i64).into())]),
        InvalidPhone::UnexpectedCharacter => t.get("phone-characters"),
        InvalidPhone::NotAPhone => t.get("phone-not-a-phone"),
        InvalidPhone::NotInUse => t.get("phone-not-in-use"),
    }
}

pub(crate) fn comment_refusal(t: &Text<'_>, error: &InvalidComment) -> String {
    match error {
        InvalidComment::Empty => t.get("comment-empty"),
        InvalidComment::TooLong { max, got } => t.with(
            "comment-too-long",
            &[("max", (*max as i64).into()), ("got", (*got as i64).into())],
        ),
        InvalidComment::ControlCharacter => t.get("comment-control"),
    }
}

/// Something typed (or a contact shared) during the booking flow.
pub(crate) async fn on_message(
    s: &Session<'_>,
    flow: FlowId,
    step: BookingStep,
    message: &Message,
) -> Result<(), HandlerError> {
    let refuse = |text: String| async move { s.show(&Screen::text(text), Place::New).await };
    match step {
        BookingStep::Name { slot, .. } => {
            let Some(text) = message.text() else {
                return refuse(s.t.get("book-ask-name-plain")).await;
            };
            if s.locales.is_button_label(text) {
                let shown: String = text.trim().chars().take(40).collect();
                return refuse(s.t.with("name-is-button", &[("text", shown.into())])).await;
            }
            match CustomerName::new(text) {
                Ok(name) => show_phone(s, flow, slot, name.expose().to_owned()).await,
                Err(e) => refuse(name_refusal(&s.t, &e)).await,
            }
        }
        BookingStep::Phone { slot, name } => {
            let typed = if let Some(contact) = message.contact() {
                // Only the sender's own contact: anyone can forward someone
                // else's card, and it must not become their booking phone.
                let own = message
                    .from
                    .as_ref()
                    .is_some_and(|from| contact.user_id == Some(from.id));
                if !own {
                    return refuse(s.t.get("phone-not-own")).await;
                }
                // Telegram sends contact numbers in international form
                // without the plus.
                let raw = contact.phone_number.trim();
                if raw.starts_with('+') {
                    raw.to_owned()
                } else {
                    format!("+{raw}")
                }
            } else if let Some(text) = message.text() {
                if s.locales.matches_button(text, "btn-back") {
                    hide_reply_keyboard(s).await?;
                    return show_name(s, flow, slot, Place::New).await;
                }
                if s.locales.matches_button(text, "btn-cancel") {
                    hide_reply_keyboard(s).await?;
                    return cancel(s, Place::New).await;
                }
                text.to_owned()
            } else {
                return refuse(s.t.get("phone-empty")).await;
            };
            match PhoneNumber::parse(&typed, s.policy.phone_region()) {
                Ok(phone) => {
                    let saved = s.t.with("phone-saved", &[("phone", phone.expose().into())]);
                    s.show(&Screen::new(saved, Markup::RemoveReply), Place::New)
                        .await?;
                    show_comment(s, flow, slot, name, phone.expose().to_owned(), Place::New).await
                }
                Err(e) => refuse(phone_refusal(&s.t, &e)).await,
            }
        }
        BookingStep::Comment { slot, name, phone } => {
            let Some(text) = message.text() else {
                return refuse(s.t.get("comment-empty")).await;
            };
            let Some(offer) = offer(s, slot.service).await? else {
                return unavailable(s, Place::New).await;
            };
            let comment = if s.locales.matches_button(text, "btn-skip-comment") {
                None
            } else {
                match booking_domain::Comment::new(text) {
                    Ok(comment) => Some(comment.expose().to_owned()),
                    Err(e) => return refuse(comment_refusal(&s.t, &e)).await,
                }
            };
            show_summary(
                s,
                flow,
                &offer,
                slot,
                Details {
                    name,
                    phone,
                    comment,
                },
                Place::New,
            )
            .await
        }
        // Steps with buttons only.
        _ => menu::show_hint(s, None).await,
    }
}

/// Removes the phone step's reply keyboard: a message carrying the removal,
/// deleted at once so it leaves nothing in the chat.
pub(crate) async fn hide_reply_keyboard(s: &Session<'_>) -> Result<(), HandlerError> {
    use teloxide::prelude::*;
    use teloxide::types::{KeyboardRemove, ReplyMarkup};
    let sent = crate::telegram::retrying(false, || {
        s.bot
            .send_message(s.chat, "⌛")
            .reply_markup(ReplyMarkup::KeyboardRemove(KeyboardRemove::new()))
    })
    .await?;
    // Best effort: a leftover hourglass is harmless.
    let _ = crate::telegram::send(s.bot.delete_message(s.chat, sent.id)).await;
    Ok(())
}
