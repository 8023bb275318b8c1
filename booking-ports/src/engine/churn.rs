//! Daily limits on what one customer may do to the calendar: bookings made
//! (new ones and moves) and bookings cancelled in any 24 hours.
//!
//! A customer booking and cancelling in a loop floods the staff's chats
//! with notices and pushes real ones back; the active-booking limit does not
//! stop it, because each cancellation frees a place. The limits count what
//! the store already records (each booking's `created_at`, each
//! cancellation's time and author), so they hold across restarts and need
//! no table of their own.
//!
//! They are checked before the write, not inside it: two requests of one
//! customer racing each other may both pass at the limit. The per-chat
//! admission of the bots bounds how many such requests can be in flight, so
//! the overshoot is a request or two, which an anti-churn limit can afford;
//! the active-booking limit, which must be exact, is decided in the store.

use booking_domain::CustomerId;
use chrono::{DateTime, Duration, Utc};

use super::Engine;
use crate::error::StoreError;
use crate::ports::bookings::CustomerChurn;

/// The window the daily limits count in.
pub const CHURN_WINDOW: Duration = Duration::hours(24);

/// A limit of zero, which would shut every customer out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a daily limit must allow at least one")]
pub struct ZeroDailyLimit;

/// How many bookings one customer may make, and cancel, in any 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChurnLimits {
    bookings_per_day: u16,
    cancellations_per_day: u16,
}

impl ChurnLimits {
    /// # Errors
    /// [`ZeroDailyLimit`] when either limit is zero.
    pub fn new(bookings_per_day: u16, cancellations_per_day: u16) -> Result<Self, ZeroDailyLimit> {
        if bookings_per_day == 0 || cancellations_per_day == 0 {
            return Err(ZeroDailyLimit);
        }
        Ok(Self {
            bookings_per_day,
            cancellations_per_day,
        })
    }

    /// Bookings made (new ones and moves) in any 24 hours.
    pub fn bookings_per_day(&self) -> u16 {
        self.bookings_per_day
    }

    /// Bookings the customer cancelled in any 24 hours.
    pub fn cancellations_per_day(&self) -> u16 {
        self.cancellations_per_day
    }
}

impl Default for ChurnLimits {
    /// Ten bookings and five cancellations a day: a family booking for
    /// everyone and changing its mind stays well inside; a loop does not.
    fn default() -> Self {
        Self {
            bookings_per_day: 10,
            cancellations_per_day: 5,
        }
    }
}

/// What a customer was refused: the limit in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DailyLimitReached {
    pub(crate) limit: u16,
}

/// Which daily limit a change counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Churn {
    /// A new booking, or a move (which makes a new booking).
    Booking,
    /// A cancellation by the customer.
    Cancellation,
}

impl Churn {
    /// What of `churned` counts against this limit.
    fn counted(self, churned: CustomerChurn) -> u32 {
        match self {
            Churn::Booking => churned.bookings_made,
            Churn::Cancellation => churned.cancelled_by_customer,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Churn::Booking => "bookings",
            Churn::Cancellation => "cancellations",
        }
    }
}

impl Engine {
    /// Whether `customer` may make one more change of kind `churn` at
    /// `now`; a refusal is counted.
    pub(crate) async fn within_daily_limit(
        &self,
        customer: CustomerId,
        churn: Churn,
        now: DateTime<Utc>,
    ) -> Result<Result<(), DailyLimitReached>, StoreError> {
        let churned = self
            .bookings
            .customer_churn_since(customer, churn_counted_since(now))
            .await?;
        Ok(self.check_daily_limit(churn, churned))
    }

    /// Whether a customer who `churned` so within the window may make one
    /// more change of kind `churn`; a refusal is counted.
    pub(crate) fn check_daily_limit(
        &self,
        churn: Churn,
        churned: CustomerChurn,
    ) -> Result<(), DailyLimitReached> {
        let limits = self.settings().churn_limits();
        let limit = match churn {
            Churn::Booking => limits.bookings_per_day(),
            Churn::Cancellation => limits.cancellations_per_day(),
        };
        if churn.counted(churned) < u32::from(limit) {
            return Ok(());
        }
        crate::metrics::daily_limit_reached(churn.label());
        Err(DailyLimitReached { limit })
    }
}

/// The instant after which changes count against the daily limits at
/// `now`.
pub(crate) fn churn_counted_since(now: DateTime<Utc>) -> DateTime<Utc> {
    now - CHURN_WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_limit_is_refused() {
        assert_eq!(ChurnLimits::new(0, 1), Err(ZeroDailyLimit));
        assert_eq!(ChurnLimits::new(1, 0), Err(ZeroDailyLimit));
        let limits = ChurnLimits::new(3, 2).unwrap();
        assert_eq!(
            (limits.bookings_per_day(), limits.cancellations_per_day()),
            (3, 2)
        );
    }
}
