//! What a customer can learn and erase about themselves: "my data" and
//! "forget me".

use booking_domain::{Actor, Booking, BookingId, CustomerId};

use super::Engine;
use super::errors::{BookingChangeError, ForgetError};
use super::notices::notice_now;
use crate::error::StoreError;
use crate::ports::customers::{CustomerProfile, Erasure};
use crate::ports::outbox::{NoticeKind, OutboxChange, Recipient};

/// What the business stores about a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerData {
    pub profile: Option<CustomerProfile>,
    /// Every booking they hold, in any status, by start.
    pub bookings: Vec<Booking>,
}

/// The outcome of "forget me".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forgotten {
    /// The upcoming bookings that were cancelled first (staff were told).
    pub cancelled: Vec<BookingId>,
    pub erasure: Erasure,
}

/// How many rounds "forget me" makes when bookings change under it.
const FORGET_ROUNDS: usize = 5;

impl Engine {
    /// What the business stores about the customer: their profile and their
    /// bookings.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn my_data(&self, customer: CustomerId) -> Result<CustomerData, StoreError> {
        Ok(CustomerData {
            profile: self.customers.customer(customer).await?,
            bookings: self.bookings.bookings_of_customer(customer).await?,
        })
    }

    /// Erases the customer's personal data: cancels their bookings that have
    /// not started (whatever the cutoff: erasure is their right; staff are
    /// told), then
    /// deletes their profile and notifications and anonymises their bookings,
    /// which stay for statistics. Safe to repeat after a failure.
    ///
    /// # Errors
    /// [`ForgetError::StillChanging`] when their bookings kept changing
    /// under the call; [`ForgetError::Store`].
    pub async fn forget_me(&self, customer: CustomerId) -> Result<Forgotten, ForgetError> {
        let policy = self.policy();
        let mut cancelled = Vec::new();
        for _ in 0..FORGET_ROUNDS {
            let now = self.clock.now();
            // A visit under way is left to staff to complete; it is
            // anonymised below like every other booking.
            let upcoming: Vec<Booking> = self
                .bookings
                .upcoming_bookings_of_customer(customer, now)
                .await?
                .into_iter()
                .filter(|b| b.start() > now)
                .collect();
            if upcoming.is_empty() {
                let erasure = self.customers.erase_customer(customer).await?;
                return Ok(Forgotten { cancelled, erasure });
            }
            for booking in upcoming {
                let id = booking.id();
                let expected = booking.version();
                let outcome = self
                    .change(
                        booking,
                        expected,
                        |b| b.cancel(Actor::System, None, now, &policy),
                        |b| OutboxChange {
                            add: vec![notice_now(
                                Recipient::Staff(b.staff()),
                                NoticeKind::Cancelled,
                                now,
                            )],
                            withdraw_pending_reminders: true,
                        },
                    )
                    .await;
                match outcome {
                    Ok(_) => cancelled.push(id),
                    // Changed or closed meanwhile: the next round reads it
                    // again. (Daily limits hold the customer's own
                    // cancellations, never an erasure's.)
                    Err(
                        BookingChangeError::VersionConflict { .. }
                        | BookingChangeError::Refused(_)
                        | BookingChangeError::NotFound
                        | BookingChangeError::TooManyToday { .. },
                    ) => {}
                    Err(BookingChangeError::Store(e)) => return Err(ForgetError::Store(e)),
                }
            }
        }
        Err(ForgetError::StillChanging)
    }
}
