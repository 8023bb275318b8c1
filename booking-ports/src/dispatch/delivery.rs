//! Delivery, the second half of a dispatch step: sending what the step
//! prepared to each destination the limiter lets through, then settling
//! each notification in the outbox (sent, retried later, withdrawn or
//! failed for good) from what its sends did.

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use super::*;
use crate::ports::conversations::BotName;

impl<S: NotificationSender> Dispatcher<S> {
    /// Sends every message of the step to the destinations the limiter let
    /// through, a bounded number at a time. Each reminder's booking is read
    /// once more right before its send, so a booking cancelled while the
    /// step ran gets no reminder.
    pub(super) async fn send_all(
        &self,
        outgoing: &[Outgoing],
    ) -> Vec<(usize, Destination, SendOutcome)> {
        // A plain loop over `async fn` futures rather than stream
        // combinators with closures: those make the run loop's future fail
        // to be `Send` (higher-ranked lifetime inference), and the app
        // spawns it.
        let mut jobs = Vec::new();
        for (index, out) in outgoing.iter().enumerate() {
            for to in &out.now_sending {
                jobs.push((index, to, &out.message));
            }
        }
        let concurrency = self.settings.parts().concurrency;
        let mut jobs = jobs.into_iter();
        let mut running = FuturesUnordered::new();
        let mut outcomes = Vec::new();
        loop {
            while running.len() < concurrency {
                match jobs.next() {
                    Some((index, to, message)) => running.push(self.send_job(index, to, message)),
                    None => break,
                }
            }
            match running.next().await {
                Some(outcome) => outcomes.push(outcome),
                None => return outcomes,
            }
        }
    }

    async fn send_job(
        &self,
        index: usize,
        to: &Destination,
        message: &OutgoingMessage,
    ) -> (usize, Destination, SendOutcome) {
        (index, to.clone(), self.send_one(to, message).await)
    }

    async fn send_one(&self, to: &Destination, message: &OutgoingMessage) -> SendOutcome {
        if message.notification.kind.is_reminder() {
            match self.bookings.booking(message.booking.id()).await {
                Ok(Some(booking)) => {
                    if let Some(reason) =
                        rules::pointless(&message.notification, &booking, self.clock.now())
                    {
                        return SendOutcome::Withdrawn(reason);
                    }
                }
                Ok(None) => {
                    return SendOutcome::Withdrawn(WithdrawReason::BookingNotActive {
                        status: "missing",
                    });
                }
                Err(error) => return SendOutcome::Unchecked(error),
            }
        }
        match self.sender.send(to, message).await {
            Ok(()) => SendOutcome::Delivered,
            Err(error) => SendOutcome::Failed(error),
        }
    }

