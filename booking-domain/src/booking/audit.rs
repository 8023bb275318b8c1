//! A booking's audit trail: who created it, who confirmed it and who closed
//! it (completed, marked a no-show, cancelled or moved it), and when.
//!
//! Each transition of [`Booking`](super::Booking) takes the [`Actor`] that
//! makes it and stamps the trail itself, so no caller can change a booking
//! without saying who did. Staff are recorded by the account they signed in
//! with as well as the staff member they are: an owner who cancels Anna's
//! booking is recorded as the owner, not as Anna.

use chrono::{DateTime, Utc};

use crate::values::{StaffId, StaffUser};

/// Who did something to a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// The customer who holds the booking, through a client.
    Customer,
    /// A staff user: the account they signed in with and, when they are
    /// one, the staff member they are.
    Staff {
        user: StaffUser,
        member: Option<StaffId>,
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
