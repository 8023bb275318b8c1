//! The customer's own history: their recent past visits under "My
//! bookings", the bookings stored about them under "My data", and the offer
//! to save a booking's details as their own after a booking made for other
//! details than their record's.

use booking_ports::BookingDetails;
use chrono_tz::Tz;
use teloxide::types::InlineKeyboardMarkup;

use super::keyboard::button;
use crate::client::callback::{Callback, MenuItem};
use crate::i18n::{Msg, Text};
use crate::telegram::Screen;
use crate::ui::format;

/// How many past visits "My bookings" shows.
pub const RECENT_VISITS: usize = 5;
/// How many stored bookings "My data" lists.
pub const STORED_LISTED: usize = 20;

fn line(t: &Text<'_>, details: &BookingDetails, tz: Tz) -> String {
    let service = details
        .service
        .as_ref()
        .map_or_else(String::new, |sv| sv.name().to_string());
    t.with(
        Msg::PastVisit,
        &[
            ("when", format::when(t, details.booking.start(), tz).into()),
            ("service", service.into()),
            ("status", format::status(t, details.booking.status()).into()),
        ],
    )
}

/// The "Your recent visits" block, or nothing when there are none.
pub fn recent_visits(t: &Text<'_>, past: &[BookingDetails], tz: Tz) -> Option<String> {
    if past.is_empty() {
        return None;
    }
    let mut lines = vec![t.get(Msg::MyBookingsPast)];
    lines.extend(
        past.iter()
            .take(RECENT_VISITS)
            .map(|d| format!("· {}", line(t, d, tz))),
    );
    Some(lines.join("\n"))
}

/// The "Bookings stored about you" block: at most [`STORED_LISTED`], then
/// how many more; nothing when none are stored.
pub fn stored_bookings(t: &Text<'_>, bookings: &[BookingDetails], tz: Tz) -> Option<String> {
    if bookings.is_empty() {
        return None;
    }
    let count = i64::try_from(bookings.len()).unwrap_or(i64::MAX);
    let mut lines = vec![t.with(Msg::MyDataBookings, &[("count", count.into())])];
    lines.extend(
        bookings
            .iter()
            .take(STORED_LISTED)
            .map(|d| format!("· {}", line(t, d, tz))),
    );
    if bookings.len() > STORED_LISTED {
        let more = i64::try_from(bookings.len() - STORED_LISTED).unwrap_or(i64::MAX);
        lines.push(t.with(Msg::MyDataBookingsMore, &[("count", more.into())]));
    }
    Some(lines.join("\n"))
}

/// `done` (the booking's confirmation text) with the offer to save the
/// details it was made for as the customer's own: a button, never a silent
/// overwrite.
pub fn done_offering_to_save(t: &Text<'_>, done: String, booked: &BookingDetails) -> Screen {
    let Some(who) = booked.booking.booked_for() else {
        return Screen::text(done);
    };
    let phone = who.phone.as_ref().map_or("—", |p| p.expose());
    let offer = t.with(
        Msg::SaveDetailsOffer,
        &[("name", who.name.expose().into()), ("phone", phone.into())],
    );
    Screen::inline(
        format!("{done}\n\n{offer}"),
        InlineKeyboardMarkup::new(vec![
            vec![button(
                t.get(Msg::BtnSaveDetails),
                Callback::SaveDetails(booked.booking.id()),
            )],
            vec![button(t.get(Msg::BtnMenu), Callback::Menu(MenuItem::Main))],
        ]),
    )
}

#[cfg(test)]
mod tests {
    use booking_domain::{
        BookedFor, Booking, BookingId, BookingStatus, CustomerName, PhoneNumber, PhoneRegion,
    };

    use super::*;
    use crate::Language;
    use crate::ui::client::testing::*;

    #[test]
    fn recent_visits_show_five_and_stored_bookings_twenty_and_how_many_more() {
        let locales = locales();
        let t = locales.text(Language::English);
        let visits: Vec<_> = (0..25)
            .map(|_| booked(june(4, 11, 0), BookingStatus::Completed))
            .collect();

        let recent = recent_visits(&t, &visits, tz()).unwrap();
        let stored = stored_bookings(&t, &visits, tz()).unwrap();

        assert!(
            recent.starts_with(
                "Your recent visits:\n· Tue 4 Jun, 11:00 · Women's haircut · completed"
            )
        );
        assert_eq!(recent.lines().count(), 1 + RECENT_VISITS);
        assert!(stored.starts_with("Bookings stored about you (25):"));
        assert_eq!(stored.lines().count(), 1 + STORED_LISTED + 1);
        assert!(stored.ends_with("…and 5 more."), "{stored}");
        assert!(recent_visits(&t, &[], tz()).is_none());
        assert!(stored_bookings(&t, &[], tz()).is_none());
    }

    #[test]
    fn the_offer_to_save_names_the_details_and_carries_the_booking() {
        let locales = locales();
        let t = locales.text(Language::English);
        let mut visit = booked(june(4, 11, 0), BookingStatus::Confirmed);
        let mut parts = visit.booking.clone().into_parts();
        parts.booked_for = Some(BookedFor {
            name: CustomerName::new("Maria").unwrap(),
            phone: Some(
                PhoneNumber::parse("+79165550102", PhoneRegion::new("RU").unwrap()).unwrap(),
            ),
        });
        visit.booking = Booking::from_parts(parts).unwrap();

        let screen = done_offering_to_save(&t, "Booked.".to_owned(), &visit);

        assert!(
            screen
                .text
                .starts_with("Booked.\n\nThis booking is for Maria, +79165550102."),
            "{}",
            screen.text
        );
        assert_eq!(
            pressing(&screen, &t.get(Msg::BtnSaveDetails)),
            Callback::SaveDetails(BookingId::new(9).unwrap())
        );
    }
}
