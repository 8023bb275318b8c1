//! What the business offers and when: services, staff with weekly hours, date
//! overrides, blocked periods, and the policy that governs booking.
//!
//! Each entity is an id plus a *spec*: the spec is the command type an admin
//! fills in to add or edit (public fields, each already a validated value),
//! and the entity constructor checks the rules that span fields.

mod hours;
mod policy;
mod policy_overrides;
#[cfg(test)]
mod tests;

pub use hours::{DateOverride, InvalidHours, LocalTimeRange, OverrideHours, WeeklyHours};
pub use policy::{InvalidPolicy, Policy, PolicySettings};
pub use policy_overrides::{InvalidPolicyValue, PolicyChange, PolicyField, PolicyOverrides};

use crate::time::Interval;
use crate::values::{
    CancelReason, Minutes, Money, ServiceId, ServiceName, StaffId, StaffName, TimeOffId,
};

/// Minutes in a day: the longest a period or a service can last.
pub(crate) const MINUTES_PER_DAY: u16 = 24 * 60;

/// Why a service was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidService {
    #[error("a service must last at least one minute")]
    ZeroDuration,
    #[error("a service, buffers included, must fit in one day")]
    LongerThanADay,
}

/// What an admin fills in to add or edit a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    pub name: ServiceName,
    pub duration: Minutes,
    pub price: Money,
    /// Time kept free before each booking of this service (preparation).
    pub buffer_before: Minutes,
    /// Time kept free after each booking of this service (cleaning up).
    pub buffer_after: Minutes,
    /// Inactive services are kept for history but not offered.
    pub active: bool,
    /// Who can perform it; a service nobody performs is not offered.
    pub performers: Vec<StaffId>,
}

impl ServiceSpec {
    /// # Errors
    /// [`InvalidService`] for a zero duration or one that, with its buffers,
    /// exceeds a day.
    pub fn validate(&self) -> Result<(), InvalidService> {
        if self.duration.is_zero() {
            return Err(InvalidService::ZeroDuration);
        }
        let total = self.duration.get() + self.buffer_before.get() + self.buffer_after.get();
        if total > u32::from(MINUTES_PER_DAY) {
            return Err(InvalidService::LongerThanADay);
        }
        Ok(())
    }
}

/// A service the business offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    id: ServiceId,
    spec: ServiceSpec,
}

impl Service {
    /// # Errors
    /// [`InvalidService`] when the spec breaks a rule.
    pub fn new(id: ServiceId, mut spec: ServiceSpec) -> Result<Self, InvalidService> {
        spec.validate()?;
        spec.performers.sort();
        spec.performers.dedup();
        Ok(Self { id, spec })
    }

    pub fn id(&self) -> ServiceId {
        self.id
    }

    pub fn spec(&self) -> &ServiceSpec {
        &self.spec
    }

    pub fn name(&self) -> &ServiceName {
        &self.spec.name
    }

    pub fn duration(&self) -> Minutes {
        self.spec.duration
    }

    pub fn price(&self) -> Money {
        self.spec.price
    }

    pub fn is_active(&self) -> bool {
        self.spec.active
    }

    pub fn is_performed_by(&self, staff: StaffId) -> bool {
        self.spec.performers.binary_search(&staff).is_ok()
    }
}

/// Why a staff member was refused. Every field of [`StaffSpec`] is already
/// valid on its own; this exists so that later cross-field rules have a home
/// without changing the constructor's signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidStaff {}

/// What an admin fills in to add or edit a staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSpec {
    pub name: StaffName,
    pub hours: WeeklyHours,
    /// Inactive staff keep their history but get no new bookings.
    pub active: bool,
}

/// A person who performs services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    id: StaffId,
    spec: StaffSpec,
}

impl StaffMember {
    /// # Errors
    /// None today; see [`InvalidStaff`].
    pub fn new(id: StaffId, spec: StaffSpec) -> Result<Self, InvalidStaff> {
        Ok(Self { id, spec })
    }

    pub fn id(&self) -> StaffId {
        self.id
    }

    pub fn spec(&self) -> &StaffSpec {
        &self.spec
    }

    pub fn name(&self) -> &StaffName {
        &self.spec.name
    }

    pub fn hours(&self) -> &WeeklyHours {
        &self.spec.hours
    }

    pub fn is_active(&self) -> bool {
        self.spec.active
    }
}

/// Why a blocked period was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTimeOff {
    #[error("a blocked period may last at most {max_days} days")]
    TooLong { max_days: i64 },
}

/// What an admin fills in to block a period: a day off, a few hours, a
/// holiday. `staff: None` blocks everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeOffSpec {
    pub staff: Option<StaffId>,
    pub period: Interval,
    pub reason: Option<CancelReason>,
}

impl TimeOffSpec {
    pub const MAX_DAYS: i64 = 366;

    /// # Errors
    /// [`InvalidTimeOff::TooLong`] for a period over a year.
    pub fn validate(&self) -> Result<(), InvalidTimeOff> {
        // Compared as durations: counting whole days would let 366 days and
        // 23 hours through.
        if self.period.duration() > chrono::Duration::days(Self::MAX_DAYS) {
            return Err(InvalidTimeOff::TooLong {
                max_days: Self::MAX_DAYS,
            });
        }
        Ok(())
    }

    /// Whether the block applies to `staff`.
    pub fn applies_to(&self, staff: StaffId) -> bool {
        self.staff.is_none_or(|s| s == staff)
    }
}

/// A blocked period in the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeOff {
    id: TimeOffId,
    spec: TimeOffSpec,
}

impl TimeOff {
    /// # Errors
    /// [`InvalidTimeOff`] when the spec breaks a rule.
    pub fn new(id: TimeOffId, spec: TimeOffSpec) -> Result<Self, InvalidTimeOff> {
        spec.validate()?;
        Ok(Self { id, spec })
    }

    pub fn id(&self) -> TimeOffId {
        self.id
    }

    pub fn spec(&self) -> &TimeOffSpec {
        &self.spec
    }

    pub fn period(&self) -> Interval {
        self.spec.period
    }

    pub fn applies_to(&self, staff: StaffId) -> bool {
        self.spec.applies_to(staff)
    }
}
