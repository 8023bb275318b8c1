//! A booking and its lifecycle.
//!
//! ```text
//! pending ──confirm──▶ confirmed ──complete──▶ completed
//!    │                    │      └─no-show──▶ no-show
//!    └──────cancel────────┴──▶ cancelled (who, why, when)
//!    └────reschedule──────┴──▶ rescheduled (linked to the new booking)
//! ```
//!
//! A pending booking whose visit has started can also be completed or marked
//! as a no-show directly: nobody confirmed it, but the visit happened (or
//! did not), and staff record what did. One nobody confirmed in time is
//! cancelled by the system ([`Booking::expire`]) only before its visit
//! starts; after that it waits for staff.
//!
//! Transitions are methods that return the next state or a typed error; each
//! bumps the version by one, which is what optimistic locking compares.

use chrono::{DateTime, Utc};

use crate::catalog::Policy;
use crate::time::Interval;
use crate::values::{
    BookingId, CancelReason, Comment, CustomerId, CustomerName, Minutes, Money, PhoneNumber,
    ServiceId, StaffId, Version,
};

/// Who a booking was made for, as given when it was made: Ivan booking for
/// his wife puts her name and phone here, and his own customer record stays
/// as it is. Personal data: `Debug` masks both (their own `Debug` does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedFor {
    pub name: CustomerName,
    /// `None` when the booking was made without a phone (a walk-in).
    pub phone: Option<PhoneNumber>,
}

/// Who cancelled a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancelledBy {
    Customer,
    Staff(StaffId),
    /// The business itself, for example when a customer erased their data.
    System,
}

/// The record of a cancellation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    pub by: CancelledBy,
    pub reason: Option<CancelReason>,
    pub at: DateTime<Utc>,
}

/// Where a booking is in its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingStatus {
    /// Waiting for staff to confirm; holds its slot.
    Pending,
    /// Confirmed; holds its slot.
    Confirmed,
    Completed,
    NoShow,
    Cancelled(Cancellation),
    /// Closed because it moved; `to` is the booking that replaced it.
    Rescheduled {
        to: BookingId,
    },
}

impl BookingStatus {
    /// Pending and confirmed bookings hold their slot; nothing else does.
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Pending | Self::Confirmed)
    }

    /// A stable lower-case name, for storage and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Completed => "completed",
            Self::NoShow => "no_show",
            Self::Cancelled(_) => "cancelled",
            Self::Rescheduled { .. } => "rescheduled",
        }
    }
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a {from} booking cannot be {action}")]
    NotAllowed {
        from: &'static str,
        action: &'static str,
    },
    #[error("changes are possible until {cutoff} before the start")]
    PastCutoff {
        cutoff: Minutes,
        start: DateTime<Utc>,
    },
    #[error("the visit has not started yet")]
    NotStartedYet { start: DateTime<Utc> },
    #[error("the visit has already started")]
    AlreadyStarted { start: DateTime<Utc> },
}

/// A stored booking that breaks a rule, which means the storage is corrupt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidBooking {
    #[error("a booking must end after it starts")]
    EndsBeforeStart,
    #[error("a booking may last at most one day")]
    LongerThanADay,
    #[error("a booking cannot be rescheduled to itself")]
    RescheduledToItself,
    #[error("a new booking is pending or confirmed, got {0}")]
    NotNew(&'static str),
}

/// Every field of a booking, for adapters that store and load them.
/// [`Booking::from_parts`] checks the invariants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingParts {
    pub id: BookingId,
    /// `None` once the customer erased their personal data: the row stays,
    /// anonymous, for statistics.
    pub customer: Option<CustomerId>,
    pub service: ServiceId,
    pub staff: StaffId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The service's buffers when it was booked: editing the service later
    /// does not move the time this booking keeps free.
    pub buffer_before: Minutes,
    pub buffer_after: Minutes,
    pub comment: Option<Comment>,
    pub status: BookingStatus,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    /// The booking this one replaced, when it came from a reschedule.
    pub rescheduled_from: Option<BookingId>,
    /// When the customer said they will come (from a reminder).
    pub attendance_confirmed_at: Option<DateTime<Utc>>,
    /// The name and phone it was booked for. `None` once erased, and for a
    /// booking stored before bookings kept their own copy whose customer had
    /// no profile.
    pub booked_for: Option<BookedFor>,
    /// The service's price when it was booked (a reschedule keeps it).
    /// `None` only for a booking stored before prices were copied whose
    /// service was unknown then; statistics use the service's price for it.
    pub price: Option<Money>,
}

