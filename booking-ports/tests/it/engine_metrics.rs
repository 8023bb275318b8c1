//! The engine's counters: bookings created, cancelled and rescheduled, by
//! service, counted once the store committed and never for a refusal.
//!
//! Each test records into its own recorder, installed for the test's thread
//! (`#[tokio::test]` runs on one), so tests running in parallel do not see
//! each other's counts.

use std::collections::BTreeMap;

use booking_domain::{ServiceId, StaffChoice};
use booking_ports::engine::{BookError, BookingChangeError, RescheduleBookingError};
use booking_ports::metrics::{
    BOOKINGS_AUTO_COMPLETED, BOOKINGS_CANCELLED, BOOKINGS_CREATED, BOOKINGS_EXPIRED,
    BOOKINGS_RESCHEDULED,
};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

use crate::common::{customer, form, moscow, salon};

/// Every counter by name and labels (`key=value` pairs, sorted).
fn counters(snapshotter: &Snapshotter) -> BTreeMap<(String, Vec<String>), u64> {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter_map(|(key, _, _, value)| match value {
            DebugValue::Counter(n) => {
                let key = key.key();
                let mut labels: Vec<String> = key
                    .labels()
                    .map(|l| format!("{}={}", l.key(), l.value()))
                    .collect();
                labels.sort();
                Some(((key.name().to_owned(), labels), n))
            }
            _ => None,
        })
        .collect()
}

fn series(name: &str, labels: &[&str]) -> (String, Vec<String>) {
    (
        name.to_owned(),
        labels.iter().map(|l| (*l).to_owned()).collect(),
    )
}

fn service(id: ServiceId) -> String {
    format!("service={}", id.get())
}

#[tokio::test]
async fn bookings_are_counted_by_service_and_by_whom_once_committed() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _recording = metrics::set_default_local_recorder(&recorder);
    let s = salon(false).await;
    let haircut = service(s.haircut);
    let colour = service(s.colour);

    // Created: two haircuts and a colour.
    let first = s.book_haircut(customer(1), moscow(2, 11, 0)).await;
    let second = s.book_haircut(customer(2), moscow(2, 13, 0)).await;
    let third = s
        .engine
        .book(
            customer(3),
            form(s.colour, StaffChoice::Only(s.anna), moscow(3, 10, 0)),
        )
        .await
        .unwrap()
        .booking;
    // Cancelled by the customer, by staff, and by the system when a
    // customer asks to be forgotten.
    s.engine
        .cancel_my_booking(customer(1), first.id(), first.version())
        .await
        .unwrap();
    s.engine
        .cancel_booking(&s.staff, third.id(), third.version(), None)
        .await
        .unwrap();
    let moved = s
        .engine
        .reschedule_my_booking(
            customer(2),
            second.id(),
            second.version(),
            StaffChoice::Only(s.boris),
            moscow(3, 16, 0),
        )
        .await
        .unwrap()
        .new
        .booking;
    s.engine
        .reschedule_booking(
            &s.staff,
            moved.id(),
            moved.version(),
            StaffChoice::Only(s.boris),
            moscow(3, 17, 0),
        )
        .await
        .unwrap();
    s.engine.forget_me(customer(2)).await.unwrap();

    assert_eq!(
        counters(&snapshotter),
        BTreeMap::from([
            (series(BOOKINGS_CREATED, &[&haircut]), 2),
            (series(BOOKINGS_CREATED, &[&colour]), 1),
            (series(BOOKINGS_CANCELLED, &["by=customer", &haircut]), 1),
            (series(BOOKINGS_CANCELLED, &["by=staff", &colour]), 1),
            (series(BOOKINGS_CANCELLED, &["by=system", &haircut]), 1),
            (series(BOOKINGS_RESCHEDULED, &["by=customer", &haircut]), 1),
            (series(BOOKINGS_RESCHEDULED, &["by=staff", &haircut]), 1),
        ])
    );
}

#[tokio::test]
async fn refused_bookings_and_changes_count_nothing() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(2, 11, 0)).await;
    let other = s.book_haircut(customer(2), moscow(2, 13, 0)).await;
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _recording = metrics::set_default_local_recorder(&recorder);

    let taken = s
        .engine
        .book(
            customer(3),
            form(s.haircut, StaffChoice::Only(s.anna), moscow(2, 11, 0)),
        )
        .await;
    let stale_cancel = s
        .engine
        .cancel_my_booking(customer(1), booking.id(), booking.version().next())
        .await;
    let move_into_taken = s
        .engine
        .reschedule_my_booking(
            customer(1),
            booking.id(),
            booking.version(),
            StaffChoice::Only(s.anna),
            other.start(),
        )
        .await;
    s.advance(chrono::Duration::days(2) + chrono::Duration::hours(2));
    let past_cutoff = s
        .engine
        .cancel_my_booking(customer(1), booking.id(), booking.version())
        .await;

    assert!(
        matches!(taken, Err(BookError::SlotTaken { .. })),
        "{taken:?}"
    );
    assert!(matches!(
        stale_cancel,
        Err(BookingChangeError::VersionConflict { .. })
    ));
    assert!(
        matches!(
            move_into_taken,
            Err(RescheduleBookingError::SlotTaken { .. })
        ),
        "{move_into_taken:?}"
    );
    assert!(matches!(past_cutoff, Err(BookingChangeError::Refused(_))));
    assert_eq!(counters(&snapshotter), BTreeMap::new());
}

#[tokio::test]
async fn the_lifecycle_sweep_counts_expiries_and_completions() {
    use booking_ports::{EngineSettings, LifecycleSettings};
    let s = crate::common::salon_with(
        true,
        EngineSettings::default().with_lifecycle(LifecycleSettings::recommended()),
    )
    .await;
    let expiring = s.book_haircut(customer(1), moscow(3, 11, 0)).await;
    let visit = s.book_haircut(customer(2), moscow(0, 10, 0)).await;
    s.engine
        .confirm_booking(&s.staff, visit.id(), visit.version())
        .await
        .unwrap();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _recording = metrics::set_default_local_recorder(&recorder);

    s.advance(chrono::Duration::days(1));
    let sweep = s.engine.sweep_lifecycle().await.unwrap();

    assert_eq!((sweep.expired.len(), sweep.completed.len()), (1, 1));
    let haircut = service(s.haircut);
    assert_eq!(
        counters(&snapshotter),
        BTreeMap::from([
            (series(BOOKINGS_CANCELLED, &["by=system", &haircut]), 1),
            (series(BOOKINGS_EXPIRED, &[&haircut]), 1),
            (series(BOOKINGS_AUTO_COMPLETED, &[&haircut]), 1),
        ])
    );
    assert_eq!(sweep.expired, vec![expiring.id()]);
}
