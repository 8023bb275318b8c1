//! "My bookings" screens: the list, a booking's card, the cancel question,
//! moving a booking (days, times, summary), and why a change is refused.

use booking_domain::{Booking, StaffMember, TransitionError};
use booking_ports::BookingDetails;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use teloxide::types::InlineKeyboardMarkup;

use super::calendar::{self, DayPage, DayTimes, day_rows, time_rows};
use super::keyboard::{self, Row, button, flow_button};
use crate::client::callback::{Callback, FlowAction, FlowId, MenuItem};
use crate::i18n::{Msg, Text};
use crate::telegram::Screen;
use crate::ui::format;

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

/// "This booking is already cancelled", for a change it no longer allows.
pub fn not_active(t: &Text<'_>, booking: &Booking) -> String {
    t.with(
        Msg::BookingNotActive,
        &[("status", format::status(t, booking.status()).into())],
    )
}

/// Why a customer cannot change `booking` now: the cutoff (in the words of
/// `cutoff_message`) or its status.
pub fn refusal(
    t: &Text<'_>,
    refusal: &TransitionError,
    cutoff_message: Msg,
    booking: &Booking,
) -> String {
    match refusal {
        TransitionError::PastCutoff { cutoff, .. } => t.with(
            cutoff_message,
            &[("cutoff", format::long_duration(t, *cutoff).into())],
        ),
        _ => not_active(t, booking),
    }
}

