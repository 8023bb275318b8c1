//! Roles, enforced: what each staff role may do, checked inside every staff
//! use case, so no adapter (a bot, a web page, an embedder's own) can skip
//! it.
//!
//! - An **owner** may do everything.
//! - A **manager** everything but the catalog (services, staff members and
//!   their weekly hours) and the policy.
//! - A **staff** member their own schedule: their bookings (see, confirm,
//!   cancel, complete, no-show, move within their own schedule), their own
//!   blocked time, booking a caller or walk-in into their own free time.
//!   They see a customer's contact only on their own bookings, because those
//!   are the only bookings they see.
//!
//! Reading the catalog (names, durations, prices, date overrides) is open to
//! every role: every screen needs it and it holds nobody's personal data.
//!
//! A view a staff member asks for without naming anyone ("today", "the
//! week", "anyone free") is their own; naming someone else is refused with
//! [`Forbidden`], which says the least role that may do it.

use booking_domain::{StaffChoice, StaffId};

use super::actor::{StaffActor, StaffRole};

/// What a staff use case needs beyond a staff member's own schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Other staff members' schedules: their bookings, blocks and free
    /// times; business-wide blocks and date overrides.
    WholeSchedule,
    /// Customer cards: search, history, notes, erasure.
    CustomerCards,
    /// Statistics and the export of every booking.
    Reports,
    /// Services, staff members and their weekly hours.
    Catalog,
    /// The booking policy.
    Policy,
    /// Staff accounts: inviting staff members to the admin bot.
    StaffAccounts,
}

impl Capability {
    /// The least role that has it.
    pub fn needs(self) -> StaffRole {
        match self {
            Capability::Catalog | Capability::Policy | Capability::StaffAccounts => {
                StaffRole::Owner
            }
            Capability::WholeSchedule | Capability::CustomerCards | Capability::Reports => {
                StaffRole::Manager
            }
        }
    }
}

/// A staff user asked for something their role does not allow. Nothing was
/// read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{capability:?} needs the {} role", needs.name())]
pub struct Forbidden {
    pub capability: Capability,
    /// The least role that may do it, for the refusal's wording.
    pub needs: StaffRole,
}

impl From<Capability> for Forbidden {
    fn from(capability: Capability) -> Self {
        Self {
            capability,
            needs: capability.needs(),
        }
    }
}

impl StaffActor {
    /// Whether this user's role has `capability`.
    pub fn may(&self, capability: Capability) -> bool {
        self.role().includes(capability.needs())
    }

    /// # Errors
    /// [`Forbidden`] unless this user's role has `capability`.
    pub fn require(&self, capability: Capability) -> Result<(), Forbidden> {
        if self.may(capability) {
            Ok(())
        } else {
            Err(capability.into())
        }
    }

    /// Whether this user may act on `staff`'s schedule: their own, or
    /// anyone's with [`Capability::WholeSchedule`].
    pub fn may_act_for(&self, staff: StaffId) -> bool {
        self.member() == Some(staff) || self.may(Capability::WholeSchedule)
    }

    /// # Errors
    /// [`Forbidden`] unless [`StaffActor::may_act_for`] `staff`.
    pub fn require_schedule_of(&self, staff: StaffId) -> Result<(), Forbidden> {
        if self.may_act_for(staff) {
            Ok(())
        } else {
            Err(Capability::WholeSchedule.into())
        }
    }

    /// # Errors
    /// [`Forbidden`] unless this user may act on the schedule of `staff`,
    /// or of everyone (`None`) with [`Capability::WholeSchedule`].
    pub fn require_schedule_for(&self, staff: Option<StaffId>) -> Result<(), Forbidden> {
        match staff {
            Some(id) => self.require_schedule_of(id),
            None => self.require(Capability::WholeSchedule),
        }
    }

