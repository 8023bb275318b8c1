//! A small salon on the in-memory store with a manual clock, shared by the
//! engine tests.
//!
//! Times are in Moscow (UTC+3 all year, so the arithmetic stays readable).
//! "Now" starts on Monday 2030-01-07 at 08:00.
//! - Anna works Monday to Friday 09:00-18:00; Boris Tuesday to Saturday
//!   10:00-14:00 and 15:00-20:00.
//! - Haircut: 60 min + 15 min after, by Anna and Boris. Colour: 120 min with
//!   15 min before, by Anna only.
//! - Slots every 30 min, 60 min notice, 14 days ahead, cancel until 2 h and
//!   reschedule until 3 h before, at most 3 upcoming bookings per customer.

use booking_domain::{
    Booking, Currency, CustomerId, Interval, LocalTimeRange, Minutes, Money, PhoneRegion, Policy,
    PolicySettings, Service, ServiceId, ServiceName, ServiceSpec, StaffChoice, StaffId,
    StaffMember, StaffName, StaffSpec, WeeklyHours,
};
use booking_ports::engine::BookingForm;
use booking_ports::{
    BookingScope, BookingStore, CatalogSnapshot, Engine, EngineSettings, ManualClock, MemoryStore,
    StaffActor, StaffUser,
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc, Weekday};

pub(crate) struct Salon {
    pub(crate) engine: Engine,
    pub(crate) store: MemoryStore,
    pub(crate) clock: ManualClock,
    pub(crate) anna: StaffId,
    pub(crate) boris: StaffId,
    pub(crate) haircut: ServiceId,
    pub(crate) colour: ServiceId,
    pub(crate) staff: StaffActor,
}

pub(crate) fn minutes(m: i64) -> Minutes {
    Minutes::new(m).unwrap()
}

pub(crate) fn policy(requires_confirmation: bool) -> Policy {
    Policy::new(PolicySettings {
        time_zone: "Europe/Moscow".parse().unwrap(),
        slot_step: minutes(30),
        min_notice: minutes(60),
        horizon_days: 14,
        cancellation_cutoff: minutes(120),
        reschedule_cutoff: minutes(180),
        max_active_bookings_per_customer: 3,
        requires_confirmation,
        phone_region: PhoneRegion::new("RU").unwrap(),
    })
    .unwrap()
}

/// Monday 2030-01-07 plus `days`.
pub(crate) fn day(days: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2030, 1, 7).unwrap() + chrono::Days::new(days)
}

