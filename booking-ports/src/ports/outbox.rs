//! The notification outbox: messages to customers and staff about bookings,
//! stored in the same transaction as the booking change that causes them, and
//! delivered later by a dispatcher.
//!
//! A notification records who is told what about which booking and when; the
//! text is rendered at send time from the booking's current state, so a
//! message never describes a booking as it no longer is. Booking changes carry
//! an [`OutboxChange`] that the booking store commits with the change.

use std::fmt;

use async_trait::async_trait;
use booking_domain::{BookingId, CustomerId, InvalidId, Minutes, StaffId};
use chrono::{DateTime, Utc};

use crate::error::StoreError;

/// A stored notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NotificationId(i64);

impl NotificationId {
    /// # Errors
    /// [`InvalidId`] when `value <= 0`.
    pub fn new(value: i64) -> Result<Self, InvalidId> {
        if value > 0 {
            Ok(Self(value))
        } else {
            Err(InvalidId(value))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for NotificationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Who is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recipient {
    /// The customer who holds the booking.
    Customer(CustomerId),
    /// The staff member who performs the booking; the dispatcher decides which
    /// admin chats see notices about them.
    Staff(StaffId),
}

/// What a notification says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// To staff: a booking was made. `awaiting_confirmation` when it was made
    /// pending, so the message asks staff to confirm it.
    NewBooking { awaiting_confirmation: bool },
    /// To the customer: staff confirmed the booking.
    Confirmed,
    /// The booking was cancelled (the reason is on the booking).
    Cancelled,
    /// The booking replaced an earlier one (see
    /// [`Booking::rescheduled_from`](booking_domain::Booking::rescheduled_from)).
    Rescheduled,
    /// To the customer, `before` the visit.
    CustomerReminder { before: Minutes },
    /// To staff, `before` the visit.
    StaffReminder { before: Minutes },
    /// To staff: a pending booking still awaits confirmation and is cancelled
    /// by the system `before` after this notice is due (its deadline is
    /// `due_at + before`) unless confirmed. Sent only while the booking is
    /// pending and its deadline ahead.
    ConfirmationReminder { before: Minutes },
    /// Nobody confirmed a pending booking in time, so the system cancelled
    /// it (to the customer, and to its staff member).
    Expired,
}

impl NoticeKind {
    /// Reminders are withdrawn when their booking is cancelled or moved;
    /// notices about a change are not.
    pub fn is_reminder(&self) -> bool {
        matches!(
            self,
            Self::CustomerReminder { .. }
                | Self::StaffReminder { .. }
                | Self::ConfirmationReminder { .. }
        )
    }
}

/// A notification about to be stored, without id and without booking: the
/// booking store links it to the booking the change is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub recipient: Recipient,
    pub kind: NoticeKind,
    /// When it should be sent: now for notices, before the visit for reminders.
    pub due_at: DateTime<Utc>,
}

/// The outbox side of a booking change, committed in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutboxChange {
    /// Notices to store, linked to the booking the change is about (for a
    /// reschedule: the new booking).
    pub add: Vec<NewNotice>,
    /// Withdraw the pending reminders of the booking the change is about (for
    /// a reschedule: the old booking's).
    pub withdraw_pending_reminders: bool,
}

impl OutboxChange {
    /// No notices, nothing withdrawn.
    pub fn none() -> Self {
        Self::default()
    }
}

/// Why a delivery failed for good, as the delivery channel put it. Never
/// holds personal data; at most [`FailureReason::MAX_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FailureReason(String);

impl FailureReason {
    pub const MAX_CHARS: usize = 300;

    /// `reason`, trimmed and cut to [`FailureReason::MAX_CHARS`] characters.
    pub fn new(reason: &str) -> Self {
        Self(reason.trim().chars().take(Self::MAX_CHARS).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a notification is in its delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting to be sent at `next_attempt_at`.
    Pending,
    Sent {
        at: DateTime<Utc>,
    },
    /// Will not be retried (the user blocked the bot, the chat is gone).
    Failed {
        at: DateTime<Utc>,
        reason: FailureReason,
    },
    /// Its booking was cancelled or moved before it was sent.
    Withdrawn,
}

impl DeliveryState {
    /// A stable lower-case name, for storage and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent { .. } => "sent",
            Self::Failed { .. } => "failed",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: NotificationId,
    pub booking: BookingId,
    pub recipient: Recipient,
    pub kind: NoticeKind,
    pub due_at: DateTime<Utc>,
    pub state: DeliveryState,
    /// Delivery attempts made so far.
    pub attempts: u32,
    /// When the dispatcher should try next: `due_at` at first, later after a
    /// temporary failure.
    pub next_attempt_at: DateTime<Utc>,
    /// How many times a dispatcher claimed it; the latest claim is
    /// [`Notification::claim`].
    pub claims: u32,
    /// Until when the latest claim holds it, while a dispatcher works on it;
    /// `None` once its outcome is recorded or the claim released.
    pub claimed_until: Option<DateTime<Utc>>,
}

impl Notification {
    /// Its latest claim: the one a dispatcher that claimed it records the
    /// outcome with.
    pub fn claim(&self) -> NotificationClaim {
        NotificationClaim {
            id: self.id,
            number: self.claims,
        }
    }
}

/// A dispatcher's hold on a pending notification, from
/// [`NotificationOutbox::claim_due_notifications`] until its outcome is
/// recorded, its claim released, or the claim's lease ends. Outcomes are
/// recorded with the claim: once another dispatcher claimed the
/// notification after the lease ended, a late outcome from the first is
/// refused ([`MarkNotificationError::ClaimLost`]) instead of overwriting
/// the second's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NotificationClaim {
    pub id: NotificationId,
    /// Which of the notification's claims this is (1 for the first).
    pub number: u32,
}

/// The late part of the outbox at some moment: pending notifications whose
/// due time has passed, whether they wait for their first attempt or for a
/// retry. A healthy dispatcher keeps it near zero; it grows when messages
/// cannot be delivered (Telegram down, the dispatcher stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxBacklog {
    /// How many pending notifications are due.
    pub due: u64,
    /// The earliest `due_at` among them; `None` when none is due.
    pub oldest_due_at: Option<DateTime<Utc>>,
}

