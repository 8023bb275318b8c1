//! What a customer sees of their own history: their recent past visits
//! under "My bookings", and every booking stored about them under "My
//! data".

use booking_domain::{Booking, BookingStatus, CustomerId};

use super::{BookingDetails, Engine};
use crate::error::StoreError;

/// Whether `booking` is a past visit as customers and staff read a history:
/// completed, missed or cancelled. A moved booking is not: the booking it
/// moved to stands for it.
pub(crate) fn is_past_visit(booking: &Booking) -> bool {
    matches!(
        booking.status(),
        BookingStatus::Completed | BookingStatus::NoShow | BookingStatus::Cancelled(_)
    )
}

/// `bookings`' past visits, newest start first.
pub(crate) fn past_visits(bookings: Vec<Booking>) -> Vec<Booking> {
    let mut past: Vec<Booking> = bookings.into_iter().filter(is_past_visit).collect();
    past.sort_by(|a, b| b.start().cmp(&a.start()).then(b.id().cmp(&a.id())));
    past
}

impl Engine {
    /// The customer's last `limit` past visits (completed, missed or
    /// cancelled), newest first, for "My bookings".
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn my_recent_visits(
        &self,
        customer: CustomerId,
        limit: usize,
    ) -> Result<Vec<BookingDetails>, StoreError> {
        let mut past = past_visits(self.bookings.bookings_of_customer(customer).await?);
        past.truncate(limit);
        let names = self.names().await?;
        Ok(past.into_iter().map(|b| names.details(b, None)).collect())
    }

    /// Every booking stored about the customer, in any status, by start,
    /// with what a person needs to read them, for "My data".
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn my_stored_bookings(
        &self,
        customer: CustomerId,
    ) -> Result<Vec<BookingDetails>, StoreError> {
        let bookings = self.bookings.bookings_of_customer(customer).await?;
        let names = self.names().await?;
        Ok(bookings
            .into_iter()
            .map(|b| names.details(b, None))
            .collect())
    }
}
