//! Who may use the admin bot, and in which role: the owners' allow-list of
//! Telegram user ids, the managers' list, the staff members' ids, the PIN,
//! sessions, and the lockout after too many wrong PINs.
//!
//! The role decides what the engine lets a user do ([`StaffRole`]); this
//! module only says who someone is. An owner in two lists is an owner; a
//! manager who is also a staff member is a manager acting as that member.
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
//!
//! Guessing is bounded three ways: each user's wrong PINs lock that user out;
//! the wrong PINs of everyone together pause PIN checks for everyone not yet
//! signed in (so a hundred accounts cannot each spend their own budget); and
//! at most [`CONCURRENT_PIN_CHECKS`] argon2 checks run at once (19 MiB each),
//! so a crowd of strangers cannot exhaust a small server's memory.

use std::fmt;
use std::sync::Arc;

use booking_domain::StaffId;
use booking_ports::{
    Clock, EndSessionError, RecordRefusalError, StaffAccessStore, StaffRole, StaffUser, StoreError,
};
use chrono::{DateTime, Duration, Utc};
use secrecy::ExposeSecret;
use tokio::sync::Semaphore;

mod config;
mod invitations;

pub use self::config::{AdminBotConfig, AdminConfigError};
pub use self::invitations::{INVITATION_LIFETIME, Invitation, JoinOutcome};
use super::directory::StaffDirectory;
use super::pin;
use crate::live::Live;

/// Wrong PINs allowed per user within [`DEFAULT_LOCKOUT_WINDOW`].
pub const DEFAULT_MAX_FAILED_PINS: usize = 10;
/// The window in which wrong PINs are counted.
pub const DEFAULT_LOCKOUT_WINDOW: Duration = Duration::hours(1);
/// Wrong PINs of all users together within the lockout window that pause
/// PIN checks for everyone not signed in.
pub const DEFAULT_MAX_FAILED_PINS_OF_EVERYONE: usize = 20;
/// argon2 checks running at once; others are told to try again.
pub const CONCURRENT_PIN_CHECKS: usize = 2;
/// How long a PIN sign-in lasts by default.
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::hours(12);
/// Telegram's limit on documents a bot sends.
pub const TELEGRAM_DOCUMENT_LIMIT: u64 = 50 * 1024 * 1024;
/// How long a refused stranger is remembered, so they hear the refusal once.
const REFUSAL_MEMORY: Duration = Duration::days(365);

