//! The booking port (`BookingStore`), creating and updating: create-if-free
//! with buffers and the active-booking limit, all or nothing with its
//! notices, and the conditional update under optimistic locking.

use booking_domain::{Booking, BookingId, BookingParts, Version};
use chrono::Duration;

use super::ContractStore;
use super::world::*;
use crate::ports::bookings::{
    ActiveBookingLimit, BookingScope, CreateBookingError, UpdateBookingError,
};
use crate::ports::outbox::{DeliveryState, NewNotice, NoticeKind, OutboxChange, Recipient};

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __bookings_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; bookings;
            create_stores_a_free_booking_at_version_one_with_its_notices,
            create_refuses_an_overlap_buffers_included,
            inactive_bookings_do_not_block_a_slot,
            create_enforces_the_active_booking_limit,
            failed_create_leaves_no_booking_and_no_notice,
            update_checks_the_version_and_bumps_it_by_one,
            update_commits_its_outbox_change_with_it,
            stale_update_changes_nothing_in_the_outbox,
        );
    };
}

/// A free booking is stored as `Booking::created(id, new)` with its notices
/// linked, pending and due.
pub async fn create_stores_a_free_booking_at_version_one_with_its_notices<S: ContractStore>(
    store: S,
) {
    let w = world(store, 1).await;
    let new = w.visit(customer(0), w.anna, at(10, 0), 60, (5, 10));
    let notices = vec![
        new_booking_notice(w.anna, long_before()),
        reminder(customer(0), 120, at(10, 0)),
    ];

    let booking = w
        .store
        .create_booking(new.clone(), no_limit(), notices.clone())
        .await
        .unwrap();

    assert_eq!(
        booking,
        Booking::created(booking.id(), new),
        "MUST return Booking::created"
    );
    assert_eq!(booking.version(), Version::FIRST);
    assert_eq!(
        w.store.booking(booking.id()).await.unwrap(),
        Some(booking.clone())
    );
    let stored = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap();
    assert_eq!(
        stored.len(),
        2,
        "every notice MUST be stored with the booking"
    );
    for (notification, notice) in stored.iter().zip(&notices) {
        assert_eq!(
            notification.booking,
            booking.id(),
            "notices MUST be linked to the new booking"
        );
        assert_eq!(notification.recipient, notice.recipient);
        assert_eq!(notification.kind, notice.kind);
        assert_eq!(notification.due_at, notice.due_at);
        assert_eq!(notification.state, DeliveryState::Pending);
        assert_eq!(notification.attempts, 0);
        assert_eq!(notification.next_attempt_at, notice.due_at);
    }
    let second = w
        .create(w.visit(customer(0), w.anna, at(12, 0), 60, (0, 0)))
        .await;
    assert_ne!(second.id(), booking.id(), "ids MUST be fresh");
}

/// Free means no overlap of occupied intervals (buffers included) with an
/// active booking of the same staff member; touching is free.
pub async fn create_refuses_an_overlap_buffers_included<S: ContractStore>(store: S) {
    let w = world(store, 3).await;
    // Occupies 09:50-11:15.
    w.create(w.visit(customer(0), w.anna, at(10, 0), 60, (10, 15)))
        .await;

    for (start, length, buffers, why) in [
        (at(10, 30), 30, (0, 0), "visit inside visit"),
        (
            at(9, 0),
            60,
            (0, 0),
            "visit reaching into the buffer before",
        ),
        (at(11, 5), 30, (0, 0), "visit starting in the buffer after"),
        (
            at(11, 30),
            30,
            (20, 0),
            "buffer before reaching into the buffer after",
        ),
        (at(8, 0), 60, (0, 120), "buffer after covering everything"),
    ] {
        let outcome = w
            .store
            .create_booking(
                w.visit(customer(1), w.anna, start, length, buffers),
                no_limit(),
                vec![],
            )
            .await;
        assert!(
            matches!(outcome, Err(CreateBookingError::SlotTaken { start: s }) if s == start),
            "{why}: MUST be SlotTaken with the asked start, got {outcome:?}"
        );
    }
    // Touching is free: 11:15 is where the occupied time ends.
    w.create(w.visit(customer(1), w.anna, at(11, 15), 30, (0, 0)))
        .await;
    // Touching from before: occupied 09:00-09:50.
    w.create(w.visit(customer(1), w.anna, at(9, 0), 50, (0, 0)))
        .await;
    // Another staff member is free at the same time.
    w.create(w.visit(customer(2), w.boris, at(10, 0), 60, (10, 15)))
        .await;
    assert_eq!(w.active_of(w.anna).await.len(), 3);
}

