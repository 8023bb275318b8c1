//! What it takes to book or to move a booking, decided from the calendar.
//!
//! The rules call the slot engine, so a start can be booked exactly when it
//! is offered. A store must still refuse an overlapping booking atomically:
//! these rules see a snapshot, and two customers can act on the same one.

use chrono::{DateTime, NaiveDate, Utc};

use crate::booking::{
    Actor, BookedFor, Booking, BookingStatus, InvalidBooking, NewBooking, NewBookingParts,
    TransitionError,
};
use crate::catalog::{Service, StaffMember};
use crate::occupancy::Occupies;
use crate::slots::{Availability, SlotRefusal, StaffChoice};
use crate::values::{BookingId, Comment, CustomerId, Money, StaffId};

pub mod desk;

pub use desk::{STAFF_HORIZON_DAYS, StaffBookRequest};

/// Why a booking or a reschedule cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingRuleError {
    #[error(transparent)]
    Slot(#[from] SlotRefusal),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("a customer may hold at most {limit} upcoming bookings")]
    TooManyActiveBookings { limit: u16 },
    #[error(transparent)]
    Invalid(#[from] InvalidBooking),
}

/// A customer's request for a new booking.
#[derive(Debug, Clone)]
pub struct BookRequest<'a> {
    pub customer: CustomerId,
    pub service: &'a Service,
    pub staff: StaffChoice,
    pub start: DateTime<Utc>,
    pub comment: Option<Comment>,
    /// The name and phone the booking is for, which may differ from the
    /// customer's own (booking for someone else).
    pub booked_for: BookedFor,
    /// Who makes it: the customer, or staff on their behalf.
    pub by: Actor,
}

impl BookRequest<'_> {
    /// Checks the request against the calendar and gives the booking to
    /// store. `active_bookings` is how many upcoming pending or confirmed
    /// bookings the customer holds now.
    ///
    /// # Errors
    /// [`BookingRuleError`] with the first rule the request breaks.
    pub fn plan<B: Occupies>(
        self,
        calendar: &Availability<'_, B>,
        active_bookings: usize,
    ) -> Result<NewBooking, BookingRuleError> {
        let limit = calendar.policy.max_active_bookings_per_customer();
        if active_bookings >= usize::from(limit) {
            return Err(BookingRuleError::TooManyActiveBookings { limit });
        }
        let staff = pick_staff(calendar, self.service, self.staff, self.start)?;
        let status = if calendar.policy.requires_confirmation() {
            BookingStatus::Pending
        } else {
            BookingStatus::Confirmed
        };
        Ok(new_booking(
            self.customer,
            self.service,
            staff,
            self.start,
            self.comment,
            status,
            calendar.now,
            Copies {
                rescheduled_from: None,
                booked_for: Some(self.booked_for),
                // Booked now: at the service's price now.
                price: Some(self.service.price()),
                created_by: self.by,
            },
        )?)
    }
}

/// A request to move an active booking to a new start (and possibly a new
/// staff member), by the customer or by staff on their behalf.
#[derive(Debug, Clone)]
pub struct RescheduleRequest<'a> {
    pub booking: &'a Booking,
    pub service: &'a Service,
    pub staff: StaffChoice,
    pub start: DateTime<Utc>,
    /// Who moves it. Customers are held to the reschedule cutoff; staff
    /// are not.
    pub by: Actor,
}

