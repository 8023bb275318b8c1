//! A Telegram contact a customer shares with the bot: their own phone, as
//! Telegram knows it. The Mini App asks for it with Telegram's contact
//! request (the bot receives the contact as a message), and the bot's
//! booking flow accepts one at its phone step; either way the account's
//! record gets the phone, so the page can prefill it.
//!
//! Sharing a contact is the customer's explicit consent to the business
//! keeping the number: Telegram asks them first. A caller whom staff
//! recorded by phone, and who then shares that same number from Telegram,
//! is the same person (Telegram gives a contact the sender's own account
//! only for the sender's own number), so the account is linked to that
//! record and sees the bookings made for them.

use booking_domain::{CustomerName, InvalidName, InvalidPhone, PhoneNumber, TelegramUserId};

use super::Engine;
use crate::error::StoreError;
use crate::ports::customers::{
    CreateCustomerError, CustomerProfile, Language, NewCustomer, UpdateCustomerError,
};

/// What Telegram sent: the contact's phone and name, and the sender's
/// language.
#[derive(Debug, Clone)]
pub struct SharedContact {
    /// As Telegram sends it: international digits, often without the plus.
    pub phone: String,
    /// The contact's first and last name, for a record made from it.
    pub name: String,
    pub language: Option<Language>,
}

/// How the shared phone was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactSaved {
    /// The account had no record: one was made from the contact.
    NewRecord(CustomerProfile),
    /// The account's record now has this phone.
    PhoneSet(CustomerProfile),
    /// Staff had recorded this phone for a customer without Telegram: the
    /// account now acts as that record.
    Linked(CustomerProfile),
}

impl ContactSaved {
    /// The record as it is now.
    pub fn record(&self) -> &CustomerProfile {
        match self {
            Self::NewRecord(record) | Self::PhoneSet(record) | Self::Linked(record) => record,
        }
    }
}

/// Why a shared contact's phone was not kept.
#[derive(Debug, thiserror::Error)]
pub enum ShareContactError {
    #[error("the phone number is not valid: {0}")]
    InvalidPhone(#[source] InvalidPhone),
    /// The account has no record and the contact's name is not a valid
    /// name (Telegram allows names the business does not).
    #[error("the contact's name is not valid: {0}")]
    InvalidName(#[source] InvalidName),
    /// Another Telegram account's record, or another record while the
    /// account has its own, holds this phone; nothing changed. Merging two
    /// records is staff's decision.
    #[error("another customer has this phone")]
    PhoneTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Engine {
    /// Keeps the phone of `contact`, which Telegram account `account`
    /// shared as its own (the caller checks the contact names the sender:
    /// anyone can forward someone else's card).
    ///
    /// # Errors
    /// [`ShareContactError`]: an invalid phone (or name, for a new
    /// record); `PhoneTaken` when the phone is another account's; nothing
    /// is changed then.
    pub async fn save_shared_contact(
        &self,
        account: TelegramUserId,
        contact: SharedContact,
    ) -> Result<ContactSaved, ShareContactError> {
        let raw = contact.phone.trim();
        // Telegram sends contact numbers in international form without
        // the plus.
        let international = if raw.starts_with('+') {
            raw.to_owned()
        } else {
            format!("+{raw}")
        };
        let phone = PhoneNumber::parse(&international, self.policy().phone_region())
            .map_err(ShareContactError::InvalidPhone)?;
        let own = self.customers.customer_by_telegram(account).await?;
        let holder = self.customers.customer_by_phone(&phone).await?;
        match (own, holder) {
            (Some(own), Some(holder)) if own.id == holder.id => Ok(ContactSaved::PhoneSet(own)),
            (Some(_), Some(_)) => Err(ShareContactError::PhoneTaken),
            (Some(mut own), None) => {
                own.phone = Some(phone);
                self.update(own).await.map(ContactSaved::PhoneSet)
            }
            (None, Some(mut holder)) if holder.telegram.is_none() => {
                holder.telegram = Some(account);
                if holder.language.is_none() {
                    holder.language = contact.language;
                }
                self.update(holder).await.map(ContactSaved::Linked)
            }
            (None, Some(_)) => Err(ShareContactError::PhoneTaken),
            (None, None) => {
                let new = NewCustomer {
                    name: CustomerName::new(&contact.name)
                        .map_err(ShareContactError::InvalidName)?,
                    phone: Some(phone),
                    telegram: Some(account),
                    language: contact.language,
                    consented_at: self.clock.now(),
                    notes: String::new(),
                };
                match self.customers.create_customer(new).await {
                    Ok(record) => Ok(ContactSaved::NewRecord(record)),
                    // A booking of the same account, or someone else with the
                    // phone, got there first: the customer may share again.
                    Err(
                        CreateCustomerError::PhoneTaken { .. }
                        | CreateCustomerError::TelegramTaken { .. },
                    ) => Err(ShareContactError::PhoneTaken),
                    Err(CreateCustomerError::Store(e)) => Err(e.into()),
                }
            }
        }
    }

    async fn update(&self, record: CustomerProfile) -> Result<CustomerProfile, ShareContactError> {
        match self.customers.update_customer(record.clone()).await {
            Ok(()) => Ok(record),
            // Taken meanwhile by a concurrent request; nothing was written.
            Err(
                UpdateCustomerError::PhoneTaken { .. } | UpdateCustomerError::TelegramTaken { .. },
            ) => Err(ShareContactError::PhoneTaken),
            Err(UpdateCustomerError::NotFound) => {
                Err(ShareContactError::Store(StoreError::backend(
                    "saving a shared contact",
                    "the customer record was erased meanwhile",
                )))
            }
            Err(UpdateCustomerError::Store(e)) => Err(e.into()),
        }
    }
}
