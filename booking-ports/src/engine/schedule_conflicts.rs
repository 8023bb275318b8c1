//! The bookings a schedule edit strands: after a blocked period, a date
//! override, new weekly hours or a deactivation is stored, the upcoming
//! active bookings whose visit the schedule no longer allows, so the admin
//! can move or cancel each with a message to its customer.

use booking_domain::{Availability, Booking, Interval, Occupancy, StaffId};

use super::{BookingDetails, Engine, Names};
use crate::error::StoreError;
use crate::ports::bookings::BookingScope;

impl Engine {
    /// The upcoming active bookings overlapping `window` (of `staff` only,
    /// when given) whose visit the schedule as stored now no longer allows.
    pub(super) async fn schedule_conflicts(
        &self,
        window: Interval,
        staff: Option<StaffId>,
    ) -> Result<Vec<BookingDetails>, StoreError> {
        let policy = self.policy();
        let now = self.clock.now();
        let bookings: Vec<Booking> = self
            .bookings
            .bookings_overlapping(window, staff, BookingScope::ActiveOnly)
            .await?
            .into_iter()
            .filter(|b| b.end() > now)
            .collect();
        let (Some(first), Some(last)) = (bookings.first(), bookings.iter().map(Booking::end).max())
        else {
            return Ok(Vec::new());
        };
        let tz = policy.time_zone();
        let first_day = first.start().with_timezone(&tz).date_naive();
        let last_day = last.with_timezone(&tz).date_naive();
        let catalog = self.catalog_now().await?;
        let members = &catalog.staff;
        let overrides = self
            .overrides_between(&catalog, first_day, last_day)
            .await?;
        let time_off = match Interval::new(first.start(), last) {
            Some(span) => self.time_off_within(&catalog, span).await?,
            None => Vec::new(),
        };
        // Working periods only: no bookings needed.
        let calendar: Availability<'_, Occupancy> = Availability {
            policy: &policy,
            staff: members,
            overrides: &overrides,
            time_off: &time_off,
            bookings: &[],
            now,
            ignoring: None,
        };
        // Named from the catalog read above, not a second revision read.
        let names = Names::of(&catalog.services, &catalog.staff);
        let mut colliding = Vec::new();
        for booking in bookings {
            let fits = members
                .iter()
                .find(|m| m.id() == booking.staff())
                .filter(|m| m.is_active())
                .zip(Interval::new(booking.start(), booking.end()))
                .is_some_and(|(member, visit)| {
                    let day = booking.start().with_timezone(&tz).date_naive();
                    calendar
                        .working_periods(member, day)
                        .iter()
                        .any(|p| p.contains(&visit))
                        && !time_off
                            .iter()
                            .any(|t| t.applies_to(member.id()) && t.period().overlaps(&visit))
                });
            if !fits {
                colliding.push(self.details_with(&names, booking, true).await?);
            }
        }
        Ok(colliding)
    }
}
