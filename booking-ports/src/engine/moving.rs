//! Free times for moving an existing booking. They differ from
//! [`Engine::free_times`] in one way: the booking being moved does not block
//! its own new time, so moving a visit by half an hour is offered exactly
//! when the reschedule would accept it.

use booking_domain::{Actor, Availability, BookingId, CustomerId, FreeStart, StaffChoice};
use chrono::NaiveDate;

use super::Engine;
use super::access::Forbidden;
use super::actor::StaffActor;
use super::errors::FindBookingError;

/// Who is moving a booking: its customer (who may move only their own) or
/// staff.
#[derive(Debug, Clone, Copy)]
pub enum Mover<'a> {
    Customer(CustomerId),
    Staff(&'a StaffActor),
}

impl Mover<'_> {
    /// Where a move may go when the mover chose `choice`: anywhere for a
    /// customer, within their own schedule for a staff member
    /// ([`StaffActor::scope_choice`]).
    ///
    /// # Errors
    /// [`Forbidden`] when a staff member chose someone else.
    pub fn scope_choice(self, choice: StaffChoice) -> Result<StaffChoice, Forbidden> {
        match self {
            Mover::Customer(_) => Ok(choice),
            Mover::Staff(actor) => actor.scope_choice(choice),
        }
    }

    /// Who the booking's audit trail records as having moved it.
    pub fn actor(self) -> Actor {
        match self {
            Mover::Customer(_) => Actor::Customer,
            Mover::Staff(staff) => staff.as_actor(),
        }
    }
}

impl Engine {
    async fn booking_to_move(
        &self,
        mover: Mover<'_>,
        id: BookingId,
    ) -> Result<booking_domain::Booking, FindBookingError> {
        match (self.bookings.booking(id).await?, mover) {
            (Some(booking), Mover::Staff(actor)) => {
                actor.require_schedule_of(booking.staff())?;
                Ok(booking)
            }
            (Some(booking), Mover::Customer(customer)) if booking.is_held_by(customer) => {
                Ok(booking)
            }
            _ => Err(FindBookingError::NotFound),
        }
    }

    /// The free starts of local `day` for the service of booking `id` with
    /// `staff`, not counting the booking itself as busy.
    ///
    /// # Errors
    /// [`FindBookingError::NotFound`] when the booking does not exist or,
    /// for a customer, is not theirs.
    pub async fn free_times_to_move(
        &self,
        mover: Mover<'_>,
        id: BookingId,
        staff: StaffChoice,
        day: NaiveDate,
    ) -> Result<Vec<FreeStart>, FindBookingError> {
        let booking = self.booking_to_move(mover, id).await?;
        let staff = mover.scope_choice(staff)?;
        let policy = self.policy();
        let now = self.clock.now();
        let calendar = self.calendar(&policy, day, day).await?;
        let Some(service) = calendar.service(booking.service()) else {
            return Ok(Vec::new());
        };
        let availability = Availability {
            ignoring: Some(id),
            ..calendar.availability(&policy, now)
        };
        Ok(availability.free_starts(service, day, staff))
    }

    /// The local days in `from..=to` (clamped to today and the horizon) with
    /// a free start for booking `id`'s service with `staff`, not counting
    /// the booking itself as busy.
    ///
    /// # Errors
    /// As [`Engine::free_times_to_move`].
    pub async fn days_to_move(
        &self,
        mover: Mover<'_>,
        id: BookingId,
        staff: StaffChoice,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, FindBookingError> {
        let booking = self.booking_to_move(mover, id).await?;
        let staff = mover.scope_choice(staff)?;
        let policy = self.policy();
        let now = self.clock.now();
        let first = from.max(policy.today(now));
        let last = to.min(policy.last_bookable_day(now));
        if last < first {
            return Ok(Vec::new());
        }
        let calendar = self.calendar(&policy, first, last).await?;
        let Some(service) = calendar.service(booking.service()) else {
            return Ok(Vec::new());
        };
        let availability = Availability {
            ignoring: Some(id),
            ..calendar.availability(&policy, now)
        };
        Ok(availability.days_with_free_starts(service, first, last, staff))
    }
}
