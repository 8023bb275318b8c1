//! Dispatcher scenarios about the schedule of reminders: booking,
//! cancelling and moving, restarts, crashes, downtime, and staff actions.

use super::*;

/// Book, get the staff notice at once and the day-before reminder on time;
/// a cancelled booking's two-hour reminder never goes out.
pub async fn reminders_follow_a_booking_until_it_is_cancelled<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let who = customer(1);
    let booking = s.book(who, s.anna, utc(3, 9, 0)).await;

    let report = s.step().await;
    assert_eq!(report.sent.len(), 1);
    let first = s.sender.take();
    assert_eq!(
        what(&first),
        vec![(new_booking(), Recipient::Staff(s.anna), booking.id())]
    );
    assert_eq!(first[0].to, RecordingSender::admin_chat(s.anna.get()));
    assert!(
        first[0].message.customer.is_some() && first[0].message.service.is_some(),
        "the sender gets what it needs to render the message"
    );

    s.clock.set(utc(2, 8, 59));
    s.step().await;
    assert!(s.sender.take().is_empty(), "nothing before its time");
    s.clock.set(utc(2, 9, 0));
    s.step().await;
    let day = s.sender.take();
    assert_eq!(
        what(&day),
        vec![(day_before(), Recipient::Customer(who), booking.id())]
    );
    assert_eq!(day[0].to, RecordingSender::client_chat(who));

    s.clock.set(utc(2, 10, 0));
    let cancelled = s
        .engine
        .cancel_my_booking(who, booking.id(), booking.version())
        .await
        .unwrap()
        .booking;
    s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![(
            NoticeKind::Cancelled,
            Recipient::Staff(s.anna),
            booking.id()
        )]
    );

    s.clock.set(utc(3, 7, 0));
    s.step().await;
    s.clock.set(utc(3, 8, 59));
    s.step().await;
    assert!(
        s.sender.take().is_empty(),
        "no reminder for a cancelled booking"
    );
    let stored = s.notifications(cancelled.id()).await;
    let two_hours = stored
        .iter()
        .find(|n| n.kind == two_hours_before())
        .unwrap();
    assert_eq!(two_hours.state, DeliveryState::Withdrawn);
}

/// A moved booking's old reminders never go out; the new ones go out at
/// the new times, about the new booking.
pub async fn moving_a_booking_replans_its_reminders<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let who = customer(1);
    let old = s.book(who, s.anna, utc(3, 9, 0)).await;
    s.step().await;
    s.sender.take();

    let moved = s
        .engine
        .reschedule_my_booking(
            who,
            old.id(),
            old.version(),
            StaffChoice::Only(s.anna),
            utc(4, 9, 0),
        )
        .await
        .unwrap();
    let new = moved.new.booking;
    // Anna's chat got the new-booking notice this very second: the notice
    // about the move waits a second for it.
    let told = s.drain().await;
    assert_eq!(
        what(&told),
        vec![(NoticeKind::Rescheduled, Recipient::Staff(s.anna), new.id())]
    );
    assert_eq!(
        told[0].message.replaced.as_ref().map(Booking::id),
        Some(old.id()),
        "a moved booking's notice carries the booking it replaced"
    );

    s.clock.set(utc(2, 9, 0));
    s.step().await;
    s.clock.set(utc(3, 7, 0));
    s.step().await;
    assert!(s.sender.take().is_empty(), "the old times pass in silence");

    s.clock.set(utc(3, 9, 0));
    s.step().await;
    s.clock.set(utc(4, 7, 0));
    s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![
            (day_before(), Recipient::Customer(who), new.id()),
            (two_hours_before(), Recipient::Customer(who), new.id()),
        ]
    );
}

/// A new dispatcher over the same store continues the schedule and sends
/// nothing twice.
pub async fn a_restarted_dispatcher_carries_on_without_repeating<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let who = customer(1);
    let booking = s.book(who, s.anna, utc(3, 9, 0)).await;
    s.step().await;
    assert_eq!(s.sender.take().len(), 1);

    s.restart().await;
    s.step().await;
    assert!(
        s.sender.take().is_empty(),
        "the notice was recorded as sent"
    );
    s.clock.set(utc(2, 9, 30));
    s.restart().await;
    s.step().await;
    s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![(day_before(), Recipient::Customer(who), booking.id())]
    );
}

