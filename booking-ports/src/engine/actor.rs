//! The staff identity every staff use case takes.
//!
//! The engine cannot authenticate anyone (that is the admin adapter's job,
//! with its allow-list and PIN); what it can do is make the check impossible
//! to skip by accident: no staff operation runs without a [`StaffActor`], and
//! the only way to get one is [`StaffActor::authenticated`], a single call the
//! adapter makes after its check and that a review can grep for.

pub use booking_domain::StaffRole;
pub use booking_domain::StaffUser;
use booking_domain::{Actor, StaffId};

/// Proof that the caller authenticated a staff user. Not `Default`, no public
/// fields: see [`StaffActor::authenticated`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffActor {
    user: StaffUser,
    member: Option<StaffId>,
    role: StaffRole,
}

impl StaffActor {
    /// The identity of `user`, whom the caller has just authenticated. Call
    /// this only after the check (allow-list, PIN, session) succeeded.
    /// `member` is the staff member the user is, when they are one (an owner
    /// or receptionist may not be); `role` is what the caller's own
    /// configuration grants them. Both are recorded in the audit trail of
    /// every booking they change.
    pub fn authenticated(user: StaffUser, member: Option<StaffId>, role: StaffRole) -> Self {
        Self { user, member, role }
    }

    pub fn user(&self) -> StaffUser {
        self.user
    }

    pub fn member(&self) -> Option<StaffId> {
        self.member
    }

    pub fn role(&self) -> StaffRole {
        self.role
    }

    /// Who this is in a booking's audit trail.
    pub fn as_actor(&self) -> Actor {
        Actor::Staff {
            user: self.user,
            member: self.member,
            role: self.role,
        }
    }
}
