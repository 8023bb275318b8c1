//! Engine data for the screens' tests: the harness's salon (Anna, a
//! haircut, Moscow time, June 2030) built through the domain constructors.
#![allow(clippy::unwrap_used)]

use booking_domain::{
    BookedFor, Booking, BookingId, BookingParts, BookingStatus, Comment, Currency, CustomerId,
    CustomerName, LocalTimeRange, Minutes, Money, PhoneNumber, PhoneRegion, Service, ServiceId,
    ServiceName, ServiceSpec, StaffId, StaffMember, StaffName, StaffSpec, Version, WeeklyHours,
};
use booking_ports::{BookingDetails, CustomerProfile};
use chrono::{DateTime, Duration, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use teloxide::types::InlineKeyboardButtonKind;

use crate::i18n::{Language, Locales};
use crate::telegram::{Markup, Screen};

pub(crate) fn english() -> Locales {
    Locales::load(Language::English).unwrap()
}

pub(crate) fn tz() -> Tz {
    "Europe/Moscow".parse().unwrap()
}

/// `hour`:00 in Moscow on `day` June 2030.
pub(crate) fn local(day: u32, hour: u32) -> DateTime<Utc> {
    tz().with_ymd_and_hms(2030, 6, day, hour, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

pub(crate) fn anna() -> StaffMember {
    let hours =
        WeeklyHours::new([(Weekday::Mon, LocalTimeRange::parse("10:00-19:00").unwrap())]).unwrap();
    StaffMember::new(
        StaffId::new(1).unwrap(),
        StaffSpec {
            name: StaffName::new("Anna").unwrap(),
            hours,
            active: true,
        },
    )
    .unwrap()
}

pub(crate) fn maria_inactive() -> StaffMember {
    StaffMember::new(
        StaffId::new(2).unwrap(),
        StaffSpec {
            name: StaffName::new("Maria").unwrap(),
            hours: WeeklyHours::default(),
            active: false,
        },
    )
    .unwrap()
}

pub(crate) fn haircut() -> Service {
    Service::new(
        ServiceId::new(1).unwrap(),
        ServiceSpec {
            name: ServiceName::new("Haircut").unwrap(),
            duration: Minutes::new(60).unwrap(),
            price: Money::new(250_000, Currency::new("RUB").unwrap()).unwrap(),
            buffer_before: Minutes::ZERO,
            buffer_after: Minutes::new(10).unwrap(),
            active: true,
            performers: vec![StaffId::new(1).unwrap()],
        },
    )
    .unwrap()
}

/// Booking `id` of Ivan Petrov with Anna, an hour from `hour`:00 on
/// Tuesday 4 June 2030, confirmed, version 2.
pub(crate) fn booking(id: i64, hour: u32) -> BookingDetails {
    with_status(id, hour, BookingStatus::Confirmed)
}

pub(crate) fn with_status(id: i64, hour: u32, status: BookingStatus) -> BookingDetails {
    let start = local(4, hour);
    let booking = Booking::from_parts(BookingParts {
        id: BookingId::new(id).unwrap(),
        customer: Some(CustomerId::new(9001).unwrap()),
        service: ServiceId::new(1).unwrap(),
        staff: StaffId::new(1).unwrap(),
        start,
        end: start + Duration::hours(1),
        buffer_before: Minutes::ZERO,
        buffer_after: Minutes::ZERO,
        comment: Some(Comment::new("Short, please").unwrap()),
        status,
        version: Version::new(2).unwrap(),
        created_at: local(1, 9),
        rescheduled_from: None,
        attendance_confirmed_at: None,
        booked_for: Some(BookedFor {
            name: CustomerName::new("Ivan Petrov").unwrap(),
            phone: Some(
                PhoneNumber::parse("+79161234567", PhoneRegion::new("RU").unwrap()).unwrap(),
            ),
        }),
        price: Some(haircut().price()),
        audit: booking_domain::AuditTrail::default(),
    })
    .unwrap();
    BookingDetails {
        booking,
        service: Some(haircut()),
        staff: Some(anna()),
        customer: Some(CustomerProfile {
            id: CustomerId::new(9001).unwrap(),
            name: CustomerName::new("Ivan Petrov").unwrap(),
            phone: Some(
                PhoneNumber::parse("+79161234567", PhoneRegion::new("RU").unwrap()).unwrap(),
            ),
            telegram: None,
            language: None,
            consented_at: local(1, 9),
            notes: String::new(),
        }),
    }
}

/// Booking `id` at its own five minutes from 10:00 on 4 June 2030, with
/// everything as long as the domain allows: a customer name of 100
/// characters and a comment of 500, half of them emoji (two UTF-16 units
/// each, as Telegram counts).
pub(crate) fn wordy(id: i64) -> BookingDetails {
    let mut details = booking(id, 10);
    let start = local(4, 10) + Duration::minutes(5 * id);
    let comment = format!("{}{}", "💇".repeat(250), "я".repeat(250));
    details.booking = Booking::from_parts(BookingParts {
        id: BookingId::new(id).unwrap(),
        customer: Some(CustomerId::new(9000 + id).unwrap()),
        service: ServiceId::new(1).unwrap(),
        staff: StaffId::new(1).unwrap(),
        start,
        end: start + Duration::minutes(5),
        buffer_before: Minutes::ZERO,
        buffer_after: Minutes::ZERO,
        comment: Some(Comment::new(&comment).unwrap()),
        status: BookingStatus::Confirmed,
        version: Version::new(i64::MAX).unwrap(),
        created_at: local(1, 9),
        rescheduled_from: None,
        attendance_confirmed_at: None,
        booked_for: Some(BookedFor {
            name: CustomerName::new(&"Ё".repeat(CustomerName::MAX_CHARS)).unwrap(),
            phone: Some(
                PhoneNumber::parse("+79161234567", PhoneRegion::new("RU").unwrap()).unwrap(),
            ),
        }),
        price: Some(haircut().price()),
        audit: booking_domain::AuditTrail::default(),
    })
    .unwrap();
    if let Some(customer) = &mut details.customer {
        customer.name = CustomerName::new(&"Ё".repeat(CustomerName::MAX_CHARS)).unwrap();
    }
    details
}

/// Every button of `screen` as (label, callback data), row by row.
pub(crate) fn callbacks(screen: &Screen) -> Vec<(String, String)> {
    let Markup::Inline(keyboard) = &screen.markup else {
        return Vec::new();
    };
    keyboard
        .inline_keyboard
        .iter()
        .flatten()
        .filter_map(|b| match &b.kind {
            InlineKeyboardButtonKind::CallbackData(data) => Some((b.text.clone(), data.clone())),
            _ => None,
        })
        .collect()
}

/// Customer 42, Maria Petrova, with Telegram and without notes.
pub(crate) fn profile() -> CustomerProfile {
    CustomerProfile {
        id: CustomerId::new(42).unwrap(),
        name: CustomerName::new("Maria Petrova").unwrap(),
        phone: Some(PhoneNumber::parse("+79165550102", PhoneRegion::new("RU").unwrap()).unwrap()),
        telegram: Some(booking_domain::TelegramUserId::new(42).unwrap()),
        language: None,
        consented_at: local(1, 9),
        notes: String::new(),
    }
}
