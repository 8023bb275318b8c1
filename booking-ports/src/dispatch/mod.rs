//! The notification dispatcher: reads due notifications from the outbox,
//! decides whether each still makes sense, hands it to a
//! [`NotificationSender`] within the rate limits, and records what happened.
//!
//! Guarantees, and how they are kept:
//! - **Never wrong.** A reminder goes out only while its booking is pending
//!   or confirmed and its visit is ahead ([`rules`]), checked when the
//!   notification is read and again right before the sender is called. A
//!   reminder that fell due while the process was down still goes out if the
//!   visit is ahead, unless a later reminder is due too.
//! - **Never lost.** A notification is marked sent only after the sender
//!   returned `Ok`; a crash in between sends it again once its claim's
//!   lease ends (at least once; at most one duplicate per crash). Temporary failures are
//!   retried with exponential backoff, honouring the platform's
//!   `retry_after`; permanent failures are recorded on the notification and
//!   never retried.
//! - **Within the limits, dropping nothing.** The [`RateLimiter`] allows one
//!   message per second per chat and about 30 per second per bot; what may
//!   not go now stays pending and goes in a later step. Dispatchers in
//!   several processes share the limits through a [`SendBudget`] in their
//!   store ([`Dispatcher::with_send_budget`]), asked before every send.
//!
//! [`Dispatcher::dispatch_due`] is one step, driven by the clock: tests call
//! it with a [`ManualClock`](crate::ManualClock) and never sleep.
//! [`Dispatcher::run`] is the long-running loop around it.
//!
//! - **Once, with several dispatchers.** Each step claims what it works on
//!   ([`NotificationOutbox::claim_due_notifications`]) with a lease of
//!   [`DispatchSettingsParts::claim_lease`], so dispatchers in several
//!   processes on one database share the outbox without sending a notice
//!   twice; a dispatcher keeps its claims (extending them every step) until
//!   each notice is settled, and releases them when it stops. A dead
//!   dispatcher's claims are taken over when their lease ends. Outcomes are
//!   recorded with the claim, so a dispatcher that lost its claim (it stalled
//!   past the lease) cannot overwrite the next one's record.

mod claims;
mod delivery;
pub mod limiter;
mod report;
pub mod rules;
pub mod settings;
mod wakeup;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use booking_domain::{Booking, BookingId, CustomerId, Service, ServiceId, StaffId, StaffMember};
use chrono::{DateTime, Duration, Utc};
use futures::FutureExt;

use crate::error::StoreError;
use crate::ports::bookings::BookingStore;
use crate::ports::catalog::CatalogStore;
use crate::ports::clock::Clock;
use crate::ports::customers::{CustomerProfile, CustomerStore};
use crate::ports::outbox::{
    FailureReason, MarkNotificationError, NoticeKind, Notification, NotificationClaim,
    NotificationId, NotificationOutbox, Recipient,
};
use crate::ports::send_budget::{SendBudget, SendLimits, SendPermit};
use crate::ports::sender::{
    Addressee, Destination, NotificationSender, OutgoingMessage, SendError,
};

pub use limiter::RateLimiter;
pub use report::DispatchReport;
pub use rules::{Verdict, WithdrawReason};
pub use settings::{DispatchSettings, DispatchSettingsParts, InvalidDispatchSettings};
pub use wakeup::DispatchWakeup;

use report::{chain, log_report};