/// Cancelled (and other inactive) bookings do not hold their slot.
pub async fn inactive_bookings_do_not_block_a_slot<S: ContractStore>(store: S) {
    let w = world(store, 2).await;
    let first = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;
    w.cancel(&first).await;
    let again = w
        .store
        .create_booking(
            w.visit(customer(1), w.anna, at(10, 0), 60, (0, 0)),
            no_limit(),
            vec![],
        )
        .await;
    assert!(
        again.is_ok(),
        "a cancelled booking MUST NOT block its slot: {again:?}"
    );
}

/// Fewer than `max` upcoming active bookings (ending after `now`) before a
/// creation.
pub async fn create_enforces_the_active_booking_limit<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let now = at(12, 0);
    let limit = ActiveBookingLimit { max: 2, now };
    // Ended before now: does not count.
    w.create(w.visit(customer(0), w.anna, at(9, 0), 60, (0, 0)))
        .await;
    let first = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, at(13, 0), 60, (0, 0)),
            limit,
            vec![],
        )
        .await
        .unwrap();
    w.store
        .create_booking(
            w.visit(customer(0), w.anna, at(15, 0), 60, (0, 0)),
            limit,
            vec![],
        )
        .await
        .unwrap();

    let third = w
        .store
        .create_booking(
            w.visit(customer(0), w.boris, at(16, 0), 60, (0, 0)),
            limit,
            vec![],
        )
        .await;
    assert!(
        matches!(
            third,
            Err(CreateBookingError::TooManyActiveBookings { limit: 2 })
        ),
        "the limit MUST hold, got {third:?}"
    );

    w.cancel(&first).await;
    let after_cancel = w
        .store
        .create_booking(
            w.visit(customer(0), w.boris, at(16, 0), 60, (0, 0)),
            limit,
            vec![],
        )
        .await;
    assert!(
        after_cancel.is_ok(),
        "cancelled bookings MUST NOT count: {after_cancel:?}"
    );
}

/// On any error nothing is stored: no booking, no notice.
pub async fn failed_create_leaves_no_booking_and_no_notice<S: ContractStore>(store: S) {
    let w = world(store, 2).await;
    let taken = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;
    let notices = vec![
        staff_notice(
            w.anna,
            NoticeKind::NewBooking {
                awaiting_confirmation: true,
            },
            at(0, 0),
        ),
        reminder(customer(1), 60, at(10, 0)),
    ];
    let before = w.store.due_notifications(at(23, 0), 1_000).await.unwrap();

    let refused = w
        .store
        .create_booking(
            w.visit(customer(1), w.anna, at(10, 30), 60, (0, 0)),
            no_limit(),
            notices.clone(),
        )
        .await;
    let over_limit = w
        .store
        .create_booking(
            w.visit(customer(0), w.boris, at(14, 0), 60, (0, 0)),
            ActiveBookingLimit {
                max: 1,
                now: long_before(),
            },
            notices,
        )
        .await;

    assert!(matches!(refused, Err(CreateBookingError::SlotTaken { .. })));
    assert!(matches!(
        over_limit,
        Err(CreateBookingError::TooManyActiveBookings { .. })
    ));
    let after = w.store.due_notifications(at(23, 0), 1_000).await.unwrap();
    assert_eq!(
        after, before,
        "a failed creation MUST leave no outbox message"
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
    assert_eq!(all, vec![taken], "a failed creation MUST leave no booking");
}

/// The conditional update: version compared atomically, bumped by exactly
/// one, `NotFound` for an unknown id.
pub async fn update_checks_the_version_and_bumps_it_by_one<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let booking = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;

    let confirmed_attendance = booking.confirm_attendance(long_before()).unwrap();
    let stored = w
        .store
        .update_booking(
            booking.version(),
            confirmed_attendance.clone(),
            OutboxChange::none(),
        )
        .await
        .unwrap();
    assert_eq!(stored, confirmed_attendance);
    assert_eq!(
        stored.version(),
        Version::FIRST.next(),
        "MUST bump the version by one"
    );
    assert_eq!(
        w.store.booking(booking.id()).await.unwrap(),
        Some(stored.clone())
    );

    let stale = w
        .store
        .update_booking(booking.version(), cancelled(&booking), OutboxChange::none())
        .await;
    match stale {
        Err(UpdateBookingError::VersionConflict { current }) => {
            assert_eq!(
                *current, stored,
                "the conflict MUST carry the stored booking"
            );
        }
        other => panic!("a stale update MUST be a VersionConflict, got {other:?}"),
    }
    assert_eq!(
        w.store.booking(booking.id()).await.unwrap(),
        Some(stored.clone()),
        "a stale update MUST change nothing"
    );

    let next = w
        .store
        .update_booking(stored.version(), cancelled(&stored), OutboxChange::none())
        .await
        .unwrap();
    assert_eq!(next.version().get(), 3);

    let ghost_parts = BookingParts {
        id: BookingId::new(9_999_999).unwrap(),
        ..booking.into_parts()
    };
    let ghost = Booking::from_parts(ghost_parts).unwrap();
    assert!(matches!(
        w.store
            .update_booking(Version::FIRST, cancelled(&ghost), OutboxChange::none())
            .await,
        Err(UpdateBookingError::NotFound)
    ));
}

