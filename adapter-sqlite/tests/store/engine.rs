//! The engine of `booking-ports` driving the SQLite store, as the app wires
//! them: one store for every port, a customer books, staff confirm, a stale
//! cancel is refused, the real one withdraws the reminders, and everything
//! is still there after the store is closed and opened again.

use booking_domain::{
    BookingStatus, Currency, CustomerId, LocalTimeRange, Minutes, Money, PhoneRegion, Policy,
    PolicySettings, Service, ServiceId, ServiceName, ServiceSpec, StaffChoice, StaffId,
    StaffMember, StaffName, StaffSpec, WeeklyHours,
};
use booking_ports::engine::{BookingChangeError, BookingForm};
use booking_ports::{
    BookingStore, CatalogSnapshot, DeliveryState, Engine, EngineSettings, ManualClock,
    NotificationOutbox, StaffActor, StaffUser,
};
use chrono::{NaiveDate, TimeZone, Utc, Weekday};

use crate::helpers::TestDb;

fn policy() -> Policy {
    Policy::new(PolicySettings {
        time_zone: "Europe/Berlin".parse().unwrap(),
        slot_step: Minutes::new(30).unwrap(),
        min_notice: Minutes::new(60).unwrap(),
        horizon_days: 30,
        cancellation_cutoff: Minutes::new(120).unwrap(),
        reschedule_cutoff: Minutes::new(180).unwrap(),
        max_active_bookings_per_customer: 2,
        requires_confirmation: true,
        phone_region: PhoneRegion::new("DE").unwrap(),
    })
    .unwrap()
}

fn catalog(mia: StaffId, haircut: ServiceId) -> CatalogSnapshot {
    let nine_to_five = LocalTimeRange::parse("09:00-17:00").unwrap();
    CatalogSnapshot {
        staff: vec![
            StaffMember::new(
                mia,
                StaffSpec {
                    name: StaffName::new("Mia").unwrap(),
                    hours: WeeklyHours::new(
                        [Weekday::Mon, Weekday::Tue].map(|day| (day, nine_to_five)),
                    )
                    .unwrap(),
                    active: true,
                },
            )
            .unwrap(),
        ],
        services: vec![
            Service::new(
                haircut,
                ServiceSpec {
                    name: ServiceName::new("Haircut").unwrap(),
                    duration: Minutes::new(45).unwrap(),
                    price: Money::new(3500, Currency::new("EUR").unwrap()).unwrap(),
                    buffer_before: Minutes::ZERO,
                    buffer_after: Minutes::new(15).unwrap(),
                    active: true,
                    performers: vec![mia],
                },
            )
            .unwrap(),
        ],
        ..CatalogSnapshot::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_books_confirms_and_cancels_through_the_sqlite_store() {
    // Arrange
    let db = TestDb::new();
    let store = db.open().await;
    let now = Utc.with_ymd_and_hms(2030, 3, 4, 7, 0, 0).unwrap();
    let engine = Engine::on_store(
        store.clone(),
        ManualClock::new(now),
        policy(),
        EngineSettings::default(),
    );
    let (mia, haircut) = (StaffId::new(1).unwrap(), ServiceId::new(1).unwrap());
    engine
        .import_catalog_if_empty(catalog(mia, haircut))
        .await
        .unwrap();
    let customer = CustomerId::new(4242).unwrap();
    let tuesday = NaiveDate::from_ymd_opt(2030, 3, 5).unwrap();

    // Act: book the first free time, staff confirm, a stale cancel, a real one.
    let free = engine
        .free_times(haircut, StaffChoice::Any, tuesday)
        .await
        .unwrap();
    let booked = engine
        .book(
            customer,
            BookingForm {
                service: haircut,
                staff: StaffChoice::Any,
                start: free[0].start,
                name: "Lena Schmidt".to_owned(),
                phone: "030 901820".to_owned(),
                comment: None,
                language: None,
            },
        )
        .await
        .unwrap();
    let after_booking = engine
        .free_times(haircut, StaffChoice::Any, tuesday)
        .await
        .unwrap();
    let staff = StaffActor::authenticated(
        StaffUser::new(1),
        Some(mia),
        booking_ports::StaffRole::Staff,
    );
    let confirmed = engine
        .confirm_booking(&staff, booked.booking.id(), booked.booking.version())
        .await
        .unwrap();
    let reminders_planned = store
        .notifications_of_booking(booked.booking.id())
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind.is_reminder())
        .count();
    let stale = engine
        .cancel_my_booking(customer, booked.booking.id(), booked.booking.version())
        .await;
    let cancelled = engine
        .cancel_my_booking(customer, booked.booking.id(), confirmed.booking.version())
        .await
        .unwrap();

    // Assert
    assert_eq!(booked.booking.status(), &BookingStatus::Pending);
    assert!(
        !after_booking.iter().any(|f| f.start == free[0].start),
        "the booked time is no longer offered"
    );
    assert!(reminders_planned > 0, "confirming plans reminders");
    assert!(matches!(
        stale,
        Err(BookingChangeError::VersionConflict { .. })
    ));
    assert!(matches!(
        cancelled.booking.status(),
        BookingStatus::Cancelled(_)
    ));
    store.close().await;
    let reopened = db.open().await;
    let stored = reopened
        .booking(booked.booking.id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, cancelled.booking);
    let notifications = reopened
        .notifications_of_booking(stored.id())
        .await
        .unwrap();
    assert!(
        notifications
            .iter()
            .filter(|n| n.kind.is_reminder())
            .all(|n| n.state == DeliveryState::Withdrawn),
        "cancelling withdrew the reminders: {notifications:?}"
    );
}

/// The engine keeps the catalog it read (`Engine` caches it under the
/// store's catalog revision), and still sees at once what another process
/// changed: here an operator's `sqlite3` shell renaming the service and
/// giving Mia Wednesdays, written behind the engine's back.
#[tokio::test]
async fn the_engine_sees_a_catalog_change_written_by_another_process_at_once() {
    let db = TestDb::new();
    let store = db.open().await;
    let now = Utc.with_ymd_and_hms(2030, 3, 4, 7, 0, 0).unwrap();
    let engine = Engine::on_store(
        store,
        ManualClock::new(now),
        policy(),
        EngineSettings::default(),
    );
    let (mia, haircut) = (StaffId::new(1).unwrap(), ServiceId::new(1).unwrap());
    engine
        .import_catalog_if_empty(catalog(mia, haircut))
        .await
        .unwrap();
    let wednesday = NaiveDate::from_ymd_opt(2030, 3, 6).unwrap();
    let offered = engine.services().await.unwrap();
    assert_eq!(offered[0].service.name().as_str(), "Haircut");
    let closed = engine
        .free_times(haircut, StaffChoice::Any, wednesday)
        .await
        .unwrap();
    assert!(closed.is_empty(), "Mia works Mondays and Tuesdays");

    let mut shell = crate::helpers::raw_connection(&db.path).await;
    sqlx::query("UPDATE services SET name = 'Long haircut' WHERE id = 1")
        .execute(&mut shell)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO staff_hours (staff_id, weekday, start_minute, end_minute) \
         VALUES (1, 2, 540, 1020)",
    )
    .execute(&mut shell)
    .await
    .unwrap();

    // The calendar first: its read of the bookings carries the revision.
    let open = engine
        .free_times(haircut, StaffChoice::Any, wednesday)
        .await
        .unwrap();
    assert!(!open.is_empty(), "Mia's new Wednesday hours count at once");
    let offered = engine.services().await.unwrap();
    assert_eq!(offered[0].service.name().as_str(), "Long haircut");
}