/// Why a step could not run at all. Failures of single notifications do not
/// stop a step; they are in [`DispatchReport::errors`].
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("could not claim the due notifications")]
    ReadDue(#[source] StoreError),
    #[error("could not extend the claims on the notifications in progress")]
    ExtendClaims(#[source] StoreError),
}

/// A store failure while handling one notification. It stays pending and is
/// handled again in a later step.
#[derive(Debug, thiserror::Error)]
#[error("notification {id}: the store failed")]
pub struct NotificationStoreError {
    pub id: NotificationId,
    #[source]
    pub source: StoreError,
}

/// What a notification's destinations did so far, in this process. Lost on
/// a crash, which then re-sends to every destination once.
#[derive(Debug)]
struct Progress {
    delivered: BTreeSet<Destination>,
    refused: BTreeMap<Destination, FailureReason>,
    touched: DateTime<Utc>,
}

impl Progress {
    fn new(now: DateTime<Utc>) -> Self {
        Self {
            delivered: BTreeSet::new(),
            refused: BTreeMap::new(),
            touched: now,
        }
    }

    fn settled(&self, to: &Destination) -> bool {
        self.delivered.contains(to) || self.refused.contains_key(to)
    }
}

/// A notification read as due and found worth sending.
struct Outgoing {
    message: OutgoingMessage,
    destinations: Vec<Destination>,
    /// The destinations the rate limits let through in this step.
    now_sending: Vec<Destination>,
}

/// What one send to one destination did.
enum SendOutcome {
    Delivered,
    Failed(SendError),
    /// The final check before sending found the reminder pointless.
    Withdrawn(WithdrawReason),
    /// The final check could not read the booking.
    Unchecked(StoreError),
}

/// What the outbox and catalog said during one step, read once.
#[derive(Default)]
struct StepReads {
    bookings: HashMap<BookingId, Option<Booking>>,
    notifications: HashMap<BookingId, Vec<Notification>>,
    customers: HashMap<CustomerId, Option<CustomerProfile>>,
    services: Option<HashMap<ServiceId, Service>>,
    staff: Option<HashMap<StaffId, StaffMember>>,
}

/// What to do with a due notification, after reading its booking.
enum Prepared {
    Send(Box<OutgoingMessage>),
    Withdraw(WithdrawReason),
    /// Its booking does not exist (bookings are never deleted: corruption).
    NoBooking,
}

/// Delivers the notification outbox through a [`NotificationSender`].
/// The stores and the clock are trait objects, so the application picks its
/// store at run time; the sender (`S`) stays a type parameter, one per
/// messaging adapter, so tests can read what their sender recorded. With one
/// store implementing every port, see [`Dispatcher::on_store`].
pub struct Dispatcher<S> {
    outbox: Arc<dyn NotificationOutbox>,
    bookings: Arc<dyn BookingStore>,
    catalog: Arc<dyn CatalogStore>,
    customers: Arc<dyn CustomerStore>,
    sender: S,
    clock: Arc<dyn Clock>,
    settings: DispatchSettings,
    limiter: RateLimiter,
    progress: HashMap<NotificationId, Progress>,
    /// The notifications this dispatcher claimed and has not settled yet
    /// (waiting for the rate limits, or a store failure to pass), as
    /// claimed: each step extends their claims and handles them again.
    held: HashMap<NotificationId, Notification>,
    /// The budget shared with dispatchers in other processes, if any.
    shared_budget: Option<Arc<dyn SendBudget>>,
    /// When the shared budget was last trimmed.
    budget_trimmed_at: Option<DateTime<Utc>>,
    wakeup: DispatchWakeup,
}

impl<S> fmt::Debug for Dispatcher<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dispatcher")
            .field("settings", &self.settings)
            .field("in_progress", &self.progress.len())
            .field("held", &self.held.len())
            .finish_non_exhaustive()
    }
}

impl<S> Dispatcher<S> {
    /// A dispatcher whose outbox, bookings, catalog and customers all live
    /// in `store`.
    pub fn on_store<St>(
        store: St,
        sender: S,
        clock: impl Clock + 'static,
        settings: DispatchSettings,
    ) -> Self
    where
        St: NotificationOutbox + BookingStore + CatalogStore + CustomerStore + 'static,
    {
        let store = Arc::new(store);
        Self::new(
            Arc::clone(&store) as Arc<dyn NotificationOutbox>,
            Arc::clone(&store) as Arc<dyn BookingStore>,
            Arc::clone(&store) as Arc<dyn CatalogStore>,
            store,
            sender,
            Arc::new(clock),
            settings,
        )
    }

