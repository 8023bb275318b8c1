//! The lifecycle sweep: unconfirmed requests expire at their deadline with a
//! notice, their staff member is reminded first unless they confirmed, a
//! pending visit that started waits for staff, confirmed visits complete
//! after their end, and a staff member acting at the sweep's moment wins or
//! loses cleanly.

use std::sync::Arc;

use booking_domain::{
    Booking, BookingId, BookingStatus, CancelledBy, NewBooking, NewBookingParts, StaffChoice,
    StaffId, TransitionError,
};
use booking_ports::contract::sender::RecordingSender;
use booking_ports::engine::BookingChangeError;
use booking_ports::ports::bookings::MockBookingStore;
use booking_ports::ports::catalog::MockCatalogStore;
use booking_ports::ports::customers::MockCustomerStore;
use booking_ports::{
    Clock, DispatchSettings, Dispatcher, Engine, EngineSettings, LifecycleSettings, ManualClock,
    NoticeKind, Recipient, UpdateBookingError, WithdrawReason,
};
use chrono::Duration;

use crate::common::{Salon, customer, minutes, moscow, policy, salon_with};

/// A salon where pending bookings expire after 24 hours (staff reminded 2
/// hours before) and visits complete 2 hours after their end.
async fn salon(requires_confirmation: bool) -> Salon {
    salon_with(
        requires_confirmation,
        EngineSettings::default().with_lifecycle(LifecycleSettings::recommended()),
    )
    .await
}

async fn stored(s: &Salon, id: BookingId) -> Booking {
    use booking_ports::BookingStore;
    s.store.booking(id).await.unwrap().unwrap()
}

fn dispatcher(s: &Salon) -> (Dispatcher<RecordingSender>, RecordingSender) {
    let sender = RecordingSender::new(s.clock.clone());
    let dispatcher = Dispatcher::on_store(
        s.store.clone(),
        sender.clone(),
        s.clock.clone(),
        DispatchSettings::default(),
    );
    (dispatcher, sender)
}

/// The kinds and recipients `sender` delivered since the last call.
fn delivered(sender: &RecordingSender) -> Vec<(NoticeKind, Recipient)> {
    let mut got: Vec<_> = sender
        .take()
        .into_iter()
        .map(|d| {
            (
                d.message.notification.kind,
                d.message.notification.recipient,
            )
        })
        .collect();
    got.sort_by_key(|(kind, recipient)| format!("{recipient:?} {kind:?}"));
    got
}

fn reminder_to_confirm() -> NoticeKind {
    NoticeKind::ConfirmationReminder {
        before: minutes(120),
    }
}

#[tokio::test]
async fn an_unconfirmed_request_is_reminded_then_expires_with_a_notice_to_the_customer() {
    let s = salon(true).await;
    let (mut dispatcher, sender) = dispatcher(&s);
    let made = s.clock.now();
    let pending = s.book_haircut(customer(1), moscow(3, 11, 0)).await;
    assert_eq!(pending.status(), &BookingStatus::Pending);
    dispatcher.dispatch_due().await.unwrap();
    sender.take(); // The "new booking" notice to staff.

    // Two hours before the deadline, staff are reminded.
    s.clock.set(made + Duration::hours(22));
    dispatcher.dispatch_due().await.unwrap();
    assert_eq!(
        delivered(&sender),
        vec![(reminder_to_confirm(), Recipient::Staff(s.anna))]
    );

    // A minute before the deadline nothing expires.
    s.clock
        .set(made + Duration::hours(24) - Duration::minutes(1));
    let early = s.engine.sweep_lifecycle().await.unwrap();
    assert!(early.expired.is_empty(), "{early:?}");

    // At the deadline the system cancels it.
    s.clock.set(made + Duration::hours(24));
    let sweep = s.engine.sweep_lifecycle().await.unwrap();
    assert_eq!(sweep.expired, vec![pending.id()]);
    let stored = stored(&s, pending.id()).await;
    match stored.status() {
        BookingStatus::Cancelled(c) => {
            assert_eq!(c.by, CancelledBy::System);
            assert_eq!(c.at, s.clock.now());
        }
        other => panic!("expected cancelled, got {other:?}"),
    }
    dispatcher.dispatch_due().await.unwrap();
    assert_eq!(
        delivered(&sender),
        vec![
            (NoticeKind::Expired, Recipient::Customer(customer(1))),
            (NoticeKind::Expired, Recipient::Staff(s.anna)),
        ]
    );

    let again = s.engine.sweep_lifecycle().await.unwrap();
    assert!(again.expired.is_empty() && again.skipped.is_empty());
}

