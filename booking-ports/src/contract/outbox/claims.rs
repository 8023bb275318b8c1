//! Claims on due notifications: exclusive while their lease runs, taken
//! over after it, extended and released only while they hold, never shared
//! between dispatchers claiming at once, and fencing the outcome a
//! dispatcher records.

use std::collections::BTreeSet;

use chrono::Duration;

use super::super::ContractStore;
use super::super::world::*;
use super::unknown_claim;
use crate::ports::outbox::{
    DeliveryState, MarkNotificationError, NoticeKind, Notification, NotificationClaim,
    NotificationId,
};

/// Claims go to the earliest due first, each at most once while its lease
/// runs, and are counted; at the lease's end anyone may claim again.
pub async fn claims_hold_until_their_lease_ends<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(18, 0);
    let booking = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, start, 60, (0, 0)),
            no_limit(),
            vec![
                reminder(customer(0), 60, start),
                new_booking_notice(w.anna, at(9, 0)),
                reminder(customer(0), 600, start),
                reminder(customer(0), 120, start),
            ],
        )
        .await
        .unwrap();
    let now = at(17, 0);
    let lease = now + Duration::seconds(60);

    let first = w
        .store
        .claim_due_notifications(now, 2, lease)
        .await
        .unwrap();
    let order: Vec<_> = first.iter().map(|n| n.next_attempt_at).collect();
    assert_eq!(
        order,
        vec![at(8, 0), at(9, 0)],
        "MUST claim the earliest due first, in order"
    );
    for claimed in &first {
        assert_eq!(claimed.claims, 1, "MUST count the claim");
        assert_eq!(claimed.claimed_until, Some(lease));
        assert_eq!(claimed.booking, booking.id());
    }
    let second = w
        .store
        .claim_due_notifications(now, 10, lease)
        .await
        .unwrap();
    let ids = |claimed: &[Notification]| -> BTreeSet<NotificationId> {
        claimed.iter().map(|n| n.id).collect()
    };
    assert_eq!(
        second.len(),
        2,
        "MUST pass over claimed ones to the rest that are due"
    );
    assert!(ids(&first).is_disjoint(&ids(&second)));
    assert!(
        w.store
            .claim_due_notifications(now + Duration::seconds(59), 10, lease)
            .await
            .unwrap()
            .is_empty(),
        "MUST NOT claim what a live claim holds"
    );
    assert_eq!(
        w.store.due_notifications(now, 10).await.unwrap().len(),
        4,
        "claimed ones are still due, for inspection"
    );

    let taken_over = w
        .store
        .claim_due_notifications(lease, 10, lease + Duration::seconds(60))
        .await
        .unwrap();
    assert_eq!(
        ids(&taken_over),
        &ids(&first) | &ids(&second),
        "at the lease's end every claim MUST be open to anyone"
    );
    assert!(taken_over.iter().all(|n| n.claims == 2));
    let stored = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|n| n.claimed_until == Some(lease + Duration::seconds(60)))
    );
}

/// A dispatcher whose lease ended and whose notification another claimed
/// cannot record an outcome; the one holding the claim can.
pub async fn an_outcome_under_a_lost_claim_is_refused<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let (booking, claims) = w
        .visit_with_notices(vec![new_booking_notice(w.anna, at(9, 0))])
        .await;
    let stale = claims[0];
    let lease_end = at(23, 59);
    let current = w
        .store
        .claim_due_notifications(lease_end, 10, lease_end + Duration::seconds(60))
        .await
        .unwrap()[0]
        .claim();
    assert_eq!(current.id, stale.id);
    assert_eq!(current.number, stale.number + 1);

    for refused in [
        w.store.mark_sent(stale, at(23, 59)).await,
        w.store.retry_later(stale, at(23, 59)).await,
        w.store.withdraw_notification(stale).await,
    ] {
        assert!(
            matches!(refused, Err(MarkNotificationError::ClaimLost)),
            "MUST refuse an outcome under a lost claim: {refused:?}"
        );
    }
    let untouched = &w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap()[0];
    assert_eq!(untouched.state, DeliveryState::Pending);
    assert_eq!(untouched.attempts, 0, "a refused outcome MUST NOT count");

    w.store.mark_sent(current, at(23, 59)).await.unwrap();
    assert!(matches!(
        w.store.mark_sent(stale, at(23, 59)).await,
        Err(MarkNotificationError::NotPending {
            current: DeliveryState::Sent { .. }
        })
    ));
}

