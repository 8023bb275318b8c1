//! What the slot engine reads of a booking: which staff member it keeps
//! busy, from when to when (the visit and its buffers), and the start of
//! the visit (the day it counts for). [`Occupancy`] is just that, so a
//! store can answer a calendar's read with five columns instead of a whole
//! booking (docs/BENCHMARKS.md, figures 4c and 4d: decoding whole bookings
//! was most of the dearest step of the booking flow). [`Availability`]
//! takes either, through [`Occupies`].
//!
//! [`Availability`]: crate::Availability

use chrono::{DateTime, Utc};

use crate::booking::Booking;
use crate::time::Interval;
use crate::values::{BookingId, StaffId};

/// The time an active (pending or confirmed) booking keeps its staff
/// member busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupancy {
    booking: BookingId,
    staff: StaffId,
    start: DateTime<Utc>,
    occupied: Interval,
}

/// An occupancy whose visit does not start inside the time it occupies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a visit starting at {start} cannot occupy {occupied:?}")]
pub struct InvalidOccupancy {
    pub start: DateTime<Utc>,
    pub occupied: Interval,
}

impl Occupancy {
    /// The occupancy of active booking `booking` of `staff`, whose visit
    /// starts at `start` and which keeps `staff` busy over `occupied`
    /// (the visit with its buffers, which holds the start).
    ///
    /// # Errors
    /// [`InvalidOccupancy`] when `start` is outside `occupied`.
    pub fn new(
        booking: BookingId,
        staff: StaffId,
        start: DateTime<Utc>,
        occupied: Interval,
    ) -> Result<Self, InvalidOccupancy> {
        if occupied.start() <= start && start < occupied.end() {
            Ok(Self {
                booking,
                staff,
                start,
                occupied,
            })
        } else {
            Err(InvalidOccupancy { start, occupied })
        }
    }

    /// The occupancy of `booking`, or `None` when it is not active.
    pub fn of(booking: &Booking) -> Option<Self> {
        booking.is_active().then(|| Self {
            booking: booking.id(),
            staff: booking.staff(),
            start: booking.start(),
            occupied: booking.occupied(),
        })
    }

    pub fn booking(&self) -> BookingId {
        self.booking
    }

    pub fn staff(&self) -> StaffId {
        self.staff
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn occupied(&self) -> Interval {
        self.occupied
    }
}

/// What the slot engine needs of a booking, from a whole [`Booking`] or
/// from an [`Occupancy`].
pub trait Occupies {
    fn booking_id(&self) -> BookingId;
    fn staff_id(&self) -> StaffId;
    fn visit_start(&self) -> DateTime<Utc>;
    /// The visit with its buffers.
    fn occupied_time(&self) -> Interval;
    /// Whether it keeps its staff member busy at all: a pending or
    /// confirmed booking does, an occupancy always.
    fn holds_time(&self) -> bool;
}

impl Occupies for Booking {
    fn booking_id(&self) -> BookingId {
        self.id()
    }

    fn staff_id(&self) -> StaffId {
        self.staff()
    }

    fn visit_start(&self) -> DateTime<Utc> {
        self.start()
    }

    fn occupied_time(&self) -> Interval {
        self.occupied()
    }

    fn holds_time(&self) -> bool {
        self.is_active()
    }
}

impl Occupies for Occupancy {
    fn booking_id(&self) -> BookingId {
        self.booking
    }

    fn staff_id(&self) -> StaffId {
        self.staff
    }

    fn visit_start(&self) -> DateTime<Utc> {
        self.start
    }

    fn occupied_time(&self) -> Interval {
        self.occupied
    }

    fn holds_time(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::booking::BookingStatus;
    use crate::test_fixtures::{at, booking, booking_id, staff_id, with_buffers};

    #[test]
    fn an_active_booking_occupies_its_visit_and_buffers() {
        let held = with_buffers(
            booking(4, 2, "2026-03-04 10:00", 30, BookingStatus::Pending),
            15,
            10,
        );

        let occupancy = Occupancy::of(&held).unwrap();

        assert_eq!(occupancy.booking(), booking_id(4));
        assert_eq!(occupancy.staff(), staff_id(2));
        assert_eq!(occupancy.start(), at("2026-03-04 10:00"));
        assert_eq!(
            occupancy.occupied(),
            Interval::new(at("2026-03-04 09:45"), at("2026-03-04 10:40")).unwrap()
        );
    }

    #[test]
    fn completed_and_missed_visits_occupy_nothing() {
        for status in [BookingStatus::Completed, BookingStatus::NoShow] {
            assert_eq!(
                Occupancy::of(&booking(4, 2, "2026-03-04 10:00", 30, status)),
                None
            );
        }
    }

    #[test]
    fn a_start_outside_the_occupied_time_is_refused() {
        let start = at("2026-03-04 10:00");
        let occupied = Interval::new(start, start + Duration::minutes(30)).unwrap();
        let new = |start| Occupancy::new(booking_id(1), staff_id(1), start, occupied);

        assert!(new(start).is_ok());
        assert!(new(start + Duration::minutes(29)).is_ok());
        assert_eq!(
            new(start + Duration::minutes(30)),
            Err(InvalidOccupancy {
                start: start + Duration::minutes(30),
                occupied
            })
        );
        assert!(new(start - Duration::minutes(1)).is_err());
    }
}
