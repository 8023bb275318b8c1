//! Schedule edits and the bookings they leave standing: a blocked period,
//! the offer to cancel colliding bookings with a message, and the report
//! of that cancellation. Nothing is cancelled without the press.

use booking_domain::{BookingId, Interval, StaffId, TimeOffId};
use booking_ports::BookingDetails;
use chrono_tz::Tz;
use teloxide::types::InlineKeyboardMarkup;

use super::{button, customer, service_name, staff_name, who};
use crate::admin::callback::AdminCallback;
use crate::i18n::{Msg, Text};
use crate::telegram::Screen;
use crate::ui::format;

/// "Blocked … for …": what `/block` stored.
pub fn blocked(
    t: &Text<'_>,
    tz: Tz,
    period: Interval,
    staff: Option<StaffId>,
    id: TimeOffId,
) -> String {
    t.with(
        Msg::AdminBlocked,
        &[
            ("from", format::when(t, period.start(), tz).into()),
            ("to", format::when(t, period.end(), tz).into()),
            ("who", who(t, staff).into()),
            ("id", id.get().into()),
        ],
    )
}

/// `done` (what a schedule edit stored), then whether bookings collide
/// with it; when some do, lists them with a button to cancel them.
pub fn collisions(t: &Text<'_>, tz: Tz, done: String, colliding: &[BookingDetails]) -> Screen {
    let mut text = done;
    text.push_str("\n\n");
    if colliding.is_empty() {
        text.push_str(&t.get(Msg::AdminBlockedNoCollisions));
        return Screen::text(text);
    }
    text.push_str(&t.with(
        Msg::AdminBlockedCollisions,
        &[("count", (colliding.len() as i64).into())],
    ));
    text.push('\n');
    text.push_str(&lines(t, tz, colliding));
    let keyboard = InlineKeyboardMarkup::new(vec![vec![button(
        t.get(Msg::AdminBtnCancelColliding),
        AdminCallback::CancelColliding,
    )]]);
    Screen::inline(text, keyboard)
}

/// A list of bookings, one line each.
pub fn lines(t: &Text<'_>, tz: Tz, bookings: &[BookingDetails]) -> String {
    bookings
        .iter()
        .map(|d| {
            format!(
                "#{} {} · {} · {} · {}",
                d.booking.id().get(),
                format::when(t, d.booking.start(), tz),
                service_name(d),
                staff_name(d),
                customer(t, d)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The question the cancel-them button asks first.
pub fn ask_colliding_reason(t: &Text<'_>, count: usize) -> Screen {
    Screen::text(t.with(
        Msg::AdminAskCollidingReason,
        &[("count", (count as i64).into())],
    ))
}

/// A colliding booking that was not cancelled, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftStanding {
    /// It changed after the list was shown.
    Changed(BookingId),
    /// Its status allows no cancelling (or it is gone).
    NotCancelled(BookingId),
}

/// How many colliding bookings were cancelled, then each one left standing.
pub fn colliding_done(t: &Text<'_>, cancelled: usize, left: &[LeftStanding]) -> Screen {
    let mut text = t.with(
        Msg::AdminCollidingDone,
        &[("count", (cancelled as i64).into())],
    );
    for booking in left {
        let (id, message) = match booking {
            LeftStanding::Changed(id) => (id, Msg::AdminCollidingChanged),
            LeftStanding::NotCancelled(id) => (id, Msg::AdminCollidingNotCancelled),
        };
        text.push('\n');
        text.push_str(&t.with(message, &[("id", id.get().into())]));
    }
    Screen::text(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;
    use crate::limits;
    use crate::telegram::Markup;
    use crate::ui::admin::fixtures::{booking, callbacks, english, local, tz, wordy};

    #[test]
    fn a_block_without_collisions_says_so_and_offers_nothing() {
        let locales = english();
        let t = locales.text(Language::English);
        let period = Interval::new(local(4, 11), local(4, 15)).unwrap();
        let done = blocked(&t, tz(), period, None, TimeOffId::new(3).unwrap());
        assert_eq!(
            done,
            "Blocked Tue 4 Jun, 11:00 – Tue 4 Jun, 15:00 for all staff (block #3)."
        );
        let screen = collisions(&t, tz(), done, &[]);
        assert!(screen.text.ends_with("\n\nNo bookings collide with it."));
        assert_eq!(screen.markup, Markup::None);
    }

    #[test]
    fn colliding_bookings_are_listed_with_the_button_to_cancel_them() {
        let locales = english();
        let t = locales.text(Language::English);
        let screen = collisions(&t, tz(), "Saved.".to_owned(), &[booking(7, 12)]);
        assert_eq!(
            screen.text,
            "Saved.\n\n1 booking collides with it and still stands:\n\
             #7 Tue 4 Jun, 12:00 · Haircut · Anna · Ivan Petrov, +79161234567"
        );
        assert_eq!(
            callbacks(&screen),
            [("Cancel them with a message".to_owned(), "bc".to_owned())]
        );
    }

    #[test]
    fn the_report_names_each_booking_left_standing() {
        let locales = english();
        let t = locales.text(Language::English);
        let id = |n| BookingId::new(n).unwrap();
        let screen = colliding_done(
            &t,
            2,
            &[
                LeftStanding::Changed(id(4)),
                LeftStanding::NotCancelled(id(5)),
            ],
        );
        assert_eq!(
            screen.text,
            "2 bookings cancelled; the customers are told.\n\
             Booking #4 changed meanwhile and was left as it is; check it with /day.\n\
             Booking #5 could not be cancelled in its current state."
        );
    }

    #[test]
    fn sixty_colliding_bookings_split_into_messages_between_their_lines() {
        let locales = english();
        let t = locales.text(Language::English);
        let colliding: Vec<_> = (1..=60).map(wordy).collect();
        let screen = collisions(&t, tz(), "Saved.".to_owned(), &colliding);
        // One message could not hold it: `telegram::show` splits it.
        assert!(limits::units(&screen.text) > limits::MAX_TEXT_UNITS);
        let pieces = limits::split(&screen.text, limits::MAX_TEXT_UNITS);
        assert!(pieces.len() >= 2);
        let lines: Vec<&str> = screen.text.lines().collect();
        let mut from_pieces = Vec::new();
        for piece in &pieces {
            assert!(limits::units(piece) <= limits::MAX_TEXT_UNITS);
            from_pieces.extend(piece.lines());
        }
        assert_eq!(from_pieces, lines, "no line is cut");
        for id in 1..=60 {
            assert!(screen.text.contains(&format!("\n#{id} ")), "#{id}");
        }
        assert_eq!(
            callbacks(&screen),
            [("Cancel them with a message".to_owned(), "bc".to_owned())]
        );
    }
}