fn check_times(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), InvalidBooking> {
    if end <= start {
        return Err(InvalidBooking::EndsBeforeStart);
    }
    if end - start > chrono::Duration::days(1) {
        return Err(InvalidBooking::LongerThanADay);
    }
    Ok(())
}

fn occupied(start: DateTime<Utc>, end: DateTime<Utc>, before: Minutes, after: Minutes) -> Interval {
    // Checked arithmetic: a corrupt far-past date must not panic here.
    let from = start
        .checked_sub_signed(before.to_duration())
        .unwrap_or(start);
    let to = end.checked_add_signed(after.to_duration()).unwrap_or(end);
    Interval::from_ordered(from, to)
}

/// A booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking(BookingParts);

impl Booking {
    /// A booking from stored fields.
    ///
    /// # Errors
    /// [`InvalidBooking`] when the fields break an invariant.
    pub fn from_parts(parts: BookingParts) -> Result<Self, InvalidBooking> {
        check_times(parts.start, parts.end)?;
        if parts.status == (BookingStatus::Rescheduled { to: parts.id }) {
            return Err(InvalidBooking::RescheduledToItself);
        }
        Ok(Self(parts))
    }

    /// The booking a store created from `new` under `id`, at version 1.
    pub fn created(id: BookingId, new: NewBooking) -> Self {
        let NewBooking {
            customer,
            service,
            staff,
            start,
            end,
            buffer_before,
            buffer_after,
            comment,
            status,
            created_at,
            rescheduled_from,
            booked_for,
            price,
        } = new;
        Self(BookingParts {
            id,
            customer: Some(customer),
            service,
            staff,
            start,
            end,
            buffer_before,
            buffer_after,
            comment,
            status,
            version: Version::FIRST,
            created_at,
            rescheduled_from,
            attendance_confirmed_at: None,
            booked_for,
            price,
        })
    }

    pub fn parts(&self) -> &BookingParts {
        &self.0
    }

    pub fn into_parts(self) -> BookingParts {
        self.0
    }

    pub fn id(&self) -> BookingId {
        self.0.id
    }

    /// The customer, or `None` for an anonymised booking.
    pub fn customer(&self) -> Option<CustomerId> {
        self.0.customer
    }

    /// Whether `customer` holds this booking; an anonymised booking belongs
    /// to nobody.
    pub fn is_held_by(&self, customer: CustomerId) -> bool {
        self.0.customer == Some(customer)
    }

    /// The same booking without its link to the person, without the name
    /// and phone it was booked for and without the comment they wrote, for
    /// erasure. The price stays, for statistics. The version is bumped like
    /// any change.
    #[must_use]
    pub fn anonymised(&self) -> Booking {
        let mut next = self.next(self.0.status.clone());
        next.0.customer = None;
        next.0.comment = None;
        next.0.booked_for = None;
        next
    }

    /// The name and phone it was booked for; `None` once erased.
    pub fn booked_for(&self) -> Option<&BookedFor> {
        self.0.booked_for.as_ref()
    }

    /// The price agreed when it was booked, if known.
    pub fn price(&self) -> Option<Money> {
        self.0.price
    }

    pub fn service(&self) -> ServiceId {
        self.0.service
    }

    pub fn staff(&self) -> StaffId {
        self.0.staff
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.0.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.0.end
    }

    pub fn status(&self) -> &BookingStatus {
        &self.0.status
    }

    pub fn version(&self) -> Version {
        self.0.version
    }

    pub fn comment(&self) -> Option<&Comment> {
        self.0.comment.as_ref()
    }

    pub fn buffer_before(&self) -> Minutes {
        self.0.buffer_before
    }

    pub fn buffer_after(&self) -> Minutes {
        self.0.buffer_after
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    pub fn rescheduled_from(&self) -> Option<BookingId> {
        self.0.rescheduled_from
    }

    pub fn attendance_confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.0.attendance_confirmed_at
    }

    pub fn is_active(&self) -> bool {
        self.0.status.is_active()
    }

    /// The time this booking keeps its staff member busy: the visit plus the
    /// buffers of its service.
    pub fn occupied(&self) -> Interval {
        occupied(
            self.0.start,
            self.0.end,
            self.0.buffer_before,
            self.0.buffer_after,
        )
    }