/// Notices added and reminders withdrawn in the same commit as the change.
pub async fn update_commits_its_outbox_change_with_it<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(15, 0);
    let booking = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, start, 60, (0, 0)),
            no_limit(),
            vec![
                new_booking_notice(w.anna, at(8, 0)),
                reminder(customer(0), 1440, start),
                reminder(customer(0), 120, start),
                staff_notice(
                    w.anna,
                    NoticeKind::StaffReminder {
                        before: minutes(30),
                    },
                    start - Duration::minutes(30),
                ),
            ],
        )
        .await
        .unwrap();

    w.store
        .update_booking(
            booking.version(),
            cancelled(&booking),
            OutboxChange {
                add: vec![NewNotice {
                    recipient: Recipient::Customer(customer(0)),
                    kind: NoticeKind::Cancelled,
                    due_at: at(9, 0),
                }],
                withdraw_pending_reminders: true,
            },
        )
        .await
        .unwrap();

    let stored = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap();
    assert_eq!(stored.len(), 5);
    for n in &stored {
        let expected = if n.kind.is_reminder() {
            DeliveryState::Withdrawn
        } else {
            DeliveryState::Pending
        };
        assert_eq!(
            n.state, expected,
            "withdrawal MUST hit pending reminders and only them: {n:?}"
        );
    }
    assert!(
        stored
            .iter()
            .any(|n| n.kind == NoticeKind::Cancelled && n.booking == booking.id()),
        "added notices MUST be linked to the booking"
    );
    let due: Vec<_> = w
        .store
        .due_notifications(start, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert!(
        due.iter().all(|k| !k.is_reminder()),
        "withdrawn reminders MUST never be due: {due:?}"
    );
}

/// A refused update leaves the outbox as it was.
pub async fn stale_update_changes_nothing_in_the_outbox<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(15, 0);
    let booking = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, start, 60, (0, 0)),
            no_limit(),
            vec![reminder(customer(0), 120, start)],
        )
        .await
        .unwrap();
    w.cancel(&booking).await;
    let before = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap();

    let stale = w
        .store
        .update_booking(
            booking.version(),
            cancelled(&booking),
            OutboxChange {
                add: vec![NewNotice {
                    recipient: Recipient::Customer(customer(0)),
                    kind: NoticeKind::Cancelled,
                    due_at: at(9, 0),
                }],
                withdraw_pending_reminders: true,
            },
        )
        .await;

    assert!(matches!(
        stale,
        Err(UpdateBookingError::VersionConflict { .. })
    ));
    assert_eq!(
        w.store
            .notifications_of_booking(booking.id())
            .await
            .unwrap(),
        before,
        "a refused update MUST neither add notices nor withdraw reminders"
    );
}
