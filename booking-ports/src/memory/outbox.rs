//! The notification outbox in memory. Claims are checked and taken under the
//! store's one lock, so two dispatchers on one store never claim the same
//! notification.

use std::collections::BTreeMap;

use async_trait::async_trait;
use booking_domain::BookingId;
use chrono::{DateTime, Utc};

use super::MemoryStore;
use crate::error::StoreError;
use crate::ports::outbox::{
    DeliveryState, FailureReason, MarkNotificationError, Notification, NotificationClaim,
    NotificationId, NotificationOutbox, OutboxBacklog,
};

impl MemoryStore {
    /// Applies `change` to the notification `claim` holds, ending the claim;
    /// `change` counts the attempt when the outcome is one.
    fn mark(
        &self,
        claim: NotificationClaim,
        change: impl FnOnce(&mut Notification),
    ) -> Result<(), MarkNotificationError> {
        let mut state = self.lock("recording a delivery")?;
        let notification = state
            .notifications
            .get_mut(&claim.id)
            .ok_or(MarkNotificationError::NotFound)?;
        if notification.state != DeliveryState::Pending {
            return Err(MarkNotificationError::NotPending {
                current: notification.state.clone(),
            });
        }
        if notification.claims != claim.number {
            return Err(MarkNotificationError::ClaimLost);
        }
        change(notification);
        notification.claimed_until = None;
        Ok(())
    }

    /// The pending notifications due at `now` that `take` keeps, the first
    /// `limit` by next attempt then id, in that order.
    fn due_where(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        take: impl Fn(&Notification) -> bool,
        claim_until: Option<DateTime<Utc>>,
    ) -> Result<Vec<Notification>, StoreError> {
        let mut state = self.lock("reading due notifications")?;
        let mut due: Vec<&mut Notification> = state
            .notifications
            .values_mut()
            .filter(|n| n.state == DeliveryState::Pending && n.next_attempt_at <= now && take(n))
            .collect();
        // A backlog can be large and a batch is small: pick the first
        // `limit` in linear time, then order only those.
        let key = |n: &&mut Notification| (n.next_attempt_at, n.id);
        if due.len() > limit {
            due.select_nth_unstable_by_key(limit, key);
            due.truncate(limit);
        }
        due.sort_by_key(key);
        Ok(due
            .into_iter()
            .map(|n| {
                if let Some(until) = claim_until {
                    n.claims = n.claims.saturating_add(1);
                    n.claimed_until = Some(until);
                }
                n.clone()
            })
            .collect())
    }
}

/// The notification `claim` holds, if it still does.
fn held<'a>(
    notifications: &'a mut BTreeMap<NotificationId, Notification>,
    claim: &NotificationClaim,
) -> Option<&'a mut Notification> {
    notifications
        .get_mut(&claim.id)
        .filter(|n| n.state == DeliveryState::Pending && n.claims == claim.number)
}

fn count_attempt(notification: &mut Notification) {
    notification.attempts = notification.attempts.saturating_add(1);
}

#[async_trait]
impl NotificationOutbox for MemoryStore {
    async fn due_notifications(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        self.due_where(now, limit, |_| true, None)
    }

    async fn claim_due_notifications(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Notification>, StoreError> {
        let unclaimed = |n: &Notification| n.claimed_until.is_none_or(|until| until <= now);
        self.due_where(now, limit, unclaimed, Some(lease_until))
    }

    async fn extend_claims(
        &self,
        claims: &[NotificationClaim],
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<NotificationClaim>, StoreError> {
        let mut state = self.lock("extending notification claims")?;
        let mut extended = Vec::with_capacity(claims.len());
        for claim in claims {
            if let Some(notification) = held(&mut state.notifications, claim) {
                notification.claimed_until = Some(lease_until);
                extended.push(*claim);
            }
        }
        Ok(extended)
    }

    async fn release_claims(&self, claims: &[NotificationClaim]) -> Result<(), StoreError> {
        let mut state = self.lock("releasing notification claims")?;
        for claim in claims {
            if let Some(notification) = held(&mut state.notifications, claim) {
                notification.claimed_until = None;
            }
        }
        Ok(())
    }

    async fn mark_sent(
        &self,
        claim: NotificationClaim,
        at: DateTime<Utc>,
    ) -> Result<(), MarkNotificationError> {
        self.mark(claim, |n| {
            count_attempt(n);
            n.state = DeliveryState::Sent { at };
        })
    }

    async fn retry_later(
        &self,
        claim: NotificationClaim,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), MarkNotificationError> {
        self.mark(claim, |n| {
            count_attempt(n);
            n.next_attempt_at = next_attempt_at;
        })
    }

    async fn mark_failed(
        &self,
        claim: NotificationClaim,
        at: DateTime<Utc>,
        reason: FailureReason,
    ) -> Result<(), MarkNotificationError> {
        self.mark(claim, |n| {
            count_attempt(n);
            n.state = DeliveryState::Failed { at, reason };
        })
    }

    async fn withdraw_notification(
        &self,
        claim: NotificationClaim,
    ) -> Result<(), MarkNotificationError> {
        self.mark(claim, |n| n.state = DeliveryState::Withdrawn)
    }

    async fn outbox_backlog(&self, now: DateTime<Utc>) -> Result<OutboxBacklog, StoreError> {
        let state = self.lock("measuring the outbox backlog")?;
        let due_at = state
            .notifications
            .values()
            .filter(|n| n.state == DeliveryState::Pending && n.due_at <= now)
            .map(|n| n.due_at);
        Ok(
            due_at.fold(OutboxBacklog::default(), |backlog, due_at| OutboxBacklog {
                due: backlog.due + 1,
                oldest_due_at: Some(backlog.oldest_due_at.map_or(due_at, |o| o.min(due_at))),
            }),
        )
    }

    async fn notifications_of_booking(
        &self,
        booking: BookingId,
    ) -> Result<Vec<Notification>, StoreError> {
        let state = self.lock("reading notifications")?;
        Ok(state
            .notification_ids_of(booking)
            .into_iter()
            .filter_map(|id| state.notifications.get(&id).cloned())
            .collect())
    }
}
