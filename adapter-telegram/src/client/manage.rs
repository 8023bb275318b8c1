//! "My bookings": the customer's upcoming bookings, their details, and
//! cancelling (after a confirmation) or moving one.
//!
//! Button data names a booking but authorises nothing: every read and
//! change goes through the engine with the presser's customer id, and a
//! booking that is not theirs is answered as an expired button, showing and
//! changing nothing. Changes carry the version the customer saw, so a change
//! by staff meanwhile is shown rather than overwritten.

use booking_domain::SlotRefusal;
use booking_domain::{Booking, BookingId, BookingStatus, CancelledBy, TransitionError, Version};
use booking_ports::BookingDetails;
use booking_ports::engine::{BookingChangeError, FindBookingError, RescheduleBookingError};
use chrono::{DateTime, NaiveDate, Utc};
use teloxide::types::InlineKeyboardMarkup;

use super::Answer;
use super::booking::{calendar_rows, free_days, free_starts, page_of, time_rows};
use super::callback::{Callback, FlowAction, FlowId, MenuItem};
use super::keyboard::{self, button, flow_button};
use super::menu;
use super::session::Session;
use super::state::{ManageStep, Move, StaffPick, State};
use crate::error::HandlerError;
use crate::i18n::Text;
use crate::telegram::{Place, Screen};
use crate::ui::format;

fn state(flow: FlowId, step: ManageStep) -> State {
    State::Bookings { flow, step }
}

/// Opens "My bookings".
pub(crate) async fn start(s: &Session<'_>, place: Place) -> Result<(), HandlerError> {
    show_list(s, s.new_flow(), None, place).await
}

fn service_name(details: &BookingDetails) -> String {
    details
        .service
        .as_ref()
        .map_or_else(String::new, |sv| sv.name().to_string())
}

fn staff_name(details: &BookingDetails) -> String {
    details
        .staff
        .as_ref()
        .map_or_else(String::new, |m| m.name().to_string())
}

fn status_text(t: &Text<'_>, status: &BookingStatus) -> String {
    t.get(match status {
        BookingStatus::Pending => "status-pending",
        BookingStatus::Confirmed => "status-confirmed",
        BookingStatus::Completed => "status-completed",
        BookingStatus::NoShow => "status-no-show",
        BookingStatus::Cancelled(_) => "status-cancelled",
        BookingStatus::Rescheduled { .. } => "status-rescheduled",
    })
}

