//! One error enum per use case. Each variant is something a bot can turn into
//! a message for the person who asked; `Store` is the unexpected, kept with
//! its source for the log.

use booking_domain::{
    Booking, InvalidComment, InvalidName, InvalidPhone, InvalidService, InvalidTimeOff,
    SlotRefusal, StaffId, TransitionError,
};
use chrono::{DateTime, Utc};

use super::access::Forbidden;
use crate::error::StoreError;

/// Why free times could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum AvailabilityError {
    #[error("no such service")]
    UnknownService,
    /// The acting staff user's role does not allow it; nothing was read or
    /// written.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a booking was not made.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error("the name is not valid: {0}")]
    InvalidName(#[source] InvalidName),
    #[error("the phone number is not valid: {0}")]
    InvalidPhone(#[source] InvalidPhone),
    #[error("the comment is not valid: {0}")]
    InvalidComment(#[source] InvalidComment),
    #[error("no such service")]
    UnknownService,
    /// The start cannot be booked: the service is not offered, the staff
    /// member does not perform it, too soon or beyond the horizon. (A start
    /// that is simply not free is [`BookError::SlotTaken`].)
    #[error(transparent)]
    Slot(SlotRefusal),
    /// The time is not free (anymore): show the day's current free times.
    #[error("the time starting at {start} is taken")]
    SlotTaken { start: DateTime<Utc> },
    #[error("a customer may hold at most {limit} upcoming bookings")]
    TooManyActiveBookings { limit: u16 },
    /// The customer made `limit` bookings in the last 24 hours.
    #[error("a customer may make at most {limit} bookings a day")]
    TooManyToday { limit: u16 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a booking could not be shown. A booking of someone else is
/// [`FindBookingError::NotFound`], exactly like a missing one.
#[derive(Debug, thiserror::Error)]
pub enum FindBookingError {
    #[error("no such booking")]
    NotFound,
    /// The acting staff user's role does not allow it; nothing was read or
    /// written.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a lifecycle change (confirm, cancel, complete, no-show, "I'll come")
/// was refused.
#[derive(Debug, thiserror::Error)]
pub enum BookingChangeError {
    /// Missing, or not the acting customer's.
    #[error("no such booking")]
    NotFound,
    /// The booking changed since the caller saw it; nothing was written.
    /// Show `current`.
    #[error("the booking changed meanwhile (now {})", current.version())]
    VersionConflict { current: Box<Booking> },
    /// The lifecycle does not allow it now ([`TransitionError::PastCutoff`]
    /// carries the cutoff, for the explanation).
    #[error(transparent)]
    Refused(TransitionError),
    /// The customer cancelled `limit` bookings in the last 24 hours.
    #[error("a customer may cancel at most {limit} bookings a day")]
    TooManyToday { limit: u16 },
    /// The acting staff user's role does not allow it; nothing was read or
    /// written.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a reschedule was refused. In every case the old booking is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum RescheduleBookingError {
    /// Missing, or not the acting customer's.
    #[error("no such booking")]
    NotFound,
    #[error("the booking changed meanwhile (now {})", current.version())]
    VersionConflict { current: Box<Booking> },
    /// Not active, or past the reschedule cutoff.
    #[error(transparent)]
    Refused(TransitionError),
    /// The new start cannot be booked (too soon, beyond the horizon, the
    /// service is no longer offered, the staff member does not perform it).
    #[error(transparent)]
    Slot(SlotRefusal),
    /// The new time is not free (anymore).
    #[error("the time starting at {start} is taken")]
    SlotTaken { start: DateTime<Utc> },
    /// The customer made `limit` bookings (moves included) in the last 24
    /// hours.
    #[error("a customer may make at most {limit} bookings a day")]
    TooManyToday { limit: u16 },
    /// The acting staff user's role does not allow it; nothing was read or
    /// written.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a customer's data could not be erased.
#[derive(Debug, thiserror::Error)]
pub enum ForgetError {
    /// Their bookings kept changing while they were being cancelled; nothing
    /// was erased yet. Trying again is safe.
    #[error("the customer's bookings kept changing; try again")]
    StillChanging,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a service could not be added or changed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceEditError {
    #[error(transparent)]
    Invalid(InvalidService),
    #[error("no staff member {id}")]
    UnknownStaff { id: StaffId },
    #[error("no such service")]
    NotFound,
    /// The acting staff user's role does not allow it; nothing was read or
    /// written.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a staff member could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum StaffEditError {
    #[error("no such staff member")]
    NotFound,
    /// The acting staff user's role does not allow it; nothing was read or
    /// written.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a date override could not be set or removed.
#[derive(Debug, thiserror::Error)]
pub enum OverrideEditError {
    #[error("no staff member {id}")]
    UnknownStaff { id: StaffId },
    #[error("no such date override")]
    NotFound,
    /// The acting staff user's role does not allow it; nothing was read or
    /// written.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a period could not be blocked.
#[derive(Debug, thiserror::Error)]
pub enum BlockPeriodError {
    #[error(transparent)]
    Invalid(InvalidTimeOff),
    #[error("no staff member {id}")]
    UnknownStaff { id: StaffId },
    /// The hours to block each day occur on none of the days (the clocks
    /// skip them).
    #[error("the hours occur on none of the days")]
    NoSuchHours,
    /// The acting staff user's role does not allow it; nothing was read or
    /// written.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the week view could not be made.
#[derive(Debug, thiserror::Error)]
pub enum WeekError {
    #[error("no staff member {id}")]
    UnknownStaff { id: StaffId },
    /// The acting staff user's role does not allow it; nothing was read or
    /// written.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a blocked period could not be removed.
#[derive(Debug, thiserror::Error)]
pub enum UnblockPeriodError {
    #[error("no such blocked period")]
    NotFound,
    /// The acting staff user's role does not allow it; nothing was read or
    /// written.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a customer's card could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum FindCustomerError {
    #[error("no such customer")]
    NotFound,
    /// The acting staff user's role does not allow it; nothing was read or
    /// written.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why staff could not erase a customer's data.
#[derive(Debug, thiserror::Error)]
pub enum EraseCustomerError {
    /// No record: erased already, or never stored.
    #[error("no such customer")]
    NotFound,
    /// Their bookings kept changing while they were being cancelled;
    /// nothing was erased yet. Trying again is safe.
    #[error("the customer's bookings kept changing; try again")]
    StillChanging,
    /// The acting staff user's role does not allow it; nothing was read or
    /// written.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a customer's own details could not be saved on their record.
#[derive(Debug, thiserror::Error)]
pub enum UpdateDetailsError {
    #[error("the name is not valid: {0}")]
    InvalidName(#[source] InvalidName),
    #[error("the phone number is not valid: {0}")]
    InvalidPhone(#[source] InvalidPhone),
    /// Another customer's record has this phone (a relative who booked with
    /// it); the record keeps its own.
    #[error("another customer has this phone")]
    PhoneTaken,
    /// No record, or the booking is missing, not theirs or anonymised.
    #[error("no such customer or booking")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a staff view (a day's bookings, free times, statistics, the
/// export, a customer search) could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StaffReadError {
    /// The acting staff user's role does not allow it; nothing was read.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a staff member could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AddStaffError {
    /// Only owners edit the catalog.
    #[error("refused by role")]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
}
