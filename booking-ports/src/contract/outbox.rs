//! The notification outbox (`NotificationOutbox`): what is due, claims and
//! their leases, delivery outcomes recorded once under a claim, withdrawal,
//! and the backlog.

use std::collections::BTreeSet;

use booking_domain::Booking;
use chrono::{DateTime, Duration, Utc};

use super::ContractStore;
use super::world::*;
use crate::ports::outbox::{
    DeliveryState, FailureReason, MarkNotificationError, NewNotice, NoticeKind, Notification,
    NotificationClaim, NotificationId, OutboxBacklog, OutboxChange,
};

mod claims;

pub use claims::*;

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __outbox_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; outbox;
            due_notifications_are_pending_ordered_and_limited,
            delivery_outcomes_are_recorded_once,
            a_pending_notification_can_be_withdrawn_alone,
            the_backlog_counts_late_pending_notifications,
            claims_hold_until_their_lease_ends,
            an_outcome_under_a_lost_claim_is_refused,
            claims_are_extended_and_released_only_while_they_hold,
            concurrent_claims_never_share_a_notification,
        );
    };
}

/// Due: pending, `next_attempt_at <= now`, by `next_attempt_at` then id,
/// at most `limit`.
pub async fn due_notifications_are_pending_ordered_and_limited<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(18, 0);
    let booking = w
        .store
        .create_booking(
            w.visit(customer(0), w.anna, start, 60, (0, 0)),
            no_limit(),
            vec![
                reminder(customer(0), 60, start),
                staff_notice(
                    w.anna,
                    NoticeKind::NewBooking {
                        awaiting_confirmation: true,
                    },
                    at(9, 0),
                ),
                reminder(customer(0), 600, start),
                staff_notice(
                    w.anna,
                    NoticeKind::StaffReminder {
                        before: minutes(60),
                    },
                    start - Duration::minutes(60),
                ),
            ],
        )
        .await
        .unwrap();

    let due = w.store.due_notifications(at(17, 0), 10).await.unwrap();
    let order: Vec<_> = due.iter().map(|n| (n.next_attempt_at, n.kind)).collect();
    assert_eq!(order.len(), 4);
    assert!(
        order.windows(2).all(|p| p[0].0 <= p[1].0),
        "MUST be ordered by next_attempt_at: {order:?}"
    );
    assert_eq!(
        order[0].1,
        NoticeKind::CustomerReminder {
            before: minutes(600)
        }
    );
    let same_time: Vec<_> = due
        .iter()
        .filter(|n| n.next_attempt_at == at(17, 0))
        .map(|n| n.id)
        .collect();
    assert!(
        same_time.windows(2).all(|p| p[0] < p[1]),
        "ties MUST be ordered by id"
    );

    assert_eq!(
        w.store.due_notifications(at(9, 0), 10).await.unwrap().len(),
        2,
        "only those due by now"
    );
    assert_eq!(
        w.store.due_notifications(at(17, 0), 3).await.unwrap().len(),
        3,
        "at most limit"
    );
    assert_eq!(due[0].booking, booking.id());
}

