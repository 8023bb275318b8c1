//! The staff access port: what a staff adapter remembers to decide who may
//! use it, across restarts. Wrong PINs (for the lockout), sign-in sessions,
//! and the people already refused (so a stranger hears the refusal once).
//!
//! The rules (how many wrong PINs lock someone out, for how long, how long a
//! session lasts) are the adapter's settings; the store keeps the facts they
//! are decided from. Every record carries the time after which it no longer
//! matters, so [`StaffAccessStore::purge_expired_staff_access`] keeps the
//! store as small as the recent attempts, sessions and refusals.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StaffUser;
use crate::error::StoreError;

/// Why a session could not be ended.
#[derive(Debug, thiserror::Error)]
pub enum EndSessionError {
    /// The user has no session open at that time.
    #[error("the user is not signed in")]
    NotSignedIn,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a refusal was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordRefusalError {
    /// The user was refused before and that refusal is still remembered;
    /// nothing changed.
    #[error("the user was already refused")]
    AlreadyRefused,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where staff access records live, keyed by the user as the staff adapter
/// identifies them ([`StaffUser`]: the Telegram user id in the bundled
/// deployment), whether or not they turn out to be staff.
///
/// Instants are kept to at least the millisecond.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait StaffAccessStore: Send + Sync {
    /// The wrong PINs of `user` recorded at an instant later than `after`,
    /// oldest first. MUST return each recorded one (two at the same instant
    /// are two), whether or not its `forget_at` passed, until a purge or a
    /// sign-in removes it; MUST NOT return another user's.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn failed_pins(
        &self,
        user: StaffUser,
        after: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError>;

    /// The wrong PINs of every user recorded at an instant later than
    /// `after`, oldest first: the count behind a pause of PIN checks for
    /// everyone, when many accounts guess at once. The same rules as
    /// [`StaffAccessStore::failed_pins`], across users.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn all_failed_pins(&self, after: DateTime<Utc>)
    -> Result<Vec<DateTime<Utc>>, StoreError>;

    /// Records a wrong PIN of `user` at `at`, which the purge may remove
    /// once `forget_at` passed.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn record_failed_pin(
        &self,
        user: StaffUser,
        at: DateTime<Utc>,
        forget_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Signs `user` in until `until` with `credential`: MUST replace any
    /// session of theirs and MUST delete all their wrong PINs, in one commit
    /// (a sign-in clears the count towards a lockout).
    ///
    /// `credential` is an opaque, non-secret tag of what the user proved
    /// (the admin bot uses its PIN hash's salt), so that changing the PIN
    /// ends every session opened with the old one, across restarts.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails; then nothing changed.
    async fn start_session(
        &self,
        user: StaffUser,
        until: DateTime<Utc>,
        credential: &str,
    ) -> Result<(), StoreError>;

    /// When `user`'s session ends, if one opened with `credential` is open
    /// at `now`. MUST return `None` when there is none, it ended
    /// (`until <= now`, even before a purge removed it), or it was opened
    /// with another credential.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn session_until(
        &self,
        user: StaffUser,
        now: DateTime<Utc>,
        credential: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Ends `user`'s session (signing out). MUST remove it, and MUST NOT
    /// touch their wrong PINs or refusal.
    ///
    /// # Errors
    /// [`EndSessionError::NotSignedIn`] when no session of theirs is open at
    /// `now` (an ended one is removed all the same);
    /// [`EndSessionError::Store`] when the backend fails.
    async fn end_session(&self, user: StaffUser, now: DateTime<Utc>)
    -> Result<(), EndSessionError>;

    /// Records that `user` was refused at `at`, remembered until
    /// `forget_at`. Checking and recording MUST be one atomic step, so of two
    /// concurrent first refusals exactly one succeeds.
    ///
    /// # Errors
    /// [`RecordRefusalError::AlreadyRefused`] when a refusal of `user` is
    /// remembered at `at` (its `forget_at` is later); nothing changes. A
    /// forgotten one is replaced. [`RecordRefusalError::Store`] when the
    /// backend fails.
    async fn record_refusal(
        &self,
        user: StaffUser,
        at: DateTime<Utc>,
        forget_at: DateTime<Utc>,
    ) -> Result<(), RecordRefusalError>;

    /// Removes every wrong PIN and refusal whose `forget_at <= now` and every
    /// session whose `until <= now`, of every user, and returns how many
    /// records it removed. MUST NOT remove anything later.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn purge_expired_staff_access(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}
