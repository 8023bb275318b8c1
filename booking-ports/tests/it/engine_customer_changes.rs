//! State-based tests of the customer's changes to their bookings on the
//! in-memory store: forged ids, cancelling, stale versions, moving,
//! attendance, erasure ("forget me") and races.

use booking_domain::{
    BookingId, BookingStatus, CancelledBy, StaffChoice, TransitionError, Version,
};
use booking_ports::engine::{
    BookError, BookingChangeError, FindBookingError, RescheduleBookingError,
};
use booking_ports::{BookingStore, CustomerStore, DeliveryState, NoticeKind, Recipient};
use chrono::Duration;

use crate::common::{customer, day, form, minutes, moscow, salon};

#[tokio::test]
async fn a_forged_booking_id_is_not_found_and_changes_nothing() {
    let s = salon(false).await;
    let victim = s.book_haircut(customer(1), moscow(1, 12, 0)).await;
    let attacker = customer(2);
    let missing = BookingId::new(9_999).unwrap();

    for id in [victim.id(), missing] {
        assert!(matches!(
            s.engine.my_booking(attacker, id).await,
            Err(FindBookingError::NotFound)
        ));
        assert!(matches!(
            s.engine
                .cancel_my_booking(attacker, id, Version::FIRST)
                .await,
            Err(BookingChangeError::NotFound)
        ));
        assert!(matches!(
            s.engine.confirm_attendance(attacker, id).await,
            Err(BookingChangeError::NotFound)
        ));
        assert!(matches!(
            s.engine
                .reschedule_my_booking(
                    attacker,
                    id,
                    Version::FIRST,
                    StaffChoice::Any,
                    moscow(2, 10, 0)
                )
                .await,
            Err(RescheduleBookingError::NotFound)
        ));
    }
    assert_eq!(s.store.booking(victim.id()).await.unwrap(), Some(victim));
}

#[tokio::test]
async fn cancelling_past_the_cutoff_is_refused_with_the_reason() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(0, 11, 0)).await;
    s.advance(Duration::minutes(90)); // 09:30: 90 minutes before, cutoff is 120.

    let refused = s
        .engine
        .cancel_my_booking(customer(1), booking.id(), booking.version())
        .await;

    match refused {
        Err(BookingChangeError::Refused(TransitionError::PastCutoff { cutoff, start })) => {
            assert_eq!(cutoff, minutes(120));
            assert_eq!(start, moscow(0, 11, 0));
        }
        other => panic!("expected PastCutoff, got {other:?}"),
    }
    assert!(
        s.store
            .booking(booking.id())
            .await
            .unwrap()
            .unwrap()
            .is_active()
    );
}

#[tokio::test]
async fn cancelling_tells_staff_and_withdraws_reminders_in_the_same_change() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(2, 11, 0)).await;

    let cancelled = s
        .engine
        .cancel_my_booking(customer(1), booking.id(), booking.version())
        .await
        .unwrap()
        .booking;

    assert!(
        matches!(cancelled.status(), BookingStatus::Cancelled(c) if c.by == CancelledBy::Customer)
    );
    assert_eq!(cancelled.version(), booking.version().next());
    let notices = s.notices(booking.id()).await;
    assert!(
        notices
            .iter()
            .filter(|n| n.kind.is_reminder())
            .all(|n| n.state == DeliveryState::Withdrawn)
    );
    assert!(
        notices
            .iter()
            .any(|n| n.kind == NoticeKind::Cancelled && n.recipient == Recipient::Staff(s.anna))
    );
    // The slot is free again.
    s.book_haircut(customer(2), moscow(2, 11, 0)).await;
}

#[tokio::test]
async fn a_stale_change_is_refused_with_the_current_state() {
    let s = salon(true).await;
    let booking = s
        .engine
        .book(
            customer(1),
            form(s.haircut, StaffChoice::Only(s.anna), moscow(2, 11, 0)),
        )
        .await
        .unwrap()
        .booking;
    let confirmed = s
        .engine
        .confirm_booking(&s.staff, booking.id(), booking.version())
        .await
        .unwrap()
        .booking;

    let stale = s
        .engine
        .cancel_my_booking(customer(1), booking.id(), booking.version())
        .await;

    match stale {
        Err(BookingChangeError::VersionConflict { current }) => assert_eq!(*current, confirmed),
        other => panic!("expected VersionConflict, got {other:?}"),
    }
    let stale_move = s
        .engine
        .reschedule_my_booking(
            customer(1),
            booking.id(),
            booking.version(),
            StaffChoice::Any,
            moscow(3, 10, 0),
        )
        .await;
    assert!(matches!(
        stale_move,
        Err(RescheduleBookingError::VersionConflict { .. })
    ));
    assert_eq!(
        s.store.booking(booking.id()).await.unwrap(),
        Some(confirmed)
    );
}

