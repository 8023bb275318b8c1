//! The booking engine's domain: what a service business's calendar is and which
//! rules it obeys, with no I/O, no async and no ambient time.
//!
//! - [`values`]: small values with invariants (ids, money, minutes, names,
//!   phones, comments), each a newtype with one fallible constructor.
//! - [`privacy`]: masking of personal data for logs.
//! - [`catalog`]: services, staff, working hours, date overrides, time off and
//!   the business policy.
//! - [`booking`]: a booking and its checked lifecycle.
//! - [`slots`]: the slot engine, pure functions from the calendar to free times.
//! - [`rules`]: what it takes to book or reschedule, checked against the slot
//!   engine so that only offered starts can be booked.
//!
//! "Now" is always an argument. Domain types are not serialisable: adapters own
//! their row and wire types and convert through the constructors here.
#![forbid(unsafe_code)]

pub mod booking;
pub mod catalog;
mod digits;
pub mod occupancy;
pub mod privacy;
pub mod rules;
pub mod slots;
#[cfg(test)]
mod test_fixtures;
pub mod time;
pub mod values;

pub use booking::{
    Actor, AuditTrail, BookedFor, Booking, BookingParts, BookingStatus, Cancellation, CancelledBy,
    InvalidBooking, NewBooking, NewBookingParts, StaffRole, Stamp, TransitionError,
};
pub use catalog::{
    DateOverride, InvalidHours, InvalidPolicy, InvalidPolicyValue, InvalidService, InvalidStaff,
    InvalidTimeOff, LocalTimeRange, OverrideHours, Policy, PolicyChange, PolicyField,
    PolicyOverrides, PolicySettings, Service, ServiceSpec, StaffMember, StaffSpec, TimeOff,
    TimeOffSpec, WeeklyHours,
};
pub use occupancy::{InvalidOccupancy, Occupancy, Occupies};
pub use privacy::{mask_name, mask_phone_digits, mask_phones_in_text};
pub use rules::{
    BookRequest, BookingRuleError, RescheduleRequest, STAFF_HORIZON_DAYS, StaffBookRequest,
};
pub use slots::{Availability, FreeStart, SlotRefusal, StaffChoice};
pub use time::{Interval, wall_clock_hours};
pub use values::{
    Amount, BookingId, CancelReason, Comment, Currency, CustomerId, CustomerName, InvalidComment,
    InvalidCurrency, InvalidId, InvalidMinutes, InvalidMoney, InvalidName, InvalidPhone,
    InvalidPrice, InvalidVersion, Minutes, Money, PhoneNumber, PhoneRegion, ServiceId, ServiceName,
    StaffId, StaffName, StaffUser, TelegramUserId, TimeOffId, UnknownRegion, Version,
};
pub use values::{CustomerNotes, InvalidNotes};
