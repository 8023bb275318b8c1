//! Customer records as the engine uses them: the record a Telegram account
//! acts as, made at the account's first booking (which is their consent),
//! and the record an embedder's own id gets at its first booking.
//!
//! A record is never changed by a booking: the name and phone typed go on
//! the booking itself, so Ivan booking for his wife leaves his record and
//! his other bookings as they were.

use booking_domain::{BookedFor, BookingId, CustomerId, CustomerName, PhoneNumber, TelegramUserId};
use chrono::{DateTime, Utc};

use super::customer::BookingForm;
use super::errors::{BookError, FindBookingError, UpdateDetailsError};
use super::{BookingDetails, Engine};
use crate::error::StoreError;
use crate::ports::customers::{
    CreateCustomerError, CustomerProfile, Language, NewCustomer, UpdateCustomerError,
};

/// Whether a booking was made for other details than the record's: then
/// the client offers to save them as the customer's own, and never does so
/// without asking (they may have booked for someone else).
pub fn details_differ(profile: &CustomerProfile, booked_for: &BookedFor) -> bool {
    profile.name != booked_for.name
        || (booked_for.phone.is_some() && profile.phone != booked_for.phone)
}

/// How often creating an account's record is tried when another request
/// of the same account created it meanwhile.
const CREATE_ROUNDS: usize = 3;

