//! The client bot's screens: pure functions from engine results (and a
//! small input struct where there would be many arguments) and the
//! customer's [`Text`] to a [`Screen`]. The endpoints in `crate::client`
//! fetch, call one of these, and show the result.
//!
//! - [`menu`]: the greeting, the main menu, the hint, why a conversation
//!   started over.
//! - [`booking`]: the booking flow's screens and refusals.
//! - [`calendar`]: day and time buttons, shared by booking and moving.
//! - [`manage`]: "My bookings": the list, a booking's card, cancelling and
//!   moving.
//! - [`about`]: the business, its opening hours, the customer's data.
//! - [`history`]: recent visits, the bookings stored about the customer, and
//!   the offer to save a booking's details as their own.
//! - [`keyboard`]: buttons carrying typed callbacks.
//!
//! [`Text`]: crate::i18n::Text
//! [`Screen`]: crate::telegram::Screen

pub mod about;
pub mod booking;
pub mod calendar;
pub mod history;
pub mod keyboard;
pub mod manage;
pub mod menu;

/// `intro`, a blank line, then `body`; `body` alone without an intro.
fn after_intro(intro: Option<String>, body: String) -> String {
    match intro {
        Some(intro) => format!("{intro}\n\n{body}"),
        None => body,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! What the screen tests share: the locales, and the buttons of a
    //! screen with the callbacks they carry.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use booking_domain::{
        Booking, BookingId, BookingParts, BookingStatus, Currency, CustomerId, Minutes, Money,
        Service, ServiceId, ServiceName, ServiceSpec, StaffId, StaffMember, StaffName, StaffSpec,
        Version, WeeklyHours,
    };
    use booking_ports::BookingDetails;
    use booking_ports::engine::ServiceOffer;
    use chrono::{DateTime, TimeZone, Utc};
    use chrono_tz::Tz;
    use teloxide::types::InlineKeyboardButtonKind;

    use crate::client::callback::{Callback, FlowId};
    use crate::i18n::{Language, Locales};
    use crate::telegram::{Markup, Screen};

    pub(crate) fn locales() -> Locales {
        Locales::load(Language::English).unwrap()
    }

    pub(crate) const FLOW: FlowId = FlowId(77);

    pub(crate) fn tz() -> Tz {
        "Europe/Moscow".parse().unwrap()
    }

    /// A Moscow wall-clock time in June 2030.
    pub(crate) fn june(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        tz().with_ymd_and_hms(2030, 6, day, hour, minute, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// "Women's haircut", an hour for 2500 RUB, performed by the staff
    /// `performers` (1 is Anna, 2 Maria).
    pub(crate) fn haircut(performers: &[i64]) -> ServiceOffer {
        let rub = Currency::new("RUB").unwrap();
        let member = |id: i64| {
            let name = if id == 1 { "Anna" } else { "Maria" };
            StaffMember::new(
                StaffId::new(id).unwrap(),
                StaffSpec {
                    name: StaffName::new(name).unwrap(),
                    hours: WeeklyHours::new([]).unwrap(),
                    active: true,
                },
            )
            .unwrap()
        };
        let service = Service::new(
            ServiceId::new(1).unwrap(),
            ServiceSpec {
                name: ServiceName::new("Women's haircut").unwrap(),
                duration: Minutes::new(60).unwrap(),
                price: Money::new(250_000, rub).unwrap(),
                buffer_before: Minutes::ZERO,
                buffer_after: Minutes::ZERO,
                active: true,
                performers: performers
                    .iter()
                    .map(|p| StaffId::new(*p).unwrap())
                    .collect(),
            },
        )
        .unwrap();
        ServiceOffer {
            service,
            performers: performers.iter().map(|p| member(*p)).collect(),
        }
    }

    /// Booking 9 of `haircut(&[1])` with Anna at `start`, in `status`.
    pub(crate) fn booked(start: DateTime<Utc>, status: BookingStatus) -> BookingDetails {
        let offer = haircut(&[1]);
        let booking = Booking::from_parts(BookingParts {
            id: BookingId::new(9).unwrap(),
            customer: Some(CustomerId::new(1001).unwrap()),
            service: offer.service.id(),
            staff: StaffId::new(1).unwrap(),
            start,
            end: start + chrono::Duration::hours(1),
            buffer_before: Minutes::ZERO,
            buffer_after: Minutes::ZERO,
            comment: None,
            status,
            version: Version::new(1).unwrap(),
            created_at: start - chrono::Duration::days(1),
            rescheduled_from: None,
            attendance_confirmed_at: None,
            booked_for: None,
            price: None,
            audit: booking_domain::AuditTrail::default(),
        })
        .unwrap();
        BookingDetails {
            booking,
            service: Some(offer.service),
            staff: offer.performers.into_iter().next(),
            customer: None,
        }
    }

    /// Every inline button of `screen`: its label and its parsed callback.
    pub(crate) fn buttons(screen: &Screen) -> Vec<(String, Callback)> {
        let Markup::Inline(keyboard) = &screen.markup else {
            return Vec::new();
        };
        keyboard
            .inline_keyboard
            .iter()
            .flatten()
            .map(|b| match &b.kind {
                InlineKeyboardButtonKind::CallbackData(data) => {
                    (b.text.clone(), Callback::parse(data).unwrap())
                }
                other => panic!("not a callback button: {other:?}"),
            })
            .collect()
    }

    /// The labels of `screen`'s inline buttons.
    pub(crate) fn labels(screen: &Screen) -> Vec<String> {
        buttons(screen)
            .into_iter()
            .map(|(label, _)| label)
            .collect()
    }

    /// The callback of the button labelled `label`.
    pub(crate) fn pressing(screen: &Screen, label: &str) -> Callback {
        buttons(screen)
            .into_iter()
            .find(|(l, _)| l == label)
            .map(|(_, c)| c)
            .unwrap_or_else(|| panic!("no button {label:?} among {:?}", labels(screen)))
    }
}
