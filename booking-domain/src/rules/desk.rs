//! Booking by staff at the front desk: for a caller or a walk-in.
//!
//! Staff are held to the calendar like customers (working hours, blocked
//! periods, other bookings and their buffers, the step grid), so an overlap
//! stays impossible whoever books. What they are not held to is what
//! protects the business from customers: the minimum notice (a walk-in is
//! booked for "now") and the horizon (a regular books next season), which
//! becomes [`STAFF_HORIZON_DAYS`]. Nobody books the past, and a booking staff
//! make is agreed with the customer already, so it is confirmed at once.

use chrono::{DateTime, Utc};

use super::{BookingRuleError, Copies, new_booking, pick_staff};
use crate::booking::{Actor, BookedFor, BookingStatus, NewBooking};
use crate::catalog::{Policy, PolicySettings, Service};
use crate::occupancy::Occupies;
use crate::slots::{Availability, StaffChoice};
use crate::values::{Comment, CustomerId, Minutes};

/// How many days ahead, counting from today, staff can book: a year and a
/// day, the longest horizon a policy may have, so staff always see at least
/// what customers see.
pub const STAFF_HORIZON_DAYS: u16 = 366;

impl Policy {
    /// The rules staff book by: this policy without the minimum notice (the
    /// earliest start is now), with the horizon [`STAFF_HORIZON_DAYS`], and
    /// with every booking confirmed at once. Everything else (time zone,
    /// step, phone region, cutoffs) is the business's own.
    #[must_use]
    pub fn for_staff(&self) -> Policy {
        // Zero notice and the longest horizon are both in the ranges
        // `Policy::new` accepts, so the result needs no validation.
        Policy(PolicySettings {
            min_notice: Minutes::ZERO,
            horizon_days: STAFF_HORIZON_DAYS,
            requires_confirmation: false,
            ..self.0.clone()
        })
    }
}

/// A booking staff make for a customer record: a caller, a walk-in.
#[derive(Debug, Clone)]
pub struct StaffBookRequest<'a> {
    pub customer: CustomerId,
    pub service: &'a Service,
    pub staff: StaffChoice,
    pub start: DateTime<Utc>,
    pub comment: Option<Comment>,
    /// The name and phone the booking is for: the record's own.
    pub booked_for: BookedFor,
    /// The staff user booking, for the booking's audit trail.
    pub by: Actor,
}

impl StaffBookRequest<'_> {
    /// Checks the request against `calendar`, whose policy is the staff
    /// policy (see [`Policy::for_staff`]; a calendar with the customers'
    /// policy holds staff to their notice and horizon), and gives the
    /// confirmed booking to store. The customer's limit of active bookings
    /// does not apply: staff decide that with the customer in front of them.
    ///
    /// # Errors
    /// [`BookingRuleError::Slot`] with the first reason the start cannot be
    /// booked: `TooSoon` for a start in the past, `NotFree` for one that
    /// would overlap a booking or a blocked period or fall outside hours.
    pub fn plan<B: Occupies>(
        self,
        calendar: &Availability<'_, B>,
    ) -> Result<NewBooking, BookingRuleError> {
        let staff = pick_staff(calendar, self.service, self.staff, self.start)?;
        Ok(new_booking(
            self.customer,
            self.service,
            staff,
            self.start,
            self.comment,
            BookingStatus::Confirmed,
            calendar.now,
            Copies {
                rescheduled_from: None,
                booked_for: Some(self.booked_for),
                price: Some(self.service.price()),
                created_by: self.by,
            },
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Service;
    use crate::slots::SlotRefusal;
    use crate::test_fixtures::*;
    use crate::values::CustomerName;

    fn salon() -> Calendar {
        let mut calendar = Calendar::new(vec![staff(1, &WEEKDAYS, &["09:00-12:00"])]);
        // Monday 2 March 2026, 09:10 local.
        calendar.now = at("2026-03-02 09:10");
        calendar.policy = calendar.policy.for_staff();
        calendar
    }

    fn request<'a>(service: &'a Service, start: &str) -> StaffBookRequest<'a> {
        StaffBookRequest {
            customer: customer(7),
            service,
            staff: StaffChoice::Only(staff_id(1)),
            start: at(start),
            comment: None,
            booked_for: BookedFor {
                name: CustomerName::new("Maria").unwrap(),
                phone: None,
            },
            by: owner(),
        }
    }

    #[test]
    fn the_staff_policy_drops_the_notice_and_reaches_a_year_ahead() {
        let policy = Policy::new(PolicySettings {
            min_notice: minutes(120),
            requires_confirmation: true,
            ..settings()
        })
        .unwrap();
        let staff = policy.for_staff();
        assert_eq!(staff.min_notice(), Minutes::ZERO);
        assert_eq!(staff.horizon_days(), STAFF_HORIZON_DAYS);
        assert!(!staff.requires_confirmation());
        assert_eq!(staff.time_zone(), policy.time_zone());
        assert_eq!(staff.slot_step(), policy.slot_step());
    }

    #[test]
    fn staff_book_the_next_free_start_confirmed() {
        let calendar = salon();
        let haircut = service(30, 0, 0, &[1]);
        let planned = request(&haircut, "2026-03-02 09:30")
            .plan(&calendar.availability())
            .unwrap();
        assert_eq!(planned.status(), &BookingStatus::Confirmed);
        assert_eq!(planned.price(), Some(haircut.price()));
    }

    #[test]
    fn staff_cannot_book_the_past() {
        let calendar = salon();
        let haircut = service(30, 0, 0, &[1]);
        assert!(matches!(
            request(&haircut, "2026-03-02 09:00").plan(&calendar.availability()),
            Err(BookingRuleError::Slot(SlotRefusal::TooSoon { .. }))
        ));
    }

    #[test]
    fn staff_cannot_book_over_another_booking() {
        let mut calendar = salon();
        calendar.bookings = vec![booking(
            1,
            1,
            "2026-03-02 10:00",
            60,
            BookingStatus::Confirmed,
        )];
        let haircut = service(30, 0, 0, &[1]);
        assert!(matches!(
            request(&haircut, "2026-03-02 10:30").plan(&calendar.availability()),
            Err(BookingRuleError::Slot(SlotRefusal::NotFree))
        ));
    }

    #[test]
    fn staff_book_months_ahead_but_not_past_a_year() {
        let calendar = salon();
        let haircut = service(30, 0, 0, &[1]);
        assert!(
            request(&haircut, "2026-12-01 10:00")
                .plan(&calendar.availability())
                .is_ok()
        );
        assert!(matches!(
            request(&haircut, "2027-03-10 10:00").plan(&calendar.availability()),
            Err(BookingRuleError::Slot(SlotRefusal::BeyondHorizon { .. }))
        ));
    }
}