/// What the bot may do for a user right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Signed in (or on the allow-list when no PIN is configured).
    Admitted,
    /// May sign in with the PIN.
    NeedsPin,
    /// Too many wrong PINs; may try again at `until`.
    LockedOut { until: DateTime<Utc> },
    /// Too many wrong PINs of everyone together: PIN checks are paused for
    /// all who are not signed in until `until`.
    Paused { until: DateTime<Utc> },
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
    /// PIN checks are paused for everyone until `until`; `began` when this
    /// attempt's failure paused them (the owners are told once).
    Paused {
        until: DateTime<Utc>,
        began: bool,
    },
    /// The text cannot be a PIN (too short, too long, spaces): not counted.
    NotAPin,
    /// [`CONCURRENT_PIN_CHECKS`] checks are running: not checked, not
    /// counted; try again shortly.
    Busy,
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
    /// Permits for argon2 checks, [`CONCURRENT_PIN_CHECKS`] of them.
    checks: Arc<Semaphore>,
    /// Users who joined with an invitation, and staff users' languages.
    directory: StaffDirectory,
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
            checks: Arc::new(Semaphore::new(CONCURRENT_PIN_CHECKS)),
            directory: StaffDirectory::default(),
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

    /// The staff accounts and languages this gate and the notification
    /// sender share.
    pub fn directory(&self) -> &StaffDirectory {
        &self.directory
    }

    /// Whether `user` is on a list (owners, managers, staff members, those
    /// who joined), or could be by PIN alone.
    fn may_try(&self, config: &AdminBotConfig, user: i64) -> bool {
        config.allowed_users.is_empty() || self.listed_role(config, user).is_some()
    }

    /// The role a list gives `user`, the most allowed first; someone who
    /// joined with an invitation is staff.
    fn listed_role(&self, config: &AdminBotConfig, user: i64) -> Option<StaffRole> {
        if config.allowed_users.contains(&user) {
            Some(StaffRole::Owner)
        } else if config.managers.contains(&user) {
            Some(StaffRole::Manager)
        } else if config.staff_members.contains_key(&user)
            || self.directory.member_of(user).is_some()
        {
            Some(StaffRole::Staff)
        } else {
            None
        }
    }

    /// The role `user` acts in once admitted: their list's; with the PIN
    /// alone and no list naming them, an owner's (whoever knows that PIN is
    /// the owner, by the owner's explicit choice).
    pub fn role_of(&self, user: i64) -> StaffRole {
        self.listed_role(&self.config(), user)
            .unwrap_or(StaffRole::Owner)
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

    /// When PIN checks are paused for everyone at `now`, if they are.
    async fn paused_until(
        &self,
        config: &AdminBotConfig,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let everyone = self
            .store
            .all_failed_pins(now - config.lockout_window)
            .await?;
        Ok(locked_until(
            &everyone,
            now,
            config.max_failed_pins_of_everyone,
            config.lockout_window,
        ))
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
            return if self.listed_role(&config, user).is_some() {
                Ok(Gate::Admitted)
            } else {
                self.refuse(user, now).await
            };
        }
        if !self.may_try(&config, user) {
            return self.refuse(user, now).await;
        }
        let credential = config.pin.as_ref().map_or("", |pin| pin.credential());
        if self
            .store
            .session_until(StaffUser::new(user), now, credential)
            .await?
            .is_some()
        {
            return Ok(Gate::Admitted);
        }
        let failures = self.recent_failures(&config, user, now).await?;
        if let Some(until) = locked_until(
            &failures,
            now,
            config.max_failed_pins,
            config.lockout_window,
        ) {
            return Ok(Gate::LockedOut { until });
        }
        match self.paused_until(&config, now).await? {
            Some(until) => Ok(Gate::Paused { until }),
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
        if !self.may_try(&config, user) {
            return Ok(PinOutcome::NotApplicable);
        }
        let pin = pin.trim().to_owned();
        if pin::check_pin(&pin).is_err() {
            return Ok(PinOutcome::NotAPin);
        }
        let (max, window) = (config.max_failed_pins, config.lockout_window);
        let now = self.clock.now();
        let failures = self.recent_failures(&config, user, now).await?;
        if let Some(until) = locked_until(&failures, now, max, window) {
            return Ok(PinOutcome::LockedOut { until });
        }
        if let Some(until) = self.paused_until(&config, now).await? {
            return Ok(PinOutcome::Paused {
                until,
                began: false,
            });
        }
        // Taken before the check and held until it ends, so at most
        // CONCURRENT_PIN_CHECKS run; a crowd is told to wait, not queued.
        let Ok(permit) = Arc::clone(&self.checks).try_acquire_owned() else {
            crate::metrics::pin_check_busy();
            return Ok(PinOutcome::Busy);
        };
        let pepper = config.pepper.as_ref().map(|p| p.expose_secret().to_owned());
        let credential = hash.credential().to_owned();
        // argon2 takes tens of milliseconds and 19 MiB: off the runtime.
        let matches = tokio::task::spawn_blocking(move || {
            let matches = pin::verify_pin(&hash, &pin, pepper.as_deref());
            drop(permit);
            matches
        })
        .await
        .unwrap_or(false);
        // "Now" is read after the check, which may have taken a while.
        let now = self.clock.now();
        let staff_user = StaffUser::new(user);
        if matches {
            let until = now + config.session_lifetime;
            self.store
                .start_session(staff_user, until, &credential)
                .await?;
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
        if let Some(until) = self.paused_until(&config, now).await? {
            tracing::warn!(
                %until,
                failures = config.max_failed_pins_of_everyone,
                "PIN checks paused for everyone after many wrong PINs"
            );
            crate::metrics::pin_checks_paused();
            return Ok(PinOutcome::Paused { until, began: true });
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
    ///
    /// Ends the session this sign-out reads, by its version: a sign-in that
    /// happens in between (in another chat, through another instance) is
    /// newer and stays, and this sign-out then reports none.
    pub async fn sign_out(&self, user: i64) -> Result<bool, StoreError> {
        let config = self.config();
        let credential = config.pin.as_ref().map_or("", |pin| pin.credential());
        let now = self.clock.now();
        let staff_user = StaffUser::new(user);
        let Some(session) = self
            .store
            .session_until(staff_user, now, credential)
            .await?
        else {
            return Ok(false);
        };
        match self
            .store
            .end_session(staff_user, now, session.version)
            .await
        {
            Ok(()) => Ok(true),
            Err(EndSessionError::NotSignedIn) => Ok(false),
            Err(EndSessionError::Superseded { .. }) => {
                tracing::info!(user, "a sign-out met a newer sign-in, which stays");
                Ok(false)
            }
            Err(EndSessionError::Store(e)) => Err(e),
        }
    }

    /// Whether sessions exist at all (a PIN is configured).
    pub fn uses_pin(&self) -> bool {
        self.config().pin.is_some()
    }

    /// The staff member `user` is: by the config file, else by the
    /// invitation they joined with.
    pub fn member_of(&self, user: i64) -> Option<StaffId> {
        self.config()
            .staff_members
            .get(&user)
            .copied()
            .or_else(|| self.directory.member_of(user))
    }
}

#[cfg(test)]
mod tests {
    use booking_ports::{ManualClock, MemoryStore};
    use chrono::TimeZone;

    use super::*;

    fn gate_with_a_pin(store: &MemoryStore) -> Access {
        let hash = pin::PinHash::parse(&pin::hash_pin("482913", None).unwrap()).unwrap();
        let config = AdminBotConfig::new([7], Some(hash)).unwrap();
        let clock = ManualClock::new(at(0));
        Access::new(config, Arc::new(store.clone()), Arc::new(clock)).unwrap()
    }

    #[tokio::test]
    async fn a_pin_is_not_checked_while_the_most_checks_allowed_at_once_run() {
        let store = MemoryStore::default();
        let access = gate_with_a_pin(&store);
        let running: Vec<_> = (0..CONCURRENT_PIN_CHECKS)
            .map(|_| Arc::clone(&access.checks).try_acquire_owned().unwrap())
            .collect();

        let outcome = access.try_pin(7, "111111").await.unwrap();

        assert_eq!(outcome, PinOutcome::Busy);
        assert!(
            store
                .failed_pins(StaffUser::new(7), at(0) - Duration::days(1))
                .await
                .unwrap()
                .is_empty(),
            "a PIN turned away is not counted"
        );
        drop(running);
        assert_eq!(
            access.try_pin(7, "111111").await.unwrap(),
            PinOutcome::Wrong {
                attempts_left: DEFAULT_MAX_FAILED_PINS - 1
            }
        );
        assert_eq!(
            access.checks.available_permits(),
            CONCURRENT_PIN_CHECKS,
            "a finished check returns its permit"
        );
    }

    #[tokio::test]
    async fn text_that_cannot_be_a_pin_is_neither_checked_nor_counted() {
        let store = MemoryStore::default();
        let access = gate_with_a_pin(&store);

        for typed in ["Anna Petrova", "12345", ""] {
            assert_eq!(access.try_pin(7, typed).await.unwrap(), PinOutcome::NotAPin);
        }
        assert!(
            store
                .failed_pins(StaffUser::new(7), at(0) - Duration::days(1))
                .await
                .unwrap()
                .is_empty()
        );
    }

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
