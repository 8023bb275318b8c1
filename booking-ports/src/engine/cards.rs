//! Customer cards for staff: finding customers by phone or name, a
//! customer's card (contact, upcoming bookings, past visits, total spent,
//! notes), staff's notes, and erasing a customer's data on their request.
//! Every call takes a [`StaffActor`].
//!
//! Erasure and the message to the customer: erasing deletes the customer's
//! undelivered notifications, so the "your booking is cancelled" message
//! written when their upcoming bookings are cancelled would be deleted
//! before the dispatcher sends it. So erasing a customer who can be told
//! (they have a Telegram account) and has upcoming bookings takes two
//! calls: the first cancels them and answers
//! [`StaffErasure::CustomerBeingTold`] without erasing; the next, once the
//! message went out (staff press "Erase" again), finds nothing to cancel and
//! erases. A customer without Telegram cannot be told by the bot: staff see
//! their phone on the card and call them; their erasure takes one call.

use std::collections::BTreeMap;

use booking_domain::{
    BookingId, BookingStatus, Currency, CustomerId, CustomerNotes, Money, PhoneNumber,
};

use super::access::Capability;
use super::actor::StaffActor;
use super::cancelling::Canceller;
use super::errors::{EraseCustomerError, FindCustomerError, ForgetError, StaffReadError};
use super::history::past_visits;
use super::{BookingDetails, Engine};
use crate::ports::customers::{CustomerProfile, Erasure, NotesError};

/// The most customers one search shows.
pub const MAX_FOUND_CUSTOMERS: usize = 10;

/// The customers a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCustomers {
    /// At most [`MAX_FOUND_CUSTOMERS`], by id.
    pub customers: Vec<CustomerProfile>,
    /// Whether more customers match than are listed: staff should type more.
    pub more: bool,
}

/// What staff see about one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerCard {
    /// The record, with the contact and staff's notes (`profile.notes`).
    pub profile: CustomerProfile,
    /// Upcoming pending or confirmed bookings, by start.
    pub upcoming: Vec<BookingDetails>,
    /// Completed, missed and cancelled visits, newest first; each
    /// cancellation says who cancelled and why.
    pub past: Vec<BookingDetails>,
    /// The prices of the completed visits as booked, one sum per currency,
    /// by currency code; empty when nothing was completed.
    pub total_spent: Vec<Money>,
}

/// The outcome of staff erasing a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffErasure {
    /// Their upcoming bookings are cancelled and they are being told;
    /// nothing is erased yet, so the message is not erased with them. Erase
    /// again to finish.
    CustomerBeingTold { cancelled: Vec<BookingId> },
    /// Erased: the record and notifications are deleted and the bookings
    /// anonymised (they stay for statistics). `cancelled` lists the
    /// bookings this call cancelled first.
    Erased {
        cancelled: Vec<BookingId>,
        erasure: Erasure,
    },
}

/// The sums of the completed visits' prices, per currency.
fn total_spent(past: &[BookingDetails]) -> Vec<Money> {
    let mut sums: BTreeMap<Currency, i64> = BTreeMap::new();
    for price in past
        .iter()
        .filter(|d| *d.booking.status() == BookingStatus::Completed)
        .filter_map(|d| d.booking.price())
    {
        let sum = sums.entry(price.currency()).or_default();
        // No business earns i64::MAX kopecks; saturating keeps a corrupt
        // price from panicking a card.
        *sum = sum.saturating_add(price.minor());
    }
    sums.into_iter()
        .filter_map(|(currency, minor)| Money::new(minor, currency).ok())
        .collect()
}