    fn next(&self, status: BookingStatus) -> Booking {
        let mut parts = self.0.clone();
        parts.status = status;
        parts.version = parts.version.next();
        Booking(parts)
    }

    fn refuse(&self, action: &'static str) -> TransitionError {
        TransitionError::NotAllowed {
            from: self.0.status.name(),
            action,
        }
    }

    /// Staff accept a pending booking.
    ///
    /// # Errors
    /// [`TransitionError::NotAllowed`] unless pending.
    pub fn confirm(&self) -> Result<Booking, TransitionError> {
        match self.0.status {
            BookingStatus::Pending => Ok(self.next(BookingStatus::Confirmed)),
            _ => Err(self.refuse("confirmed")),
        }
    }

    /// The visit took place.
    ///
    /// # Errors
    /// [`TransitionError::NotAllowed`] unless confirmed or pending (a pending
    /// visit nobody confirmed may still have happened);
    /// [`TransitionError::NotStartedYet`] before the start.
    pub fn complete(&self, now: DateTime<Utc>) -> Result<Booking, TransitionError> {
        self.after_start(now, "completed", BookingStatus::Completed)
    }

    /// The customer did not come.
    ///
    /// # Errors
    /// As [`Booking::complete`].
    pub fn mark_no_show(&self, now: DateTime<Utc>) -> Result<Booking, TransitionError> {
        self.after_start(now, "marked as no-show", BookingStatus::NoShow)
    }

    fn after_start(
        &self,
        now: DateTime<Utc>,
        action: &'static str,
        status: BookingStatus,
    ) -> Result<Booking, TransitionError> {
        if !self.is_active() {
            return Err(self.refuse(action));
        }
        if now < self.0.start {
            return Err(TransitionError::NotStartedYet {
                start: self.0.start,
            });
        }
        Ok(self.next(status))
    }

    /// Cancels an active booking. A customer must do it before the policy's
    /// cancellation cutoff; staff and the system may cancel at any time.
    ///
    /// # Errors
    /// [`TransitionError::NotAllowed`] unless active;
    /// [`TransitionError::PastCutoff`] for a customer past the cutoff.
    pub fn cancel(
        &self,
        by: CancelledBy,
        reason: Option<CancelReason>,
        now: DateTime<Utc>,
        policy: &Policy,
    ) -> Result<Booking, TransitionError> {
        if !self.is_active() {
            return Err(self.refuse("cancelled"));
        }
        if by == CancelledBy::Customer {
            self.check_cutoff(now, policy.cancellation_cutoff())?;
        }
        Ok(self.next(BookingStatus::Cancelled(Cancellation {
            by,
            reason,
            at: now,
        })))
    }

    /// Cancels a pending booking that nobody confirmed in time, on behalf of
    /// the business ([`CancelledBy::System`], no reason: the notice tells the
    /// customer why). Only before the visit starts: a pending visit in the
    /// past is left for staff to complete or mark as a no-show.
    ///
    /// # Errors
    /// [`TransitionError::NotAllowed`] unless pending;
    /// [`TransitionError::AlreadyStarted`] once the visit started.
    pub fn expire(&self, now: DateTime<Utc>) -> Result<Booking, TransitionError> {
        if self.0.status != BookingStatus::Pending {
            return Err(self.refuse("expired"));
        }
        if now >= self.0.start {
            return Err(TransitionError::AlreadyStarted {
                start: self.0.start,
            });
        }
        Ok(self.next(BookingStatus::Cancelled(Cancellation {
            by: CancelledBy::System,
            reason: None,
            at: now,
        })))
    }

    /// Whether a customer may still move this booking at `now`.
    ///
    /// # Errors
    /// [`TransitionError::NotAllowed`] unless active;
    /// [`TransitionError::PastCutoff`] past the reschedule cutoff.
    pub fn check_customer_may_reschedule(
        &self,
        now: DateTime<Utc>,
        policy: &Policy,
    ) -> Result<(), TransitionError> {
        if !self.is_active() {
            return Err(self.refuse("rescheduled"));
        }
        self.check_cutoff(now, policy.reschedule_cutoff())
    }