impl OutboxBacklog {
    /// How long the oldest due notification has waited at `now`; zero when
    /// none is due.
    pub fn oldest_age(&self, now: DateTime<Utc>) -> chrono::Duration {
        self.oldest_due_at.map_or(chrono::Duration::zero(), |due| {
            (now - due).max(chrono::Duration::zero())
        })
    }
}

/// Why a delivery outcome could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum MarkNotificationError {
    #[error("no such notification")]
    NotFound,
    /// Only a pending notification changes state; `current` is what it is now
    /// (withdrawn meanwhile, for instance).
    #[error("the notification is {} already", current.name())]
    NotPending { current: DeliveryState },
    /// Still pending, but claimed again since (the claim's lease ended and
    /// another dispatcher took it over): the outcome is theirs to record.
    #[error("the notification was claimed again by another dispatcher")]
    ClaimLost,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The dispatcher's side of the outbox. Notifications are written by the
/// booking store together with booking changes; this port reads the due ones
/// and records what delivery did.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait NotificationOutbox: Send + Sync {
    /// Up to `limit` pending notifications with `next_attempt_at <= now`,
    /// ordered by `next_attempt_at` then id, whether claimed or not: what is
    /// due, for inspection. The dispatcher claims instead
    /// ([`NotificationOutbox::claim_due_notifications`]). MUST NOT return
    /// sent, failed or withdrawn ones. A stored row that cannot be read MUST
    /// NOT stop the others: the adapter marks it failed (with a reason that
    /// names no personal data), counts it, and leaves it out, so one corrupt
    /// notice never blocks every delivery behind it.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn due_notifications(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError>;

    /// Claims up to `limit` pending notifications with `next_attempt_at <=
    /// now` that no live claim holds (never claimed, released, or claimed
    /// until `now` or earlier), the earliest `next_attempt_at` first, then by
    /// id, and returns them in that order. Each one's `claims` MUST go up by
    /// one and `claimed_until` become `lease_until`, atomically: two
    /// dispatchers claiming at once, in this process or another, MUST never
    /// both get the same notification. Unreadable rows are handled as in
    /// [`NotificationOutbox::due_notifications`].
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn claim_due_notifications(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Notification>, StoreError>;

    /// Extends each of `claims` that still holds (its notification pending
    /// and not claimed again since) to `lease_until`, and returns those; the
    /// others are lost to their holder.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn extend_claims(
        &self,
        claims: &[NotificationClaim],
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<NotificationClaim>, StoreError>;

    /// Lets go of `claims` without an outcome (a dispatcher stopping): each
    /// one that still holds is due again for anyone at once. Claims that
    /// no longer hold are left alone.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn release_claims(&self, claims: &[NotificationClaim]) -> Result<(), StoreError>;

    /// Records a delivery. MUST count the attempt, make the state
    /// [`DeliveryState::Sent`] and end the claim.
    ///
    /// # Errors
    /// [`MarkNotificationError::NotPending`] unless pending;
    /// [`MarkNotificationError::ClaimLost`] when claimed again since;
    /// [`MarkNotificationError::NotFound`] for an unknown id.
    async fn mark_sent(
        &self,
        claim: NotificationClaim,
        at: DateTime<Utc>,
    ) -> Result<(), MarkNotificationError>;

    /// Records a temporary failure. MUST count the attempt, keep the state
    /// pending, set `next_attempt_at` and end the claim.
    ///
    /// # Errors
    /// As [`NotificationOutbox::mark_sent`].
    async fn retry_later(
        &self,
        claim: NotificationClaim,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), MarkNotificationError>;

    /// Records a permanent failure. MUST count the attempt, make the state
    /// [`DeliveryState::Failed`] and end the claim; it is never returned as
    /// due again.
    ///
    /// # Errors
    /// As [`NotificationOutbox::mark_sent`].
    async fn mark_failed(
        &self,
        claim: NotificationClaim,
        at: DateTime<Utc>,
        reason: FailureReason,
    ) -> Result<(), MarkNotificationError>;

    /// Records that a pending notification will not be sent because it no
    /// longer makes sense: its booking is no longer active, its visit has
    /// started, or a later reminder superseded it. MUST make the state
    /// [`DeliveryState::Withdrawn`] without counting an attempt and end the
    /// claim; it is never returned as due again.
    ///
    /// # Errors
    /// As [`NotificationOutbox::mark_sent`].
    async fn withdraw_notification(
        &self,
        claim: NotificationClaim,
    ) -> Result<(), MarkNotificationError>;

    /// The backlog at `now`, for monitoring: MUST count the pending
    /// notifications with `due_at <= now`, including those waiting for a
    /// retry (`next_attempt_at > now`), and report the earliest `due_at`
    /// among them. MUST NOT count sent, failed or withdrawn ones, nor those
    /// due later. Called at every metrics scrape, so it must not read the
    /// whole history.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a stored value is corrupt.
    async fn outbox_backlog(&self, now: DateTime<Utc>) -> Result<OutboxBacklog, StoreError>;

    /// Every notification about `booking`, in any state, ordered by id.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a stored row is corrupt.
    async fn notifications_of_booking(
        &self,
        booking: BookingId,
    ) -> Result<Vec<Notification>, StoreError>;
}
