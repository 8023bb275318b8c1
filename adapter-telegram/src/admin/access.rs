//! Who may use the admin bot: the allow-list of Telegram user ids, the PIN,
//! sessions, and the lockout after too many wrong PINs.
//!
//! A person is always identified by the Telegram **user** id of the update
//! (`from.id`), never by the chat: a group's chat id says nothing about who
//! wrote, and a private chat id is only a copy of the user id.
//!
//! Wrong PINs, sessions and "already refused" marks are kept through the
//! [`StaffAccessStore`] port, keyed by the user id, so a restart neither
//! resets a lockout nor signs anyone out. The rules (how many wrong PINs in
//! which window, how long a session lasts) are this module's settings; the
//! store keeps the facts they are decided from. Recording a first refusal is
//! one atomic step in the store, so a stranger hears the refusal once.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use booking_domain::StaffId;
use booking_ports::{
    Clock, EndSessionError, RecordRefusalError, StaffAccessStore, StaffUser, StoreError,
};
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::pin::{self, PinHash};
use crate::live::Live;

/// Wrong PINs allowed per user within [`DEFAULT_LOCKOUT_WINDOW`].
pub const DEFAULT_MAX_FAILED_PINS: usize = 10;
/// The window in which wrong PINs are counted.
pub const DEFAULT_LOCKOUT_WINDOW: Duration = Duration::hours(1);
/// How long a PIN sign-in lasts by default.
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::hours(12);
/// Telegram's limit on documents a bot sends.
pub const TELEGRAM_DOCUMENT_LIMIT: u64 = 50 * 1024 * 1024;
/// How long a refused stranger is remembered, so they hear the refusal once.
const REFUSAL_MEMORY: Duration = Duration::days(365);

/// The admin bot's access settings and limits.
#[derive(Clone)]
pub struct AdminBotConfig {
    /// Telegram user ids allowed in. With a PIN, an empty list lets anyone
    /// who knows the PIN in; a non-empty one requires both.
    pub allowed_users: BTreeSet<i64>,
    /// The PIN hash; `None` means the allow-list alone admits.
    pub pin: Option<PinHash>,
    /// `BOOKING_PIN_PEPPER`, mixed into the PIN hash.
    pub pepper: Option<SecretString>,
    /// How long a PIN sign-in lasts.
    pub session_lifetime: Duration,
    /// Wrong PINs allowed per user within `lockout_window`.
    pub max_failed_pins: usize,
    pub lockout_window: Duration,
    /// Which staff member a user is, when they are one (recorded on the
    /// bookings they cancel).
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
            .field("pin", &self.pin.is_some())
            .field("pepper", &self.pepper.is_some())
            .field("session_lifetime", &self.session_lifetime)
            .field("max_failed_pins", &self.max_failed_pins)
            .field("lockout_window", &self.lockout_window)
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
}

impl AdminBotConfig {
    /// Access by `allowed_users` and/or `pin`, with the default limits.
    ///
    /// # Errors
    /// [`AdminConfigError::NobodyCanSignIn`] when both are empty.
    pub fn new(
        allowed_users: impl IntoIterator<Item = i64>,
        pin: Option<PinHash>,
    ) -> Result<Self, AdminConfigError> {
        let config = Self {
            allowed_users: allowed_users.into_iter().collect(),
            pin,
            pepper: None,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            max_failed_pins: DEFAULT_MAX_FAILED_PINS,
            lockout_window: DEFAULT_LOCKOUT_WINDOW,
            staff_members: BTreeMap::new(),
            page_size: 5,
            export_limit_bytes: TELEGRAM_DOCUMENT_LIMIT,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks the settings after fields were changed.
    ///
    /// # Errors
    /// [`AdminConfigError`] naming what is wrong.
    pub fn validate(&self) -> Result<(), AdminConfigError> {
        if self.allowed_users.is_empty() && self.pin.is_none() {
            return Err(AdminConfigError::NobodyCanSignIn);
        }
        if self.session_lifetime <= Duration::zero() {
            return Err(AdminConfigError::SessionLifetime);
        }
        if self.max_failed_pins == 0 || self.lockout_window <= Duration::zero() {
            return Err(AdminConfigError::Lockout);
        }
        Ok(())
    }
}

/// What the bot may do for a user right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Signed in (or on the allow-list when no PIN is configured).
    Admitted,
    /// May sign in with the PIN.
    NeedsPin,
    /// Too many wrong PINs; may try again at `until`.
    LockedOut { until: DateTime<Utc> },
    /// Not staff. `first_time` is true the first time they are refused.
    Refused { first_time: bool },
}

/// The outcome of a PIN attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinOutcome {
    SignedIn {
        until: DateTime<Utc>,
    },
    Wrong {
        attempts_left: usize,
    },
    LockedOut {
        until: DateTime<Utc>,
    },
    /// Not staff, or no PIN configured: nothing was checked.
    NotApplicable,
}

