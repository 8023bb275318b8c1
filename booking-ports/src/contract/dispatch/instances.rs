//! Dispatchers in several instances on one store: claims keep them from
//! sending a notice twice, and a crashed one's claims wait for their lease.

use std::collections::BTreeMap;

use crate::ports::clock::Clock;

use super::*;
use crate::ports::outbox::NotificationId;
use crate::ports::sender::Destination;

/// The sender hung and the process died mid-send: another dispatcher sends
/// nothing the dead one claimed until the claim's lease ends, then sends it
/// once and records it.
pub async fn a_crashed_dispatchers_claims_wait_for_their_lease<S: ContractStore>(store: S) {
    let mut s = scene(store).await;
    let booking = s.book(customer(1), s.anna, utc(3, 9, 0)).await;
    s.sender.hang_on_call(0);
    let sender = s.sender.clone();
    tokio::select! {
        _ = s.dispatcher.dispatch_due() => panic!("the step was meant to hang in the sender"),
        () = sender.hung() => {}
    }
    let lease = s.settings.parts().claim_lease;
    let claimed = &s.notifications(booking.id()).await[0];
    assert_eq!(claimed.claims, 1);
    assert_eq!(claimed.claimed_until, Some(utc(0, 7, 0) + lease));

    let mut other = s.another_dispatcher();
    s.clock.advance(lease - Duration::seconds(1));
    let report = other.dispatch_due().await.unwrap();
    assert_eq!(report.due, 0, "a live claim is nobody else's");
    assert_eq!(s.sender.take().len(), 1, "only the hung send");

    s.clock.advance(Duration::seconds(1));
    let report = other.dispatch_due().await.unwrap();
    assert_eq!(report.sent.len(), 1, "taken over at the lease's end");
    let resent = s.sender.take();
    assert_eq!(
        what(&resent),
        vec![(new_booking(), Recipient::Staff(s.anna), booking.id())]
    );
    let notice = &s.notifications(booking.id()).await[0];
    assert!(matches!(notice.state, DeliveryState::Sent { .. }));
    assert_eq!(notice.attempts, 1);
    assert_eq!(notice.claims, 2);
    assert_eq!(notice.claimed_until, None);
}

/// Two dispatchers stepping at once over a backlog larger than their
/// batches, a staff notice going to two admin chats: every notice reaches
/// each of its chats exactly once, and all are recorded as sent.
pub async fn two_dispatchers_share_the_outbox_and_send_each_notice_once<S: ContractStore>(
    store: S,
) {
    let settings = DispatchSettings::new(DispatchSettingsParts {
        batch_size: 2,
        ..DispatchSettingsParts::default()
    })
    .unwrap();
    let mut s = scene_with(store, false, EngineSettings::default(), settings).await;
    let chats = vec![
        RecordingSender::admin_chat(-100),
        RecordingSender::admin_chat(-200),
    ];
    s.sender.route_staff(s.anna, chats.clone());
    let mut bookings = Vec::new();
    for n in 0..6 {
        let staff = if n % 2 == 0 { s.anna } else { s.boris };
        let start = utc(3, 9, 0) + Duration::hours(n / 2);
        bookings.push(s.book(customer(n), staff, start).await);
    }
    let mut other = s.another_dispatcher();
    let poll = s.settings.parts().poll_interval;
    for day_before in [false, true] {
        if day_before {
            s.clock.set(utc(2, 11, 0));
        }
        let mut rounds = 0;
        loop {
            let (mine, theirs) = tokio::join!(s.dispatcher.dispatch_due(), other.dispatch_due());
            let (mine, theirs) = (mine.unwrap(), theirs.unwrap());
            if mine.due == 0 && theirs.due == 0 {
                break;
            }
            let next = mine.next_step_at(poll).min(theirs.next_step_at(poll));
            if next > s.clock.now() {
                s.clock.set(next);
            }
            rounds += 1;
            assert!(
                rounds < 1000,
                "the two dispatchers did not drain the outbox"
            );
        }
    }

    let mut times: BTreeMap<(NotificationId, Destination), usize> = BTreeMap::new();
    for delivery in s.sender.take() {
        *times
            .entry((delivery.id(), delivery.to.clone()))
            .or_default() += 1;
    }
    assert!(
        times.values().all(|count| *count == 1),
        "no notice MUST reach a chat twice: {times:?}"
    );
    for booking in &bookings {
        for notice in s.notifications(booking.id()).await {
            if notice.due_at <= s.clock.now() {
                assert!(
                    matches!(notice.state, DeliveryState::Sent { .. }),
                    "{:?} is {:?}",
                    notice.kind,
                    notice.state
                );
                let chats_of_notice = times.keys().filter(|(id, _)| *id == notice.id).count();
                let expected = match notice.recipient {
                    Recipient::Staff(staff) if staff == s.anna => 2,
                    _ => 1,
                };
                assert_eq!(chats_of_notice, expected, "{:?}", notice.kind);
            }
        }
    }
}