impl Engine {
    /// The customers whose phone or name matches `query`: a text that reads
    /// as a phone number in the policy's region is matched as that number
    /// (so "8 916 555-01-02" finds +79165550102), any other text with
    /// enough digits by the digits of phones, and the rest by name, ignoring
    /// case. At most [`MAX_FOUND_CUSTOMERS`], by id; a blank query finds
    /// nobody.
    ///
    /// # Errors
    /// [`StaffReadError::Forbidden`] for a staff member (customer cards are
    /// for managers and owners); `Store`.
    pub async fn find_customers(
        &self,
        actor: &StaffActor,
        query: &str,
    ) -> Result<FoundCustomers, StaffReadError> {
        actor.require(Capability::CustomerCards)?;
        let query = query.trim();
        if query.is_empty() {
            return Ok(FoundCustomers {
                customers: Vec::new(),
                more: false,
            });
        }
        let policy = self.policy();
        // A number typed in a national form ("8 916 ...") shares no digits
        // prefix with the stored international form: search with the
        // normalised number instead.
        let text = match PhoneNumber::parse(query, policy.phone_region()) {
            Ok(phone) => phone.expose().to_owned(),
            Err(_) => query.to_owned(),
        };
        let mut customers = self
            .customers
            .search_customers(&text, MAX_FOUND_CUSTOMERS + 1)
            .await?;
        let more = customers.len() > MAX_FOUND_CUSTOMERS;
        customers.truncate(MAX_FOUND_CUSTOMERS);
        Ok(FoundCustomers { customers, more })
    }

    /// Customer `id`'s card.
    ///
    /// # Errors
    /// [`FindCustomerError::NotFound`] when there is no such record.
    pub async fn customer_card(
        &self,
        actor: &StaffActor,
        id: CustomerId,
    ) -> Result<CustomerCard, FindCustomerError> {
        actor.require(Capability::CustomerCards)?;
        let profile = self
            .customers
            .customer(id)
            .await?
            .ok_or(FindCustomerError::NotFound)?;
        let now = self.clock.now();
        let upcoming = self.bookings.upcoming_bookings_of_customer(id, now).await?;
        let past = past_visits(self.bookings.bookings_of_customer(id).await?);
        let names = self.names().await?;
        let details = |bookings: Vec<_>| -> Vec<BookingDetails> {
            bookings
                .into_iter()
                .map(|b| names.details(b, None))
                .collect()
        };
        let past = details(past);
        Ok(CustomerCard {
            profile,
            upcoming: details(upcoming),
            total_spent: total_spent(&past),
            past,
        })
    }

    /// Replaces the staff notes of customer `id` (empty notes clear them).
    ///
    /// # Errors
    /// [`FindCustomerError::NotFound`] when there is no such record;
    /// `Forbidden` for a staff member; `Store`.
    pub async fn set_customer_notes(
        &self,
        actor: &StaffActor,
        id: CustomerId,
        notes: CustomerNotes,
    ) -> Result<(), FindCustomerError> {
        actor.require(Capability::CustomerCards)?;
        self.customers
            .set_customer_notes(id, notes.expose().to_owned())
            .await
            .map_err(|e| match e {
                NotesError::NotFound => FindCustomerError::NotFound,
                NotesError::Store(e) => FindCustomerError::Store(e),
            })
    }

    /// Erases customer `id`'s data on their request: cancels their bookings
    /// that have not started (the customer is told, as for any cancellation
    /// by staff), then deletes their record and notifications and
    /// anonymises their bookings, which stay for statistics. When they have
    /// Telegram and bookings were just cancelled, stops before erasing (see
    /// the module documentation): call again to finish.
    ///
    /// # Errors
    /// [`EraseCustomerError::NotFound`] when there is no such record;
    /// `StillChanging` when their bookings kept changing; `Store`.
    pub async fn erase_customer(
        &self,
        actor: &StaffActor,
        id: CustomerId,
    ) -> Result<StaffErasure, EraseCustomerError> {
        actor.require(Capability::CustomerCards)?;
        let profile = self
            .customers
            .customer(id)
            .await?
            .ok_or(EraseCustomerError::NotFound)?;
        let cancelled = self
            .cancel_not_started(id, Canceller::Staff(actor))
            .await
            .map_err(|e| match e {
                ForgetError::StillChanging => EraseCustomerError::StillChanging,
                ForgetError::Store(e) => EraseCustomerError::Store(e),
            })?;
        if !cancelled.is_empty() && profile.telegram.is_some() {
            return Ok(StaffErasure::CustomerBeingTold { cancelled });
        }
        let erasure = self.customers.erase_customer(id).await?;
        Ok(StaffErasure::Erased { cancelled, erasure })
    }
}
