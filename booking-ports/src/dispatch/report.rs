//! What one dispatch step did, and when the next one should run.

use std::error::Error;

use chrono::{DateTime, Duration, Utc};

use super::{NotificationStoreError, WithdrawReason};
use crate::ports::outbox::{FailureReason, NotificationId};

/// What one step did. Ids only: no personal data.
#[derive(Debug, Default)]
pub struct DispatchReport {
    /// The instant the step ran at.
    pub now: DateTime<Utc>,
    /// How many notifications the step handled: those it claimed now and
    /// those it held from earlier steps.
    pub due: usize,
    /// Whether the step read a full batch, so more may be due.
    pub batch_was_full: bool,
    pub sent: Vec<NotificationId>,
    pub withdrawn: Vec<(NotificationId, WithdrawReason)>,
    /// Recorded as failed for good.
    pub failed: Vec<(NotificationId, FailureReason)>,
    /// Temporary failures, with the next attempt.
    pub retried: Vec<(NotificationId, DateTime<Utc>)>,
    /// Due but held back by the rate limits (or waiting for some of their
    /// destinations); they go in a later step.
    pub deferred: Vec<NotificationId>,
    /// The earliest instant a deferred notification may go.
    pub next_send_at: Option<DateTime<Utc>>,
    /// Withdrawn or erased by a booking change while being handled, or
    /// claimed by another dispatcher after this one's lease ended; nothing
    /// to record.
    pub settled_elsewhere: Vec<NotificationId>,
    pub errors: Vec<NotificationStoreError>,
}

impl DispatchReport {
    pub(super) fn progressed(&self) -> bool {
        !(self.sent.is_empty()
            && self.withdrawn.is_empty()
            && self.failed.is_empty()
            && self.retried.is_empty()
            && self.settled_elsewhere.is_empty())
    }

    /// When the next step should run: at once when a full batch moved
    /// (more is waiting), when the first deferred notification may go, and
    /// after `poll_interval` at the latest (reminders fall due without
    /// anyone waking the loop).
    pub fn next_step_at(&self, poll_interval: Duration) -> DateTime<Utc> {
        if self.batch_was_full && self.progressed() {
            return self.now;
        }
        let poll = self.now + poll_interval;
        self.next_send_at.map_or(poll, |at| at.min(poll))
    }

    pub(super) fn defer(&mut self, id: NotificationId, until: DateTime<Utc>) {
        self.deferred.push(id);
        self.next_send_at = Some(self.next_send_at.map_or(until, |at| at.min(until)));
    }
}

/// An error and its sources, on one line, for logs.
pub(super) fn chain(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Logs what a step did: each notification it could not handle as a
/// warning, a summary of a step that did anything at debug level.
pub(super) fn log_report(report: &DispatchReport) {
    for error in &report.errors {
        tracing::warn!(error = %chain(error), "a notification could not be handled");
    }
    if report.progressed() || !report.deferred.is_empty() {
        tracing::debug!(
            due = report.due,
            sent = report.sent.len(),
            withdrawn = report.withdrawn.len(),
            failed = report.failed.len(),
            retried = report.retried.len(),
            deferred = report.deferred.len(),
            "notification dispatch step"
        );
    }
}