    /// The staff a view asked for `staff` (`None`: everyone) may show: as
    /// asked with [`Capability::WholeSchedule`]; otherwise the user's own.
    ///
    /// # Errors
    /// [`Forbidden`] when a staff member names someone else, or is not a
    /// staff member at all.
    pub fn scope(&self, staff: Option<StaffId>) -> Result<Option<StaffId>, Forbidden> {
        if self.may(Capability::WholeSchedule) {
            return Ok(staff);
        }
        match (staff, self.member()) {
            (None, Some(own)) => Ok(Some(own)),
            (Some(asked), Some(own)) if asked == own => Ok(Some(own)),
            _ => Err(Capability::WholeSchedule.into()),
        }
    }

    /// The staff a booking may go to when this user chose `choice`: as
    /// chosen with [`Capability::WholeSchedule`]; otherwise the user
    /// themselves ("anyone" is them).
    ///
    /// # Errors
    /// As [`StaffActor::scope`].
    pub fn scope_choice(&self, choice: StaffChoice) -> Result<StaffChoice, Forbidden> {
        if self.may(Capability::WholeSchedule) {
            return Ok(choice);
        }
        let asked = match choice {
            StaffChoice::Any => None,
            StaffChoice::Only(id) => Some(id),
        };
        Ok(self
            .scope(asked)?
            .map_or(StaffChoice::Any, StaffChoice::Only))
    }
}

#[cfg(test)]
mod tests {
    use booking_domain::StaffUser;

    use super::*;

    fn actor(role: StaffRole, member: Option<i64>) -> StaffActor {
        StaffActor::authenticated(
            StaffUser::new(9),
            member.map(|id| StaffId::new(id).unwrap()),
            role,
        )
    }

    #[test]
    fn each_role_has_exactly_the_capabilities_the_table_gives_it() {
        use Capability::*;
        let all = [
            WholeSchedule,
            CustomerCards,
            Reports,
            Catalog,
            Policy,
            StaffAccounts,
        ];
        let granted = |role| {
            all.into_iter()
                .filter(|c| actor(role, Some(1)).may(*c))
                .collect::<Vec<_>>()
        };
        assert_eq!(granted(StaffRole::Owner), all.to_vec());
        assert_eq!(
            granted(StaffRole::Manager),
            vec![WholeSchedule, CustomerCards, Reports]
        );
        assert_eq!(granted(StaffRole::Staff), Vec::<Capability>::new());
    }

    #[test]
    fn a_staff_member_sees_their_own_schedule_when_asking_for_everyone() {
        let anna = actor(StaffRole::Staff, Some(1));
        let own = Some(StaffId::new(1).unwrap());
        assert_eq!(anna.scope(None), Ok(own));
        assert_eq!(anna.scope(own), Ok(own));
        assert_eq!(
            anna.scope(Some(StaffId::new(2).unwrap())),
            Err(Forbidden::from(Capability::WholeSchedule))
        );
        assert_eq!(
            anna.scope_choice(StaffChoice::Any),
            Ok(StaffChoice::Only(StaffId::new(1).unwrap()))
        );
        assert!(
            anna.scope_choice(StaffChoice::Only(StaffId::new(2).unwrap()))
                .is_err()
        );
    }

    #[test]
    fn a_staff_role_without_a_staff_member_has_no_schedule_at_all() {
        let nobody = actor(StaffRole::Staff, None);
        assert!(nobody.scope(None).is_err());
        assert!(nobody.scope_choice(StaffChoice::Any).is_err());
        assert!(!nobody.may_act_for(StaffId::new(1).unwrap()));
    }

    #[test]
    fn managers_and_owners_see_what_they_ask_for() {
        for role in [StaffRole::Owner, StaffRole::Manager] {
            let boss = actor(role, None);
            assert_eq!(boss.scope(None), Ok(None));
            assert_eq!(
                boss.scope(Some(StaffId::new(2).unwrap())),
                Ok(Some(StaffId::new(2).unwrap()))
            );
            assert!(boss.may_act_for(StaffId::new(2).unwrap()));
        }
    }
}
