//! What a dispatcher holds in a store shared with other dispatchers: its
//! claims on notifications (taken, extended every step, released when it
//! stops) and the sending budget it counts every send in.

use super::*;

impl<S: NotificationSender> Dispatcher<S> {
    /// Lets go of every claim this dispatcher holds, so other dispatchers
    /// take the notifications at once. What was delivered to some of a
    /// notification's destinations but not all is sent to those again by
    /// whoever takes it. A failure is logged: the claims then end with
    /// their lease.
    pub async fn release_claims(&mut self) {
        if self.held.is_empty() {
            return;
        }
        let claims: Vec<NotificationClaim> = self.held.values().map(Notification::claim).collect();
        match self.outbox.release_claims(&claims).await {
            Ok(()) => tracing::debug!(released = claims.len(), "notification claims released"),
            Err(error) => tracing::warn!(
                error = %chain(&error), held = claims.len(),
                "notification claims could not be released; they end with their lease"
            ),
        }
        self.held.clear();
        self.progress.clear();
    }

    /// Extends the claims held since earlier steps (dropping those lost),
    /// claims due notifications to fill the batch, and returns everything
    /// held, in the order the outbox hands them out.
    pub(super) async fn claim(
        &mut self,
        now: DateTime<Utc>,
        report: &mut DispatchReport,
    ) -> Result<Vec<Notification>, DispatchError> {
        let parts = self.settings.parts().clone();
        let lease_until = now + parts.claim_lease;
        if !self.held.is_empty() {
            let claims: Vec<NotificationClaim> =
                self.held.values().map(Notification::claim).collect();
            let kept: HashSet<NotificationId> = self
                .outbox
                .extend_claims(&claims, lease_until)
                .await
                .map_err(DispatchError::ExtendClaims)?
                .into_iter()
                .map(|claim| claim.id)
                .collect();
            for claim in claims.iter().filter(|claim| !kept.contains(&claim.id)) {
                // Settled by a booking change, or (after a stall longer than
                // the lease) claimed by another dispatcher.
                self.forget(claim.id);
                report.settled_elsewhere.push(claim.id);
            }
        }
        let room = parts.batch_size.saturating_sub(self.held.len());
        if room > 0 {
            let claimed = self
                .outbox
                .claim_due_notifications(now, room, lease_until)
                .await
                .map_err(DispatchError::ReadDue)?;
            self.held.extend(
                claimed
                    .into_iter()
                    .map(|notification| (notification.id, notification)),
            );
        }
        let mut due: Vec<Notification> = self.held.values().cloned().collect();
        due.sort_by_key(|notification| (notification.next_attempt_at, notification.id));
        Ok(due)
    }

    /// Drops what this dispatcher knew about notification `id`: it is
    /// settled, or no longer this dispatcher's to settle.
    pub(super) fn forget(&mut self, id: NotificationId) {
        self.held.remove(&id);
        self.progress.remove(&id);
    }

    /// The shared budget's answer for one send; granted when there is none.
    pub(super) async fn take_shared(
        &self,
        to: &Destination,
        now: DateTime<Utc>,
    ) -> Result<SendPermit, StoreError> {
        match &self.shared_budget {
            Some(budget) => budget.take_send(to, now, self.send_limits()).await,
            None => Ok(SendPermit::Granted),
        }
    }

    pub(super) fn send_limits(&self) -> SendLimits {
        let parts = self.settings.parts();
        SendLimits {
            per_chat_interval: parts.per_chat_interval,
            per_bot_per_second: parts.per_bot_per_second,
        }
    }

    /// Trims the shared budget about once a minute; a failure only leaves
    /// it larger, so it is logged and tried again later.
    pub(super) async fn trim_shared_budget(&mut self, now: DateTime<Utc>) {
        let Some(budget) = &self.shared_budget else {
            return;
        };
        if self
            .budget_trimmed_at
            .is_some_and(|at| now - at < Duration::minutes(1))
        {
            return;
        }
        self.budget_trimmed_at = Some(now);
        if let Err(error) = budget.forget_sends_before(now, self.send_limits()).await {
            tracing::warn!(error = %chain(&error), "the shared send budget could not be trimmed");
        }
    }
}
