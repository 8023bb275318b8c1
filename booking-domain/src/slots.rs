//! The slot engine: pure functions from the calendar to the starts a
//! customer can book.
//!
//! A start `t` is free for a staff member when:
//! - `[t, t + duration)` lies inside one of their working periods that day
//!   (weekly hours after date overrides) and overlaps no blocked period;
//! - `[t - buffer_before, t + duration + buffer_after)` overlaps the occupied
//!   time (visit plus buffers) of none of their pending or confirmed bookings.
//!   Buffers keep bookings apart; they need not fall inside working hours;
//! - `t` is on the step grid (a multiple of the slot step since local
//!   midnight), no earlier than now plus the minimum notice, and its local
//!   date is within the booking horizon.
//!
//! Days are read in the business time zone and starts are returned as UTC
//! instants. Grid times that do not exist (clocks spring forward) are never
//! offered; a repeated hour (clocks fall back) gives each real instant once.
//! Working hours are read by the wall clock: the visit is inside them when,
//! at every moment of it, the clock reads a time of that day inside one of
//! the periods, so no start is offered whose visit runs past the time the
//! hours say (see `time::instants_reading` for the days clocks change).

use chrono::{DateTime, NaiveDate, Utc};

use crate::booking::Booking;
use crate::catalog::{
    DateOverride, LocalTimeRange, OverrideHours, Policy, Service, StaffMember, TimeOff,
};
use crate::occupancy::Occupies;
use crate::time::{DayClock, Interval, merge_touching};
use crate::values::{BookingId, StaffId};

/// Whose free time to look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StaffChoice {
    /// Anyone who performs the service. A booking made this way goes to
    /// the one free at its start with the fewest bookings that day.
    Any,
    Only(StaffId),
}

/// A free start and the staff members free at it (sorted by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeStart {
    pub start: DateTime<Utc>,
    pub staff: Vec<StaffId>,
}

/// Why a particular start cannot be booked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotRefusal {
    #[error("the service is not offered")]
    ServiceUnavailable,
    #[error("this staff member does not perform the service")]
    StaffCannotPerform,
    #[error("the earliest start that can be booked now is {earliest}")]
    TooSoon { earliest: DateTime<Utc> },
    #[error("bookings are open until {last_day}")]
    BeyondHorizon { last_day: NaiveDate },
    #[error("this time is not free")]
    NotFree,
}

/// Everything the slot engine reads, borrowed from the caller. Bookings
/// are whole [`Booking`]s or just their [`Occupancy`] (what a calendar read
/// from a store gives): the engine reads only what [`Occupies`] offers.
///
/// [`Occupancy`]: crate::Occupancy
#[derive(Debug)]
pub struct Availability<'a, B = Booking> {
    pub policy: &'a Policy,
    pub staff: &'a [StaffMember],
    pub overrides: &'a [DateOverride],
    pub time_off: &'a [TimeOff],
    /// Bookings that may overlap the days asked about; inactive ones are
    /// ignored, so callers may pass whatever their query returned.
    pub bookings: &'a [B],
    pub now: DateTime<Utc>,
    /// A booking to leave out, so a booking being moved does not block its
    /// own new time.
    pub ignoring: Option<BookingId>,
}

// By hand: a derive would ask for `B: Copy`, and a `Booking` is not.
impl<B> Clone for Availability<'_, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<B> Copy for Availability<'_, B> {}

/// One staff member's calendar, prepared once per query.
struct StaffCalendar<'a> {
    member: &'a StaffMember,
    /// Occupied intervals of their active bookings.
    occupied: Vec<Interval>,
    /// Blocked periods that apply to them. They can be long (a holiday), so
    /// they are filtered by overlap, not by a window on their start.
    blocked: Vec<Interval>,
}

impl<'a, B: Occupies> Availability<'a, B> {
    /// The free starts of local `day` for `service`, in time order.
    pub fn free_starts(
        &self,
        service: &Service,
        day: NaiveDate,
        who: StaffChoice,
    ) -> Vec<FreeStart> {
        let calendars = self.calendars(service, who);
        self.free_starts_on(service, day, &calendars, usize::MAX)
    }

    /// The local days in `from..=to` that have at least one free start.
    pub fn days_with_free_starts(
        &self,
        service: &Service,
        from: NaiveDate,
        to: NaiveDate,
        who: StaffChoice,
    ) -> Vec<NaiveDate> {
        let calendars = self.calendars(service, who);
        if calendars.is_empty() {
            return Vec::new();
        }
        let first = from.max(self.policy.today(self.now));
        let last = to.min(self.policy.last_bookable_day(self.now));
        first
            .iter_days()
            .take_while(|day| *day <= last)
            .filter(|day| !self.free_starts_on(service, *day, &calendars, 1).is_empty())
            .collect()
    }

