//! Customer cards: the `/customer` results, a customer's card (contact
//! with the full phone, upcoming bookings, past visits, total spent,
//! notes), the notes step, and erasure with its confirmation.
//!
//! [`past_visit`] is the one place a past visit's line is written.

use booking_domain::{BookingStatus, CancelledBy, CustomerNotes, InvalidNotes, StaffMember};
use booking_ports::engine::{CustomerCard, FoundCustomers};
use booking_ports::{BookingDetails, CustomerProfile};
use chrono_tz::Tz;
use teloxide::types::InlineKeyboardMarkup;

use super::{button, service_name, status};
use crate::admin::callback::AdminCallback;
use crate::i18n::{Msg, Text};
use crate::limits;
use crate::telegram::Screen;
use crate::ui::format;

/// The most upcoming bookings a card lists, each with a button.
pub const CARD_UPCOMING: usize = 8;
/// The most past visits a card lists.
pub const CARD_PAST: usize = 10;
/// The longest cancellation reason a past visit shows, in UTF-16 units:
/// enough to read it, short enough that ten visits, a long name and full
/// notes still fit one message.
const REASON_UNITS: usize = 120;

fn phone(t: &Text<'_>, profile: &CustomerProfile) -> String {
    profile.phone.as_ref().map_or_else(
        || t.get(Msg::AdminCustomerNoPhone),
        |p| p.expose().to_owned(),
    )
}