/// Sent, retried and failed notifications: attempts counted, states kept,
/// only pending ones change.
pub async fn delivery_outcomes_are_recorded_once<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(18, 0);
    let (booking, claims) = w
        .visit_with_notices(vec![
            new_booking_notice(w.anna, at(9, 0)),
            reminder(customer(0), 120, start),
            reminder(customer(0), 60, start),
        ])
        .await;
    let (notice, early, late) = (claims[0], claims[1], claims[2]);

    w.store.mark_sent(notice, at(9, 1)).await.unwrap();
    w.store.retry_later(early, at(16, 30)).await.unwrap();
    w.store
        .mark_failed(
            late,
            at(17, 0),
            FailureReason::new("bot was blocked by the user"),
        )
        .await
        .unwrap();

    let stored = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap();
    assert_eq!(stored[0].state, DeliveryState::Sent { at: at(9, 1) });
    assert_eq!(stored[0].attempts, 1, "MUST count the attempt");
    assert_eq!(
        stored[1].state,
        DeliveryState::Pending,
        "a temporary failure MUST stay pending"
    );
    assert_eq!(stored[1].attempts, 1);
    assert_eq!(stored[1].next_attempt_at, at(16, 30));
    assert_eq!(
        stored[1].due_at,
        start - Duration::minutes(120),
        "due_at MUST NOT change"
    );
    assert_eq!(
        stored[2].state,
        DeliveryState::Failed {
            at: at(17, 0),
            reason: FailureReason::new("bot was blocked by the user")
        }
    );

    let due: BTreeSet<_> = w
        .store
        .due_notifications(at(23, 0), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(
        due,
        BTreeSet::from([early.id]),
        "sent and failed MUST never be due again"
    );
    assert_eq!(
        stored[1].claimed_until, None,
        "an outcome MUST end the claim"
    );
    assert!(
        w.store
            .due_notifications(at(16, 0), 10)
            .await
            .unwrap()
            .is_empty(),
        "a retry waits for next_attempt_at"
    );

    assert!(matches!(
        w.store.mark_sent(notice, at(9, 2)).await,
        Err(MarkNotificationError::NotPending {
            current: DeliveryState::Sent { .. }
        })
    ));
    assert!(matches!(
        w.store.retry_later(late, at(18, 0)).await,
        Err(MarkNotificationError::NotPending {
            current: DeliveryState::Failed { .. }
        })
    ));
    w.cancel_with_withdrawal(&booking).await;
    let retried = w.claim_due(at(16, 30), 10).await;
    assert_eq!(
        retried,
        Vec::<NotificationClaim>::new(),
        "a withdrawn one MUST NOT be claimed"
    );
    assert!(matches!(
        w.store.mark_sent(early, at(16, 31)).await,
        Err(MarkNotificationError::NotPending {
            current: DeliveryState::Withdrawn
        })
    ));
    assert!(matches!(
        w.store.mark_sent(unknown_claim(), at(9, 0)).await,
        Err(MarkNotificationError::NotFound)
    ));
}

/// A single notification withdrawn by the dispatcher: the state becomes
/// withdrawn, no attempt is counted, it is never due again, and only a
/// pending one can be withdrawn.
pub async fn a_pending_notification_can_be_withdrawn_alone<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(18, 0);
    let (booking, claims) = w
        .visit_with_notices(vec![
            reminder(customer(0), 600, start),
            reminder(customer(0), 60, start),
            new_booking_notice(w.anna, at(9, 0)),
        ])
        .await;
    let (retried, kept, sent) = (claims[0], claims[1], claims[2]);
    w.store.retry_later(retried, at(8, 30)).await.unwrap();
    w.store.mark_sent(sent, at(9, 0)).await.unwrap();
    let superseded = w.claim_due(at(8, 30), 1).await[0];
    assert_eq!(superseded.id, retried.id, "a retry is claimed again");
    assert_eq!(superseded.number, retried.number + 1);

    w.store.withdraw_notification(superseded).await.unwrap();

    let stored = w
        .store
        .notifications_of_booking(booking.id())
        .await
        .unwrap();
    assert_eq!(stored[0].state, DeliveryState::Withdrawn);
    assert_eq!(
        stored[0].attempts, 1,
        "withdrawing MUST NOT count an attempt"
    );
    assert_eq!(
        stored[1].state,
        DeliveryState::Pending,
        "only the one named MUST change"
    );
    let due: Vec<_> = w
        .store
        .due_notifications(at(23, 0), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(
        due,
        vec![kept.id],
        "a withdrawn one MUST never be due again"
    );
    assert!(matches!(
        w.store.withdraw_notification(superseded).await,
        Err(MarkNotificationError::NotPending {
            current: DeliveryState::Withdrawn
        })
    ));
    assert!(matches!(
        w.store.withdraw_notification(sent).await,
        Err(MarkNotificationError::NotPending {
            current: DeliveryState::Sent { .. }
        })
    ));
    assert!(matches!(
        w.store.withdraw_notification(unknown_claim()).await,
        Err(MarkNotificationError::NotFound)
    ));
}