    /// Whether `start` with `staff` can be booked, and if not, why.
    ///
    /// # Errors
    /// [`SlotRefusal`] with the first reason that applies.
    pub fn check_start(
        &self,
        service: &Service,
        staff: StaffId,
        start: DateTime<Utc>,
    ) -> Result<(), SlotRefusal> {
        if !service.is_active() {
            return Err(SlotRefusal::ServiceUnavailable);
        }
        let performs = service.is_performed_by(staff)
            && self.staff.iter().any(|m| m.id() == staff && m.is_active());
        if !performs {
            return Err(SlotRefusal::StaffCannotPerform);
        }
        self.check_timing(start)?;
        let day = start.with_timezone(&self.policy.time_zone()).date_naive();
        // Deciding by membership in what the engine offers keeps "bookable"
        // and "offered" the same by construction.
        let offered = self
            .free_starts(service, day, StaffChoice::Only(staff))
            .iter()
            .any(|free| free.start == start);
        if offered {
            Ok(())
        } else {
            Err(SlotRefusal::NotFree)
        }
    }

    /// Whether `start` respects the minimum notice and the horizon, whoever
    /// performs the service.
    ///
    /// # Errors
    /// [`SlotRefusal::TooSoon`] or [`SlotRefusal::BeyondHorizon`].
    pub fn check_timing(&self, start: DateTime<Utc>) -> Result<(), SlotRefusal> {
        let earliest = self.earliest_start();
        if start < earliest {
            return Err(SlotRefusal::TooSoon { earliest });
        }
        let day = start.with_timezone(&self.policy.time_zone()).date_naive();
        let last_day = self.policy.last_bookable_day(self.now);
        if day > last_day {
            return Err(SlotRefusal::BeyondHorizon { last_day });
        }
        Ok(())
    }

    /// A staff member's working periods on local `day` as sorted UTC
    /// intervals, after date overrides: the instants at which the wall clock
    /// reads a time inside one of their periods (see
    /// [`crate::time`] for what that means on the days clocks change).
    pub fn working_periods(&self, member: &StaffMember, day: NaiveDate) -> Vec<Interval> {
        self.working_periods_by(member, day, &DayClock::new(self.policy.time_zone(), day))
    }

    /// The free windows of `member` on local `day`: the stretches of their
    /// working periods (as [`Availability::working_periods`] reads them)
    /// that no blocked period applying to them and none of their active
    /// bookings (occupied time, buffers included) takes, from now on.
    /// Sorted and disjoint; what staff see as "free" in the week view.
    ///
    /// Unlike [`Availability::free_starts`], this ignores services, the
    /// step grid, the minimum notice and the horizon: it says when the
    /// member is idle, not what a customer could book.
    pub fn free_windows(&self, member: &StaffMember, day: NaiveDate) -> Vec<Interval> {
        let taken: Vec<Interval> = merge_touching(
            self.time_off
                .iter()
                .filter(|t| t.applies_to(member.id()))
                .map(TimeOff::period)
                .chain(
                    self.bookings
                        .iter()
                        .filter(|b| b.holds_time() && b.staff_id() == member.id())
                        .filter(|b| Some(b.booking_id()) != self.ignoring)
                        .map(Occupies::occupied_time),
                )
                .collect(),
        );
        let mut free = Vec::new();
        for period in self.working_periods(member, day) {
            let mut from = period.start().max(self.now);
            for t in taken.iter().filter(|t| t.overlaps(&period)) {
                if let Some(window) = Interval::new(from, t.start().min(period.end())) {
                    free.push(window);
                }
                from = from.max(t.end());
            }
            if let Some(window) = Interval::new(from, period.end()) {
                free.push(window);
            }
        }
        free
    }

    fn working_periods_by(
        &self,
        member: &StaffMember,
        day: NaiveDate,
        clock: &DayClock,
    ) -> Vec<Interval> {
        let own = self
            .overrides
            .iter()
            .find(|o| o.date() == day && o.staff() == Some(member.id()));
        let business = self
            .overrides
            .iter()
            .find(|o| o.date() == day && o.staff().is_none());
        let mut periods: Vec<LocalTimeRange> = match own.map(DateOverride::hours) {
            Some(OverrideHours::Closed) => Vec::new(),
            Some(OverrideHours::Open(periods)) => periods.clone(),
            None => member.hours().on(Policy::weekday(day)).to_vec(),
        };
        match business.map(DateOverride::hours) {
            Some(OverrideHours::Closed) => periods.clear(),
            Some(OverrideHours::Open(open)) => periods = intersect(&periods, open),
            None => {}
        }
        // Periods of a day never touch, but on a spring-forward day two of
        // them can meet where the clocks skip a break: they are then one
        // stretch of work.
        merge_touching(
            periods
                .iter()
                .flat_map(|p| clock.reading(p.start_minute(), p.end_minute()))
                .collect(),
        )
    }

    fn earliest_start(&self) -> DateTime<Utc> {
        self.now + self.policy.min_notice().to_duration()
    }