/// Extending renews the claims that hold and reports the others; releasing
/// makes a held one claimable at once and leaves a lost one alone.
pub async fn claims_are_extended_and_released_only_while_they_hold<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(18, 0);
    let (booking, claims) = w
        .visit_with_notices(vec![
            new_booking_notice(w.anna, at(9, 0)),
            reminder(customer(0), 120, start),
            staff_notice(w.anna, NoticeKind::Cancelled, at(9, 0)),
        ])
        .await;
    let (held, withdrawn, sent) = (claims[0], claims[1], claims[2]);
    w.store.mark_sent(sent, at(9, 1)).await.unwrap();
    w.cancel_with_withdrawal(&booking).await;
    let stored = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap();
    assert_eq!(stored[1].state, DeliveryState::Withdrawn);
    assert_eq!(
        stored[1].claimed_until, None,
        "a withdrawal by a booking change MUST end the claim"
    );

    let later = at(23, 59) + Duration::hours(1);
    let kept = w
        .store
        .extend_claims(&[held, sent, withdrawn, unknown_claim()], later)
        .await
        .unwrap();
    assert_eq!(kept, vec![held], "MUST extend only the claims that hold");
    assert!(
        w.store
            .claim_due_notifications(at(23, 59), 10, later)
            .await
            .unwrap()
            .is_empty(),
        "an extended claim MUST hold past its first lease"
    );

    // Only the new-booking notice is left pending: release it under a wrong
    // number first, then under its own.
    let wrong = NotificationClaim {
        number: held.number + 1,
        ..held
    };
    w.store.release_claims(&[wrong]).await.unwrap();
    assert!(
        w.store
            .claim_due_notifications(at(20, 0), 10, later)
            .await
            .unwrap()
            .is_empty(),
        "MUST NOT release under a claim that does not hold"
    );
    w.store.release_claims(&[held, sent]).await.unwrap();
    let again = w
        .store
        .claim_due_notifications(at(20, 0), 10, later)
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "a released claim MUST be claimable at once");
    assert_eq!(again[0].id, held.id);
    assert_eq!(again[0].attempts, 0, "a release MUST NOT count an attempt");
}

/// Several dispatchers claiming at once, on real tasks: every due
/// notification goes to exactly one of them.
pub async fn concurrent_claims_never_share_a_notification<S: ContractStore>(store: S) {
    let w = world(store, 8).await;
    let mut expected = BTreeSet::new();
    for n in 0..8 {
        let start = at(10, 0) + Duration::hours(n);
        let booking = w
            .store
            .create_booking(
                w.visit(customer(n), w.anna, start, 60, (0, 0)),
                no_limit(),
                (0..5)
                    .map(|k| reminder(customer(n), 60 + 60 * k, start))
                    .collect(),
            )
            .await
            .unwrap();
        for notification in w
            .store
            .notifications_of_booking(booking.id())
            .await
            .unwrap()
        {
            expected.insert(notification.id);
        }
    }
    let now = at(23, 0);
    let claimers: Vec<_> = (0..4)
        .map(|_| {
            let store = w.store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let claimed = store
                        .claim_due_notifications(now, 3, now + Duration::seconds(60))
                        .await
                        .unwrap();
                    if claimed.is_empty() {
                        return mine;
                    }
                    mine.extend(claimed.into_iter().map(|n| n.id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for claimer in claimers {
        all.extend(claimer.await.unwrap());
    }
    let distinct: BTreeSet<_> = all.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "MUST never hand one notification to two claimers"
    );
    assert_eq!(distinct, expected, "every due notification MUST be claimed");
}