/// The sender accepted a message and the process died before recording
/// it: the next dispatcher sends it again, once, and records it.
pub async fn a_crash_between_sending_and_recording_sends_once_more<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let booking = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    s.sender.hang_on_call(0);

    let sender = s.sender.clone();
    tokio::select! {
        _ = s.dispatcher.dispatch_due() => panic!("the step was meant to hang in the sender"),
        () = sender.hung() => {}
    }
    s.restart_after_crash();
    s.step().await;
    s.step().await;

    let deliveries = s.sender.take();
    assert_eq!(deliveries.len(), 2, "delivered, crashed, delivered again");
    assert_eq!(deliveries[0].id(), deliveries[1].id());
    let notice = &s.notifications(booking.id()).await[0];
    assert!(matches!(notice.state, DeliveryState::Sent { .. }));
    assert_eq!(notice.attempts, 1);
}

/// A crash in the middle of a step: every message of the step goes out
/// again after the restart, none more than twice, and all are recorded.
pub async fn a_crash_mid_batch_sends_each_message_at_most_twice<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let mut bookings = Vec::new();
    for n in 0..4 {
        let staff = if n % 2 == 0 { s.anna } else { s.boris };
        let start = utc(3, 9, 0) + Duration::hours(n / 2);
        bookings.push(s.book(customer(n), staff, start).await);
    }
    s.drain().await;
    s.clock.set(utc(2, 10, 0));
    s.sender.hang_on_call(s.sender.calls() + 1);

    let sender = s.sender.clone();
    tokio::select! {
        _ = s.dispatcher.dispatch_due() => panic!("the step was meant to hang in the sender"),
        () = sender.hung() => {}
    }
    let before_crash = s.sender.take();
    assert!(!before_crash.is_empty());
    s.restart_after_crash();
    let after_restart = s.drain().await;

    let mut all = before_crash;
    all.extend(after_restart);
    for booking in &bookings {
        let times = all
            .iter()
            .filter(|d| d.message.booking.id() == booking.id())
            .count();
        assert!(
            (1..=2).contains(&times),
            "each day-before reminder goes out once or, after the crash, twice; got {times}"
        );
        let reminder = s
            .notifications(booking.id())
            .await
            .into_iter()
            .find(|n| n.kind == day_before())
            .unwrap();
        assert!(matches!(reminder.state, DeliveryState::Sent { .. }));
    }
}

/// The process was down from Monday to Thursday 08:00 UTC.
/// - A visit that started meanwhile gets no reminder at all.
/// - A visit at 09:00 had both reminders fall due: only the two-hour one
///   goes out.
/// - A visit on Friday missed its day-before reminder by half an hour: it
///   still goes out, late.
pub async fn after_downtime_only_reminders_that_still_make_sense_go_out<S: ContractStore>(
    store: S,
) {
    let mut s = scene(store).await;
    let started = s.book(customer(1), s.anna, utc(2, 9, 0)).await;
    let soon = s.book(customer(2), s.anna, utc(3, 9, 0)).await;
    let tomorrow = s.book(customer(3), s.anna, utc(4, 7, 30)).await;
    s.drain().await;

    s.clock.set(utc(3, 8, 0));
    let report = s.step().await;

    assert_eq!(
        sorted(what(&s.sender.take())),
        vec![
            (
                two_hours_before(),
                Recipient::Customer(customer(2)),
                soon.id()
            ),
            (
                day_before(),
                Recipient::Customer(customer(3)),
                tomorrow.id()
            ),
        ]
    );
    let withdrawn: Vec<_> = report.withdrawn.iter().map(|(_, why)| *why).collect();
    assert_eq!(
        withdrawn,
        vec![
            WithdrawReason::VisitStarted {
                start: started.start()
            },
            WithdrawReason::VisitStarted {
                start: started.start()
            },
            WithdrawReason::Superseded { by: minutes(120) },
        ]
    );
    for booking in [&started, &soon] {
        let states: Vec<_> = s
            .notifications(booking.id())
            .await
            .into_iter()
            .filter(|n| n.kind.is_reminder())
            .map(|n| n.state.name())
            .collect();
        let expected = if booking.id() == started.id() {
            vec!["withdrawn", "withdrawn"]
        } else {
            vec!["withdrawn", "sent"]
        };
        assert_eq!(states, expected);
    }
}

