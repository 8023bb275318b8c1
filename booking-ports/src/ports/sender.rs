//! The delivery port: how the dispatcher hands a notification to a messaging
//! platform (the Telegram adapter, in the bundled deployment).
//!
//! The dispatcher decides *whether* and *when* a notification goes out (the
//! reminder rules, rate limits, retries); the sender decides *where* it goes
//! ([`NotificationSender::destinations`]) and *what it says*: it renders the
//! text, in the recipient's language, from the booking as it is at sending
//! time, and delivers it. A sender never retries by itself: it reports what
//! happened as a [`SendError`] and the dispatcher records it in the outbox.

use std::fmt;

use async_trait::async_trait;
use booking_domain::{Booking, Service, StaffId, StaffMember, TelegramUserId};
use chrono::Duration;

use crate::error::BoxError;
use crate::ports::conversations::{BotName, ChatKey};
use crate::ports::customers::CustomerProfile;
use crate::ports::outbox::{FailureReason, Notification};

/// One chat of one bot: where a message is delivered. Rate limits apply per
/// destination (one message per second) and per bot (about 30 per second),
/// because that is how the Telegram Bot API counts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Destination {
    pub bot: BotName,
    pub chat: ChatKey,
}

impl fmt::Display for Destination {
    /// `bot/chat`. Chat ids are not personal data on their own, but
    /// callers should still prefer the notification id in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.bot, self.chat.get())
    }
}

/// A notification with everything needed to render it, read from the stores
/// just before sending, so the text describes the booking as it is now.
///
/// Personal data: the customer's profile prints masked in `Debug` (its own
/// types mask it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub notification: Notification,
    /// The booking as stored now (status, times, cancellation reason,
    /// version for action buttons, whether the customer said "I'll come").
    pub booking: Booking,
    /// `None` only if the catalog lost the entry (entries are never deleted).
    pub service: Option<Service>,
    pub staff: Option<StaffMember>,
    /// The profile of the booking's customer: their language for customer
    /// messages, their name and phone for staff. `None` for an anonymised
    /// booking.
    pub customer: Option<CustomerProfile>,
    /// For [`NoticeKind::Rescheduled`](crate::ports::outbox::NoticeKind::Rescheduled):
    /// the booking this one replaced, so the text can say "moved from ... to
    /// ...". `None` otherwise.
    pub replaced: Option<Booking>,
}

/// Why a delivery did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// It may work later: a timeout, a network error, a server error, or
    /// flood control (Telegram's 429). `retry_after` is the wait the
    /// platform asked for, when it asked; the dispatcher waits at least that
    /// long before sending anything else through the same bot.
    #[error("the delivery failed for now")]
    Temporary {
        retry_after: Option<Duration>,
        #[source]
        source: BoxError,
    },
    /// It will never work: the user blocked the bot, deleted their account,
    /// the chat is gone. Recorded on the notification and never retried.
    #[error("the delivery failed for good: {reason}")]
    Permanent { reason: FailureReason },
}

impl SendError {
    /// A temporary failure without a requested wait.
    pub fn temporary(source: impl Into<BoxError>) -> Self {
        Self::Temporary {
            retry_after: None,
            source: source.into(),
        }
    }

    /// Flood control: the platform asked to wait `retry_after`.
    pub fn rate_limited(retry_after: Duration, source: impl Into<BoxError>) -> Self {
        Self::Temporary {
            retry_after: Some(retry_after),
            source: source.into(),
        }
    }

    /// A permanent failure, for the reason the platform gave (no personal
    /// data: "Forbidden: bot was blocked by the user").
    pub fn permanent(reason: &str) -> Self {
        Self::Permanent {
            reason: FailureReason::new(reason),
        }
    }
}

/// Who a notification goes to, as a messaging adapter reaches them: a
/// [`Recipient`](crate::ports::outbox::Recipient) with the customer's record looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Addressee {
    /// A customer, through their Telegram account.
    Customer(TelegramUserId),
    Staff(StaffId),
}

/// Delivers notifications. Implemented by a messaging adapter (the Telegram
/// bots); the dispatcher calls it.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait NotificationSender: Send + Sync {
    /// The chats a notification to `to` goes to. A customer: their private
    /// chat (with the client bot) of the Telegram account their record
    /// names; the dispatcher withdraws a notice to a customer without one.
    /// A staff member: the admin chats that see notices about them (their
    /// own, the owner's), possibly several.
    ///
    /// MUST be cheap and not block (it reads configuration). MUST return the
    /// same destinations for the same addressee while the configuration does
    /// not change. An empty list means nobody can be told: the dispatcher
    /// records the notification as failed.
    fn destinations(&self, to: &Addressee) -> Vec<Destination>;

    /// Renders `message` for `to` and delivers it. Called at most once at a
    /// time per destination and never faster than the dispatcher's rate
    /// limits allow.
    ///
    /// MUST return `Ok` only once the platform accepted the message: the
    /// dispatcher then records it as sent and never sends it again (unless
    /// the process dies before recording it: delivery is at least once).
    ///
    /// # Errors
    /// [`SendError::Temporary`] for anything that may pass (with
    /// `retry_after` for flood control); [`SendError::Permanent`] when the
    /// chat can never receive it.
    async fn send(&self, to: &Destination, message: &OutgoingMessage) -> Result<(), SendError>;
}