#[tokio::test]
async fn rescheduling_moves_the_booking_and_replans_reminders() {
    let s = salon(false).await;
    let old = s.book_haircut(customer(1), moscow(2, 11, 0)).await;

    let moved = s
        .engine
        .reschedule_my_booking(
            customer(1),
            old.id(),
            old.version(),
            StaffChoice::Only(s.boris),
            moscow(3, 16, 0),
        )
        .await
        .unwrap();

    assert_eq!(
        moved.old.status(),
        &BookingStatus::Rescheduled {
            to: moved.new.booking.id()
        }
    );
    let new = &moved.new.booking;
    assert_eq!((new.staff(), new.start()), (s.boris, moscow(3, 16, 0)));
    assert_eq!(moved.new.staff.as_ref().map(|m| m.id()), Some(s.boris));
    assert_eq!(
        moved.new.service.as_ref().map(|sv| sv.id()),
        Some(s.haircut)
    );
    assert_eq!(new.rescheduled_from(), Some(old.id()));
    assert_eq!(new.comment(), old.comment());
    assert!(
        s.notices(old.id())
            .await
            .iter()
            .filter(|n| n.kind.is_reminder())
            .all(|n| n.state == DeliveryState::Withdrawn)
    );
    let new_notices = s.notices(new.id()).await;
    let reminder_times: Vec<_> = new_notices
        .iter()
        .filter(|n| n.kind.is_reminder())
        .map(|n| n.due_at)
        .collect();
    assert_eq!(reminder_times, vec![moscow(2, 16, 0), moscow(3, 14, 0)]);
    let told: Vec<_> = new_notices
        .iter()
        .filter(|n| n.kind == NoticeKind::Rescheduled)
        .map(|n| n.recipient)
        .collect();
    assert_eq!(
        told,
        vec![Recipient::Staff(s.boris), Recipient::Staff(s.anna)],
        "both calendars hear of it"
    );
}

#[tokio::test]
async fn rescheduling_to_a_taken_time_leaves_the_old_booking_untouched() {
    let s = salon(false).await;
    let old = s.book_haircut(customer(1), moscow(2, 11, 0)).await;
    s.book_haircut(customer(2), moscow(2, 15, 0)).await;

    let refused = s
        .engine
        .reschedule_my_booking(
            customer(1),
            old.id(),
            old.version(),
            StaffChoice::Only(s.anna),
            moscow(2, 15, 30),
        )
        .await;

    assert!(matches!(
        refused,
        Err(RescheduleBookingError::SlotTaken { .. })
    ));
    assert_eq!(s.store.booking(old.id()).await.unwrap(), Some(old.clone()));
    assert!(
        s.notices(old.id())
            .await
            .iter()
            .all(|n| n.state == DeliveryState::Pending)
    );
}

#[tokio::test]
async fn rescheduling_past_the_cutoff_is_refused() {
    let s = salon(false).await;
    let old = s.book_haircut(customer(1), moscow(0, 12, 0)).await;
    s.advance(Duration::hours(2)); // 10:00: two hours before, cutoff is three.

    let refused = s
        .engine
        .reschedule_my_booking(
            customer(1),
            old.id(),
            old.version(),
            StaffChoice::Any,
            moscow(1, 12, 0),
        )
        .await;

    assert!(matches!(
        refused,
        Err(RescheduleBookingError::Refused(
            TransitionError::PastCutoff { .. }
        ))
    ));
}

#[tokio::test]
async fn a_customer_move_needs_confirmation_again_when_the_business_confirms() {
    let s = salon(true).await;
    let booking = s
        .engine
        .book(
            customer(1),
            form(s.haircut, StaffChoice::Only(s.anna), moscow(2, 11, 0)),
        )
        .await
        .unwrap()
        .booking;
    let confirmed = s
        .engine
        .confirm_booking(&s.staff, booking.id(), booking.version())
        .await
        .unwrap()
        .booking;

    let moved = s
        .engine
        .reschedule_my_booking(
            customer(1),
            confirmed.id(),
            confirmed.version(),
            StaffChoice::Any,
            moscow(3, 11, 0),
        )
        .await
        .unwrap();

    assert_eq!(moved.new.booking.status(), &BookingStatus::Pending);
    assert!(
        s.notices(moved.new.booking.id())
            .await
            .iter()
            .all(|n| !n.kind.is_reminder()),
        "a pending booking gets its reminders when confirmed"
    );
}

#[tokio::test]
async fn confirming_attendance_is_recorded_once() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(1, 12, 0)).await;
    let first = s
        .engine
        .confirm_attendance(customer(1), booking.id())
        .await
        .unwrap()
        .booking;
    s.advance(Duration::hours(1));
    let again = s
        .engine
        .confirm_attendance(customer(1), booking.id())
        .await
        .unwrap()
        .booking;

    assert_eq!(first.attendance_confirmed_at(), Some(moscow(0, 8, 0)));
    assert_eq!(again, first, "saying it twice changes nothing");
    s.clock.set(moscow(1, 12, 0));
    let late = s.engine.confirm_attendance(customer(1), booking.id()).await;
    assert!(matches!(
        late,
        Err(BookingChangeError::Refused(
            TransitionError::AlreadyStarted { .. }
        ))
    ));
}

