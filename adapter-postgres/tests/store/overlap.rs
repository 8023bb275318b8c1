//! The exclusion constraint as the store reports it: occupied intervals
//! (buffers included) are half-open, so touching ones do not overlap, and
//! only one staff member's bookings exclude each other.

use adapter_postgres::testing::PgTestDb;
use booking_domain::BookingStatus;
use booking_ports::{BookingStore, CreateBookingError};
use chrono::Duration;

use crate::helpers::{haircut, monday, no_limit, seed_catalog};

#[tokio::test]
async fn buffers_touch_without_overlapping_and_overlap_by_a_minute_is_slot_taken() {
    // Arrange: Anna's haircut at 09:00 occupies 08:50 to 10:05.
    let db = PgTestDb::create().await;
    let store = db.open().await;
    let catalog = seed_catalog(&store).await;
    store
        .create_booking(
            haircut(&catalog, catalog.anna, 1, monday()),
            no_limit(),
            vec![],
        )
        .await
        .unwrap();

    // Act: one starting at 10:14 would occupy from 10:04; one at 10:15 from
    // 10:05, where the first ends.
    let a_minute_too_early = store
        .create_booking(
            haircut(&catalog, catalog.anna, 2, monday() + Duration::minutes(74)),
            no_limit(),
            vec![],
        )
        .await;
    let touching = store
        .create_booking(
            haircut(&catalog, catalog.anna, 2, monday() + Duration::minutes(75)),
            no_limit(),
            vec![],
        )
        .await;
    let same_time_other_staff = store
        .create_booking(
            haircut(&catalog, catalog.boris, 3, monday()),
            no_limit(),
            vec![],
        )
        .await;

    // Assert
    assert!(matches!(
        a_minute_too_early,
        Err(CreateBookingError::SlotTaken { start }) if start == monday() + Duration::minutes(74)
    ));
    assert_eq!(
        touching.unwrap().status(),
        &BookingStatus::Confirmed,
        "touching intervals do not overlap"
    );
    same_time_other_staff.unwrap();
    store.close().await;
}
