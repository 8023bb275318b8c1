//! The customer store: the personal data the business keeps about a customer,
//! and its erasure.

use std::fmt;

use async_trait::async_trait;
use booking_domain::{CustomerId, CustomerName, PhoneNumber};
use chrono::{DateTime, Utc};

use crate::error::StoreError;

/// A language tag that is not of the form `en` or `pt-BR`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a language is a code such as \"en\" or \"pt-BR\", got {0:?}")]
pub struct InvalidLanguage(pub String);

/// A customer's preferred language: a two- or three-letter primary code,
/// lower-cased, optionally with a region (`en`, `ru`, `pt-BR`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Language(String);

impl Language {
    /// Accepts `ru`, `EN`, `pt_br`, `pt-BR`; normalises to `pt-BR` form.
    ///
    /// # Errors
    /// [`InvalidLanguage`] for anything else.
    pub fn new(tag: &str) -> Result<Self, InvalidLanguage> {
        let invalid = || InvalidLanguage(tag.to_owned());
        let mut parts = tag.trim().split(['-', '_']);
        let primary = parts.next().unwrap_or_default();
        let region = parts.next();
        if parts.next().is_some()
            || !(2..=3).contains(&primary.len())
            || !primary.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Err(invalid());
        }
        let mut normalised = primary.to_ascii_lowercase();
        if let Some(region) = region {
            if region.len() != 2 || !region.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(invalid());
            }
            normalised.push('-');
            normalised.push_str(&region.to_ascii_uppercase());
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary code alone (`pt` for `pt-BR`), for choosing a locale.
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the business keeps about a customer. Personal data: its `Debug`
/// prints the name and phone masked (their own `Debug` masks them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerProfile {
    pub id: CustomerId,
    pub name: CustomerName,
    pub phone: PhoneNumber,
    /// The language they chose or their client reported, if known.
    pub language: Option<Language>,
    /// When they agreed to the business storing this data (when they first
    /// booked); kept so the business can show it.
    pub consented_at: DateTime<Utc>,
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Erasure {
    /// Whether a profile existed and was deleted.
    pub profile_deleted: bool,
    /// How many bookings lost their link to the customer.
    pub bookings_anonymised: usize,
    /// How many notifications addressed to the customer were deleted.
    pub notifications_deleted: usize,
}

/// Where customer profiles live.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait CustomerStore: Send + Sync {
    /// The profile of `id`, if one is stored.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a stored profile the domain refuses.
    async fn customer(&self, id: CustomerId) -> Result<Option<CustomerProfile>, StoreError>;

    /// Creates or replaces the profile with `profile.id`.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn save_customer(&self, profile: CustomerProfile) -> Result<(), StoreError>;

    /// Erases what the business keeps about customer `id`, in one atomic
    /// step: MUST delete the profile; MUST anonymise every booking they hold
    /// with [`Booking::anonymised`](booking_domain::Booking::anonymised)
    /// (the rows stay, without customer and comment, for statistics, each
    /// one version further); MUST delete every notification addressed to
    /// them. Erasing a customer that is not stored succeeds and erases
    /// nothing. Active bookings are anonymised as they are: callers cancel
    /// them first.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails; then nothing was erased.
    async fn erase_customer(&self, id: CustomerId) -> Result<Erasure, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_normalised_and_checked() {
        assert_eq!(Language::new(" EN ").unwrap().as_str(), "en");
        assert_eq!(Language::new("pt_br").unwrap().as_str(), "pt-BR");
        assert_eq!(Language::new("pt-BR").unwrap().primary(), "pt");
        assert!(Language::new("").is_err());
        assert!(Language::new("english").is_err());
        assert!(Language::new("en-US-x").is_err());
        assert!(Language::new("e1").is_err());
    }
}