#[tokio::test]
async fn forget_me_cancels_upcoming_bookings_and_anonymises_the_rest() {
    let s = salon(false).await;
    let past = s.book_haircut(customer(1), moscow(0, 9, 0)).await;
    let soon = s.book_haircut(customer(1), moscow(1, 10, 0)).await;
    s.clock.set(moscow(1, 9, 30)); // Past the cancellation cutoff of `soon`.

    let forgotten = s.engine.forget_me(customer(1)).await.unwrap();

    assert_eq!(
        forgotten.cancelled,
        vec![soon.id()],
        "past bookings stay as they are"
    );
    assert!(forgotten.erasure.profile_deleted);
    assert_eq!(forgotten.erasure.bookings_anonymised, 2);
    let data = s.engine.my_data(customer(1)).await.unwrap();
    assert!(data.profile.is_none() && data.bookings.is_empty());
    let soon_now = s.store.booking(soon.id()).await.unwrap().unwrap();
    assert!(
        matches!(soon_now.status(), BookingStatus::Cancelled(c) if c.by == CancelledBy::System)
    );
    assert_eq!(soon_now.customer(), None);
    assert!(
        s.store
            .booking(past.id())
            .await
            .unwrap()
            .unwrap()
            .customer()
            .is_none()
    );
    assert!(s.store.customer(customer(1)).await.unwrap().is_none());
    let notices = s.notices(soon.id()).await;
    assert!(
        notices
            .iter()
            .all(|n| matches!(n.recipient, Recipient::Staff(_))),
        "{notices:?}"
    );
    assert!(
        notices.iter().any(|n| n.kind == NoticeKind::Cancelled),
        "staff hear of the cancellation"
    );
}

#[tokio::test]
async fn my_data_shows_the_profile_and_every_booking() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(1, 10, 0)).await;
    let data = s.engine.my_data(customer(1)).await.unwrap();
    assert_eq!(data.profile.unwrap().id, customer(1));
    assert_eq!(data.bookings, vec![booking]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customers_racing_for_one_time_get_one_booking_and_clear_refusals() {
    let s = std::sync::Arc::new(salon(false).await);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = Vec::new();
    for n in 0..20 {
        let (s, barrier) = (s.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            s.engine
                .book(
                    customer(n),
                    form(s.haircut, StaffChoice::Only(s.anna), moscow(1, 10, 0)),
                )
                .await
        }));
    }
    let mut booked = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => booked += 1,
            Err(BookError::SlotTaken { start }) => assert_eq!(start, moscow(1, 10, 0)),
            Err(other) => panic!("a customer who lost the race must hear SlotTaken, got {other:?}"),
        }
    }
    assert_eq!(booked, 1);
}

#[tokio::test]
async fn forget_me_leaves_a_visit_under_way_to_staff() {
    let s = salon(false).await;
    let now_running = s.book_haircut(customer(1), moscow(0, 10, 0)).await;
    s.clock.set(moscow(0, 10, 30));

    let forgotten = s.engine.forget_me(customer(1)).await.unwrap();

    assert!(forgotten.cancelled.is_empty());
    let after = s.store.booking(now_running.id()).await.unwrap().unwrap();
    assert_eq!(after.status(), &BookingStatus::Confirmed);
    assert_eq!(after.customer(), None);
}

#[tokio::test]
async fn free_times_to_move_do_not_count_the_booking_itself() {
    let s = salon(false).await;
    let booking = s.book_haircut(customer(1), moscow(1, 11, 0)).await;
    let mover = booking_ports::engine::Mover::Customer(customer(1));

    let times = s
        .engine
        .free_times_to_move(mover, booking.id(), StaffChoice::Only(s.anna), day(1))
        .await
        .unwrap();
    let plain = s
        .engine
        .free_times(s.haircut, StaffChoice::Only(s.anna), day(1))
        .await
        .unwrap();

    assert!(
        times.iter().any(|f| f.start == moscow(1, 11, 30)),
        "half an hour later is offered"
    );
    assert!(!plain.iter().any(|f| f.start == moscow(1, 11, 30)));
    s.engine
        .reschedule_my_booking(
            customer(1),
            booking.id(),
            booking.version(),
            StaffChoice::Only(s.anna),
            moscow(1, 11, 30),
        )
        .await
        .unwrap();

    let days = s
        .engine
        .days_to_move(
            booking_ports::engine::Mover::Staff(&s.staff),
            booking.id(),
            StaffChoice::Any,
            day(0),
            day(2),
        )
        .await
        .unwrap();
    assert_eq!(days, vec![day(0), day(1), day(2)]);
    let forged = s
        .engine
        .free_times_to_move(
            booking_ports::engine::Mover::Customer(customer(2)),
            booking.id(),
            StaffChoice::Any,
            day(1),
        )
        .await;
    assert!(matches!(forged, Err(FindBookingError::NotFound)));
}