    /// Records what the sends of one notification did.
    pub(super) async fn settle(
        &mut self,
        out: Outgoing,
        outcomes: Vec<(Destination, SendOutcome)>,
        report: &mut DispatchReport,
    ) {
        let notification = &out.message.notification;
        let id = notification.id;
        let claim = notification.claim();
        let now = self.clock.now();
        let progress = self
            .progress
            .entry(id)
            .or_insert_with(|| Progress::new(now));
        progress.touched = now;
        let mut temporary: Option<Option<Duration>> = None;
        let mut withdrawn = None;
        let mut pauses = Vec::new();
        for (to, outcome) in outcomes {
            match outcome {
                SendOutcome::Delivered => {
                    progress.delivered.insert(to);
                }
                SendOutcome::Failed(SendError::Permanent { reason }) => {
                    tracing::info!(
                        notification = %id, bot = %to.bot, %reason,
                        "a chat refused a notification for good"
                    );
                    progress.refused.insert(to, reason);
                }
                SendOutcome::Failed(SendError::Temporary {
                    retry_after,
                    source,
                }) => {
                    tracing::warn!(
                        notification = %id, bot = %to.bot, error = %chain(source.as_ref()),
                        retry_after_s = retry_after.map(|d| d.num_seconds()),
                        "a notification could not be delivered for now"
                    );
                    if let Some(wait) = retry_after {
                        pauses.push((to.bot.clone(), now + wait));
                    }
                    // Several destinations may each ask for a wait; the
                    // longest one holds.
                    temporary = Some(temporary.flatten().max(retry_after));
                }
                SendOutcome::Withdrawn(reason) => withdrawn = Some(reason),
                SendOutcome::Unchecked(source) => {
                    report.errors.push(NotificationStoreError { id, source });
                }
            }
        }

        for (bot, until) in pauses {
            self.pause_bot(&bot, until).await;
        }
        if let Some(reason) = withdrawn {
            self.withdraw(claim, reason, report).await;
            return;
        }
        if let Some(retry_after) = temporary {
            let attempts = notification.attempts.saturating_add(1);
            if attempts >= self.settings.parts().max_attempts {
                let reason =
                    FailureReason::new(&format!("gave up after {attempts} failed attempts"));
                self.record_failure(claim, reason, report).await;
                return;
            }
            let next = now
                + self
                    .settings
                    .retry_delay(notification.attempts, retry_after);
            match self.outbox.retry_later(claim, next).await {
                Ok(()) => {
                    // The progress stays: the retry sends only to the
                    // destinations that have not had it.
                    self.held.remove(&id);
                    report.retried.push((id, next));
                }
                Err(error) => self.mark_error(id, error, report),
            }
            return;
        }
        let progress = self.progress.get(&id);
        let all_settled = out
            .destinations
            .iter()
            .all(|to| progress.is_some_and(|p| p.settled(to)));
        if !all_settled {
            // Some destinations wait for the rate limits; a later step sends
            // to them and records the whole.
            return;
        }
        let delivered = progress.is_some_and(|p| !p.delivered.is_empty());
        let refusal = progress.and_then(|p| p.refused.values().next().cloned());
        match (delivered, refusal) {
            (false, Some(reason)) => self.record_failure(claim, reason, report).await,
            _ => match self.outbox.mark_sent(claim, now).await {
                Ok(()) => {
                    self.forget(id);
                    report.sent.push(id);
                }
                // The progress stays, so the next step records it without
                // sending again.
                Err(error) => self.mark_error(id, error, report),
            },
        }
    }

    /// Flood control: holds every send of `bot` until `until`, here and, with
    /// a shared budget, in every other dispatcher.
    async fn pause_bot(&mut self, bot: &BotName, until: DateTime<Utc>) {
        self.limiter.pause(bot, until);
        if let Some(budget) = &self.shared_budget
            && let Err(error) = budget.pause_bot(bot, until).await
        {
            tracing::warn!(
                %bot, error = %chain(&error),
                "the pause could not be shared; other instances learn it from their own 429"
            );
        }
    }

    pub(super) async fn withdraw(
        &mut self,
        claim: NotificationClaim,
        reason: WithdrawReason,
        report: &mut DispatchReport,
    ) {
        let id = claim.id;
        tracing::debug!(notification = %id, %reason, "reminder withdrawn");
        match self.outbox.withdraw_notification(claim).await {
            Ok(()) => {
                self.forget(id);
                report.withdrawn.push((id, reason));
            }
            Err(error) => self.mark_error(id, error, report),
        }
    }

    pub(super) async fn record_failure(
        &mut self,
        claim: NotificationClaim,
        reason: FailureReason,
        report: &mut DispatchReport,
    ) {
        let id = claim.id;
        tracing::warn!(notification = %id, %reason, "notification failed for good");
        match self
            .outbox
            .mark_failed(claim, self.clock.now(), reason.clone())
            .await
        {
            Ok(()) => {
                self.forget(id);
                report.failed.push((id, reason));
            }
            Err(error) => self.mark_error(id, error, report),
        }
    }

    /// A settling write that missed: someone else settled it (a booking
    /// change withdrew it, an erasure deleted it, another dispatcher claimed
    /// it after this one's lease ended), or the store failed.
    pub(super) fn mark_error(
        &mut self,
        id: NotificationId,
        error: MarkNotificationError,
        report: &mut DispatchReport,
    ) {
        match error {
            MarkNotificationError::NotFound
            | MarkNotificationError::NotPending { .. }
            | MarkNotificationError::ClaimLost => {
                self.forget(id);
                report.settled_elsewhere.push(id);
            }
            MarkNotificationError::Store(source) => {
                report.errors.push(NotificationStoreError { id, source });
            }
        }
    }
}
