//! Dispatcher scenarios about delivery: flood control, permanent and
//! temporary failures, staff chats, recipients nobody can reach, and the
//! dispatcher's wake-up and shutdown.

use super::*;

/// A 429 with `retry_after` puts the message back until then and holds
/// every chat of that bot meanwhile; the admin bot is not held.
pub async fn flood_control_holds_the_bot_until_retry_after<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let first = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    let second = s.book(customer(2), s.boris, utc(3, 9, 0)).await;
    let third = s.book(customer(3), s.anna, utc(3, 10, 0)).await;
    s.drain().await;

    s.clock.set(utc(2, 9, 0));
    s.sender.fail_next(
        &RecordingSender::client_chat(customer(1)),
        Scripted::RateLimited(Duration::minutes(90)),
    );
    let report = s.step().await;
    let retry_id = s
        .notifications(first.id())
        .await
        .into_iter()
        .find(|n| n.kind == day_before())
        .unwrap()
        .id;
    assert_eq!(report.retried, vec![(retry_id, utc(2, 10, 30))]);
    assert_eq!(
        what(&s.sender.take()),
        vec![(day_before(), Recipient::Customer(customer(2)), second.id())],
        "a message already under way in the same step is not held back"
    );

    s.clock.set(utc(2, 10, 0));
    let held = s.step().await;
    assert!(s.sender.take().is_empty(), "the client bot waits");
    assert_eq!(held.deferred.len(), 1);
    assert_eq!(held.next_send_at, Some(utc(2, 10, 30)));
    s.engine
        .cancel_booking(&s.owner, second.id(), second.version(), None)
        .await
        .unwrap();
    let during = s.step().await;
    assert_eq!(
        what(&s.sender.take()),
        vec![(
            NoticeKind::Cancelled,
            Recipient::Staff(s.boris),
            second.id()
        )],
        "the admin bot is not held"
    );
    assert_eq!(
        during.deferred.len(),
        2,
        "the customer's notice waits with the reminder"
    );

    s.clock.set(utc(2, 10, 30));
    let after = s.drain().await;
    assert_eq!(
        sorted(what(&after)),
        vec![
            (day_before(), Recipient::Customer(customer(1)), first.id()),
            (
                NoticeKind::Cancelled,
                Recipient::Customer(customer(2)),
                second.id()
            ),
            (day_before(), Recipient::Customer(customer(3)), third.id()),
        ]
    );
    assert!(after.iter().all(|d| d.at == utc(2, 10, 30)));
}

/// The user blocked the bot: recorded with the reason, never retried.
pub async fn a_permanent_failure_is_recorded_and_never_retried<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let booking = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    s.step().await;
    s.sender.fail_next(
        &RecordingSender::client_chat(customer(1)),
        Scripted::Permanent("Forbidden: bot was blocked by the user"),
    );
    s.clock.set(utc(2, 9, 0));
    let report = s.step().await;
    assert_eq!(report.failed.len(), 1);
    let calls = s.sender.calls();

    for hour in [10, 14, 20] {
        s.clock.set(utc(2, hour, 0));
        s.step().await;
    }
    assert_eq!(s.sender.calls(), calls, "never tried again");
    let reminder = s
        .notifications(booking.id())
        .await
        .into_iter()
        .find(|n| n.kind == day_before())
        .unwrap();
    assert_eq!(
        reminder.state,
        DeliveryState::Failed {
            at: utc(2, 9, 0),
            reason: FailureReason::new("Forbidden: bot was blocked by the user"),
        }
    );
    assert_eq!(reminder.attempts, 1);
}

/// Temporary failures wait 5 s, then 10 s...; after the last allowed
/// attempt the notification is recorded as failed.
pub async fn temporary_failures_back_off_and_finally_give_up<S: ContractStore>(store: S) {
    let settings = DispatchSettings::new(DispatchSettingsParts {
        max_attempts: 3,
        ..DispatchSettingsParts::default()
    })
    .unwrap();
    let mut s = scene_with(store, false, EngineSettings::default(), settings).await;
    let booking = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    let admin = RecordingSender::admin_chat(s.anna.get());
    for _ in 0..3 {
        s.sender.fail_next(&admin, Scripted::Temporary);
    }

    let first = s.step().await;
    assert_eq!(first.retried[0].1, utc(0, 7, 0) + Duration::seconds(5));
    s.clock.advance(Duration::seconds(4));
    assert!(s.step().await.retried.is_empty(), "not before the wait");
    s.clock.set(utc(0, 7, 0) + Duration::seconds(5));
    let second = s.step().await;
    assert_eq!(second.retried[0].1, utc(0, 7, 0) + Duration::seconds(15));
    s.clock.set(utc(0, 7, 0) + Duration::seconds(15));
    let third = s.step().await;
    assert_eq!(third.failed.len(), 1);

    let notice = &s.notifications(booking.id()).await[0];
    assert_eq!(notice.attempts, 3);
    assert!(matches!(
        &notice.state,
        DeliveryState::Failed { reason, .. } if reason.as_str() == "gave up after 3 failed attempts"
    ));
    assert!(s.sender.take().is_empty());
}

