//! What a customer can learn and erase about themselves: "my data" and
//! "forget me".

use booking_domain::{Booking, BookingId, CustomerId};

use super::Engine;
use super::cancelling::Canceller;
use super::errors::ForgetError;
use crate::error::StoreError;
use crate::ports::customers::{CustomerProfile, Erasure};

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
        let cancelled = self
            .cancel_not_started(customer, Canceller::OwnErasure)
            .await?;
        let erasure = self.customers.erase_customer(customer).await?;
        Ok(Forgotten { cancelled, erasure })
    }
}