/// The customer's upcoming bookings, after `intro` when something just
/// happened.
pub fn list(
    t: &Text<'_>,
    flow: FlowId,
    bookings: &[BookingDetails],
    past: &[BookingDetails],
    tz: Tz,
    intro: Option<String>,
) -> Screen {
    let mut rows: Vec<Row> = bookings
        .iter()
        .map(|details| {
            let label = t.with(
                Msg::BookingButton,
                &[
                    ("when", format::when(t, details.booking.start(), tz).into()),
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
    let mut title = if bookings.is_empty() {
        rows.push(vec![button(
            t.get(Msg::BtnBook),
            Callback::Menu(MenuItem::Book),
        )]);
        t.get(Msg::MyBookingsEmpty)
    } else {
        t.get(Msg::MyBookingsTitle)
    };
    if let Some(visits) = super::history::recent_visits(t, past, tz) {
        // Below the buttons' title, so the upcoming bookings stay first.
        title.push_str("\n\n");
        title.push_str(&visits);
    }
    rows.push(vec![button(
        t.get(Msg::BtnMenu),
        Callback::Menu(MenuItem::Main),
    )]);
    Screen::inline(
        super::after_intro(intro, title),
        InlineKeyboardMarkup::new(rows),
    )
}

fn details_text(t: &Text<'_>, details: &BookingDetails, tz: Tz) -> String {
    let booking = &details.booking;
    let mut text = t.with(
        Msg::BookingDetails,
        &[
            ("service", service_name(details).into()),
            ("staff", staff_name(details).into()),
            ("when", format::when(t, booking.start(), tz).into()),
            ("status", format::status(t, booking.status()).into()),
        ],
    );
    if let Some(comment) = booking.comment() {
        text.push('\n');
        text.push_str(&t.with(
            Msg::BookingDetailsComment,
            &[("comment", comment.expose().into())],
        ));
    }
    text
}

/// A booking's card: Reschedule and Cancel while it is active.
pub fn details(
    t: &Text<'_>,
    flow: FlowId,
    details: &BookingDetails,
    tz: Tz,
    intro: Option<String>,
) -> Screen {
    let booking = &details.booking;
    let mut rows = Vec::new();
    if booking.is_active() {
        rows.push(vec![
            flow_button(
                t.get(Msg::BtnReschedule),
                flow,
                FlowAction::Reschedule(booking.id()),
            ),
            flow_button(
                t.get(Msg::BtnCancelBooking),
                flow,
                FlowAction::CancelBooking(booking.id()),
            ),
        ]);
    }
    rows.push(keyboard::back(t, flow));
    let text = super::after_intro(intro, details_text(t, details, tz));
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// "Cancel your haircut on Tue 4 Jun?"
pub fn ask_cancel(t: &Text<'_>, flow: FlowId, details: &BookingDetails, tz: Tz) -> Screen {
    let booking = &details.booking;
    let text = t.with(
        Msg::CancelQuestion,
        &[
            ("service", service_name(details).into()),
            ("when", format::when(t, booking.start(), tz).into()),
        ],
    );
    let rows = vec![vec![
        flow_button(
            t.get(Msg::BtnYesCancel),
            flow,
            FlowAction::ConfirmCancel(booking.id()),
        ),
        flow_button(t.get(Msg::BtnKeep), flow, FlowAction::Back),
    ]];
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// "Your haircut on Tue 4 Jun is cancelled", above the list.
pub fn cancelled(t: &Text<'_>, cancelled: &BookingDetails, tz: Tz) -> String {
    t.with(
        Msg::CancelDone,
        &[
            ("service", service_name(cancelled).into()),
            (
                "when",
                format::when(t, cancelled.booking.start(), tz).into(),
            ),
        ],
    )
}

/// "Your haircut is moved to Wed 5 Jun", above the new booking's card.
pub fn moved(t: &Text<'_>, moved: &BookingDetails, tz: Tz) -> String {
    t.with(
        Msg::RescheduleDone,
        &[
            ("service", service_name(moved).into()),
            ("when", format::when(t, moved.booking.start(), tz).into()),
        ],
    )
}

/// Who a booking can move to: `staff`, its own specialist first and
/// marked, two a row.
pub fn move_staff(
    t: &Text<'_>,
    flow: FlowId,
    moving: &BookingDetails,
    staff: &[StaffMember],
) -> Screen {
    let own = moving.booking.staff();
    let buttons: Vec<_> = staff
        .iter()
        .map(|member| {
            let name = member.name().to_string();
            let label = if member.id() == own {
                t.with(Msg::RescheduleStaffCurrent, &[("name", name.into())])
            } else {
                name
            };
            flow_button(label, flow, FlowAction::Staff(member.id()))
        })
        .collect();
    let mut rows = keyboard::grid(buttons, 2);
    rows.push(keyboard::back_cancel(t, flow));
    let text = t.with(
        Msg::RescheduleChooseStaff,
        &[("service", service_name(moving).into())],
    );
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// The days a booking can move to with specialist `to`, or "no free days"
/// within the horizon.
pub fn move_days(
    t: &Text<'_>,
    flow: FlowId,
    moving: &BookingDetails,
    to: &str,
    page: &DayPage<'_>,
    tz: Tz,
) -> Screen {
    let (text, mut rows) = match day_rows(t, flow, page.days, page.page) {
        Some(rows) => {
            let text = t.with(
                Msg::RescheduleChooseDay,
                &[
                    ("service", service_name(moving).into()),
                    ("when", format::when(t, moving.booking.start(), tz).into()),
                ],
            );
            (text, rows)
        }
        None => {
            let text = calendar::no_days(t, &service_name(moving), to, page.horizon_days);
            (text, Vec::new())
        }
    };
    rows.push(keyboard::back_cancel(t, flow));
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// The free times of `day` with specialist `to` for the booking being
/// moved.
pub fn move_times(
    t: &Text<'_>,
    flow: FlowId,
    moving: &BookingDetails,
    to: &str,
    times: &DayTimes<'_>,
    intro: Option<String>,
) -> Screen {
    let service = service_name(moving);
    let text = calendar::times_text(t, (&service, to), times.day, times.starts.is_empty(), intro);
    let mut rows = time_rows(flow, times.starts, times.tz);
    rows.push(keyboard::back_cancel(t, flow));
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// The old and the new time, with Confirm; `to` is the specialist after
/// the move.
pub fn move_summary(
    t: &Text<'_>,
    flow: FlowId,
    moving: &BookingDetails,
    to: &str,
    start: DateTime<Utc>,
    tz: Tz,
) -> Screen {
    let text = t.with(
        Msg::RescheduleSummary,
        &[
            ("service", service_name(moving).into()),
            ("staff", to.into()),
            ("old", format::when(t, moving.booking.start(), tz).into()),
            ("new", format::when(t, start, tz).into()),
        ],
    );
    Screen::inline(
        text,
        keyboard::one_then_back_cancel(t, flow, t.get(Msg::BtnConfirm), FlowAction::Confirm),
    )
}

/// The new time was taken before the move was confirmed: above the day's
/// current times.
pub fn move_slot_taken(t: &Text<'_>, start: DateTime<Utc>, moving: &Booking, tz: Tz) -> String {
    let day = start.with_timezone(&tz).date_naive();
    t.with(
        Msg::RescheduleSlotTaken,
        &[
            ("time", format::time(start, tz).into()),
            ("old", format::when(t, moving.start(), tz).into()),
            ("day", format::day(t, day).into()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use booking_domain::{BookingId, BookingStatus, Cancellation, CancelledBy, Minutes};

    use super::*;
    use crate::Language;
    use crate::ui::client::testing::*;

    #[test]
    fn the_list_offers_each_booking_by_time_and_service() {
        let locales = locales();
        let t = locales.text(Language::English);
        let visit = booked(june(4, 11, 0), BookingStatus::Confirmed);

        let screen = list(&t, FLOW, std::slice::from_ref(&visit), &[], tz(), None);

        assert_eq!(screen.text, "Your upcoming bookings:");
        assert_eq!(
            pressing(&screen, "Tue 4 Jun, 11:00 · Women's haircut"),
            Callback::flow(FLOW, FlowAction::Booking(BookingId::new(9).unwrap()))
        );
        assert_eq!(
            pressing(&screen, &t.get(Msg::BtnMenu)),
            Callback::Menu(MenuItem::Main)
        );
    }

    #[test]
    fn an_empty_list_offers_to_book_after_the_intro() {
        let locales = locales();
        let t = locales.text(Language::English);

        let screen = list(&t, FLOW, &[], &[], tz(), Some("Done.".to_owned()));

        assert_eq!(screen.text, "Done.\n\nYou have no upcoming bookings.");
        assert_eq!(
            pressing(&screen, &t.get(Msg::BtnBook)),
            Callback::Menu(MenuItem::Book)
        );
    }

    #[test]
    fn an_active_booking_can_be_moved_or_cancelled_and_a_closed_one_not() {
        let locales = locales();
        let t = locales.text(Language::English);
        let id = BookingId::new(9).unwrap();

        let active = details(
            &t,
            FLOW,
            &booked(june(4, 11, 0), BookingStatus::Confirmed),
            tz(),
            None,
        );
        let closed = details(
            &t,
            FLOW,
            &booked(
                june(4, 11, 0),
                BookingStatus::Cancelled(Cancellation {
                    by: CancelledBy::Customer,
                    reason: None,
                    at: june(3, 10, 0),
                }),
            ),
            tz(),
            None,
        );

        assert!(active.text.contains("Specialist: Anna"), "{}", active.text);
        assert_eq!(
            pressing(&active, "Cancel booking"),
            Callback::flow(FLOW, FlowAction::CancelBooking(id))
        );
        assert_eq!(
            pressing(&active, "Reschedule"),
            Callback::flow(FLOW, FlowAction::Reschedule(id))
        );
        assert!(closed.text.contains("Status: cancelled"), "{}", closed.text);
        assert_eq!(labels(&closed), [t.get(Msg::BtnBack)]);
    }

    #[test]
    fn a_passed_cutoff_is_explained_in_hours() {
        let locales = locales();
        let t = locales.text(Language::English);
        let visit = booked(june(4, 11, 0), BookingStatus::Confirmed);
        let past = TransitionError::PastCutoff {
            cutoff: Minutes::new(180).unwrap(),
            start: visit.booking.start(),
        };

        let text = refusal(&t, &past, Msg::CancelPastCutoff, &visit.booking);

        assert!(text.contains("3 hours"), "{text}");
    }

    #[test]
    fn the_move_summary_shows_both_times_and_confirms() {
        let locales = locales();
        let t = locales.text(Language::English);
        let visit = booked(june(4, 11, 0), BookingStatus::Confirmed);

        let screen = move_summary(&t, FLOW, &visit, "Boris", june(5, 15, 0), tz());

        assert!(screen.text.contains("with Boris"), "{}", screen.text);
        assert!(screen.text.contains("Tue 4 Jun, 11:00"), "{}", screen.text);
        assert!(screen.text.contains("Wed 5 Jun, 15:00"), "{}", screen.text);
        assert_eq!(
            pressing(&screen, &t.get(Msg::BtnConfirm)),
            Callback::flow(FLOW, FlowAction::Confirm)
        );
    }
}
