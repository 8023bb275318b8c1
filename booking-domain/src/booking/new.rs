//! A booking about to be created, before the store gives it an id.

use chrono::{DateTime, Utc};

use super::{Actor, BookedFor, BookingStatus, InvalidBooking, Stamp, check_times, occupied};
use crate::time::Interval;
use crate::values::{BookingId, Comment, CustomerId, Minutes, Money, ServiceId, StaffId};

/// A booking about to be created: no id and no version yet; the store
/// assigns both. Made by [`crate::rules`], which checks it against the slot
/// engine, or by [`NewBooking::new`] for imports and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBooking {
    pub(super) customer: CustomerId,
    pub(super) service: ServiceId,
    pub(super) staff: StaffId,
    pub(super) start: DateTime<Utc>,
    pub(super) end: DateTime<Utc>,
    pub(super) buffer_before: Minutes,
    pub(super) buffer_after: Minutes,
    pub(super) comment: Option<Comment>,
    pub(super) status: BookingStatus,
    pub(super) created_at: DateTime<Utc>,
    pub(super) rescheduled_from: Option<BookingId>,
    pub(super) booked_for: Option<BookedFor>,
    pub(super) price: Option<Money>,
    pub(super) created_by: Actor,
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
    /// Who makes it: the customer, a staff user, or (for a move) whoever
    /// moves it.
    pub created_by: Actor,
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
            created_by: parts.created_by,
        })
    }

    /// Who makes it.
    pub fn created_by(&self) -> Actor {
        self.created_by
    }

    /// Who moves the booking it replaces, and when: its creator, at its
    /// creation.
    pub fn moved_stamp(&self) -> Stamp {
        Stamp {
            by: self.created_by,
            at: self.created_at,
        }
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
