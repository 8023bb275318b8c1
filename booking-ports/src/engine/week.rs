//! The week at a glance for staff: per staff member and day, how many
//! bookings stand, the first and the last, the free windows and the
//! blocked time. A pure value, computed from the same calendar the slot
//! engine reads, so "free" here and "bookable" for customers never
//! disagree about working hours, blocks or bookings.

use booking_domain::{Booking, BookingStatus, Interval, StaffId, StaffMember};
use chrono::{DateTime, NaiveDate, Utc};

use super::actor::StaffActor;
use super::errors::WeekError;
use super::{Engine, days_interval};
use crate::ports::bookings::BookingScope;

/// How many days a week view spans.
pub const WEEK_DAYS: usize = 7;

/// Seven days from `first`, for the staff members asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    pub first: NaiveDate,
    /// One entry per staff member, by id.
    pub staff: Vec<StaffWeek>,
}

/// One staff member's seven days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffWeek {
    pub member: StaffMember,
    /// One entry per day, in order (fewer than seven only at the end of
    /// the calendar).
    pub days: Vec<DaySummary>,
}

/// One staff member's local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySummary {
    pub day: NaiveDate,
    /// Bookings starting that day that stand: pending, confirmed,
    /// completed or no-show (not cancelled, not moved away).
    pub bookings: usize,
    /// The start of the first of them.
    pub first: Option<DateTime<Utc>>,
    /// The start of the last of them.
    pub last: Option<DateTime<Utc>>,
    /// Whether the member has working hours that day (after date
    /// overrides), so a day without free time reads as full, not off.
    pub works: bool,
    /// Working time that no booking (with its buffers) and no block takes,
    /// from now on; sorted.
    pub free: Vec<Interval>,
    /// Blocked time applying to the member, cut to the day; sorted and
    /// merged.
    pub blocked: Vec<Interval>,
}

/// Whether a booking still counts in the member's day.
fn stands(booking: &Booking) -> bool {
    !matches!(
        booking.status(),
        BookingStatus::Cancelled(_) | BookingStatus::Rescheduled { .. }
    )
}

impl Engine {
    /// The week from local day `first`: for `staff`, or for every active
    /// staff member when `None` (a staff member's "everyone" is
    /// themselves).
    ///
    /// # Errors
    /// [`WeekError::UnknownStaff`] for a staff id the catalog does not
    /// know; `Forbidden` for someone else's week, asked by a staff member;
    /// [`WeekError::Store`] when the store fails.
    pub async fn week(
        &self,
        actor: &StaffActor,
        first: NaiveDate,
        staff: Option<StaffId>,
    ) -> Result<Week, WeekError> {
        let staff = actor.scope(staff)?;
        let policy = self.policy();
        let now = self.clock.now();
        let days: Vec<NaiveDate> = first.iter_days().take(WEEK_DAYS).collect();
        let last = days.last().copied().unwrap_or(first);
        let calendar = self.calendar(&policy, first, last).await?;
        let members: Vec<&StaffMember> = match staff {
            Some(id) => {
                let member = calendar.catalog.staff.iter().find(|m| m.id() == id);
                vec![member.ok_or(WeekError::UnknownStaff { id })?]
            }
            None => calendar
                .catalog
                .staff
                .iter()
                .filter(|m| m.is_active())
                .collect(),
        };
        // The calendar holds active bookings only; a day already worked
        // still counts its completed visits.
        let standing: Vec<Booking> = match days_interval(&policy, first, last) {
            Some(window) => self
                .bookings
                .bookings_overlapping(window, staff, BookingScope::AllStatuses)
                .await?
                .into_iter()
                .filter(stands)
                .collect(),
            None => Vec::new(),
        };
        let availability = calendar.availability(&policy, now);
        let mut week = Vec::with_capacity(members.len());
        for member in members {
            let mut summaries = Vec::with_capacity(days.len());
            for &day in &days {
                let Some(whole_day) = days_interval(&policy, day, day) else {
                    continue;
                };
                let mut starts: Vec<DateTime<Utc>> = standing
                    .iter()
                    .filter(|b| b.staff() == member.id())
                    .map(Booking::start)
                    .filter(|s| whole_day.start() <= *s && *s < whole_day.end())
                    .collect();
                starts.sort();
                let blocked = merged(
                    calendar
                        .time_off
                        .iter()
                        .filter(|t| t.applies_to(member.id()))
                        .filter_map(|t| clip(t.period(), whole_day))
                        .collect(),
                );
                summaries.push(DaySummary {
                    day,
                    bookings: starts.len(),
                    first: starts.first().copied(),
                    last: starts.last().copied(),
                    works: !availability.working_periods(member, day).is_empty(),
                    free: availability.free_windows(member, day),
                    blocked,
                });
            }
            week.push(StaffWeek {
                member: member.clone(),
                days: summaries,
            });
        }
        week.sort_by_key(|w| w.member.id());
        Ok(Week { first, staff: week })
    }
}

/// The part of `interval` inside `within`.
fn clip(interval: Interval, within: Interval) -> Option<Interval> {
    Interval::new(
        interval.start().max(within.start()),
        interval.end().min(within.end()),
    )
}

/// The union of `intervals`, sorted.
fn merged(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(intervals.len());
    for interval in intervals {
        match out.last_mut() {
            Some(last) if interval.start() <= last.end() => {
                if let Some(joined) = Interval::new(last.start(), last.end().max(interval.end())) {
                    *last = joined;
                }
            }
            _ => out.push(interval),
        }
    }
    out
}