/// The backlog: pending notifications due by now, retries included, with
/// the earliest due time; settled ones and later ones left out.
pub async fn the_backlog_counts_late_pending_notifications<S: ContractStore>(store: S) {
    let w = world(store, 1).await;
    let start = at(18, 0);
    let (_, claims) = w
        .visit_with_notices(vec![
            reminder(customer(0), 600, start),
            new_booking_notice(w.anna, at(9, 0)),
            reminder(customer(0), 60, start),
        ])
        .await;
    let (early, notice, late) = (claims[0], claims[1], claims[2]);
    let backlog = |now| {
        let store = w.store.clone();
        async move { store.outbox_backlog(now).await.unwrap() }
    };

    assert_eq!(
        backlog(at(7, 59)).await,
        OutboxBacklog::default(),
        "nothing is due before 08:00"
    );
    let at_nine = backlog(at(9, 0)).await;
    assert_eq!(
        at_nine,
        OutboxBacklog {
            due: 2,
            oldest_due_at: Some(at(8, 0))
        },
        "MUST count every pending one with due_at <= now"
    );
    assert_eq!(at_nine.oldest_age(at(9, 30)), Duration::minutes(90));

    w.store.retry_later(early, at(12, 0)).await.unwrap();
    w.store.mark_sent(notice, at(9, 1)).await.unwrap();
    assert_eq!(
        backlog(at(9, 30)).await,
        OutboxBacklog {
            due: 1,
            oldest_due_at: Some(at(8, 0))
        },
        "a retry waiting for its next attempt MUST count; a sent one MUST NOT"
    );
    assert_eq!(backlog(at(17, 0)).await.due, 2);

    w.store
        .mark_failed(late, at(17, 1), FailureReason::new("chat not found"))
        .await
        .unwrap();
    let early = w.claim_due(at(12, 0), 1).await[0];
    w.store.withdraw_notification(early).await.unwrap();
    assert_eq!(
        backlog(at(23, 0)).await,
        OutboxBacklog::default(),
        "failed and withdrawn ones MUST NOT count"
    );
}

/// A claim on a notification that does not exist.
fn unknown_claim() -> NotificationClaim {
    NotificationClaim {
        id: NotificationId::new(9_999_999).unwrap(),
        number: 1,
    }
}

impl<S: ContractStore> World<S> {
    /// A confirmed hour of `customer(0)` with Anna at 18:00 stored with
    /// `notices` (each due by 18:00), claimed with a lease to the end of the
    /// day; their claims in the order given.
    async fn visit_with_notices(
        &self,
        notices: Vec<NewNotice>,
    ) -> (Booking, Vec<NotificationClaim>) {
        let booking = self
            .store
            .create_booking(
                self.visit(customer(0), self.anna, at(18, 0), 60, (0, 0)),
                no_limit(),
                notices,
            )
            .await
            .unwrap();
        let mut claims = self.claim_due(at(18, 0), 100).await;
        claims.sort_by_key(|claim| claim.id);
        (booking, claims)
    }

    /// Claims up to `limit` notifications due at `now`, with a lease to
    /// 23:59; their claims in the order the store returned them.
    async fn claim_due(&self, now: DateTime<Utc>, limit: usize) -> Vec<NotificationClaim> {
        self.store
            .claim_due_notifications(now, limit, at(23, 59))
            .await
            .unwrap()
            .iter()
            .map(Notification::claim)
            .collect()
    }

    async fn cancel_with_withdrawal(&self, booking: &Booking) {
        self.store
            .update_booking(
                booking.version(),
                cancelled(booking),
                OutboxChange {
                    add: Vec::new(),
                    withdraw_pending_reminders: true,
                },
            )
            .await
            .unwrap();
    }
}