/// Moscow wall-clock time `hour:minute` on `day(days)`, as UTC.
pub(crate) fn moscow(days: u64, hour: u32, minute: u32) -> DateTime<Utc> {
    let tz: chrono_tz::Tz = "Europe/Moscow".parse().unwrap();
    tz.from_local_datetime(&day(days).and_hms_opt(hour, minute, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// The start of slot `slot` (half-hours from 09:00) on day `day`, as the
/// property tests pick them.
pub(crate) fn start(day: u64, slot: u32) -> DateTime<Utc> {
    moscow(day, 9 + slot / 2, (slot % 2) * 30)
}

/// Every booking in the salon's first month, in any status.
pub(crate) async fn all_bookings(s: &Salon) -> Vec<Booking> {
    let everything = Interval::new(
        moscow(0, 0, 0) - Duration::days(2),
        moscow(0, 0, 0) + Duration::days(30),
    )
    .unwrap();
    s.store
        .bookings_overlapping(everything, None, BookingScope::AllStatuses)
        .await
        .unwrap()
}

pub(crate) fn customer(n: i64) -> CustomerId {
    CustomerId::new(500 + n).unwrap()
}

fn range(text: &str) -> LocalTimeRange {
    LocalTimeRange::parse(text).unwrap()
}

pub(crate) fn anna_spec() -> StaffSpec {
    let days = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    StaffSpec {
        name: StaffName::new("Anna").unwrap(),
        hours: WeeklyHours::new(days.map(|d| (d, range("09:00-18:00")))).unwrap(),
        active: true,
    }
}

pub(crate) fn boris_spec() -> StaffSpec {
    let days = [
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
    ];
    StaffSpec {
        name: StaffName::new("Boris").unwrap(),
        hours: WeeklyHours::new(
            days.iter()
                .flat_map(|d| [(*d, range("10:00-14:00")), (*d, range("15:00-20:00"))]),
        )
        .unwrap(),
        active: true,
    }
}

pub(crate) fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::new("EUR").unwrap()).unwrap()
}

pub(crate) fn haircut_spec(performers: Vec<StaffId>) -> ServiceSpec {
    ServiceSpec {
        name: ServiceName::new("Haircut").unwrap(),
        duration: minutes(60),
        price: eur(3000),
        buffer_before: Minutes::ZERO,
        buffer_after: minutes(15),
        active: true,
        performers,
    }
}

pub(crate) fn colour_spec(performers: Vec<StaffId>) -> ServiceSpec {
    ServiceSpec {
        name: ServiceName::new("Colour").unwrap(),
        duration: minutes(120),
        price: eur(8000),
        buffer_before: minutes(15),
        buffer_after: Minutes::ZERO,
        active: true,
        performers,
    }
}

pub(crate) async fn salon(requires_confirmation: bool) -> Salon {
    salon_with(requires_confirmation, EngineSettings::default()).await
}

pub(crate) async fn salon_with(requires_confirmation: bool, settings: EngineSettings) -> Salon {
    let store = MemoryStore::new();
    let clock = ManualClock::new(moscow(0, 8, 0));
    let engine = Engine::on_store(
        store.clone(),
        clock.clone(),
        policy(requires_confirmation),
        settings,
    );
    let (anna, boris) = (StaffId::new(1).unwrap(), StaffId::new(2).unwrap());
    let (haircut, colour) = (ServiceId::new(1).unwrap(), ServiceId::new(2).unwrap());
    let imported = engine
        .import_catalog_if_empty(CatalogSnapshot {
            staff: vec![
                StaffMember::new(anna, anna_spec()).unwrap(),
                StaffMember::new(boris, boris_spec()).unwrap(),
            ],
            services: vec![
                Service::new(haircut, haircut_spec(vec![anna, boris])).unwrap(),
                Service::new(colour, colour_spec(vec![anna])).unwrap(),
            ],
            date_overrides: Vec::new(),
            time_off: Vec::new(),
        })
        .await
        .unwrap();
    assert!(imported);
    Salon {
        engine,
        store,
        clock,
        anna,
        boris,
        haircut,
        colour,
        // An owner who is also Anna: allowed everything, and recorded as
        // Anna on what she changes. engine_roles.rs tests the other roles.
        staff: StaffActor::authenticated(
            StaffUser::new(77),
            Some(anna),
            booking_ports::StaffRole::Owner,
        ),
    }
}

/// A valid booking form for a haircut at `start` with `staff`.
pub(crate) fn form(service: ServiceId, staff: StaffChoice, start: DateTime<Utc>) -> BookingForm {
    BookingForm {
        service,
        staff,
        start,
        name: "Мария Иванова".to_owned(),
        phone: "8 916 123-45-67".to_owned(),
        comment: Some("Short on the sides".to_owned()),
        language: None,
    }
}

impl Salon {
    /// Books a haircut with Anna at `start` for `who`, which must succeed.
    pub(crate) async fn book_haircut(
        &self,
        who: CustomerId,
        start: DateTime<Utc>,
    ) -> booking_domain::Booking {
        self.engine
            .book(who, form(self.haircut, StaffChoice::Only(self.anna), start))
            .await
            .unwrap()
            .booking
    }

    pub(crate) async fn notices(
        &self,
        booking: booking_domain::BookingId,
    ) -> Vec<booking_ports::Notification> {
        use booking_ports::NotificationOutbox;
        self.store.notifications_of_booking(booking).await.unwrap()
    }

    pub(crate) fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}