    /// A dispatcher over separate ports. It starts with an empty rate
    /// limiter and no memory of earlier runs: everything it needs is in the
    /// outbox.
    pub fn new(
        outbox: Arc<dyn NotificationOutbox>,
        bookings: Arc<dyn BookingStore>,
        catalog: Arc<dyn CatalogStore>,
        customers: Arc<dyn CustomerStore>,
        sender: S,
        clock: Arc<dyn Clock>,
        settings: DispatchSettings,
    ) -> Self {
        let limits = settings.parts();
        let limiter = RateLimiter::new(limits.per_chat_interval, limits.per_bot_per_second);
        Self {
            outbox,
            bookings,
            catalog,
            customers,
            sender,
            clock,
            settings,
            limiter,
            progress: HashMap::new(),
            held: HashMap::new(),
            shared_budget: None,
            budget_trimmed_at: None,
            wakeup: DispatchWakeup::new(),
        }
    }

    /// Uses `wakeup` (shared with the engine, see
    /// [`Engine::with_dispatch_wakeup`](crate::Engine::with_dispatch_wakeup))
    /// to start a step early.
    pub fn with_wakeup(mut self, wakeup: DispatchWakeup) -> Self {
        self.wakeup = wakeup;
        self
    }

    /// Counts every send in `budget` too, which dispatchers in other
    /// processes on the same store share: the limits then hold for all of
    /// them together. This dispatcher's own limiter still decides first
    /// (it costs no query).
    pub fn with_send_budget(mut self, budget: Arc<dyn SendBudget>) -> Self {
        self.shared_budget = Some(budget);
        self
    }

    /// The handle that wakes this dispatcher's run loop.
    pub fn wakeup(&self) -> DispatchWakeup {
        self.wakeup.clone()
    }

    pub fn settings(&self) -> &DispatchSettings {
        &self.settings
    }

    pub fn sender(&self) -> &S {
        &self.sender
    }
}

