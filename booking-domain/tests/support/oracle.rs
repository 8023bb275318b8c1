//! An independent, brute-force statement of the slot rules, to check the
//! slot engine against.
//!
//! Where the engine works with intervals and offsets, the oracle reads the
//! wall clock at every UTC minute around the day. Working hours are a
//! 1,440-entry mask of the day's wall-clock minutes, so override rules are
//! plain boolean logic, and a visit is inside working hours when the clock
//! reads a working minute of the day at every minute of it. Nothing here is
//! clever, so it is easy to believe.

use std::collections::BTreeMap;

use booking_domain::{
    Booking, BookingStatus, DateOverride, OverrideHours, StaffId, StaffMember, TimeOff,
};
use chrono::{DateTime, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

use super::calendar::{Scenario, weekday};

/// The wall-clock reading of every UTC minute from the UTC midnight before
/// `day` to two days after it: wide enough for any offset in use (-12 h to
/// +14 h) and any visit that starts on `day`.
#[derive(Debug)]
pub(crate) struct DayClock {
    day: NaiveDate,
    readings: Vec<(DateTime<Utc>, NaiveDateTime)>,
}

impl DayClock {
    pub(crate) fn new(tz: Tz, day: NaiveDate) -> Self {
        let from = (day - Days::new(1)).and_time(NaiveTime::MIN).and_utc();
        let readings = (0..3 * 1440)
            .map(|m| {
                let instant = from + Duration::minutes(m);
                (instant, instant.with_timezone(&tz).naive_local())
            })
            .collect();
        Self { day, readings }
    }

    /// Whether the wall clock reads a minute of the day that `working` marks
    /// at every minute of `[from, to)`; `from` is on a whole minute.
    pub(crate) fn reads_within(
        &self,
        working: &[bool; 1440],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> bool {
        let first = self.readings[0].0;
        let Ok(skip) = usize::try_from((from - first).num_minutes()) else {
            return false;
        };
        let minutes = usize::try_from((to - from).num_minutes()).unwrap();
        let span = self.readings.get(skip..skip + minutes);
        span.is_some_and(|span| {
            span.iter().all(|(_, wall)| {
                wall.date() == self.day
                    && working[usize::try_from(wall.hour() * 60 + wall.minute()).unwrap()]
            })
        })
    }

    /// Where the wall clock jumps on the day, as the minute of the day it
    /// reads just before and just after the jump; `None` on a day without a
    /// change.
    pub(crate) fn jump(&self) -> Option<(u16, u16)> {
        let minute_of_day = |wall: &NaiveDateTime| {
            if wall.date() == self.day {
                u16::try_from(wall.hour() * 60 + wall.minute()).ok()
            } else if wall.date() > self.day {
                Some(1440)
            } else {
                Some(0)
            }
        };
        self.readings.windows(2).find_map(|pair| {
            let (before, after) = (&pair[0].1, &pair[1].1);
            let regular = *after - *before == Duration::minutes(1);
            let touches_day = before.date() == self.day || after.date() == self.day;
            (!regular && touches_day)
                .then(|| Some((minute_of_day(before)? + 1, minute_of_day(after)?)))
                .flatten()
        })
    }

    /// Every instant whose wall-clock reading is on `day` and a multiple of
    /// `step` minutes since midnight, in time order.
    pub(crate) fn grid(&self, step: u32) -> Vec<DateTime<Utc>> {
        self.readings
            .iter()
            .filter(|(_, wall)| {
                wall.date() == self.day && (wall.hour() * 60 + wall.minute()) % step == 0
            })
            .map(|(instant, _)| *instant)
            .collect()
    }
}

/// Which wall-clock minutes of `day` a staff member works, after date
/// overrides: their own override replaces their weekly hours; a
/// business-wide `Closed` closes them; a business-wide `Open` keeps only the
/// minutes it also covers.
pub(crate) fn working_minutes(
    member: &StaffMember,
    overrides: &[DateOverride],
    day: NaiveDate,
) -> [bool; 1440] {
    let own = overrides
        .iter()
        .find(|o| o.date() == day && o.staff() == Some(member.id()));
    let business = overrides
        .iter()
        .find(|o| o.date() == day && o.staff().is_none());
    let base = match own.map(DateOverride::hours) {
        Some(OverrideHours::Closed) => Vec::new(),
        Some(OverrideHours::Open(periods)) => periods.clone(),
        None => member.hours().on(weekday(day)).to_vec(),
    };
    let mut open = minutes_of(
        &base
            .iter()
            .map(|p| (p.start_minute(), p.end_minute()))
            .collect::<Vec<_>>(),
    );
    match business.map(DateOverride::hours) {
        Some(OverrideHours::Closed) => open = [false; 1440],
        Some(OverrideHours::Open(periods)) => {
            let allowed = minutes_of(
                &periods
                    .iter()
                    .map(|p| (p.start_minute(), p.end_minute()))
                    .collect::<Vec<_>>(),
            );
            for (is_open, is_allowed) in open.iter_mut().zip(allowed) {
                *is_open &= is_allowed;
            }
        }
        None => {}
    }
    open
}

/// The minutes of a day that `[start, end)` periods cover.
pub(crate) fn minutes_of(periods: &[(u16, u16)]) -> [bool; 1440] {
    let mut covered = [false; 1440];
    for &(start, end) in periods {
        for minute in start..end {
            covered[usize::from(minute)] = true;
        }
    }
    covered
}

pub(crate) fn overlaps(
    a: (DateTime<Utc>, DateTime<Utc>),
    b: (DateTime<Utc>, DateTime<Utc>),
) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// The time a booking keeps its staff member busy, buffers included, as the
/// oracle understands it.
pub(crate) fn kept_by(booking: &Booking) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        booking.start() - booking.buffer_before().to_duration(),
        booking.end() + booking.buffer_after().to_duration(),
    )
}

