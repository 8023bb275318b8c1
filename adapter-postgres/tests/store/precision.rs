//! Instants are stored as Unix milliseconds (`bigint`): what a write returns is what
//! every later read gives, even for instants with finer parts (the system
//! clock has nanoseconds).

use booking_domain::{BookingStatus, Interval, NewBooking, NewBookingParts};
use booking_ports::{BookingStore, OutboxChange};
use chrono::Duration;

use adapter_postgres::testing::PgTestDb;

use crate::helpers::{haircut_parts, monday, no_limit, seed_catalog};

#[tokio::test]
async fn a_created_booking_equals_its_stored_form_at_millisecond_precision() {
    // Arrange: a booking created at an instant with sub-millisecond parts.
    let db = PgTestDb::create().await;
    let store = db.open().await;
    let catalog = seed_catalog(&store).await;
    let precise = monday() - Duration::days(1) + Duration::nanoseconds(123_456_789);
    let parts = NewBookingParts {
        created_at: precise,
        status: BookingStatus::Pending,
        ..haircut_parts(&catalog, catalog.anna, 1, monday())
    };
    let new = NewBooking::new(parts).unwrap();

    // Act
    let created = store.create_booking(new, no_limit(), vec![]).await.unwrap();
    let read = store.booking(created.id()).await.unwrap().unwrap();
    let confirmed = store
        .update_booking(
            created.version(),
            created
                .confirm(booking_domain::Actor::System, created.created_at())
                .unwrap(),
            OutboxChange::none(),
        )
        .await
        .unwrap();

    // Assert
    assert_eq!(created, read);
    assert_eq!(
        created.created_at(),
        monday() - Duration::days(1) + Duration::milliseconds(123)
    );
    assert_eq!(confirmed.created_at(), created.created_at());
    let exported: Vec<_> = {
        use futures::StreamExt;
        store
            .export_bookings(Interval::new(monday(), monday() + Duration::days(1)).unwrap())
            .collect()
            .await
    };
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].as_ref().unwrap(), &confirmed);
}
