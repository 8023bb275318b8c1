//! The customer port in memory: records with a generated id, unique phones
//! and Telegram accounts, search, and erasure.

use async_trait::async_trait;
use booking_domain::{CustomerId, PhoneNumber, TelegramUserId};

use super::{MemoryStore, State};
use crate::error::StoreError;
use crate::ports::customers::{
    CreateCustomerError, CustomerProfile, CustomerStore, Erasure, MAX_SEARCH_RESULTS, NewCustomer,
    NotesError, UpdateCustomerError, fold_name, phone_digits_of,
};
use crate::ports::outbox::Recipient;

/// Another record than `except` holding what `profile` claims.
enum Conflict {
    Phone(CustomerId),
    Telegram(CustomerId),
}

impl State {
    fn conflict(
        &self,
        except: Option<CustomerId>,
        phone: Option<&PhoneNumber>,
        telegram: Option<TelegramUserId>,
    ) -> Option<Conflict> {
        self.customers
            .values()
            .filter(|other| Some(other.id) != except)
            .find_map(|other| {
                if phone.is_some() && other.phone.as_ref() == phone {
                    Some(Conflict::Phone(other.id))
                } else if telegram.is_some() && other.telegram == telegram {
                    Some(Conflict::Telegram(other.id))
                } else {
                    None
                }
            })
    }
}

impl From<Conflict> for CreateCustomerError {
    fn from(conflict: Conflict) -> Self {
        match conflict {
            Conflict::Phone(holder) => Self::PhoneTaken { holder },
            Conflict::Telegram(holder) => Self::TelegramTaken { holder },
        }
    }
}

impl From<Conflict> for UpdateCustomerError {
    fn from(conflict: Conflict) -> Self {
        match conflict {
            Conflict::Phone(holder) => Self::PhoneTaken { holder },
            Conflict::Telegram(holder) => Self::TelegramTaken { holder },
        }
    }
}

fn matches(profile: &CustomerProfile, name_part: &str, digits: Option<&str>) -> bool {
    fold_name(profile.name.expose()).contains(name_part)
        || digits.is_some_and(|digits| {
            profile
                .phone
                .as_ref()
                .is_some_and(|phone| phone.expose().contains(digits))
        })
}

#[async_trait]
impl CustomerStore for MemoryStore {
    async fn customer(&self, id: CustomerId) -> Result<Option<CustomerProfile>, StoreError> {
        Ok(self.lock("reading a customer")?.customers.get(&id).cloned())
    }

    async fn create_customer(
        &self,
        new: NewCustomer,
    ) -> Result<CustomerProfile, CreateCustomerError> {
        let mut state = self.lock("creating a customer")?;
        if let Some(conflict) = state.conflict(None, new.phone.as_ref(), new.telegram) {
            return Err(conflict.into());
        }
        // Above every stored id, including ones an import chose.
        let highest = state.customers.keys().map(|id| id.get()).max().unwrap_or(0);
        state.last_customer_id = state.last_customer_id.max(highest) + 1;
        let id = CustomerId::new(state.last_customer_id)
            .map_err(|e| StoreError::backend("numbering a customer", e))?;
        let profile = new.with_id(id);
        state.customers.insert(id, profile.clone());
        Ok(profile)
    }

    async fn save_customer(&self, profile: CustomerProfile) -> Result<(), CreateCustomerError> {
        let mut state = self.lock("saving a customer")?;
        if let Some(conflict) =
            state.conflict(Some(profile.id), profile.phone.as_ref(), profile.telegram)
        {
            return Err(conflict.into());
        }
        state.customers.insert(profile.id, profile);
        Ok(())
    }

    async fn update_customer(&self, profile: CustomerProfile) -> Result<(), UpdateCustomerError> {
        let mut state = self.lock("updating a customer")?;
        if !state.customers.contains_key(&profile.id) {
            return Err(UpdateCustomerError::NotFound);
        }
        if let Some(conflict) =
            state.conflict(Some(profile.id), profile.phone.as_ref(), profile.telegram)
        {
            return Err(conflict.into());
        }
        state.customers.insert(profile.id, profile);
        Ok(())
    }

    async fn set_customer_notes(&self, id: CustomerId, notes: String) -> Result<(), NotesError> {
        let mut state = self.lock("saving notes")?;
        let profile = state.customers.get_mut(&id).ok_or(NotesError::NotFound)?;
        profile.notes = notes;
        Ok(())
    }

    async fn customer_by_telegram(
        &self,
        account: TelegramUserId,
    ) -> Result<Option<CustomerProfile>, StoreError> {
        Ok(self
            .lock("finding a customer")?
            .customers
            .values()
            .find(|c| c.telegram == Some(account))
            .cloned())
    }

    async fn customer_by_phone(
        &self,
        phone: &PhoneNumber,
    ) -> Result<Option<CustomerProfile>, StoreError> {
        Ok(self
            .lock("finding a customer")?
            .customers
            .values()
            .find(|c| c.phone.as_ref() == Some(phone))
            .cloned())
    }

    async fn search_customers(
        &self,
        text: &str,
        limit: usize,
    ) -> Result<Vec<CustomerProfile>, StoreError> {
        let name_part = fold_name(text);
        if name_part.is_empty() {
            return Ok(Vec::new());
        }
        let digits = phone_digits_of(text);
        let state = self.lock("searching customers")?;
        let mut found: Vec<CustomerProfile> = state
            .customers
            .values()
            .filter(|c| matches(c, &name_part, digits.as_deref()))
            .cloned()
            .collect();
        found.sort_by_key(|c| c.id);
        found.truncate(limit.min(MAX_SEARCH_RESULTS));
        Ok(found)
    }

    async fn erase_customer(&self, id: CustomerId) -> Result<Erasure, StoreError> {
        let mut state = self.lock("erasing a customer")?;
        let profile_deleted = state.customers.remove(&id).is_some();
        let mut bookings_anonymised = 0;
        let held = state.by_customer.remove(&id).unwrap_or_default();
        for booking_id in held {
            if let Some(booking) = state.bookings.get_mut(&booking_id)
                && booking.is_held_by(id)
            {
                *booking = booking.anonymised();
                bookings_anonymised += 1;
            }
        }
        let before = state.notifications.len();
        state
            .notifications
            .retain(|_, n| n.recipient != Recipient::Customer(id));
        let State {
            notifications,
            notifications_by_booking,
            ..
        } = &mut *state;
        notifications_by_booking.retain(|(_, n)| notifications.contains_key(n));
        Ok(Erasure {
            profile_deleted,
            bookings_anonymised,
            notifications_deleted: before - state.notifications.len(),
        })
    }
}