impl Engine {
    /// The customer record the Telegram account `account` acts as, if it
    /// booked before.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn account(
        &self,
        account: TelegramUserId,
    ) -> Result<Option<CustomerProfile>, StoreError> {
        self.customers.customer_by_telegram(account).await
    }

    /// The customer id the Telegram account `account` acts as, if any.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn customer_of_account(
        &self,
        account: TelegramUserId,
    ) -> Result<Option<CustomerId>, StoreError> {
        Ok(self.account(account).await?.map(|record| record.id))
    }

    /// Books `form` for the Telegram account `account`, as
    /// [`Self::book`]. The account's first booking makes its customer
    /// record from the form's name, phone and language (submitting it is
    /// the consent); later bookings leave the record as it is. A phone
    /// another customer already has is kept on the booking only.
    ///
    /// # Errors
    /// As [`Self::book`]; a form with an invalid name or phone stores
    /// nothing.
    pub async fn book_as(
        &self,
        account: TelegramUserId,
        form: BookingForm,
    ) -> Result<BookingDetails, BookError> {
        let customer = match self.customer_of_account(account).await? {
            Some(customer) => customer,
            None => self.record_for_account(account, &form).await?,
        };
        self.book(customer, form).await
    }

    async fn record_for_account(
        &self,
        account: TelegramUserId,
        form: &BookingForm,
    ) -> Result<CustomerId, BookError> {
        let policy = self.policy();
        let name = CustomerName::new(&form.name).map_err(BookError::InvalidName)?;
        let phone = PhoneNumber::parse(&form.phone, policy.phone_region())
            .map_err(BookError::InvalidPhone)?;
        let mut new = NewCustomer {
            name,
            phone: Some(phone),
            telegram: Some(account),
            language: form.language.clone(),
            consented_at: self.clock.now(),
            notes: String::new(),
        };
        for _ in 0..CREATE_ROUNDS {
            match self.customers.create_customer(new.clone()).await {
                Ok(record) => return Ok(record.id),
                // Someone else's record has the phone (a relative who
                // booked with it): the booking keeps it, the record not.
                Err(CreateCustomerError::PhoneTaken { .. }) => new.phone = None,
                // A second request of the same account made it meanwhile.
                Err(CreateCustomerError::TelegramTaken { holder }) => return Ok(holder),
                Err(CreateCustomerError::Store(e)) => return Err(BookError::Store(e)),
            }
        }
        Err(BookError::Store(StoreError::backend(
            "creating a customer record",
            "the phone kept being taken",
        )))
    }

    /// Makes record `customer` from what its first booking was made for.
    /// An id the engine has no record of comes from an embedder that
    /// numbers customers itself, as every embedder did before records
    /// existed: by Telegram account. So the record names the account with
    /// the same number, unless another record already has it.
    pub(super) async fn first_record(
        &self,
        customer: CustomerId,
        booked_for: &BookedFor,
        language: Option<Language>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut record = CustomerProfile {
            id: customer,
            name: booked_for.name.clone(),
            phone: booked_for.phone.clone(),
            telegram: TelegramUserId::new(customer.get()).ok(),
            language,
            consented_at: now,
            notes: String::new(),
        };
        for _ in 0..CREATE_ROUNDS {
            match self.customers.save_customer(record.clone()).await {
                Ok(()) => return Ok(()),
                Err(CreateCustomerError::PhoneTaken { .. }) => record.phone = None,
                Err(CreateCustomerError::TelegramTaken { .. }) => record.telegram = None,
                Err(CreateCustomerError::Store(e)) => return Err(e),
            }
        }
        Err(StoreError::backend(
            "saving a customer record",
            "its phone and Telegram account kept being taken",
        ))
    }

    /// Replaces the name and phone on the customer's own record with
    /// `name` and `phone`, as typed. Their bookings keep the details they
    /// were made with.
    ///
    /// # Errors
    /// [`UpdateDetailsError`]: `InvalidName`, `InvalidPhone`, `PhoneTaken`
    /// when another customer's record has the phone, `NotFound` without a
    /// record.
    pub async fn update_my_details(
        &self,
        customer: CustomerId,
        name: &str,
        phone: &str,
    ) -> Result<CustomerProfile, UpdateDetailsError> {
        let policy = self.policy();
        let details = BookedFor {
            name: CustomerName::new(name).map_err(UpdateDetailsError::InvalidName)?,
            phone: Some(
                PhoneNumber::parse(phone, policy.phone_region())
                    .map_err(UpdateDetailsError::InvalidPhone)?,
            ),
        };
        self.save_details(customer, details).await
    }

    /// Makes the name and phone booking `booking` was made for the
    /// customer's own (the "Save as my details" button after a booking for
    /// other details than their record's). A booking without a phone leaves
    /// the record's phone as it is.
    ///
    /// # Errors
    /// [`UpdateDetailsError::NotFound`] when the booking is not theirs (or
    /// anonymised) or they have no record; `PhoneTaken` when another
    /// customer's record has the phone.
    pub async fn save_booking_details_as_mine(
        &self,
        customer: CustomerId,
        booking: BookingId,
    ) -> Result<CustomerProfile, UpdateDetailsError> {
        let booking = self
            .own_booking(customer, booking)
            .await
            .map_err(|e| match e {
                // A customer's own booking is never refused by role.
                FindBookingError::NotFound | FindBookingError::Forbidden(_) => {
                    UpdateDetailsError::NotFound
                }
                FindBookingError::Store(e) => UpdateDetailsError::Store(e),
            })?;
        let details = booking
            .booked_for()
            .cloned()
            .ok_or(UpdateDetailsError::NotFound)?;
        self.save_details(customer, details).await
    }

    async fn save_details(
        &self,
        customer: CustomerId,
        details: BookedFor,
    ) -> Result<CustomerProfile, UpdateDetailsError> {
        let mut profile = self
            .customers
            .customer(customer)
            .await?
            .ok_or(UpdateDetailsError::NotFound)?;
        profile.name = details.name;
        if details.phone.is_some() {
            profile.phone = details.phone;
        }
        match self.customers.update_customer(profile.clone()).await {
            Ok(()) => Ok(profile),
            Err(UpdateCustomerError::NotFound) => Err(UpdateDetailsError::NotFound),
            Err(UpdateCustomerError::PhoneTaken { .. }) => Err(UpdateDetailsError::PhoneTaken),
            // The record keeps its own account, which is never "taken".
            Err(UpdateCustomerError::TelegramTaken { .. }) => Err(UpdateDetailsError::Store(
                StoreError::backend("saving a customer's details", "their own account was taken"),
            )),
            Err(UpdateCustomerError::Store(e)) => Err(UpdateDetailsError::Store(e)),
        }
    }
}