    fn calendars(&self, service: &Service, who: StaffChoice) -> Vec<StaffCalendar<'a>> {
        if !service.is_active() {
            return Vec::new();
        }
        let mut calendars: Vec<StaffCalendar<'a>> = self
            .staff
            .iter()
            .filter(|m| m.is_active() && service.is_performed_by(m.id()))
            .filter(|m| who == StaffChoice::Any || who == StaffChoice::Only(m.id()))
            .map(|member| StaffCalendar {
                member,
                occupied: Vec::new(),
                blocked: Vec::new(),
            })
            .collect();
        calendars.sort_by_key(|c| c.member.id());
        for booking in self.bookings {
            if !booking.holds_time() || Some(booking.booking_id()) == self.ignoring {
                continue;
            }
            if let Ok(i) = calendars.binary_search_by_key(&booking.staff_id(), |c| c.member.id()) {
                calendars[i].occupied.push(booking.occupied_time());
            }
        }
        for calendar in &mut calendars {
            calendar.blocked = self
                .time_off
                .iter()
                .filter(|t| t.applies_to(calendar.member.id()))
                .map(TimeOff::period)
                .collect();
        }
        calendars
    }

    fn free_starts_on(
        &self,
        service: &Service,
        day: NaiveDate,
        calendars: &[StaffCalendar<'_>],
        limit: usize,
    ) -> Vec<FreeStart> {
        let today = self.policy.today(self.now);
        if calendars.is_empty() || day < today || day > self.policy.last_bookable_day(self.now) {
            return Vec::new();
        }
        let duration = service.duration().to_duration();
        let (before, after) = (
            service.spec().buffer_before.to_duration(),
            service.spec().buffer_after.to_duration(),
        );
        let earliest = self.earliest_start();
        let clock = DayClock::new(self.policy.time_zone(), day);
        let grid = self.grid(&clock);
        // Each start's visit and the time it keeps (buffers included),
        // worked out when a member first needs it and kept for the others:
        // instant arithmetic was a good part of a calendar's cost when done
        // per member, and a day asked for one free start stops early.
        let mut intervals: Vec<Option<(Interval, Interval)>> = vec![None; grid.len()];
        // Free staff per grid instant, indexed like `grid`: the grid is
        // already in time order, so no map is needed.
        let mut free: Vec<Vec<StaffId>> = vec![Vec::new(); grid.len()];
        let mut free_starts = 0;
        for calendar in calendars {
            let periods = self.working_periods_by(calendar.member, day, &clock);
            let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
                continue;
            };
            let window_start = first.start() - before;
            let window_end = last.end() + after;
            let occupied = within(&calendar.occupied, window_start, window_end);
            let blocked: Vec<Interval> = calendar
                .blocked
                .iter()
                .filter(|b| b.start() < last.end() && b.end() > first.start())
                .copied()
                .collect();
            for (index, &start) in grid.iter().enumerate() {
                if start < earliest || start < first.start() || start >= last.end() {
                    continue;
                }
                let (visit, kept) = *intervals[index].get_or_insert_with(|| {
                    let end = start + duration;
                    (
                        Interval::from_ordered(start, end),
                        Interval::from_ordered(start - before, end + after),
                    )
                });
                let fits = periods.iter().any(|p| p.contains(&visit))
                    && !blocked.iter().any(|b| b.overlaps(&visit))
                    && !occupied.iter().any(|o| o.overlaps(&kept));
                if fits {
                    if free[index].is_empty() {
                        free_starts += 1;
                    }
                    free[index].push(calendar.member.id());
                }
            }
            if free_starts >= limit {
                break;
            }
        }
        grid.into_iter()
            .zip(free)
            .filter(|(_, staff)| !staff.is_empty())
            .map(|(start, staff)| FreeStart { start, staff })
            .collect()
    }

    /// The instants of the clock's day whose local time is on the step grid,
    /// sorted and without duplicates.
    fn grid(&self, clock: &DayClock) -> Vec<DateTime<Utc>> {
        let step = self.policy.slot_step().get();
        let mut instants: Vec<DateTime<Utc>> = (0..(24 * 60 / step))
            .flat_map(|k| clock.instants_at(k * step))
            .collect();
        instants.sort();
        instants.dedup();
        instants
    }
}

/// The intervals that overlap `[from, to)`. A plain scan: stored bookings
/// are not trusted to keep their buffers short, and callers pass only the
/// bookings of the days they ask about.
fn within(intervals: &[Interval], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Interval> {
    intervals
        .iter()
        .filter(|i| i.start() < to && i.end() > from)
        .copied()
        .collect()
}

/// The parts of `a` that also lie in `b`; both sorted and disjoint.
fn intersect(a: &[LocalTimeRange], b: &[LocalTimeRange]) -> Vec<LocalTimeRange> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            let start = x.start_minute().max(y.start_minute());
            let end = x.end_minute().min(y.end_minute());
            if let Ok(range) = LocalTimeRange::new(start, end) {
                out.push(range);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