    /// Closes this booking because it moved to `to`. The cutoff is checked
    /// when the new booking is planned (see [`crate::rules`]).
    ///
    /// # Errors
    /// [`TransitionError::NotAllowed`] unless active.
    pub fn close_as_rescheduled(&self, to: BookingId) -> Result<Booking, TransitionError> {
        if !self.is_active() || to == self.0.id {
            return Err(self.refuse("rescheduled"));
        }
        Ok(self.next(BookingStatus::Rescheduled { to }))
    }

    /// The customer said they will come. Recorded once; saying it again
    /// changes nothing and is not an error.
    ///
    /// # Errors
    /// [`TransitionError::NotAllowed`] unless active;
    /// [`TransitionError::AlreadyStarted`] once the visit started.
    pub fn confirm_attendance(&self, now: DateTime<Utc>) -> Result<Booking, TransitionError> {
        if !self.is_active() {
            return Err(self.refuse("confirmed by the customer"));
        }
        if now >= self.0.start {
            return Err(TransitionError::AlreadyStarted {
                start: self.0.start,
            });
        }
        if self.0.attendance_confirmed_at.is_some() {
            return Ok(self.clone());
        }
        let mut next = self.next(self.0.status.clone());
        next.0.attendance_confirmed_at = Some(now);
        Ok(next)
    }

    fn check_cutoff(&self, now: DateTime<Utc>, cutoff: Minutes) -> Result<(), TransitionError> {
        if now + cutoff.to_duration() > self.0.start {
            return Err(TransitionError::PastCutoff {
                cutoff,
                start: self.0.start,
            });
        }
        Ok(())
    }
}

/// A booking about to be created: no id and no version yet; the store
/// assigns both. Made by [`crate::rules`], which checks it against the slot
/// engine, or by [`NewBooking::new`] for imports and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBooking {
    customer: CustomerId,
    service: ServiceId,
    staff: StaffId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    buffer_before: Minutes,
    buffer_after: Minutes,
    comment: Option<Comment>,
    status: BookingStatus,
    created_at: DateTime<Utc>,
    rescheduled_from: Option<BookingId>,
    booked_for: Option<BookedFor>,
    price: Option<Money>,
}

/// The fields of a [`NewBooking`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBookingParts {
    pub customer: CustomerId,
    pub service: ServiceId,
    pub staff: StaffId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub buffer_before: Minutes,
    pub buffer_after: Minutes,
    pub comment: Option<Comment>,
    /// Pending or confirmed.
    pub status: BookingStatus,
    pub created_at: DateTime<Utc>,
    pub rescheduled_from: Option<BookingId>,
    /// The name and phone it is booked for.
    pub booked_for: Option<BookedFor>,
    /// The service's price now.
    pub price: Option<Money>,
}

impl NewBooking {
    /// # Errors
    /// [`InvalidBooking`] for reversed times or a status other than pending or
    /// confirmed.
    pub fn new(parts: NewBookingParts) -> Result<Self, InvalidBooking> {
        check_times(parts.start, parts.end)?;
        if !parts.status.is_active() {
            return Err(InvalidBooking::NotNew(parts.status.name()));
        }
        Ok(Self {
            customer: parts.customer,
            service: parts.service,
            staff: parts.staff,
            start: parts.start,
            end: parts.end,
            buffer_before: parts.buffer_before,
            buffer_after: parts.buffer_after,
            comment: parts.comment,
            status: parts.status,
            created_at: parts.created_at,
            rescheduled_from: parts.rescheduled_from,
            booked_for: parts.booked_for,
            price: parts.price,
        })
    }

    pub fn booked_for(&self) -> Option<&BookedFor> {
        self.booked_for.as_ref()
    }

    pub fn price(&self) -> Option<Money> {
        self.price
    }

    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    pub fn service(&self) -> ServiceId {
        self.service
    }

    pub fn staff(&self) -> StaffId {
        self.staff
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    pub fn buffer_before(&self) -> Minutes {
        self.buffer_before
    }

    pub fn buffer_after(&self) -> Minutes {
        self.buffer_after
    }

    pub fn comment(&self) -> Option<&Comment> {
        self.comment.as_ref()
    }

    pub fn status(&self) -> &BookingStatus {
        &self.status
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    pub fn rescheduled_from(&self) -> Option<BookingId> {
        self.rescheduled_from
    }

    /// The time this booking will keep its staff member busy, buffers included.
    pub fn occupied(&self) -> Interval {
        occupied(self.start, self.end, self.buffer_before, self.buffer_after)
    }
}

#[cfg(test)]
mod tests;
