//! A booking's audit trail: who created it, who confirmed it and who closed
//! it (completed, marked a no-show, cancelled or moved it), when, and in
//! which role staff acted.
//!
//! Each transition of [`Booking`](super::Booking) takes the [`Actor`] that
//! makes it and stamps the trail itself, so no caller can change a booking
//! without saying who did. Staff are recorded by the account they signed in
//! with as well as the staff member they are: an owner who cancels Anna's
//! booking is recorded as the owner, not as Anna.

use chrono::{DateTime, Utc};

use crate::values::{StaffId, StaffUser};

/// What a staff user may do: an owner everything; a manager everything but
/// the catalog and the policy; a staff member their own schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StaffRole {
    Owner,
    Manager,
    Staff,
}

impl StaffRole {
    /// Every role, from the most to the least allowed.
    pub const ALL: [StaffRole; 3] = [StaffRole::Owner, StaffRole::Manager, StaffRole::Staff];

    /// The role's name in stored records and logs: `owner`, `manager`,
    /// `staff`.
    pub fn name(self) -> &'static str {
        match self {
            StaffRole::Owner => "owner",
            StaffRole::Manager => "manager",
            StaffRole::Staff => "staff",
        }
    }

    /// The role named `name` ([`StaffRole::name`]).
    pub fn from_name(name: &str) -> Option<StaffRole> {
        Self::ALL.into_iter().find(|role| role.name() == name)
    }

    /// Whether this role may do everything `other` may: an owner includes a
    /// manager, who includes staff.
    pub fn includes(self, other: StaffRole) -> bool {
        self.rank() >= other.rank()
    }

    fn rank(self) -> u8 {
        match self {
            StaffRole::Owner => 2,
            StaffRole::Manager => 1,
            StaffRole::Staff => 0,
        }
    }
}

/// Who did something to a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// The customer who holds the booking, through a client.
    Customer,
    /// A staff user: the account they signed in with, the staff member
    /// they are (when they are one), and the role they acted in.
    Staff {
        user: StaffUser,
        member: Option<StaffId>,
        role: StaffRole,
    },
    /// The business's own housekeeping: expiry, automatic completion,
    /// erasure.
    System,
}

/// An action and when it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub by: Actor,
    pub at: DateTime<Utc>,
}

/// Who did what to a booking. `Default` is the trail of a booking stored
/// before trails were kept: nothing known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditTrail {
    /// Who made it (for a booking that came from a move, who moved it; the
    /// time is the booking's `created_at`). `None` only for a booking
    /// stored before trails were kept.
    pub created_by: Option<Actor>,
    /// Who confirmed it, when staff did; a booking confirmed on creation
    /// (no confirmation needed, or made by staff) has none.
    pub confirmed: Option<Stamp>,
    /// Who ended its active life: completed, marked a no-show, cancelled,
    /// expired or moved it.
    pub closed: Option<Stamp>,
}