/// A staff notice routed to two admin chats reaches both; after one of
/// them failed for a moment, only that one gets it again.
pub async fn a_staff_notice_reaches_every_admin_chat_once<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let (own, owner) = (
        RecordingSender::admin_chat(101),
        RecordingSender::admin_chat(102),
    );
    s.sender
        .route_staff(s.anna, vec![own.clone(), owner.clone()]);
    let booking = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    s.sender.fail_next(&owner, Scripted::Temporary);

    let report = s.step().await;
    assert_eq!(report.retried.len(), 1);
    s.clock.advance(Duration::seconds(5));
    let report = s.step().await;
    assert_eq!(report.sent.len(), 1);

    let chats: Vec<_> = s.sender.take().into_iter().map(|d| d.to).collect();
    assert_eq!(chats, vec![own, owner]);
    let notice = &s.notifications(booking.id()).await[0];
    assert!(matches!(notice.state, DeliveryState::Sent { .. }));
}

/// A staff member nobody in the admin bot stands for: the notice is
/// recorded as failed instead of waiting forever.
pub async fn a_notice_nobody_can_receive_is_recorded_as_failed<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    s.sender.route_staff(s.anna, Vec::new());
    let booking = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    let report = s.step().await;
    assert_eq!(report.failed.len(), 1);
    assert!(matches!(
        &s.notifications(booking.id()).await[0].state,
        DeliveryState::Failed { reason, .. } if reason.as_str() == "nobody to deliver it to"
    ));
}

/// A customer staff recorded without Telegram cannot be messaged: their
/// notice is withdrawn (and counted), never sent to a chat of their id's
/// number, and the loop goes on to the staff notice.
pub async fn a_customer_without_telegram_is_told_nothing_and_the_notice_is_withdrawn<
    S: ContractStore,
>(
    store: S,
) {
    let mut s = scene(store).await;
    let walk_in = s
        .store
        .create_customer(crate::ports::customers::NewCustomer {
            name: booking_domain::CustomerName::new("Lena Schmidt").unwrap(),
            phone: None,
            telegram: None,
            language: None,
            consented_at: utc(0, 7, 0),
            notes: String::new(),
        })
        .await
        .unwrap();
    let booking = s.book(walk_in.id, s.anna, utc(3, 9, 0)).await;
    s.engine
        .cancel_booking(&s.owner, booking.id(), booking.version(), None)
        .await
        .unwrap();

    let sent = s.drain().await;

    assert!(
        sent.iter()
            .all(|d| d.to != RecordingSender::client_chat(walk_in.id)),
        "nothing MUST go to a chat of the customer id's number"
    );
    let notices = s.notifications(booking.id()).await;
    let to_customer: Vec<_> = notices
        .iter()
        .filter(|n| n.recipient == Recipient::Customer(walk_in.id))
        .collect();
    assert!(
        !to_customer.is_empty(),
        "the cancellation notice was planned"
    );
    assert!(
        to_customer
            .iter()
            .all(|n| n.state == DeliveryState::Withdrawn),
        "{to_customer:?}"
    );
    assert!(
        notices
            .iter()
            .any(|n| n.recipient == Recipient::Staff(s.anna)
                && matches!(n.state, DeliveryState::Sent { .. })),
        "the staff notice still went"
    );
}

/// The run loop: a booking wakes it (the poll interval is an hour, so
/// only the wake-up can), and the shutdown signal stops it.
pub async fn a_wake_up_runs_a_step_and_shutdown_stops_the_loop<S: ContractStore>(store: S) {
    let settings = DispatchSettings::new(DispatchSettingsParts {
        poll_interval: Duration::hours(1),
        claim_lease: Duration::hours(3),
        ..DispatchSettingsParts::default()
    })
    .unwrap();
    let s = scene_with(store, false, EngineSettings::default(), settings).await;
    let Scene {
        engine,
        mut dispatcher,
        sender,
        anna,
        haircut,
        ..
    } = s;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watcher = sender.clone();
    let loop_task = tokio::spawn(async move {
        dispatcher
            .run(async {
                let _ = stopped.await;
            })
            .await;
        dispatcher
    });
    // The loop's first step finds nothing and waits an hour.
    let booking = engine
        .book(
            customer(1),
            BookingForm {
                service: haircut,
                staff: StaffChoice::Only(anna),
                start: utc(3, 9, 0),
                name: "Lena Schmidt".to_owned(),
                phone: "030 901820".to_owned(),
                comment: None,
                language: None,
            },
        )
        .await
        .unwrap()
        .booking;
    // The booking woke the loop; the test waits for the delivery it causes,
    // not for time.
    watcher.wait_for_deliveries(1).await;
    stop.send(()).unwrap();
    let dispatcher = loop_task.await.unwrap();

    let deliveries = dispatcher.sender().deliveries();
    assert_eq!(deliveries.len(), 1, "nothing else was due");
    assert_eq!(deliveries[0].message.booking.id(), booking.id());
}