/// When the lockout ends, if `failures` (oldest first) lock the user out at
/// `now`: `window` after the oldest of the last `max` failures inside the
/// window, so the lockout lifts as soon as fewer than `max` remain in it.
fn locked_until(
    failures: &[DateTime<Utc>],
    now: DateTime<Utc>,
    max: usize,
    window: Duration,
) -> Option<DateTime<Utc>> {
    let recent: Vec<_> = failures.iter().filter(|at| **at > now - window).collect();
    let oldest = recent.get(recent.len().checked_sub(max)?)?;
    let until = **oldest + window;
    (until > now).then_some(until)
}

/// The access gate over the stored records.
///
/// Its settings can be replaced while the bot runs ([`Access::set_config`],
/// a config reload); each check reads them once, so one decision never mixes
/// the old allow-list with the new PIN.
pub struct Access {
    config: Live<AdminBotConfig>,
    store: Arc<dyn StaffAccessStore>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Access")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Access {
    /// The gate with `config`, its records in `store`.
    ///
    /// # Errors
    /// [`AdminConfigError`] for settings that would admit nobody.
    pub fn new(
        config: AdminBotConfig,
        store: Arc<dyn StaffAccessStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, AdminConfigError> {
        config.validate()?;
        Ok(Self {
            config: Live::new(config),
            store,
            clock,
        })
    }

    /// The settings in force.
    pub fn config(&self) -> Arc<AdminBotConfig> {
        self.config.get()
    }

    /// Replaces the settings for every later check (a config reload).
    /// Sessions and lockouts already recorded stay: a user removed from the
    /// allow-list is refused at their next update, signed in or not.
    ///
    /// # Errors
    /// [`AdminConfigError`] for settings that would admit nobody; the old
    /// ones then stay in force.
    pub fn set_config(&self, config: AdminBotConfig) -> Result<(), AdminConfigError> {
        config.validate()?;
        self.config.set(config);
        Ok(())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Whether `user` is on the allow-list, or could be by PIN.
    fn may_try(config: &AdminBotConfig, user: i64) -> bool {
        config.allowed_users.is_empty() || config.allowed_users.contains(&user)
    }

    /// `user`'s wrong PINs inside the lockout window at `now`, oldest first.
    async fn recent_failures(
        &self,
        config: &AdminBotConfig,
        user: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        self.store
            .failed_pins(StaffUser::new(user), now - config.lockout_window)
            .await
    }

    /// What `user` may do now. A refusal is remembered, so that a stranger
    /// hears it once.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn gate(&self, user: i64) -> Result<Gate, StoreError> {
        let config = self.config();
        let now = self.clock.now();
        if config.pin.is_none() {
            return if config.allowed_users.contains(&user) {
                Ok(Gate::Admitted)
            } else {
                self.refuse(user, now).await
            };
        }
        if !Self::may_try(&config, user) {
            return self.refuse(user, now).await;
        }
        if self
            .store
            .session_until(StaffUser::new(user), now)
            .await?
            .is_some()
        {
            return Ok(Gate::Admitted);
        }
        let failures = self.recent_failures(&config, user, now).await?;
        match locked_until(
            &failures,
            now,
            config.max_failed_pins,
            config.lockout_window,
        ) {
            Some(until) => Ok(Gate::LockedOut { until }),
            None => Ok(Gate::NeedsPin),
        }
    }

    async fn refuse(&self, user: i64, now: DateTime<Utc>) -> Result<Gate, StoreError> {
        let forget_at = now + REFUSAL_MEMORY;
        match self
            .store
            .record_refusal(StaffUser::new(user), now, forget_at)
            .await
        {
            Ok(()) => {
                // Strangers are the only records without a bound (anyone
                // can write to the bot), so a new one is when to drop what
                // expired; a failed purge is retried at the next stranger.
                if let Err(e) = self.store.purge_expired_staff_access(now).await {
                    tracing::warn!(error = %crate::error::chain(&e), "purging expired staff access failed");
                }
                Ok(Gate::Refused { first_time: true })
            }
            Err(RecordRefusalError::AlreadyRefused) => Ok(Gate::Refused { first_time: false }),
            Err(RecordRefusalError::Store(e)) => Err(e),
        }
    }

    /// Checks `pin` for `user` and signs them in, or counts the failure.
    /// The PIN itself is never logged or stored.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn try_pin(&self, user: i64, pin: &str) -> Result<PinOutcome, StoreError> {
        let config = self.config();
        let Some(hash) = config.pin.clone() else {
            return Ok(PinOutcome::NotApplicable);
        };
        if !Self::may_try(&config, user) {
            return Ok(PinOutcome::NotApplicable);
        }
        let (max, window) = (config.max_failed_pins, config.lockout_window);
        let now = self.clock.now();
        let failures = self.recent_failures(&config, user, now).await?;
        if let Some(until) = locked_until(&failures, now, max, window) {
            return Ok(PinOutcome::LockedOut { until });
        }
        let pepper = config.pepper.as_ref().map(|p| p.expose_secret().to_owned());
        let pin = pin.trim().to_owned();
        // argon2 takes tens of milliseconds and 19 MiB: off the runtime.
        let matches =
            tokio::task::spawn_blocking(move || pin::verify_pin(&hash, &pin, pepper.as_deref()))
                .await
                .unwrap_or(false);
        // "Now" is read after the check, which may have taken a while.
        let now = self.clock.now();
        let staff_user = StaffUser::new(user);
        if matches {
            let until = now + config.session_lifetime;
            self.store.start_session(staff_user, until).await?;
            tracing::info!(user, "admin signed in with the PIN");
            return Ok(PinOutcome::SignedIn { until });
        }
        self.store
            .record_failed_pin(staff_user, now, now + window)
            .await?;
        let failures = self.recent_failures(&config, user, now).await?;
        if let Some(until) = locked_until(&failures, now, max, window) {
            tracing::warn!(user, %until, failures = max, "admin locked out after wrong PINs");
            return Ok(PinOutcome::LockedOut { until });
        }
        tracing::info!(user, "wrong admin PIN");
        Ok(PinOutcome::Wrong {
            attempts_left: max.saturating_sub(failures.len()),
        })
    }