pub(crate) fn holds_slot(booking: &Booking) -> bool {
    matches!(
        booking.status(),
        BookingStatus::Pending | BookingStatus::Confirmed
    )
}

fn blocks(time_off: &TimeOff, staff: StaffId) -> bool {
    time_off.spec().staff.is_none_or(|s| s == staff)
}

/// The oracle for one scenario: the day's clock and each staff member's
/// working minutes, computed once.
#[derive(Debug)]
pub(crate) struct Oracle<'a> {
    scenario: &'a Scenario,
    clock: DayClock,
    /// Indexed like `scenario.staff`.
    working: Vec<[bool; 1440]>,
}

impl<'a> Oracle<'a> {
    pub(crate) fn new(scenario: &'a Scenario) -> Self {
        let clock = DayClock::new(scenario.tz(), scenario.day);
        let working = scenario
            .staff
            .iter()
            .map(|member| working_minutes(member, &scenario.overrides, scenario.day))
            .collect();
        Self {
            scenario,
            clock,
            working,
        }
    }

    /// Why the oracle thinks `start` is not free for `member`, or `None` when
    /// it is free. Reasons are for failure messages.
    pub(crate) fn refusal(
        &self,
        member: &StaffMember,
        start: DateTime<Utc>,
    ) -> Option<&'static str> {
        let scenario = self.scenario;
        let spec = scenario.service.spec();
        let tz = scenario.tz();
        let today = scenario.now.with_timezone(&tz).date_naive();
        let last_day = today + Days::new(u64::from(scenario.policy.horizon_days()));
        let local = start.with_timezone(&tz).naive_local();
        let duration = spec.duration.to_duration();
        let visit = (start, start + duration);
        let kept = (
            start - spec.buffer_before.to_duration(),
            start + duration + spec.buffer_after.to_duration(),
        );
        if !spec.active {
            return Some("service inactive");
        }
        if !member.is_active() {
            return Some("staff inactive");
        }
        if !spec.performers.contains(&member.id()) {
            return Some("staff does not perform the service");
        }
        if local.date() != scenario.day {
            return Some("not on the day");
        }
        if !(local.hour() * 60 + local.minute()).is_multiple_of(scenario.policy.slot_step().get())
            || local.second() != 0
            || local.nanosecond() != 0
        {
            return Some("off the grid");
        }
        if start < scenario.now + scenario.policy.min_notice().to_duration() {
            return Some("too soon");
        }
        if scenario.day < today || scenario.day > last_day {
            return Some("outside the horizon");
        }
        let index = scenario
            .staff
            .iter()
            .position(|m| m.id() == member.id())
            .unwrap();
        if !self
            .clock
            .reads_within(&self.working[index], visit.0, visit.1)
        {
            return Some("outside working hours");
        }
        if scenario
            .time_off
            .iter()
            .filter(|t| blocks(t, member.id()))
            .any(|t| overlaps((t.period().start(), t.period().end()), visit))
        {
            return Some("time off");
        }
        if scenario
            .bookings
            .iter()
            .filter(|b| b.staff() == member.id() && holds_slot(b))
            .filter(|b| Some(b.id()) != scenario.ignoring)
            .any(|b| overlaps(kept_by(b), kept))
        {
            return Some("overlaps a booking");
        }
        None
    }

    /// Every free start of the scenario's day and who is free at it, found
    /// by trying every grid instant against every staff member.
    pub(crate) fn free_starts(&self) -> BTreeMap<DateTime<Utc>, Vec<StaffId>> {
        let mut free: BTreeMap<DateTime<Utc>, Vec<StaffId>> = BTreeMap::new();
        for start in self.clock.grid(self.scenario.policy.slot_step().get()) {
            for member in &self.scenario.staff {
                if self.refusal(member, start).is_none() {
                    free.entry(start).or_default().push(member.id());
                }
            }
        }
        for staff in free.values_mut() {
            staff.sort();
        }
        free
    }
}
