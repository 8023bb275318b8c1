//! The staff identity every staff use case takes.
//!
//! The engine cannot authenticate anyone (that is the admin adapter's job,
//! with its allow-list and PIN); what it can do is make the check impossible
//! to skip by accident: no staff operation runs without a [`StaffActor`], and
//! the only way to get one is [`StaffActor::authenticated`], a single call the
//! adapter makes after its check and that a review can grep for.

use std::fmt;

use booking_domain::StaffId;

/// A staff user as the admin adapter identifies them (the Telegram
/// deployment uses the user's Telegram id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StaffUser(i64);

impl StaffUser {
    pub fn new(id: i64) -> Self {
        Self(id)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for StaffUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Proof that the caller authenticated a staff user. Not `Default`, no public
/// fields: see [`StaffActor::authenticated`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffActor {
    user: StaffUser,
    member: Option<StaffId>,
}

impl StaffActor {
    /// The identity of `user`, whom the caller has just authenticated. Call
    /// this only after the check (allow-list, PIN, session) succeeded.
    /// `member` is the staff member the user is, when they are one (an owner
    /// or receptionist may not be); it is recorded on cancellations.
    pub fn authenticated(user: StaffUser, member: Option<StaffId>) -> Self {
        Self { user, member }
    }

    pub fn user(&self) -> StaffUser {
        self.user
    }

    pub fn member(&self) -> Option<StaffId> {
        self.member
    }
}