impl<S: NotificationSender> Dispatcher<S> {
    /// Runs until `shutdown` completes: a step, then a wait until the next
    /// step is due ([`DispatchReport::next_step_at`]), a wake-up, or
    /// shutdown. A step in progress always finishes, so nothing sent goes
    /// unrecorded; shutdown is noticed between steps, and the claims still
    /// held are released then, so another dispatcher need not wait for
    /// their lease. Failures are logged (ids and reasons only, never
    /// personal data) and retried.
    ///
    /// Waits on Tokio's timer: run it on a runtime with time enabled. The
    /// future is `Send`, so it can be spawned.
    pub async fn run(&mut self, shutdown: impl Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown);
        let wakeup = self.wakeup.clone();
        let poll = self.settings.parts().poll_interval;
        loop {
            let next = match self.dispatch_due().await {
                Ok(report) => {
                    log_report(&report);
                    report.next_step_at(poll)
                }
                Err(error) => {
                    tracing::warn!(error = %chain(&error), "notification dispatch step failed");
                    self.clock.now() + poll
                }
            };
            let wait = (next - self.clock.now()).to_std().unwrap_or_default();
            if wait.is_zero() {
                // More is waiting: step again, but let shutdown in first.
                if shutdown.as_mut().now_or_never().is_some() {
                    break;
                }
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                biased;
                () = shutdown.as_mut() => break,
                () = wakeup.woken() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
        self.release_claims().await;
    }

    /// One step at the clock's current time: extends the claims it holds,
    /// claims due notifications up to a batch, and, for each, withdraws it,
    /// sends it, or keeps it for a later step when the rate limits say so. Sends run concurrently (up to the
    /// configured number); outcomes are recorded once all of the step's sends
    /// returned.
    ///
    /// # Errors
    /// [`DispatchError`] when the claims cannot be extended or taken;
    /// failures of single notifications are in the report instead.
    pub async fn dispatch_due(&mut self) -> Result<DispatchReport, DispatchError> {
        let now = self.clock.now();
        let batch = self.settings.parts().batch_size;
        self.limiter.forget_before(now);
        self.forget_old_progress(now);
        self.trim_shared_budget(now).await;
        let mut report = DispatchReport {
            now,
            ..DispatchReport::default()
        };
        let due = self.claim(now, &mut report).await?;
        report.due = due.len();
        report.batch_was_full = due.len() >= batch;

        let mut reads = StepReads::default();
        let mut outgoing = Vec::new();
        for notification in due {
            if let Some(out) = self
                .consider(notification, now, &mut reads, &mut report)
                .await
            {
                outgoing.push(out);
            }
        }

        let outcomes = self.send_all(&outgoing).await;
        let mut by_message: Vec<Vec<(Destination, SendOutcome)>> =
            outgoing.iter().map(|_| Vec::new()).collect();
        for (index, to, outcome) in outcomes {
            if let Some(slot) = by_message.get_mut(index) {
                slot.push((to, outcome));
            }
        }
        for (out, outcomes) in outgoing.into_iter().zip(by_message) {
            self.settle(out, outcomes, &mut report).await;
        }
        Ok(report)
    }

    /// Decides what to do with one due notification. Returns it when some
    /// of its destinations may be sent to now.
    async fn consider(
        &mut self,
        notification: Notification,
        now: DateTime<Utc>,
        reads: &mut StepReads,
        report: &mut DispatchReport,
    ) -> Option<Outgoing> {
        let id = notification.id;
        let claim = notification.claim();
        let addressee = match self.addressee(notification.recipient, reads).await {
            Ok(Some(addressee)) => addressee,
            // Nobody to tell, and nobody ever will be: not a failure of
            // delivery, so it is withdrawn (and counted) rather than failed.
            Ok(None) => {
                self.withdraw(claim, WithdrawReason::CustomerUnreachable, report)
                    .await;
                return None;
            }
            Err(source) => {
                report.errors.push(NotificationStoreError { id, source });
                return None;
            }
        };
        let destinations = self.sender.destinations(&addressee);
        if destinations.is_empty() {
            let reason = FailureReason::new("nobody to deliver it to");
            self.record_failure(claim, reason, report).await;
            return None;
        }
        let open: Vec<Destination> = match self.progress.get(&id) {
            Some(progress) => destinations
                .iter()
                .filter(|to| !progress.settled(to))
                .cloned()
                .collect(),
            None => destinations.clone(),
        };
        // Ask the limiter before reading anything: most of a large backlog
        // waits, and waiting costs no queries.
        let available = open
            .iter()
            .map(|to| self.limiter.available_at(to, now))
            .min();
        if let Some(at) = available.filter(|at| *at > now) {
            report.defer(id, at);
            return None;
        }

        let message = match self.prepare(&notification, now, reads).await {
            Ok(Prepared::Send(message)) => *message,
            Ok(Prepared::Withdraw(reason)) => {
                self.withdraw(claim, reason, report).await;
                return None;
            }
            Ok(Prepared::NoBooking) => {
                let reason = FailureReason::new("its booking does not exist");
                self.record_failure(claim, reason, report).await;
                return None;
            }
            Err(source) => {
                report.errors.push(NotificationStoreError { id, source });
                return None;
            }
        };
        let mut now_sending = Vec::new();
        let mut waiting_until = None;
        for to in open {
            let permit = match self.limiter.try_acquire(&to, now) {
                Ok(()) => self.take_shared(&to, now).await,
                Err(at) => Ok(SendPermit::WaitUntil(at)),
            };
            match permit {
                Ok(SendPermit::Granted) => now_sending.push(to),
                Ok(SendPermit::WaitUntil(at)) => {
                    waiting_until = Some(waiting_until.map_or(at, |w: DateTime<Utc>| w.min(at)))
                }
                // Not sent, and the notification stays held: the next step
                // asks again.
                Err(source) => report.errors.push(NotificationStoreError { id, source }),
            }
        }
        if let Some(at) = waiting_until {
            report.defer(id, at);
        }
        Some(Outgoing {
            message,
            destinations,
            now_sending,
        })
    }

    /// Reads what rendering needs and applies the reminder rules.
    async fn prepare(
        &self,
        notification: &Notification,
        now: DateTime<Utc>,
        reads: &mut StepReads,
    ) -> Result<Prepared, StoreError> {
        let Some(booking) = self.booking(notification.booking, reads).await? else {
            return Ok(Prepared::NoBooking);
        };
        if notification.kind.is_reminder() {
            let siblings = match reads.notifications.get(&booking.id()) {
                Some(siblings) => siblings,
                None => {
                    let read = self.outbox.notifications_of_booking(booking.id()).await?;
                    reads.notifications.entry(booking.id()).or_insert(read)
                }
            };
            if let Verdict::Withdraw(reason) = rules::verdict(notification, &booking, siblings, now)
            {
                return Ok(Prepared::Withdraw(reason));
            }
        }
        let customer = match booking.customer() {
            Some(id) => self.customer_record(id, reads).await?,
            None => None,
        };
        let replaced = match (notification.kind, booking.rescheduled_from()) {
            (NoticeKind::Rescheduled, Some(old)) => self.booking(old, reads).await?,
            _ => None,
        };
        if reads.services.is_none() {
            let services = self.catalog.services().await?;
            reads.services = Some(services.into_iter().map(|s| (s.id(), s)).collect());
        }
        if reads.staff.is_none() {
            let staff = self.catalog.staff().await?;
            reads.staff = Some(staff.into_iter().map(|m| (m.id(), m)).collect());
        }
        let service = reads
            .services
            .as_ref()
            .and_then(|all| all.get(&booking.service()).cloned());
        let staff = reads
            .staff
            .as_ref()
            .and_then(|all| all.get(&booking.staff()).cloned());
        Ok(Prepared::Send(Box::new(OutgoingMessage {
            notification: notification.clone(),
            booking,
            service,
            staff,
            customer,
            replaced,
        })))
    }

    async fn booking(
        &self,
        id: BookingId,
        reads: &mut StepReads,
    ) -> Result<Option<Booking>, StoreError> {
        if let Some(booking) = reads.bookings.get(&id) {
            return Ok(booking.clone());
        }
        let booking = self.bookings.booking(id).await?;
        reads.bookings.insert(id, booking.clone());
        Ok(booking)
    }

    /// The record of customer `id`, read once per step.
    async fn customer_record(
        &self,
        id: CustomerId,
        reads: &mut StepReads,
    ) -> Result<Option<CustomerProfile>, StoreError> {
        if let Some(profile) = reads.customers.get(&id) {
            return Ok(profile.clone());
        }
        let profile = self.customers.customer(id).await?;
        reads.customers.insert(id, profile.clone());
        Ok(profile)
    }

    /// How the sender reaches `recipient`; `None` for a customer without a
    /// Telegram account (or without a record any more).
    async fn addressee(
        &self,
        recipient: Recipient,
        reads: &mut StepReads,
    ) -> Result<Option<Addressee>, StoreError> {
        Ok(match recipient {
            Recipient::Staff(staff) => Some(Addressee::Staff(staff)),
            Recipient::Customer(id) => self
                .customer_record(id, reads)
                .await?
                .and_then(|record| record.telegram)
                .map(Addressee::Customer),
        })
    }

    /// Progress is kept while the notification is held, and across
    /// retries; what nobody touched for longer than any retry delay belongs
    /// to notifications settled elsewhere.
    fn forget_old_progress(&mut self, now: DateTime<Utc>) {
        let keep = (self.settings.parts().max_retry_delay * 2).max(Duration::days(1));
        let held = &self.held;
        self.progress
            .retain(|id, progress| held.contains_key(id) || now - progress.touched < keep);
    }
}
