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

mod audit;
mod new;

use chrono::{DateTime, Utc};

pub use self::audit::{Actor, AuditTrail, StaffRole, Stamp};
pub use self::new::{NewBooking, NewBookingParts};
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
    /// Who created, confirmed and closed it.
    pub audit: AuditTrail,
}

pub(crate) fn check_times(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), InvalidBooking> {
    if end <= start {
        return Err(InvalidBooking::EndsBeforeStart);
    }
    if end - start > chrono::Duration::days(1) {
        return Err(InvalidBooking::LongerThanADay);
    }
    Ok(())
}

pub(crate) fn occupied(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    before: Minutes,
    after: Minutes,
) -> Interval {
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
            created_by,
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
            audit: AuditTrail {
                created_by: Some(created_by),
                ..AuditTrail::default()
            },
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

    /// Who created, confirmed and closed it.
    pub fn audit(&self) -> &AuditTrail {
        &self.0.audit
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

    /// [`Self::next`] into a state that ends the booking's active life,
    /// stamped with who ended it.
    fn closed(&self, status: BookingStatus, by: Actor, at: DateTime<Utc>) -> Booking {
        let mut next = self.next(status);
        next.0.audit.closed = Some(Stamp { by, at });
        next
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
    pub fn confirm(&self, by: Actor, now: DateTime<Utc>) -> Result<Booking, TransitionError> {
        match self.0.status {
            BookingStatus::Pending => {
                let mut next = self.next(BookingStatus::Confirmed);
                next.0.audit.confirmed = Some(Stamp { by, at: now });
                Ok(next)
            }
            _ => Err(self.refuse("confirmed")),
        }
    }

    /// The visit took place.
    ///
    /// # Errors
    /// [`TransitionError::NotAllowed`] unless confirmed or pending (a pending
    /// visit nobody confirmed may still have happened);
    /// [`TransitionError::NotStartedYet`] before the start.
    pub fn complete(&self, by: Actor, now: DateTime<Utc>) -> Result<Booking, TransitionError> {
        self.after_start(by, now, "completed", BookingStatus::Completed)
    }

    /// The customer did not come.
    ///
    /// # Errors
    /// As [`Booking::complete`].
    pub fn mark_no_show(&self, by: Actor, now: DateTime<Utc>) -> Result<Booking, TransitionError> {
        self.after_start(by, now, "marked as no-show", BookingStatus::NoShow)
    }

    fn after_start(
        &self,
        by: Actor,
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
        Ok(self.closed(status, by, now))
    }

    /// Cancels an active booking. A customer must do it before the policy's
    /// cancellation cutoff; staff and the system may cancel at any time.
    ///
    /// # Errors
    /// [`TransitionError::NotAllowed`] unless active;
    /// [`TransitionError::PastCutoff`] for a customer past the cutoff.
    pub fn cancel(
        &self,
        by: Actor,
        reason: Option<CancelReason>,
        now: DateTime<Utc>,
        policy: &Policy,
    ) -> Result<Booking, TransitionError> {
        if !self.is_active() {
            return Err(self.refuse("cancelled"));
        }
        let side = match by {
            Actor::Customer => {
                self.check_cutoff(now, policy.cancellation_cutoff())?;
                CancelledBy::Customer
            }
            // The customer is told "the salon cancelled"; an owner who is
            // not a staff member cancels on behalf of the booking's
            // calendar. The trail keeps who it really was.
            Actor::Staff { member, .. } => CancelledBy::Staff(member.unwrap_or(self.0.staff)),
            Actor::System => CancelledBy::System,
        };
        Ok(self.closed(
            BookingStatus::Cancelled(Cancellation {
                by: side,
                reason,
                at: now,
            }),
            by,
            now,
        ))
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
        Ok(self.closed(
            BookingStatus::Cancelled(Cancellation {
                by: CancelledBy::System,
                reason: None,
                at: now,
            }),
            Actor::System,
            now,
        ))
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

    /// Closes this booking because it moved to `to`, as `moved` says who
    /// moved it and when (the replacement's creator and creation time). The
    /// cutoff is checked when the new booking is planned (see
    /// [`crate::rules`]).
    ///
    /// # Errors
    /// [`TransitionError::NotAllowed`] unless active.
    pub fn close_as_rescheduled(
        &self,
        to: BookingId,
        moved: Stamp,
    ) -> Result<Booking, TransitionError> {
        if !self.is_active() || to == self.0.id {
            return Err(self.refuse("rescheduled"));
        }
        Ok(self.closed(BookingStatus::Rescheduled { to }, moved.by, moved.at))
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

#[cfg(test)]
mod tests;