    /// Ends `user`'s session. Returns whether there was one.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn sign_out(&self, user: i64) -> Result<bool, StoreError> {
        let now = self.clock.now();
        match self.store.end_session(StaffUser::new(user), now).await {
            Ok(()) => Ok(true),
            Err(EndSessionError::NotSignedIn) => Ok(false),
            Err(EndSessionError::Store(e)) => Err(e),
        }
    }

    /// Whether sessions exist at all (a PIN is configured).
    pub fn uses_pin(&self) -> bool {
        self.config().pin.is_some()
    }

    /// The staff member `user` is, if configured.
    pub fn member_of(&self, user: i64) -> Option<StaffId> {
        self.config().staff_members.get(&user).copied()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 6, 3, 7, minute, 0).unwrap()
    }

    #[test]
    fn a_lockout_lasts_a_window_from_the_oldest_of_the_last_max_failures() {
        let window = Duration::hours(1);
        let failures = [at(0), at(10), at(20)];
        assert_eq!(locked_until(&failures, at(30), 4, window), None);
        assert_eq!(
            locked_until(&failures, at(30), 3, window),
            Some(at(0) + window)
        );
        assert_eq!(
            locked_until(&failures, at(30), 2, window),
            Some(at(10) + window)
        );
        // The oldest left the window: two remain, fewer than three.
        assert_eq!(locked_until(&failures, at(0) + window, 3, window), None);
        assert_eq!(locked_until(&[], at(30), 1, window), None);
    }
}