#[tokio::test]
async fn a_request_confirmed_before_its_deadline_stays_and_staff_are_not_reminded() {
    let s = salon(true).await;
    let (mut dispatcher, sender) = dispatcher(&s);
    let made = s.clock.now();
    let pending = s.book_haircut(customer(1), moscow(3, 11, 0)).await;
    s.advance(Duration::hours(1));
    s.engine
        .confirm_booking(&s.staff, pending.id(), pending.version())
        .await
        .unwrap();
    dispatcher.dispatch_due().await.unwrap();
    sender.take();

    s.clock.set(made + Duration::hours(22));
    let report = dispatcher.dispatch_due().await.unwrap();
    assert!(
        delivered(&sender)
            .iter()
            .all(|(kind, _)| *kind != reminder_to_confirm()),
        "no reminder to confirm a confirmed booking"
    );
    assert!(
        report.withdrawn.iter().any(|(_, reason)| *reason
            == WithdrawReason::NoLongerPending {
                status: "confirmed"
            }),
        "{report:?}"
    );

    s.clock.set(made + Duration::hours(25));
    let sweep = s.engine.sweep_lifecycle().await.unwrap();
    assert!(sweep.expired.is_empty(), "{sweep:?}");
    assert_eq!(
        stored(&s, pending.id()).await.status(),
        &BookingStatus::Confirmed
    );
}

#[tokio::test]
async fn a_pending_visit_that_started_is_left_for_staff_to_complete() {
    let s = salon(true).await;
    // Made two hours ahead: the 24-hour deadline falls after the start.
    let pending = s.book_haircut(customer(1), moscow(0, 10, 0)).await;
    let kinds: Vec<_> = s
        .notices(pending.id())
        .await
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![NoticeKind::NewBooking {
            awaiting_confirmation: true
        }],
        "no reminder to confirm a request that never expires"
    );

    s.clock.set(moscow(1, 9, 0));
    let sweep = s.engine.sweep_lifecycle().await.unwrap();
    assert!(
        sweep.expired.is_empty() && sweep.completed.is_empty(),
        "{sweep:?}"
    );
    assert_eq!(
        stored(&s, pending.id()).await.status(),
        &BookingStatus::Pending
    );

    let done = s
        .engine
        .complete_booking(&s.staff, pending.id(), pending.version())
        .await
        .unwrap();
    assert_eq!(done.booking.status(), &BookingStatus::Completed);
}

#[tokio::test]
async fn a_pending_visit_ahead_cannot_be_completed_by_staff() {
    let s = salon(true).await;
    let pending = s.book_haircut(customer(1), moscow(0, 10, 0)).await;
    let early = s
        .engine
        .mark_no_show(&s.staff, pending.id(), pending.version())
        .await;
    assert!(matches!(
        early,
        Err(BookingChangeError::Refused(
            TransitionError::NotStartedYet { .. }
        ))
    ));
}

#[tokio::test]
async fn a_confirmed_visit_completes_after_its_end_and_a_no_show_stays_one() {
    let s = salon(false).await;
    let visit = s.book_haircut(customer(1), moscow(0, 10, 0)).await;
    let absent = s.book_haircut(customer(2), moscow(0, 12, 0)).await;

    // The 10:00 visit ends at 11:00; two hours later it is completed.
    s.clock.set(moscow(0, 12, 30));
    s.engine
        .mark_no_show(&s.staff, absent.id(), absent.version())
        .await
        .unwrap();
    s.clock.set(moscow(0, 12, 59));
    let early = s.engine.sweep_lifecycle().await.unwrap();
    assert!(early.completed.is_empty(), "{early:?}");

    s.clock.set(moscow(0, 13, 0));
    let sweep = s.engine.sweep_lifecycle().await.unwrap();
    assert_eq!(sweep.completed, vec![visit.id()]);
    assert_eq!(
        stored(&s, visit.id()).await.status(),
        &BookingStatus::Completed
    );

    s.clock.set(moscow(1, 9, 0));
    let later = s.engine.sweep_lifecycle().await.unwrap();
    assert!(later.completed.is_empty(), "{later:?}");
    assert_eq!(
        stored(&s, absent.id()).await.status(),
        &BookingStatus::NoShow
    );
}

#[tokio::test]
async fn rules_that_are_off_change_nothing() {
    let s = salon_with(
        true,
        EngineSettings::default().with_lifecycle(LifecycleSettings::OFF),
    )
    .await;
    let pending = s.book_haircut(customer(1), moscow(3, 11, 0)).await;
    s.clock.set(moscow(5, 9, 0));
    let sweep = s.engine.sweep_lifecycle().await.unwrap();
    assert_eq!(
        (sweep.expired.len(), sweep.completed.len()),
        (0, 0),
        "{sweep:?}"
    );
    assert_eq!(
        stored(&s, pending.id()).await.status(),
        &BookingStatus::Pending
    );
}

