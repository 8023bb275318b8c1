//! The booking port (`BookingStore`) under concurrency: 50 tasks racing for one
//! slot, one limit or one version, released together by a barrier, so the
//! store's atomicity is tested for real (the macro runs them on 4 threads).

use std::sync::Arc;

use chrono::Duration;
use tokio::sync::Barrier;

use super::ContractStore;
use super::world::*;
use crate::ports::bookings::{
    ActiveBookingLimit, CreateBookingError, RescheduleError, UpdateBookingError,
};
use crate::ports::outbox::{NoticeKind, OutboxChange};

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __races_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; races;
            racing_overlapping_creates_leave_exactly_one_booking,
            racing_creates_respect_the_active_booking_limit,
            racing_updates_of_one_version_let_exactly_one_win,
            racing_creates_and_reschedules_into_one_slot_let_one_win,
        );
    };
}

const RACERS: usize = 50;

/// 50 tasks race for overlapping intervals of one staff member: exactly one
/// booking exists afterwards and every loser got `SlotTaken`.
pub async fn racing_overlapping_creates_leave_exactly_one_booking<S: ContractStore>(store: S) {
    let w = Arc::new(world(store, RACERS as i64).await);
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for i in 0..RACERS {
        let (w, barrier) = (Arc::clone(&w), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            // Starts spread over 49 minutes, each an hour long: all overlap.
            let new = w.visit(
                customer(i as i64),
                w.anna,
                at(10, 0) + Duration::minutes(i as i64),
                60,
                (0, 0),
            );
            barrier.wait().await;
            w.store
                .create_booking(
                    new,
                    no_limit(),
                    vec![reminder(customer(i as i64), 60, at(10, 0))],
                )
                .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(CreateBookingError::SlotTaken { .. }) => {}
            Err(other) => panic!("a lost race MUST be SlotTaken, not {other:?}"),
        }
    }
    assert_eq!(won, 1, "exactly one racer MUST win");
    let active = w.active_of(w.anna).await;
    assert_eq!(active.len(), 1, "exactly one booking MUST exist");
    let due = w.store.due_notifications(at(23, 0), 1_000).await.unwrap();
    assert_eq!(due.len(), 1, "only the winner's notice MUST be stored");
    assert_eq!(due[0].booking, active[0].id());
}

/// 50 tasks of one customer race for free, separate slots under a limit of
/// 3: exactly 3 bookings exist afterwards.
pub async fn racing_creates_respect_the_active_booking_limit<S: ContractStore>(store: S) {
    let w = Arc::new(world(store, 1).await);
    let barrier = Arc::new(Barrier::new(RACERS));
    let limit = ActiveBookingLimit {
        max: 3,
        now: long_before(),
    };
    let mut tasks = Vec::new();
    for i in 0..RACERS {
        let (w, barrier) = (Arc::clone(&w), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            let staff = if i % 2 == 0 { w.anna } else { w.boris };
            let new = w.visit(
                customer(0),
                staff,
                at(0, 0) + Duration::hours(i as i64),
                30,
                (0, 0),
            );
            barrier.wait().await;
            w.store.create_booking(new, limit, Vec::new()).await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(CreateBookingError::TooManyActiveBookings { limit: 3 }) => {}
            Err(other) => panic!("a refused racer MUST get TooManyActiveBookings, not {other:?}"),
        }
    }
    assert_eq!(won, 3, "the limit MUST hold under concurrency");
    assert_eq!(
        w.store
            .upcoming_bookings_of_customer(customer(0), long_before())
            .await
            .unwrap()
            .len(),
        3
    );
}

/// 50 tasks update one booking from the same version: exactly one wins, the
/// others get `VersionConflict`, and the version went up by exactly one.
pub async fn racing_updates_of_one_version_let_exactly_one_win<S: ContractStore>(store: S) {
    let w = Arc::new(world(store, 1).await);
    let booking = w
        .create(w.visit(customer(0), w.anna, at(10, 0), 60, (0, 0)))
        .await;
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for i in 0..RACERS {
        let (w, barrier, booking) = (Arc::clone(&w), Arc::clone(&barrier), booking.clone());
        tasks.push(tokio::spawn(async move {
            let change = if i % 2 == 0 {
                cancelled(&booking)
            } else {
                booking.confirm_attendance(long_before()).unwrap()
            };
            barrier.wait().await;
            w.store
                .update_booking(
                    booking.version(),
                    change,
                    OutboxChange {
                        add: vec![staff_notice(w.anna, NoticeKind::Cancelled, at(9, 0))],
                        withdraw_pending_reminders: false,
                    },
                )
                .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(UpdateBookingError::VersionConflict { .. }) => {}
            Err(other) => panic!("a stale racer MUST get VersionConflict, not {other:?}"),
        }
    }
    assert_eq!(won, 1, "exactly one update of a version MUST win");
    let stored = w.store.booking(booking.id()).await.unwrap().unwrap();
    assert_eq!(stored.version(), booking.version().next());
    assert_eq!(
        w.store
            .notifications_of_booking(booking.id())
            .await
            .unwrap()
            .len(),
        1,
        "only the winner's outbox change MUST be stored"
    );
}

/// Creations and reschedules race for one slot: exactly one wins and every
/// moved booking that lost is untouched.
pub async fn racing_creates_and_reschedules_into_one_slot_let_one_win<S: ContractStore>(store: S) {
    let w = Arc::new(world(store, RACERS as i64).await);
    let mut originals = Vec::new();
    for i in 0..RACERS / 2 {
        // Each mover starts from its own free slot on another day.
        let start = at(9, 0) + Duration::days(1) + Duration::minutes(45 * i as i64);
        originals.push(
            w.create(w.visit(customer(i as i64), w.boris, start, 30, (0, 0)))
                .await,
        );
    }
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for i in 0..RACERS {
        let (w, barrier) = (Arc::clone(&w), Arc::clone(&barrier));
        let original = originals.get(i).cloned();
        tasks.push(tokio::spawn(async move {
            let who = customer(i as i64);
            let new = w.visit(
                who,
                w.anna,
                at(10, 0) + Duration::minutes(i as i64 % 20),
                30,
                (0, 0),
            );
            barrier.wait().await;
            match original {
                Some(old) => w
                    .store
                    .reschedule_booking(old, new, OutboxChange::none())
                    .await
                    .map(|_| ())
                    .map_err(|e| matches!(e, RescheduleError::SlotTaken { .. })),
                None => w
                    .store
                    .create_booking(new, no_limit(), Vec::new())
                    .await
                    .map(|_| ())
                    .map_err(|e| matches!(e, CreateBookingError::SlotTaken { .. })),
            }
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => won += 1,
            Err(true) => {}
            Err(false) => panic!("a lost race MUST be SlotTaken"),
        }
    }
    assert_eq!(won, 1, "exactly one racer MUST get the slot");
    assert_eq!(w.active_of(w.anna).await.len(), 1);
    let moved_away = RACERS / 2 - w.active_of(w.boris).await.len();
    assert!(
        moved_away <= 1,
        "only a winning reschedule MUST close its old booking"
    );
}