/// The list, after `intro` when something just happened.
async fn show_list(
    s: &Session<'_>,
    flow: FlowId,
    intro: Option<String>,
    place: Place,
) -> Result<(), HandlerError> {
    let bookings = s
        .engine
        .my_bookings(s.customer)
        .await
        .map_err(|e| HandlerError::engine("list a customer's bookings", e))?;
    let mut rows: Vec<keyboard::Row> = bookings
        .iter()
        .map(|details| {
            let label = s.t.with(
                "booking-button",
                &[
                    (
                        "when",
                        format::when(&s.t, details.booking.start(), s.tz()).into(),
                    ),
                    ("service", service_name(details).into()),
                ],
            );
            vec![flow_button(
                label,
                flow,
                FlowAction::Booking(details.booking.id()),
            )]
        })
        .collect();
    let title = if bookings.is_empty() {
        rows.push(vec![button(
            s.t.get("btn-book"),
            Callback::Menu(MenuItem::Book),
        )]);
        s.t.get("my-bookings-empty")
    } else {
        s.t.get("my-bookings-title")
    };
    rows.push(vec![button(
        s.t.get("btn-menu"),
        Callback::Menu(MenuItem::Main),
    )]);
    let text = intro.map_or(title.clone(), |intro| format!("{intro}\n\n{title}"));
    s.go(
        &state(flow, ManageStep::List),
        &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

fn details_text(s: &Session<'_>, details: &BookingDetails) -> String {
    let booking = &details.booking;
    let mut text = s.t.with(
        "booking-details",
        &[
            ("service", service_name(details).into()),
            ("staff", staff_name(details).into()),
            ("when", format::when(&s.t, booking.start(), s.tz()).into()),
            ("status", status_text(&s.t, booking.status()).into()),
        ],
    );
    if let Some(comment) = booking.comment() {
        text.push('\n');
        text.push_str(&s.t.with(
            "booking-details-comment",
            &[("comment", comment.expose().into())],
        ));
    }
    text
}

async fn show_details(
    s: &Session<'_>,
    flow: FlowId,
    details: &BookingDetails,
    intro: Option<String>,
    place: Place,
) -> Result<(), HandlerError> {
    let booking = &details.booking;
    let mut rows = Vec::new();
    if booking.is_active() {
        rows.push(vec![
            flow_button(
                s.t.get("btn-reschedule"),
                flow,
                FlowAction::Reschedule(booking.id()),
            ),
            flow_button(
                s.t.get("btn-cancel-booking"),
                flow,
                FlowAction::CancelBooking(booking.id()),
            ),
        ]);
    }
    rows.push(keyboard::back(&s.t, flow));
    let body = details_text(s, details);
    let text = intro.map_or(body.clone(), |intro| format!("{intro}\n\n{body}"));
    s.go(
        &state(
            flow,
            ManageStep::Details {
                booking: booking.id(),
            },
        ),
        &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

/// The customer's booking `id`, or `None` when it is not theirs (or gone).
async fn own(s: &Session<'_>, id: BookingId) -> Result<Option<BookingDetails>, HandlerError> {
    match s.engine.my_booking(s.customer, id).await {
        Ok(details) => Ok(Some(details)),
        Err(FindBookingError::NotFound) => Ok(None),
        Err(FindBookingError::Store(e)) => Err(HandlerError::engine("read a booking", e)),
    }
}

/// Why a customer cannot change `booking` now, in words.
fn refusal_text(
    s: &Session<'_>,
    refusal: &TransitionError,
    cutoff_message: &str,
    booking: &Booking,
) -> String {
    match refusal {
        TransitionError::PastCutoff { cutoff, .. } => s.t.with(
            cutoff_message,
            &[("cutoff", format::long_duration(&s.t, *cutoff).into())],
        ),
        _ => s.t.with(
            "booking-not-active",
            &[("status", status_text(&s.t, booking.status()).into())],
        ),
    }
}

/// "I'll come" under a reminder: recorded on the booking, so staff see it.
pub(crate) async fn attend(s: &Session<'_>, id: BookingId) -> Result<Answer, HandlerError> {
    match s.engine.confirm_attendance(s.customer, id).await {
        Ok(_) => {
            tracing::info!(booking = %id, "attendance confirmed by the customer");
            Ok(Answer::Notice(s.t.get("attend-done")))
        }
        Err(BookingChangeError::NotFound) => Ok(Answer::Expired),
        Err(BookingChangeError::Refused(_) | BookingChangeError::VersionConflict { .. }) => {
            match own(s, id).await? {
                Some(details) => Ok(Answer::Notice(s.t.with(
                    "booking-not-active",
                    &[("status", status_text(&s.t, details.booking.status()).into())],
                ))),
                None => Ok(Answer::Expired),
            }
        }
        Err(BookingChangeError::Store(e)) => Err(HandlerError::engine("confirm attendance", e)),
    }
}

/// "Cancel" under a reminder: the same question as in "My bookings" (the
/// cutoff explained when it has passed), in a new message below, so the
/// reminder stays readable.
pub(crate) async fn cancel_from_reminder(
    s: &Session<'_>,
    id: BookingId,
) -> Result<Answer, HandlerError> {
    let Some(details) = own(s, id).await? else {
        return Ok(Answer::Expired);
    };
    ask_cancel(s, s.new_flow(), &details, Place::New).await?;
    Ok(Answer::Silent)
}

/// A pressed button in "My bookings".
pub(crate) async fn on_action(
    s: &Session<'_>,
    flow: FlowId,
    step: ManageStep,
    action: FlowAction,
    place: Place,
) -> Result<Answer, HandlerError> {
    match (step, action) {
        (ManageStep::List, FlowAction::Back) => menu::show_main(s, None, place).await?,
        (ManageStep::List, FlowAction::Booking(id)) => match own(s, id).await? {
            Some(details) => show_details(s, flow, &details, None, place).await?,
            None => return Ok(Answer::Expired),
        },
        (ManageStep::Details { .. }, FlowAction::Back) => show_list(s, flow, None, place).await?,
        (ManageStep::Details { booking }, FlowAction::CancelBooking(id)) if id == booking => {
            let Some(details) = own(s, id).await? else {
                return Ok(Answer::Expired);
            };
            ask_cancel(s, flow, &details, place).await?;
        }
        (ManageStep::Details { booking }, FlowAction::Reschedule(id)) if id == booking => {
            let Some(details) = own(s, id).await? else {
                return Ok(Answer::Expired);
            };
            start_move(s, flow, &details, place).await?;
        }
        (ManageStep::ConfirmCancel { booking, .. }, FlowAction::Back) => {
            match own(s, booking).await? {
                Some(details) => show_details(s, flow, &details, None, place).await?,
                None => show_list(s, flow, None, place).await?,
            }
        }
        (ManageStep::ConfirmCancel { booking, version }, FlowAction::ConfirmCancel(id))
            if id == booking =>
        {
            return cancel(s, flow, booking, version, place).await;
        }
        (ManageStep::MoveDay { r#move, .. }, FlowAction::Back | FlowAction::Cancel) => {
            back_to_details(s, flow, r#move.booking, place).await?;
        }
        (ManageStep::MoveDay { r#move, page }, FlowAction::Page(next))
            if next.abs_diff(page) == 1 =>
        {
            show_move_days(s, flow, r#move, next, place).await?;
        }
        (ManageStep::MoveDay { r#move, .. }, FlowAction::Day(day)) => {
            show_move_times(s, flow, r#move, day, None, place).await?;
        }
        (ManageStep::MoveTime { r#move, .. }, FlowAction::Cancel) => {
            back_to_details(s, flow, r#move.booking, place).await?;
        }
        (ManageStep::MoveTime { r#move, day }, FlowAction::Back) => {
            let days = free_days(s, r#move.service, StaffPick::Only(r#move.staff))
                .await?
                .unwrap_or_default();
            show_move_days(s, flow, r#move, page_of(&days, day), place).await?;
        }
        (ManageStep::MoveTime { r#move, day }, FlowAction::Time(start)) => {
            let staff = StaffPick::Only(r#move.staff);
            let free = free_starts(s, r#move.service, staff, day)
                .await?
                .unwrap_or_default();
            if free.contains(&start) {
                show_move_summary(s, flow, r#move, start, place).await?;
            } else {
                let intro = s.t.with(
                    "book-slot-taken",
                    &[
                        ("time", format::time(start, s.tz()).into()),
                        ("day", format::day(&s.t, day).into()),
                    ],
                );
                show_move_times(s, flow, r#move, day, Some(intro), place).await?;
            }
        }
        (ManageStep::MoveSummary { r#move, .. }, FlowAction::Cancel) => {
            back_to_details(s, flow, r#move.booking, place).await?;
        }
        (ManageStep::MoveSummary { r#move, start }, FlowAction::Back) => {
            let day = start.with_timezone(&s.tz()).date_naive();
            show_move_times(s, flow, r#move, day, None, place).await?;
        }
        (ManageStep::MoveSummary { r#move, start }, FlowAction::Confirm) => {
            return reschedule(s, flow, r#move, start, place).await;
        }
        (_, FlowAction::Cancel) => menu::show_main(s, None, place).await?,
        _ => return Ok(Answer::Expired),
    }
    Ok(Answer::Silent)
}

async fn back_to_details(
    s: &Session<'_>,
    flow: FlowId,
    booking: BookingId,
    place: Place,
) -> Result<(), HandlerError> {
    match own(s, booking).await? {
        Some(details) => show_details(s, flow, &details, None, place).await,
        None => show_list(s, flow, None, place).await,
    }
}

/// Asks for confirmation, or explains at once why cancelling is not
/// possible. The engine decides again at confirmation; asking the domain
/// here only spares the customer a pointless question.
async fn ask_cancel(
    s: &Session<'_>,
    flow: FlowId,
    details: &BookingDetails,
    place: Place,
) -> Result<(), HandlerError> {
    let booking = &details.booking;
    if let Err(refusal) = booking.cancel(CancelledBy::Customer, None, s.now(), &s.policy) {
        let intro = refusal_text(s, &refusal, "cancel-past-cutoff", booking);
        return show_details(s, flow, details, Some(intro), place).await;
    }
    let text = s.t.with(
        "cancel-question",
        &[
            ("service", service_name(details).into()),
            ("when", format::when(&s.t, booking.start(), s.tz()).into()),
        ],
    );
    let rows = vec![vec![
        flow_button(
            s.t.get("btn-yes-cancel"),
            flow,
            FlowAction::ConfirmCancel(booking.id()),
        ),
        flow_button(s.t.get("btn-keep"), flow, FlowAction::Back),
    ]];
    s.go(
        &state(
            flow,
            ManageStep::ConfirmCancel {
                booking: booking.id(),
                version: booking.version(),
            },
        ),
        &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

async fn cancel(
    s: &Session<'_>,
    flow: FlowId,
    booking: BookingId,
    version: Version,
    place: Place,
) -> Result<Answer, HandlerError> {
    match s
        .engine
        .cancel_my_booking(s.customer, booking, version)
        .await
    {
        Ok(cancelled) => {
            tracing::info!(booking = %booking, "booking cancelled by the customer");
            let intro = s.t.with(
                "cancel-done",
                &[
                    ("service", service_name(&cancelled).into()),
                    (
                        "when",
                        format::when(&s.t, cancelled.booking.start(), s.tz()).into(),
                    ),
                ],
            );
            show_list(s, flow, Some(intro), place).await?;
        }
        Err(BookingChangeError::NotFound) => return Ok(Answer::Expired),
        Err(BookingChangeError::VersionConflict { .. }) => {
            // Show the booking as it is now; nothing was changed.
            changed_meanwhile(s, flow, booking, place).await?;
        }
        Err(BookingChangeError::Refused(refusal)) => {
            let Some(details) = own(s, booking).await? else {
                return Ok(Answer::Expired);
            };
            let intro = refusal_text(s, &refusal, "cancel-past-cutoff", &details.booking);
            show_details(s, flow, &details, Some(intro), place).await?;
        }
        Err(BookingChangeError::Store(e)) => {
            return Err(HandlerError::engine("cancel a booking", e));
        }
    }
    Ok(Answer::Silent)
}

async fn changed_meanwhile(
    s: &Session<'_>,
    flow: FlowId,
    booking: BookingId,
    place: Place,
) -> Result<(), HandlerError> {
    match own(s, booking).await? {
        Some(details) => {
            show_details(s, flow, &details, Some(s.t.get("booking-changed")), place).await
        }
        None => show_list(s, flow, None, place).await,
    }
}

async fn start_move(
    s: &Session<'_>,
    flow: FlowId,
    details: &BookingDetails,
    place: Place,
) -> Result<(), HandlerError> {
    let booking = &details.booking;
    if let Err(refusal) = booking.check_customer_may_reschedule(s.now(), &s.policy) {
        let intro = refusal_text(s, &refusal, "reschedule-past-cutoff", booking);
        return show_details(s, flow, details, Some(intro), place).await;
    }
    let r#move = Move {
        booking: booking.id(),
        version: booking.version(),
        service: booking.service(),
        staff: booking.staff(),
    };
    show_move_days(s, flow, r#move, 0, place).await
}

/// Names and time of the booking being moved, for the move screens.
async fn moving(s: &Session<'_>, r#move: Move) -> Result<Option<BookingDetails>, HandlerError> {
    own(s, r#move.booking).await
}

async fn show_move_days(
    s: &Session<'_>,
    flow: FlowId,
    r#move: Move,
    page: u8,
    place: Place,
) -> Result<(), HandlerError> {
    let Some(details) = moving(s, r#move).await? else {
        return show_list(s, flow, None, place).await;
    };
    let days = free_days(s, r#move.service, StaffPick::Only(r#move.staff))
        .await?
        .unwrap_or_default();
    let mut text = s.t.with(
        "reschedule-choose-day",
        &[
            ("service", service_name(&details).into()),
            (
                "when",
                format::when(&s.t, details.booking.start(), s.tz()).into(),
            ),
        ],
    );
    let mut rows = calendar_rows(&s.t, flow, &days, page).unwrap_or_else(|| {
        let horizon = s.t.with(
            "days-ahead",
            &[("count", i64::from(s.policy.horizon_days()).into())],
        );
        text = s.t.with(
            "book-no-days",
            &[
                ("service", service_name(&details).into()),
                ("staff", staff_name(&details).into()),
                ("days", horizon.into()),
            ],
        );
        Vec::new()
    });
    rows.push(keyboard::back_cancel(&s.t, flow));
    s.go(
        &state(flow, ManageStep::MoveDay { r#move, page }),
        &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

async fn show_move_times(
    s: &Session<'_>,
    flow: FlowId,
    r#move: Move,
    day: NaiveDate,
    intro: Option<String>,
    place: Place,
) -> Result<(), HandlerError> {
    let Some(details) = moving(s, r#move).await? else {
        return show_list(s, flow, None, place).await;
    };
    let starts = free_starts(s, r#move.service, StaffPick::Only(r#move.staff), day)
        .await?
        .unwrap_or_default();
    let day_text = format::day(&s.t, day);
    let prompt = s.t.with(
        "book-choose-time",
        &[
            ("service", service_name(&details).into()),
            ("staff", staff_name(&details).into()),
            ("day", day_text.as_str().into()),
        ],
    );
    let mut text = intro.map_or(prompt.clone(), |intro| format!("{intro}\n\n{prompt}"));
    if starts.is_empty() {
        text = format!(
            "{text}\n\n{}",
            s.t.with("book-no-times", &[("day", day_text.into())])
        );
    }
    let mut rows = time_rows(s, flow, &starts);
    rows.push(keyboard::back_cancel(&s.t, flow));
    s.go(
        &state(flow, ManageStep::MoveTime { r#move, day }),
        &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

async fn show_move_summary(
    s: &Session<'_>,
    flow: FlowId,
    r#move: Move,
    start: DateTime<Utc>,
    place: Place,
) -> Result<(), HandlerError> {
    let Some(details) = moving(s, r#move).await? else {
        return show_list(s, flow, None, place).await;
    };
    let text = s.t.with(
        "reschedule-summary",
        &[
            ("service", service_name(&details).into()),
            ("staff", staff_name(&details).into()),
            (
                "old",
                format::when(&s.t, details.booking.start(), s.tz()).into(),
            ),
            ("new", format::when(&s.t, start, s.tz()).into()),
        ],
    );
    let rows = vec![
        vec![flow_button(
            s.t.get("btn-confirm"),
            flow,
            FlowAction::Confirm,
        )],
        keyboard::back_cancel(&s.t, flow),
    ];
    s.go(
        &state(flow, ManageStep::MoveSummary { r#move, start }),
        &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

async fn reschedule(
    s: &Session<'_>,
    flow: FlowId,
    r#move: Move,
    start: DateTime<Utc>,
    place: Place,
) -> Result<Answer, HandlerError> {
    let outcome = s
        .engine
        .reschedule_my_booking(
            s.customer,
            r#move.booking,
            r#move.version,
            StaffPick::Only(r#move.staff).choice(),
            start,
        )
        .await;
    let day = start.with_timezone(&s.tz()).date_naive();
    match outcome {
        Ok(moved) => {
            tracing::info!(from = %r#move.booking, to = %moved.new.booking.id(), "booking moved by the customer");
            let intro = s.t.with(
                "reschedule-done",
                &[
                    ("service", service_name(&moved.new).into()),
                    (
                        "when",
                        format::when(&s.t, moved.new.booking.start(), s.tz()).into(),
                    ),
                ],
            );
            show_details(s, flow, &moved.new, Some(intro), place).await?;
        }
        Err(
            RescheduleBookingError::SlotTaken { .. }
            | RescheduleBookingError::Slot(SlotRefusal::TooSoon { .. })
            | RescheduleBookingError::Slot(SlotRefusal::NotFree),
        ) => {
            let Some(details) = own(s, r#move.booking).await? else {
                return Ok(Answer::Expired);
            };
            let intro = s.t.with(
                "reschedule-slot-taken",
                &[
                    ("time", format::time(start, s.tz()).into()),
                    (
                        "old",
                        format::when(&s.t, details.booking.start(), s.tz()).into(),
                    ),
                    ("day", format::day(&s.t, day).into()),
                ],
            );
            show_move_times(s, flow, r#move, day, Some(intro), place).await?;
        }
        Err(RescheduleBookingError::NotFound) => return Ok(Answer::Expired),
        Err(RescheduleBookingError::VersionConflict { .. }) => {
            changed_meanwhile(s, flow, r#move.booking, place).await?;
        }
        Err(RescheduleBookingError::Refused(refusal)) => {
            let Some(details) = own(s, r#move.booking).await? else {
                return Ok(Answer::Expired);
            };
            let intro = refusal_text(s, &refusal, "reschedule-past-cutoff", &details.booking);
            show_details(s, flow, &details, Some(intro), place).await?;
        }
        Err(RescheduleBookingError::Slot(_)) => {
            let Some(details) = own(s, r#move.booking).await? else {
                return Ok(Answer::Expired);
            };
            show_details(s, flow, &details, Some(s.t.get("book-unavailable")), place).await?;
        }
        Err(RescheduleBookingError::Store(e)) => {
            return Err(HandlerError::engine("move a booking", e));
        }
    }
    Ok(Answer::Silent)
}
