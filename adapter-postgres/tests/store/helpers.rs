//! Shared set-up: a small catalog and builders for bookings (the database
//! itself is `adapter_postgres::testing::PgTestDb`).

use adapter_postgres::PgStore;
use booking_domain::{
    BookingStatus, Currency, CustomerId, LocalTimeRange, Minutes, Money, NewBooking,
    NewBookingParts, ServiceId, ServiceName, ServiceSpec, StaffId, StaffName, StaffSpec,
    WeeklyHours,
};
use booking_ports::{ActiveBookingLimit, CatalogStore};
use chrono::{DateTime, Duration, TimeZone, Utc, Weekday};

/// The staff member and service every booking test uses.
pub(crate) struct Catalog {
    pub(crate) anna: StaffId,
    pub(crate) boris: StaffId,
    /// 60 minutes, 10 minutes before and 5 after.
    pub(crate) haircut: ServiceId,
}

/// Adds two staff members and a service they both perform.
pub(crate) async fn seed_catalog(store: &PgStore) -> Catalog {
    let hours =
        WeeklyHours::new([(Weekday::Mon, LocalTimeRange::parse("09:00-18:00").unwrap())]).unwrap();
    let anna = store
        .add_staff(StaffSpec {
            name: StaffName::new("Anna").unwrap(),
            hours: hours.clone(),
            active: true,
        })
        .await
        .unwrap()
        .id();
    let boris = store
        .add_staff(StaffSpec {
            name: StaffName::new("Boris").unwrap(),
            hours,
            active: true,
        })
        .await
        .unwrap()
        .id();
    let haircut = store
        .add_service(ServiceSpec {
            name: ServiceName::new("Haircut").unwrap(),
            duration: Minutes::new(60).unwrap(),
            price: Money::new(2500, Currency::new("EUR").unwrap()).unwrap(),
            buffer_before: Minutes::new(10).unwrap(),
            buffer_after: Minutes::new(5).unwrap(),
            active: true,
            performers: vec![anna, boris],
        })
        .await
        .unwrap()
        .id();
    Catalog {
        anna,
        boris,
        haircut,
    }
}

/// Monday 2030-01-07 09:00 UTC: every test's calendar starts here.
pub(crate) fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap()
}

/// A confirmed 60-minute haircut with `staff` for `customer` at `start`.
pub(crate) fn haircut(
    catalog: &Catalog,
    staff: StaffId,
    customer: i64,
    start: DateTime<Utc>,
) -> NewBooking {
    NewBooking::new(haircut_parts(catalog, staff, customer, start)).unwrap()
}

/// The fields of [`haircut`], for tests that change some.
pub(crate) fn haircut_parts(
    catalog: &Catalog,
    staff: StaffId,
    customer: i64,
    start: DateTime<Utc>,
) -> NewBookingParts {
    NewBookingParts {
        customer: CustomerId::new(customer).unwrap(),
        service: catalog.haircut,
        staff,
        start,
        end: start + Duration::minutes(60),
        buffer_before: Minutes::new(10).unwrap(),
        buffer_after: Minutes::new(5).unwrap(),
        comment: None,
        status: BookingStatus::Confirmed,
        created_at: monday() - Duration::days(7),
        rescheduled_from: None,
        booked_for: None,
        price: None,
        created_by: booking_domain::Actor::Customer,
    }
}

/// A limit no test reaches unless it means to.
pub(crate) fn no_limit() -> ActiveBookingLimit {
    ActiveBookingLimit {
        max: u16::MAX,
        now: monday() - Duration::days(7),
    }
}
