//! The staff access port: what a staff adapter remembers to decide who may
//! use it, across restarts. Wrong PINs (for the lockout), sign-in sessions,
//! the people already refused (so a stranger hears the refusal once),
//! one-time invitations for staff members, and staff accounts: which staff
//! member a user joined as, and the language they read the bot in.
//!
//! The rules (how many wrong PINs lock someone out, for how long, how long a
//! session lasts) are the adapter's settings; the store keeps the facts they
//! are decided from. Every record carries the time after which it no longer
//! matters, so [`StaffAccessStore::purge_expired_staff_access`] keeps the
//! store as small as the recent attempts, sessions and refusals.

use async_trait::async_trait;
use booking_domain::StaffId;
use chrono::{DateTime, Utc};

use crate::StaffUser;
use crate::error::StoreError;
use crate::ports::versions::RecordVersion;

/// Why a session could not be ended.
#[derive(Debug, thiserror::Error)]
pub enum EndSessionError {
    /// The user has no session open at that time.
    #[error("the user is not signed in")]
    NotSignedIn,
    /// The user signed in again since the session was read (its version
    /// is not the one given); that newer session stays.
    #[error("the user signed in again since the session at {read} was read")]
    Superseded { read: RecordVersion },
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

/// Why an invitation code did not link anyone.
#[derive(Debug, thiserror::Error)]
pub enum RedeemInvitationError {
    /// No invitation has that code: never made, already used, or expired.
    #[error("no such invitation")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A session open at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenSession {
    /// When it ends.
    pub until: DateTime<Utc>,
    /// Its version, to end exactly this session with
    /// [`StaffAccessStore::end_session`].
    pub version: RecordVersion,
}

/// A staff user as the store knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub user: StaffUser,
    /// The staff member they joined as with an invitation; `None` for a
    /// user whose language alone is recorded (they are staff by the
    /// adapter's configuration).
    pub member: Option<StaffId>,
    /// The language tag they read the bot in, as last seen.
    pub language: Option<String>,
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
    /// Not fenced: a new sign-in wins over whatever was stored. MUST store
    /// a version one more than the replaced session's (or the first
    /// version), so an `end_session` with the old one no longer ends it.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails; then nothing changed.
    async fn start_session(
        &self,
        user: StaffUser,
        until: DateTime<Utc>,
        credential: &str,
    ) -> Result<(), StoreError>;

    /// `user`'s session, if one opened with `credential` is open at `now`:
    /// when it ends and its version. MUST return `None` when there is none,
    /// it ended (`until <= now`, even before a purge removed it), or it was
    /// opened with another credential.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn session_until(
        &self,
        user: StaffUser,
        now: DateTime<Utc>,
        credential: &str,
    ) -> Result<Option<OpenSession>, StoreError>;

    /// Ends `user`'s session of `version` (signing out), the one read with
    /// [`StaffAccessStore::session_until`]. MUST remove it only if the
    /// stored session still has that version, checked and removed in one
    /// atomic step, so a sign-in that happened meanwhile survives; MUST
    /// NOT touch their wrong PINs or refusal.
    ///
    /// # Errors
    /// [`EndSessionError::Superseded`] when their stored session has another
    /// version; nothing changes. [`EndSessionError::NotSignedIn`] when none
    /// is stored, or the one of `version` is not open at `now` (an ended
    /// one is removed all the same); [`EndSessionError::Store`] when the
    /// backend fails.
    async fn end_session(
        &self,
        user: StaffUser,
        now: DateTime<Utc>,
        version: RecordVersion,
    ) -> Result<(), EndSessionError>;

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

    /// Removes every wrong PIN and refusal whose `forget_at <= now`, every
    /// session whose `until <= now` and every invitation whose
    /// `expires_at <= now`, of every user, and returns how many
    /// records it removed. MUST NOT remove anything later.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn purge_expired_staff_access(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Stores a one-time invitation for staff member `member`, known by the
    /// hash of its code (the code itself is never stored), valid until
    /// `expires_at`.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails (a hash already stored
    /// included).
    async fn add_staff_invitation(
        &self,
        code_hash: &str,
        member: StaffId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Uses the invitation `code_hash` at `now`: it is deleted and `user`
    /// becomes its staff member's account (replacing any earlier link), in
    /// one atomic step, so of two concurrent uses exactly one succeeds.
    /// `language`, when given, replaces the account's.
    ///
    /// # Errors
    /// [`RedeemInvitationError::NotFound`] for a code never stored, used
    /// or expired (`expires_at <= now`); nothing changes.
    async fn redeem_staff_invitation(
        &self,
        code_hash: &str,
        user: StaffUser,
        language: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<StaffId, RedeemInvitationError>;

    /// Every staff account, by user.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a stored value is corrupt.
    async fn staff_accounts(&self) -> Result<Vec<StaffAccount>, StoreError>;

    /// Records the language `user` reads the bot in, creating their account
    /// (with no staff member) when they have none.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn set_staff_language(&self, user: StaffUser, language: &str) -> Result<(), StoreError>;
}
