//! Properties of the engine over random sequences of customer and staff
//! actions and clock steps, on the in-memory store:
//! - no two active bookings of one staff member ever overlap (buffers
//!   included);
//! - every pending reminder belongs to a confirmed booking, so a cancelled,
//!   moved, closed or unconfirmed booking is never reminded of;
//! - no use case ever fails with the unexpected `Store` error.

use booking_domain::{Booking, BookingStatus, StaffChoice};
use booking_ports::DeliveryState;
use booking_ports::engine::{BookError, BookingChangeError, ForgetError, RescheduleBookingError};
use chrono::Duration;
use proptest::prelude::*;

use crate::common::{Salon, all_bookings, customer, form, salon, start};

#[derive(Debug, Clone)]
enum Action {
    Book {
        who: i64,
        staff: u8,
        day: u64,
        slot: u32,
    },
    CancelAsCustomer {
        pick: usize,
    },
    CancelAsStaff {
        pick: usize,
    },
    Confirm {
        pick: usize,
    },
    Reschedule {
        pick: usize,
        day: u64,
        slot: u32,
        by_staff: bool,
    },
    Complete {
        pick: usize,
    },
    Forget {
        who: i64,
    },
    Advance {
        minutes: i64,
    },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0..4_i64, 0..3_u8, 0..4_u64, 0..20_u32)
            .prop_map(|(who, staff, day, slot)| Action::Book { who, staff, day, slot }),
        1 => any::<usize>().prop_map(|pick| Action::CancelAsCustomer { pick }),
        1 => any::<usize>().prop_map(|pick| Action::CancelAsStaff { pick }),
        2 => any::<usize>().prop_map(|pick| Action::Confirm { pick }),
        2 => (any::<usize>(), 0..4_u64, 0..20_u32, any::<bool>())
            .prop_map(|(pick, day, slot, by_staff)| Action::Reschedule { pick, day, slot, by_staff }),
        1 => any::<usize>().prop_map(|pick| Action::Complete { pick }),
        1 => (0..4_i64).prop_map(|who| Action::Forget { who }),
        1 => (0..600_i64).prop_map(|minutes| Action::Advance { minutes }),
    ]
}

async fn run(s: &Salon, action: Action) {
    let bookings = all_bookings(s).await;
    let pick = |i: usize| bookings.get(i % bookings.len().max(1)).cloned();
    match action {
        Action::Book {
            who,
            staff,
            day,
            slot,
        } => {
            let staff = match staff {
                0 => StaffChoice::Any,
                1 => StaffChoice::Only(s.anna),
                _ => StaffChoice::Only(s.boris),
            };
            let outcome = s
                .engine
                .book(customer(who), form(s.haircut, staff, start(day, slot)))
                .await;
            assert!(!matches!(outcome, Err(BookError::Store(_))), "{outcome:?}");
        }
        Action::CancelAsCustomer { pick: i } => {
            if let Some(b) = pick(i) {
                let who = b.customer().unwrap_or(customer(0));
                let outcome = s.engine.cancel_my_booking(who, b.id(), b.version()).await;
                assert!(
                    !matches!(outcome, Err(BookingChangeError::Store(_))),
                    "{outcome:?}"
                );
            }
        }
        Action::CancelAsStaff { pick: i } => {
            if let Some(b) = pick(i) {
                let outcome = s
                    .engine
                    .cancel_booking(&s.staff, b.id(), b.version(), None)
                    .await;
                assert!(
                    !matches!(outcome, Err(BookingChangeError::Store(_))),
                    "{outcome:?}"
                );
            }
        }
        Action::Confirm { pick: i } => {
            if let Some(b) = pick(i) {
                let outcome = s
                    .engine
                    .confirm_booking(&s.staff, b.id(), b.version())
                    .await;
                assert!(
                    !matches!(outcome, Err(BookingChangeError::Store(_))),
                    "{outcome:?}"
                );
            }
        }
        Action::Reschedule {
            pick: i,
            day,
            slot,
            by_staff,
        } => {
            if let Some(b) = pick(i) {
                let to = start(day, slot);
                let outcome = if by_staff {
                    s.engine
                        .reschedule_booking(&s.staff, b.id(), b.version(), StaffChoice::Any, to)
                        .await
                } else {
                    let who = b.customer().unwrap_or(customer(0));
                    s.engine
                        .reschedule_my_booking(who, b.id(), b.version(), StaffChoice::Any, to)
                        .await
                };
                assert!(
                    !matches!(outcome, Err(RescheduleBookingError::Store(_))),
                    "{outcome:?}"
                );
            }
        }
        Action::Complete { pick: i } => {
            if let Some(b) = pick(i) {
                let outcome = s
                    .engine
                    .complete_booking(&s.staff, b.id(), b.version())
                    .await;
                assert!(
                    !matches!(outcome, Err(BookingChangeError::Store(_))),
                    "{outcome:?}"
                );
            }
        }
        Action::Forget { who } => {
            let outcome = s.engine.forget_me(customer(who)).await;
            assert!(
                !matches!(outcome, Err(ForgetError::Store(_))),
                "{outcome:?}"
            );
        }
        Action::Advance { minutes } => s.advance(Duration::minutes(minutes)),
    }
}

async fn check_invariants(s: &Salon) {
    let bookings = all_bookings(s).await;
    let active: Vec<&Booking> = bookings.iter().filter(|b| b.is_active()).collect();
    for (i, a) in active.iter().enumerate() {
        for b in &active[i + 1..] {
            assert!(
                a.staff() != b.staff() || !a.occupied().overlaps(&b.occupied()),
                "overlapping active bookings: {a:?} and {b:?}"
            );
        }
    }
    for booking in &bookings {
        for notice in s.notices(booking.id()).await {
            if notice.kind.is_reminder() && notice.state == DeliveryState::Pending {
                assert_eq!(
                    booking.status(),
                    &BookingStatus::Confirmed,
                    "a pending reminder of a booking that is not confirmed: {notice:?}"
                );
                assert!(notice.due_at < booking.start());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_use_keeps_the_calendar_and_the_reminders_consistent(
        actions in proptest::collection::vec(action(), 1..40)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let s = salon(false).await;
            for action in actions {
                run(&s, action).await;
                check_invariants(&s).await;
            }
        });
    }

    #[test]
    fn random_use_with_confirmation_keeps_the_same_invariants(
        actions in proptest::collection::vec(action(), 1..40)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let s = salon(true).await;
            for action in actions {
                run(&s, action).await;
                check_invariants(&s).await;
            }
        });
    }
}