/// What `/customer` found for `query`: a button per customer.
pub fn found(t: &Text<'_>, query: &str, found: &FoundCustomers) -> Screen {
    if found.customers.is_empty() {
        return Screen::text(t.with(Msg::AdminCustomersNone, &[("query", query.into())]));
    }
    let mut text = t.with(Msg::AdminCustomersFound, &[("query", query.into())]);
    if found.more {
        text.push('\n');
        text.push_str(&t.get(Msg::AdminCustomersMore));
    }
    let rows = found
        .customers
        .iter()
        .map(|c| {
            let label = t.with(
                Msg::AdminCustomerButton,
                &[
                    ("name", c.name.expose().into()),
                    ("phone", phone(t, c).into()),
                ],
            );
            vec![button(label, AdminCallback::Customer(c.id))]
        })
        .collect::<Vec<_>>();
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// Who cancelled, in words: the customer, the business, or the staff
/// member (by name when it is the booking's own, else by id).
fn canceller(t: &Text<'_>, by: CancelledBy, details: &BookingDetails) -> String {
    match by {
        CancelledBy::Customer => t.get(Msg::AdminCustomerByCustomer),
        CancelledBy::System => t.get(Msg::AdminCustomerByBusiness),
        CancelledBy::Staff(id) => match &details.staff {
            Some(member) if member.id() == id => member.name().to_string(),
            _ => format!("#{}", id.get()),
        },
    }
}

/// One past visit's line: when, what, and how it ended, and who ended it
/// (from the audit trail, `staff` naming staff members; bookings from
/// before the trail say who cancelled as the customer was told); a
/// cancellation says why.
pub fn past_visit(t: &Text<'_>, tz: Tz, details: &BookingDetails, staff: &[StaffMember]) -> String {
    let b = &details.booking;
    let when = format::when(t, b.start(), tz);
    let closed_by = b
        .audit()
        .closed
        .map(|stamp| format::actor(t, stamp.by, staff));
    match (b.status(), closed_by) {
        (BookingStatus::Completed, Some(who)) => t.with(
            Msg::AdminCustomerVisitCompletedBy,
            &[
                ("when", when.into()),
                ("service", service_name(details).into()),
                ("who", who.into()),
            ],
        ),
        (BookingStatus::NoShow, Some(who)) => t.with(
            Msg::AdminCustomerVisitNoShowBy,
            &[
                ("when", when.into()),
                ("service", service_name(details).into()),
                ("who", who.into()),
            ],
        ),
        (BookingStatus::Cancelled(c), closed_by) => {
            let who = closed_by.unwrap_or_else(|| canceller(t, c.by, details));
            let line = t.with(
                Msg::AdminCustomerVisitCancelled,
                &[
                    ("when", when.into()),
                    ("service", service_name(details).into()),
                    ("who", who.into()),
                ],
            );
            match &c.reason {
                Some(reason) => {
                    let one_line = reason.expose().split_whitespace().collect::<Vec<_>>();
                    let reason = limits::truncate(&one_line.join(" "), REASON_UNITS);
                    t.with(
                        Msg::AdminCustomerVisitReason,
                        &[("line", line.into()), ("reason", reason.into())],
                    )
                }
                None => line,
            }
        }
        (other, _) => t.with(
            Msg::AdminCustomerVisit,
            &[
                ("when", when.into()),
                ("service", service_name(details).into()),
                ("status", status(t, other).into()),
            ],
        ),
    }
}

fn card_text(t: &Text<'_>, tz: Tz, card: &CustomerCard, staff: &[StaffMember]) -> String {
    let p = &card.profile;
    let telegram = if p.telegram.is_some() {
        Msg::AdminCustomerTelegramYes
    } else {
        Msg::AdminCustomerTelegramNo
    };
    let mut lines = vec![t.with(
        Msg::AdminCustomerCard,
        &[
            ("name", p.name.expose().into()),
            ("phone", phone(t, p).into()),
            ("telegram", t.get(telegram).into()),
            (
                "since",
                format::day(t, p.consented_at.with_timezone(&tz).date_naive()).into(),
            ),
        ],
    )];
    lines.push(String::new());
    if card.upcoming.is_empty() {
        lines.push(t.get(Msg::AdminCustomerUpcomingNone));
    } else {
        let count = i64::try_from(card.upcoming.len()).unwrap_or(i64::MAX);
        lines.push(t.with(Msg::AdminCustomerUpcoming, &[("count", count.into())]));
    }
    if card.past.is_empty() {
        lines.push(t.get(Msg::AdminCustomerPastNone));
    } else {
        let count = i64::try_from(card.past.len()).unwrap_or(i64::MAX);
        lines.push(t.with(Msg::AdminCustomerPast, &[("count", count.into())]));
        lines.extend(
            card.past
                .iter()
                .take(CARD_PAST)
                .map(|d| format!("· {}", past_visit(t, tz, d, staff))),
        );
        if card.past.len() > CARD_PAST {
            let more = i64::try_from(card.past.len() - CARD_PAST).unwrap_or(i64::MAX);
            lines.push(t.with(Msg::AdminCustomerPastMore, &[("count", more.into())]));
        }
    }
    lines.push(String::new());
    if card.total_spent.is_empty() {
        lines.push(t.get(Msg::AdminCustomerSpentNone));
    } else {
        let total = card
            .total_spent
            .iter()
            .map(|m| format::price(*m))
            .collect::<Vec<_>>()
            .join(" + ");
        lines.push(t.with(Msg::AdminCustomerSpent, &[("total", total.into())]));
    }
    if p.notes.is_empty() {
        lines.push(t.get(Msg::AdminCustomerNotesNone));
    } else {
        lines.push(t.with(
            Msg::AdminCustomerNotes,
            &[("notes", p.notes.as_str().into())],
        ));
    }
    lines.join("\n")
}

/// A customer's card, under `notice` when given: a button per upcoming
/// booking (to its card), then the actions.
/// Customer `card`, `staff` naming the staff members in its history.
pub fn card(
    t: &Text<'_>,
    tz: Tz,
    card: &CustomerCard,
    staff: &[StaffMember],
    notice: Option<String>,
) -> Screen {
    let mut text = notice.map(|n| format!("{n}\n\n")).unwrap_or_default();
    text.push_str(&card_text(t, tz, card, staff));
    let mut rows: Vec<Vec<_>> = card
        .upcoming
        .iter()
        .take(CARD_UPCOMING)
        .map(|d| {
            let label = format!(
                "{} · {}",
                format::when(t, d.booking.start(), tz),
                service_name(d)
            );
            vec![button(label, AdminCallback::Booking(d.booking.id()))]
        })
        .collect();
    let id = card.profile.id;
    rows.push(vec![
        button(t.get(Msg::AdminBtnBookFor), AdminCallback::BookFor(id)),
        button(
            t.get(Msg::AdminBtnCustomerNotes),
            AdminCallback::CustomerNotes(id),
        ),
        button(
            t.get(Msg::AdminBtnCustomerErase),
            AdminCallback::EraseCustomer(id),
        ),
    ]);
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// The notes step's question, with the current notes to copy from.
pub fn ask_notes(t: &Text<'_>, profile: &CustomerProfile) -> Screen {
    let max = i64::try_from(CustomerNotes::MAX_CHARS).unwrap_or(i64::MAX);
    let mut text = t.with(
        Msg::AdminCustomerAskNotes,
        &[("name", profile.name.expose().into()), ("max", max.into())],
    );
    if !profile.notes.is_empty() {
        text.push_str("\n\n");
        text.push_str(&t.with(
            Msg::AdminCustomerCurrentNotes,
            &[("notes", profile.notes.as_str().into())],
        ));
    }
    Screen::text(text)
}

/// Why typed notes were refused; the step waits for them again.
pub fn notes_refused(t: &Text<'_>, error: &InvalidNotes) -> Screen {
    Screen::text(match error {
        InvalidNotes::TooLong { max, got } => t.with(
            Msg::AdminCustomerNotesTooLong,
            &[
                ("max", i64::try_from(*max).unwrap_or(i64::MAX).into()),
                ("got", i64::try_from(*got).unwrap_or(i64::MAX).into()),
            ],
        ),
        InvalidNotes::ControlCharacter => t.get(Msg::AdminCustomerNotesInvalid),
    })
}

/// The question before erasing: what goes, what stays, and which upcoming
/// bookings are cancelled first.
pub fn ask_erase(t: &Text<'_>, card: &CustomerCard) -> Screen {
    let count = i64::try_from(card.upcoming.len()).unwrap_or(i64::MAX);
    let id = card.profile.id;
    let text = t.with(
        Msg::AdminCustomerAskErase,
        &[
            ("name", card.profile.name.expose().into()),
            ("count", count.into()),
        ],
    );
    Screen::inline(
        text,
        InlineKeyboardMarkup::new([[
            button(
                t.get(Msg::AdminBtnYesEraseCustomer),
                AdminCallback::EraseCustomerConfirmed(id),
            ),
            button(
                t.get(Msg::AdminBtnCustomerBack),
                AdminCallback::Customer(id),
            ),
        ]]),
    )
}

/// Bookings were cancelled and the customer is being told: erasing waits
/// for a second press.
pub fn being_told(t: &Text<'_>, id: booking_domain::CustomerId, cancelled: usize) -> Screen {
    let count = i64::try_from(cancelled).unwrap_or(i64::MAX);
    Screen::inline(
        t.with(Msg::AdminCustomerBeingTold, &[("count", count.into())]),
        InlineKeyboardMarkup::new([[
            button(
                t.get(Msg::AdminBtnCustomerErase),
                AdminCallback::EraseCustomerConfirmed(id),
            ),
            button(
                t.get(Msg::AdminBtnCustomerBack),
                AdminCallback::Customer(id),
            ),
        ]]),
    )
}

/// The customer is erased; `anonymised` bookings stay.
pub fn erased(t: &Text<'_>, anonymised: usize) -> Screen {
    let count = i64::try_from(anonymised).unwrap_or(i64::MAX);
    Screen::text(t.with(Msg::AdminCustomerErased, &[("count", count.into())]))
}

#[cfg(test)]
mod tests {
    use booking_domain::{CancelReason, Cancellation, Currency, CustomerId, Money};

    use super::*;
    use crate::i18n::Language;
    use crate::ui::admin::fixtures::{callbacks, english, local, profile, tz, with_status};

    fn sample(past: Vec<BookingDetails>) -> CustomerCard {
        CustomerCard {
            profile: profile(),
            upcoming: vec![with_status(9, 12, BookingStatus::Confirmed)],
            past,
            total_spent: vec![Money::new(250_000, Currency::new("RUB").unwrap()).unwrap()],
        }
    }

    #[test]
    fn a_cancelled_visit_says_who_cancelled_and_why() {
        let locales = english();
        let t = locales.text(Language::English);
        let status = BookingStatus::Cancelled(Cancellation {
            by: CancelledBy::Staff(booking_domain::StaffId::new(1).unwrap()),
            reason: Some(CancelReason::new("Anna is ill").unwrap()),
            at: local(3, 9),
        });
        let line = past_visit(&t, tz(), &with_status(7, 11, status), &[]);
        assert_eq!(
            line,
            "Tue 4 Jun, 11:00 · Haircut · cancelled by Anna: “Anna is ill”"
        );
        let by_customer = BookingStatus::Cancelled(Cancellation {
            by: CancelledBy::Customer,
            reason: None,
            at: local(3, 9),
        });
        let line = past_visit(&t, tz(), &with_status(7, 11, by_customer), &[]);
        assert_eq!(
            line,
            "Tue 4 Jun, 11:00 · Haircut · cancelled by the customer"
        );
        let done = past_visit(&t, tz(), &with_status(7, 11, BookingStatus::Completed), &[]);
        assert_eq!(done, "Tue 4 Jun, 11:00 · Haircut · completed");
        // With the audit trail: who marked it, by name.
        let mut visit = with_status(7, 11, BookingStatus::Confirmed);
        let anna = crate::ui::admin::fixtures::anna();
        let by_anna = booking_domain::Actor::Staff {
            user: booking_domain::StaffUser::new(9),
            member: Some(anna.id()),
            role: booking_domain::StaffRole::Staff,
        };
        visit.booking = visit.booking.complete(by_anna, local(4, 12)).unwrap();
        let done = past_visit(&t, tz(), &visit, &[anna]);
        assert_eq!(
            done,
            "Tue 4 Jun, 11:00 · Haircut · completed, marked by Anna"
        );
        visit.booking = with_status(7, 11, BookingStatus::Confirmed)
            .booking
            .mark_no_show(booking_domain::Actor::System, local(4, 12))
            .unwrap();
        let absent = past_visit(&t, tz(), &visit, &[]);
        assert_eq!(
            absent,
            "Tue 4 Jun, 11:00 · Haircut · no-show, marked by the system"
        );
    }

    #[test]
    fn a_card_lists_ten_past_visits_and_counts_the_rest() {
        let locales = english();
        let t = locales.text(Language::English);
        let past = (0..12)
            .map(|n| with_status(20 + n, 11, BookingStatus::Completed))
            .collect();
        let screen = card(&t, tz(), &sample(past), &[], None);
        assert_eq!(screen.text.matches("· Haircut · completed").count(), 10);
        assert!(screen.text.contains("…and 2 earlier."), "{}", screen.text);
        assert!(
            screen.text.contains("Total spent: 2500 RUB"),
            "{}",
            screen.text
        );
        assert!(screen.text.contains("Upcoming bookings (1):"));
        let data = callbacks(&screen);
        assert_eq!(data[0].1, "b:9");
        let id = CustomerId::new(42).unwrap();
        assert!(data.contains(&(
            "📝 Add note".to_owned(),
            AdminCallback::CustomerNotes(id).encode()
        )));
        assert!(data.contains(&(
            "🗑 Erase data".to_owned(),
            AdminCallback::EraseCustomer(id).encode()
        )));
    }

    #[test]
    fn the_longest_card_fits_one_message() {
        let locales = english();
        let t = locales.text(Language::English);
        let reason = CancelReason::new(&"я ".repeat(150)).unwrap();
        let past = (0..12)
            .map(|n| {
                let status = BookingStatus::Cancelled(Cancellation {
                    by: CancelledBy::Customer,
                    reason: Some(reason.clone()),
                    at: local(3, 9),
                });
                with_status(20 + n, 11, status)
            })
            .collect();
        let mut long = sample(past);
        long.profile.name = booking_domain::CustomerName::new(&"Ё".repeat(100)).unwrap();
        long.profile.notes = "ж".repeat(CustomerNotes::MAX_CHARS);

        let screen = card(&t, tz(), &long, &[], Some("Notes saved.".to_owned()));

        assert!(limits::units(&screen.text) <= limits::MAX_TEXT_UNITS);
        assert!(screen.text.contains("…"), "a long reason is cut");
    }
}