#[tokio::test]
async fn staff_confirming_a_moment_too_late_are_told_it_expired() {
    let s = salon(true).await;
    let pending = s.book_haircut(customer(1), moscow(3, 11, 0)).await;
    s.advance(Duration::hours(24));
    s.engine.sweep_lifecycle().await.unwrap();

    let late = s
        .engine
        .confirm_booking(&s.staff, pending.id(), pending.version())
        .await;
    match late {
        Err(BookingChangeError::VersionConflict { current }) => {
            assert!(matches!(current.status(), BookingStatus::Cancelled(_)));
        }
        other => panic!("expected a version conflict, got {other:?}"),
    }
    let kinds: Vec<_> = s
        .notices(pending.id())
        .await
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert!(!kinds.contains(&NoticeKind::Confirmed), "{kinds:?}");
}

/// A pending booking of Anna at `start`, made two days earlier, as a store
/// returns it.
fn stored_pending(id: i64, start: chrono::DateTime<chrono::Utc>) -> Booking {
    Booking::created(
        BookingId::new(id).unwrap(),
        NewBooking::new(NewBookingParts {
            customer: customer(1),
            service: booking_domain::ServiceId::new(1).unwrap(),
            staff: StaffId::new(1).unwrap(),
            start,
            end: start + Duration::hours(1),
            buffer_before: booking_domain::Minutes::ZERO,
            buffer_after: booking_domain::Minutes::ZERO,
            comment: None,
            status: BookingStatus::Pending,
            created_at: moscow(0, 8, 0) - Duration::days(2),
            rescheduled_from: None,
            booked_for: None,
            price: None,
            created_by: booking_domain::Actor::Customer,
        })
        .unwrap(),
    )
}

#[tokio::test]
async fn a_confirmation_landing_between_the_sweeps_read_and_write_wins() {
    // The store hands the sweep a pending booking, then refuses its write
    // because staff confirmed it in between.
    let pending = stored_pending(7, moscow(3, 11, 0));
    let confirmed = pending
        .confirm(booking_domain::Actor::System, moscow(3, 9, 0))
        .unwrap();
    let mut bookings = MockBookingStore::new();
    let read = pending.clone();
    bookings
        .expect_pending_bookings_created_by()
        .times(1)
        .returning(move |_, _, _| Ok(vec![read.clone()]));
    bookings
        .expect_confirmed_bookings_ended_by()
        .returning(|_, _| Ok(Vec::new()));
    bookings
        .expect_update_booking()
        .times(1)
        .returning(move |_, _, _| {
            Err(UpdateBookingError::VersionConflict {
                current: Box::new(confirmed.clone()),
            })
        });
    let engine = Engine::new(
        Arc::new(MockCatalogStore::new()),
        Arc::new(bookings),
        Arc::new(MockCustomerStore::new()),
        Arc::new(ManualClock::new(moscow(0, 8, 0))),
        policy(true),
        EngineSettings::default().with_lifecycle(LifecycleSettings::recommended()),
    );

    let sweep = engine.sweep_lifecycle().await.unwrap();

    assert_eq!(sweep.skipped, vec![pending.id()]);
    assert!(sweep.expired.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_and_a_confirmation_at_the_same_moment_never_both_win() {
    for round in 0..20 {
        let s = Arc::new(salon(true).await);
        let pending = s
            .engine
            .book(
                customer(1),
                crate::common::form(s.haircut, StaffChoice::Only(s.anna), moscow(3, 11, 0)),
            )
            .await
            .unwrap()
            .booking;
        s.advance(Duration::hours(24));

        let sweeping = {
            let s = Arc::clone(&s);
            tokio::spawn(async move { s.engine.sweep_lifecycle().await })
        };
        let confirming = {
            let s = Arc::clone(&s);
            let (id, version) = (pending.id(), pending.version());
            tokio::spawn(async move { s.engine.confirm_booking(&s.staff, id, version).await })
        };
        let sweep = sweeping.await.unwrap().unwrap();
        let confirm = confirming.await.unwrap();

        let status = stored(&s, pending.id()).await.status().clone();
        let kinds: Vec<_> = s
            .notices(pending.id())
            .await
            .into_iter()
            .map(|n| n.kind)
            .collect();
        match confirm {
            Ok(_) => {
                assert_eq!(status, BookingStatus::Confirmed, "round {round}");
                // Skipped, or not even read as pending any more.
                assert!(sweep.expired.is_empty(), "round {round}");
                assert!(!kinds.contains(&NoticeKind::Expired), "round {round}");
            }
            Err(BookingChangeError::VersionConflict { .. }) => {
                assert!(
                    matches!(status, BookingStatus::Cancelled(_)),
                    "round {round}"
                );
                assert_eq!(sweep.expired, vec![pending.id()], "round {round}");
                assert!(!kinds.contains(&NoticeKind::Confirmed), "round {round}");
            }
            Err(other) => panic!("round {round}: {other:?}"),
        }
    }
}
