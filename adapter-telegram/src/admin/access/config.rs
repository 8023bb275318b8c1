//! The admin bot's access settings: who is owner, manager or staff, the
//! PIN, and the limits of sessions and lockouts, checked so that a
//! configuration always admits somebody.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use booking_domain::StaffId;
use chrono::Duration;
use secrecy::SecretString;

use super::super::pin::PinHash;
use super::{
    DEFAULT_LOCKOUT_WINDOW, DEFAULT_MAX_FAILED_PINS, DEFAULT_MAX_FAILED_PINS_OF_EVERYONE,
    DEFAULT_SESSION_LIFETIME, TELEGRAM_DOCUMENT_LIMIT,
};

/// The admin bot's access settings and limits.
#[derive(Clone)]
pub struct AdminBotConfig {
    /// The owners' Telegram user ids. With a PIN, a non-empty list requires
    /// both; an empty one lets anyone who knows the PIN in (as an owner),
    /// and only when `pin_without_allow_list` says so.
    pub allowed_users: BTreeSet<i64>,
    /// The managers' Telegram user ids: everything but the catalog and the
    /// policy. They too need the PIN when one is set.
    pub managers: BTreeSet<i64>,
    /// The explicit choice of the PIN alone ([`AdminBotConfig::pin_only`]).
    pub pin_without_allow_list: bool,
    /// The PIN hash; `None` means the allow-list alone admits.
    pub pin: Option<PinHash>,
    /// `BOOKING_PIN_PEPPER`, mixed into the PIN hash.
    pub pepper: Option<SecretString>,
    /// How long a PIN sign-in lasts.
    pub session_lifetime: Duration,
    /// Wrong PINs allowed per user within `lockout_window`.
    pub max_failed_pins: usize,
    pub lockout_window: Duration,
    /// Wrong PINs of all users together within `lockout_window` that pause
    /// PIN checks for everyone not signed in.
    pub max_failed_pins_of_everyone: usize,
    /// The chats told when PIN checks pause (the owner's, managers').
    pub owner_chats: Vec<i64>,
    /// Which staff member a user is, when they are one: the schedule a
    /// user with the staff role acts on, and who is recorded on the
    /// bookings they change. A user here who is neither an owner nor a
    /// manager is let in with the staff role (with the PIN when one is set).
    pub staff_members: BTreeMap<i64, StaffId>,
    /// Bookings per page of the day view.
    pub page_size: usize,
    /// The largest export sent, in bytes.
    pub export_limit_bytes: u64,
}

impl fmt::Debug for AdminBotConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminBotConfig")
            .field("allowed_users", &self.allowed_users.len())
            .field("managers", &self.managers.len())
            .field("staff_members", &self.staff_members.len())
            .field("pin", &self.pin.is_some())
            .field("pepper", &self.pepper.is_some())
            .field("session_lifetime", &self.session_lifetime)
            .field("max_failed_pins", &self.max_failed_pins)
            .field("lockout_window", &self.lockout_window)
            .field(
                "max_failed_pins_of_everyone",
                &self.max_failed_pins_of_everyone,
            )
            .field("pin_without_allow_list", &self.pin_without_allow_list)
            .finish_non_exhaustive()
    }
}

/// A configuration that would admit nobody, or locks out too eagerly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminConfigError {
    #[error("the admin bot needs an allow-list of Telegram user ids, a PIN hash, or both")]
    NobodyCanSignIn,
    #[error("the session lifetime must be positive")]
    SessionLifetime,
    #[error("the lockout needs at least one allowed attempt in a positive window")]
    Lockout,
    #[error(
        "a PIN without an allow-list lets in anyone who guesses it; list allowed_user_ids, \
         or set pin_without_allow_list = true to accept that"
    )]
    PinWithoutAllowList,
}

impl AdminBotConfig {
    /// Access by `allowed_users`, and the `pin` too when given, with the
    /// default limits.
    ///
    /// # Errors
    /// [`AdminConfigError::NobodyCanSignIn`] when both are empty;
    /// [`AdminConfigError::PinWithoutAllowList`] for a PIN alone (see
    /// [`AdminBotConfig::pin_only`]).
    pub fn new(
        allowed_users: impl IntoIterator<Item = i64>,
        pin: Option<PinHash>,
    ) -> Result<Self, AdminConfigError> {
        let config = Self::unchecked(allowed_users.into_iter().collect(), pin, false);
        config.validate()?;
        Ok(config)
    }

    /// Access by the PIN alone: anyone who knows or guesses it is staff.
    /// Only on the owner's explicit choice; the app warns at every start.
    pub fn pin_only(pin: PinHash) -> Self {
        Self::unchecked(BTreeSet::new(), Some(pin), true)
    }

    fn unchecked(
        allowed_users: BTreeSet<i64>,
        pin: Option<PinHash>,
        pin_without_allow_list: bool,
    ) -> Self {
        Self {
            allowed_users,
            managers: BTreeSet::new(),
            pin_without_allow_list,
            pin,
            pepper: None,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            max_failed_pins: DEFAULT_MAX_FAILED_PINS,
            lockout_window: DEFAULT_LOCKOUT_WINDOW,
            max_failed_pins_of_everyone: DEFAULT_MAX_FAILED_PINS_OF_EVERYONE,
            owner_chats: Vec::new(),
            staff_members: BTreeMap::new(),
            page_size: 5,
            export_limit_bytes: TELEGRAM_DOCUMENT_LIMIT,
        }
    }

    /// Checks the settings after fields were changed.
    ///
    /// # Errors
    /// [`AdminConfigError`] naming what is wrong.
    pub fn validate(&self) -> Result<(), AdminConfigError> {
        if self.allowed_users.is_empty() && self.pin.is_none() {
            return Err(AdminConfigError::NobodyCanSignIn);
        }
        if self.allowed_users.is_empty() && !self.pin_without_allow_list {
            return Err(AdminConfigError::PinWithoutAllowList);
        }
        if self.session_lifetime <= Duration::zero() {
            return Err(AdminConfigError::SessionLifetime);
        }
        if self.max_failed_pins == 0
            || self.max_failed_pins_of_everyone == 0
            || self.lockout_window <= Duration::zero()
        {
            return Err(AdminConfigError::Lockout);
        }
        Ok(())
    }
}