impl RescheduleRequest<'_> {
    /// Checks the move and gives the replacement booking to store. The old
    /// booking's own time does not block the new one. The store must create
    /// the replacement and close the old booking (see
    /// [`Booking::close_as_rescheduled`]) in one atomic step.
    ///
    /// # Errors
    /// [`BookingRuleError`] with the first rule the move breaks.
    pub fn plan<B: Occupies>(
        self,
        calendar: &Availability<'_, B>,
    ) -> Result<NewBooking, BookingRuleError> {
        let old = self.booking;
        let by_customer = self.by == Actor::Customer;
        if by_customer {
            old.check_customer_may_reschedule(calendar.now, calendar.policy)?;
        } else if !old.is_active() {
            return Err(TransitionError::NotAllowed {
                from: old.status().name(),
                action: "rescheduled",
            }
            .into());
        }
        let calendar = Availability {
            ignoring: Some(old.id()),
            ..*calendar
        };
        let staff = pick_staff(&calendar, self.service, self.staff, self.start)?;
        // A move by staff is agreed with the customer; a customer's own move
        // needs confirmation again when the business confirms bookings.
        let status = if by_customer && calendar.policy.requires_confirmation() {
            BookingStatus::Pending
        } else if by_customer {
            BookingStatus::Confirmed
        } else {
            old.status().clone()
        };
        let customer = old.customer().ok_or(TransitionError::NotAllowed {
            from: "anonymised",
            action: "rescheduled",
        })?;
        Ok(new_booking(
            customer,
            self.service,
            staff,
            self.start,
            old.comment().cloned(),
            status,
            calendar.now,
            // A move keeps who it is for and the price agreed.
            Copies {
                rescheduled_from: Some(old.id()),
                booked_for: old.booked_for().cloned(),
                price: old.price().or(Some(self.service.price())),
                created_by: self.by,
            },
        )?)
    }
}

pub(crate) fn pick_staff<B: Occupies>(
    calendar: &Availability<'_, B>,
    service: &Service,
    choice: StaffChoice,
    start: DateTime<Utc>,
) -> Result<StaffId, SlotRefusal> {
    match choice {
        StaffChoice::Only(staff) => calendar.check_start(service, staff, start).map(|()| staff),
        StaffChoice::Any => {
            if !service.is_active() {
                return Err(SlotRefusal::ServiceUnavailable);
            }
            calendar.check_timing(start)?;
            let day = start
                .with_timezone(&calendar.policy.time_zone())
                .date_naive();
            let free = calendar
                .free_starts(service, day, StaffChoice::Any)
                .into_iter()
                .find(|free| free.start == start)
                .ok_or(SlotRefusal::NotFree)?;
            least_busy(calendar, &free.staff, day).ok_or(SlotRefusal::NotFree)
        }
    }
}

/// Of the staff members in `free`, the one with the fewest active bookings
/// starting on local `day`; on a tie, the first in the configured order
/// (`calendar.staff`). Taking always the first free one would fill the
/// first calendar while the rest of the team waits for customers.
fn least_busy<B: Occupies>(
    calendar: &Availability<'_, B>,
    free: &[StaffId],
    day: NaiveDate,
) -> Option<StaffId> {
    let time_zone = calendar.policy.time_zone();
    let bookings_that_day = |staff: StaffId| {
        calendar
            .bookings
            .iter()
            .filter(|b| {
                b.staff_id() == staff
                    && b.holds_time()
                    && calendar.ignoring != Some(b.booking_id())
                    && b.visit_start().with_timezone(&time_zone).date_naive() == day
            })
            .count()
    };
    calendar
        .staff
        .iter()
        .map(StaffMember::id)
        .filter(|id| free.contains(id))
        .min_by_key(|id| bookings_that_day(*id))
}

/// What a new booking carries over: where it came from, who it is for, its
/// price, and who makes it.
pub(crate) struct Copies {
    pub(crate) rescheduled_from: Option<BookingId>,
    pub(crate) booked_for: Option<BookedFor>,
    pub(crate) price: Option<Money>,
    pub(crate) created_by: Actor,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn new_booking(
    customer: CustomerId,
    service: &Service,
    staff: StaffId,
    start: DateTime<Utc>,
    comment: Option<Comment>,
    status: BookingStatus,
    now: DateTime<Utc>,
    copies: Copies,
) -> Result<NewBooking, InvalidBooking> {
    let spec = service.spec();
    NewBooking::new(NewBookingParts {
        customer,
        service: service.id(),
        staff,
        start,
        end: start + spec.duration.to_duration(),
        buffer_before: spec.buffer_before,
        buffer_after: spec.buffer_after,
        comment,
        status,
        created_at: now,
        rescheduled_from: copies.rescheduled_from,
        booked_for: copies.booked_for,
        price: copies.price,
        created_by: copies.created_by,
    })
}

#[cfg(test)]
mod tests;
