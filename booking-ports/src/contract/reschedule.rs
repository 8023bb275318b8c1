//! The booking port (`BookingStore`), moving a booking: the new booking, the
//! closed old one and the outbox change in one commit, or nothing.

use booking_domain::{
    Booking, BookingId, BookingParts, BookingStatus, NewBooking, NewBookingParts,
};

use super::ContractStore;
use super::world::*;
use crate::ports::bookings::{BookingScope, RescheduleError};
use crate::ports::outbox::{DeliveryState, NoticeKind, OutboxChange};

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __reschedule_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; reschedule;
            reschedule_moves_a_booking_atomically,
            reschedule_to_a_taken_time_changes_nothing,
            reschedule_ignores_the_old_booking_itself,
            reschedule_checks_the_version,
        );
    };
}

/// Reschedule: creates the new booking, closes the old one linked to it,
/// moves the outbox, all at once.
pub async fn reschedule_moves_a_booking_atomically<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let old = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)),
            no_limit(),
            vec![
                new_booking_notice(w.anna, at(8, 0)),
                reminder(customer(0), 120, at(10, 0)),
            ],
        )
        .await
        .unwrap();
    let replacement = NewBooking::new(NewBookingParts {
        staff: w.boris,
        start: at(14, 0),
        end: at(15, 0),
        rescheduled_from: Some(old.id()),
        ..w.visit(customer(0), w.anna, at(14, 0), 60, (0, 0))
            .into_parts_for_test()
    })
    .unwrap();

    let moved = w
        .store
        .reschedule_booking(
            old.clone(),
            replacement.clone(),
            OutboxChange {
                add: vec![
                    staff_notice(w.boris, NoticeKind::Rescheduled, at(9, 0)),
                    reminder(customer(0), 120, at(14, 0)),
                ],
                withdraw_pending_reminders: true,
            },
        )
        .await
        .unwrap();

    assert_eq!(moved.new, Booking::created(moved.new.id(), replacement));
    assert_eq!(moved.new.rescheduled_from(), Some(old.id()));
    assert_eq!(
        moved.old.status(),
        &BookingStatus::Rescheduled { to: moved.new.id() }
    );
    assert_eq!(
        moved.old.version(),
        old.version().next(),
        "the old booking's version MUST go up by one"
    );
    assert_eq!(
        w.store.booking(old.id()).await.unwrap(),
        Some(moved.old.clone())
    );
    assert_eq!(
        w.store.booking(moved.new.id()).await.unwrap(),
        Some(moved.new.clone())
    );

    let old_notes = w.store.notifications_of_booking(old.id()).await.unwrap();
    assert!(
        old_notes
            .iter()
            .all(|n| n.kind.is_reminder() == (n.state == DeliveryState::Withdrawn)),
        "the old booking's pending reminders MUST be withdrawn, nothing else: {old_notes:?}"
    );
    let new_notes = w
        .store
        .notifications_of_booking(moved.new.id())
        .await
        .unwrap();
    assert_eq!(
        new_notes.len(),
        2,
        "added notices MUST be linked to the new booking"
    );
    assert!(new_notes.iter().all(|n| n.state == DeliveryState::Pending));
    // The old time is free again.
    w.create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;
}

/// If the new time is taken, the old booking and the outbox stay as they were.
pub async fn reschedule_to_a_taken_time_changes_nothing<S: ContractStore>(store: S) {
    let w = world(store, 2).await;
    let old = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)),
            no_limit(),
            vec![reminder(customer(0), 120, at(10, 0))],
        )
        .await
        .unwrap();
    let blocker = w
        .create(w.visit(customer(1), w.boris, at(14, 0), 60, (0, 30)))
        .await;
    let before_old = w.store.notifications_of_booking(old.id()).await.unwrap();

    let outcome = w
        .store
        .reschedule_booking(
            old.clone(),
            w.visit(customer(0), w.boris, at(15, 15), 60, (0, 0)),
            OutboxChange {
                add: vec![reminder(customer(0), 120, at(15, 15))],
                withdraw_pending_reminders: true,
            },
        )
        .await;

    assert!(
        matches!(outcome, Err(RescheduleError::SlotTaken { start }) if start == at(15, 15)),
        "a taken time (buffers included) MUST be SlotTaken, got {outcome:?}"
    );
    assert_eq!(
        w.store.booking(old.id()).await.unwrap(),
        Some(old.clone()),
        "the old booking MUST stay untouched"
    );
    assert_eq!(
        w.store.notifications_of_booking(old.id()).await.unwrap(),
        before_old
    );
    let all = w
        .store
        .bookings_overlapping(
            interval(at(0, 0), at(23, 0)),
            None,
            BookingScope::AllStatuses,
        )
        .await
        .unwrap();
    assert_eq!(all, vec![old, blocker], "no replacement MUST be created");
}

/// The old booking does not block its own new time.
pub async fn reschedule_ignores_the_old_booking_itself<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let old = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (10, 10)))
        .await;
    let moved = w
        .store
        .reschedule_booking(
            old.clone(),
            w.visit(customer(0), w.anna, at(10, 30), 60, (10, 10)),
            OutboxChange::none(),
        )
        .await;
    assert!(
        moved.is_ok(),
        "a booking MUST NOT block its own move: {moved:?}"
    );
    assert_eq!(w.active_of(w.anna).await.len(), 1);
}

/// A stale old booking is refused with the current state; an unknown one is
/// `NotFound`.
pub async fn reschedule_checks_the_version<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let old = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;
    let seen = old.confirm_attendance(long_before()).unwrap();
    let current = w
        .store
        .update_booking(old.version(), seen, OutboxChange::none())
        .await
        .unwrap();

    let stale = w
        .store
        .reschedule_booking(
            old.clone(),
            w.visit(customer(0), w.anna, at(14, 0), 60, (0, 0)),
            OutboxChange::none(),
        )
        .await;
    match stale {
        Err(RescheduleError::VersionConflict { current: stored }) => assert_eq!(*stored, current),
        other => panic!("a stale reschedule MUST be a VersionConflict, got {other:?}"),
    }
    assert_eq!(w.active_of(w.anna).await, vec![current]);

    let ghost = Booking::from_parts(BookingParts {
        id: BookingId::new(9_999_999).unwrap(),
        ..old.into_parts()
    })
    .unwrap();
    assert!(matches!(
        w.store
            .reschedule_booking(
                ghost,
                w.visit(customer(0), w.anna, at(16, 0), 60, (0, 0)),
                OutboxChange::none()
            )
            .await,
        Err(RescheduleError::NotFound)
    ));
}