/// A booking 90 minutes ahead gets no reminder (both offsets are past);
/// one five hours ahead gets only the two-hour one.
pub async fn a_booking_made_ninety_minutes_ahead_gets_no_reminder<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let close = s.book(customer(1), s.anna, utc(0, 8, 30)).await;
    let later = s.book(customer(2), s.boris, utc(0, 12, 0)).await;

    let planned = |notifications: Vec<Notification>| -> Vec<NoticeKind> {
        notifications
            .into_iter()
            .filter(|n| n.kind.is_reminder())
            .map(|n| n.kind)
            .collect()
    };
    assert!(planned(s.notifications(close.id()).await).is_empty());
    assert_eq!(
        planned(s.notifications(later.id()).await),
        vec![two_hours_before()]
    );

    s.drain().await;
    for minute in [0, 30, 59] {
        s.clock.set(utc(0, 8, minute));
        s.step().await;
    }
    s.clock.set(utc(0, 10, 0));
    s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![(
            two_hours_before(),
            Recipient::Customer(customer(2)),
            later.id()
        )]
    );
}

/// Pending bookings: staff are asked to confirm; confirming, moving and
/// cancelling (with a reason) each tell the customer; "I'll come" shows on
/// the staff reminder.
pub async fn staff_actions_tell_the_customer_and_the_staff_reminder_shows_attendance<
    S: ContractStore,
>(
    store: S,
) {
    let settings =
        EngineSettings::new(vec![minutes(1440), minutes(120)], Some(minutes(60))).unwrap();
    let mut s = scene_with(store, true, settings, DispatchSettings::default()).await;
    let who = customer(1);
    let booked = s.book(who, s.anna, utc(3, 9, 0)).await;
    s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![(
            NoticeKind::NewBooking {
                awaiting_confirmation: true
            },
            Recipient::Staff(s.anna),
            booked.id()
        )]
    );

    let confirmed = s
        .engine
        .confirm_booking(&s.owner, booked.id(), booked.version())
        .await
        .unwrap()
        .booking;
    s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![(NoticeKind::Confirmed, Recipient::Customer(who), booked.id())]
    );

    let moved = s
        .engine
        .reschedule_booking(
            &s.owner,
            confirmed.id(),
            confirmed.version(),
            StaffChoice::Only(s.boris),
            utc(3, 11, 0),
        )
        .await
        .unwrap()
        .new
        .booking;
    assert_eq!(
        sorted(what(&s.drain().await)),
        vec![
            (
                NoticeKind::Rescheduled,
                Recipient::Customer(who),
                moved.id()
            ),
            (
                NoticeKind::Rescheduled,
                Recipient::Staff(s.anna),
                moved.id()
            ),
            (
                NoticeKind::Rescheduled,
                Recipient::Staff(s.boris),
                moved.id()
            ),
        ],
        "the owner moved Anna's visit to Boris: the customer and both are told"
    );

    s.clock.set(utc(3, 8, 0));
    s.engine.confirm_attendance(who, moved.id()).await.unwrap();
    s.clock.set(utc(3, 10, 0));
    let reminded = s.drain().await;
    assert_eq!(
        sorted(what(&reminded)),
        vec![
            (two_hours_before(), Recipient::Customer(who), moved.id()),
            (
                NoticeKind::StaffReminder {
                    before: minutes(60)
                },
                Recipient::Staff(s.boris),
                moved.id()
            ),
        ],
        "the day-before reminder was superseded while nobody stepped"
    );
    let staff_reminder = reminded
        .iter()
        .find(|d| d.message.notification.recipient == Recipient::Staff(s.boris))
        .unwrap();
    assert_eq!(
        staff_reminder.message.booking.attendance_confirmed_at(),
        Some(utc(3, 8, 0)),
        "staff see that the customer said they will come"
    );

    let current = s
        .engine
        .booking_details(&s.owner, moved.id())
        .await
        .unwrap()
        .booking;
    let reason = CancelReason::new("Boris is ill").unwrap();
    s.engine
        .cancel_booking(
            &s.owner,
            moved.id(),
            current.version(),
            Some(reason.clone()),
        )
        .await
        .unwrap();
    let cancelled = s.drain().await;
    let to_customer = cancelled
        .iter()
        .find(|d| d.message.notification.recipient == Recipient::Customer(who))
        .unwrap();
    assert_eq!(to_customer.message.notification.kind, NoticeKind::Cancelled);
    match to_customer.message.booking.status() {
        booking_domain::BookingStatus::Cancelled(c) => assert_eq!(c.reason, Some(reason)),
        other => panic!("expected a cancelled booking, got {other:?}"),
    }
}
