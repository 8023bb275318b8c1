//! Half-open UTC intervals and the conversion of business-local wall-clock
//! times to instants, which is where daylight-saving time is handled.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::catalog::LocalTimeRange;

/// A half-open interval `[start, end)` of UTC instants with `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Interval {
    /// The interval `[start, end)`, or `None` when it would be empty or reversed.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Self> {
        (start < end).then_some(Self { start, end })
    }

    /// For callers that already hold `start < end` as an invariant.
    pub(crate) fn from_ordered(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        debug_assert!(start < end, "interval must not be empty");
        Self { start, end }
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// Whether the two intervals share at least one instant. Touching
    /// intervals (`a.end == b.start`) do not overlap.
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Whether `other` lies entirely inside `self`.
    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn duration(&self) -> Duration {
        self.end - self.start
    }
}

/// The longest a UTC offset in use is from UTC, with room to spare: an
/// instant whose wall-clock reading falls on a given date lies within this
/// much of that date's midnight read as UTC.
const WIDEST_OFFSET: Duration = Duration::hours(15);

fn offset_at(tz: Tz, instant: DateTime<Utc>) -> Duration {
    let seconds = tz
        .offset_from_utc_datetime(&instant.naive_utc())
        .fix()
        .local_minus_utc();
    Duration::seconds(i64::from(seconds))
}

/// How the wall clock of `tz` reads around one local day: the stretches of
/// time during which the UTC offset holds, in order, with that offset (one
/// stretch on most days, two when the clocks change).
///
/// Built once per day, it answers every wall-clock question about that day
/// with arithmetic instead of a time-zone lookup per question, which is what
/// keeps the slot engine fast.
#[derive(Debug, Clone)]
pub(crate) struct DayClock {
    day: NaiveDate,
    stretches: Vec<(DateTime<Utc>, DateTime<Utc>, Duration)>,
}

impl DayClock {
    pub(crate) fn new(tz: Tz, day: NaiveDate) -> Self {
        let midnight = day.and_time(NaiveTime::MIN).and_utc();
        let (from, to) = (
            midnight - WIDEST_OFFSET,
            midnight + Duration::days(1) + WIDEST_OFFSET,
        );
        let mut stretches = Vec::new();
        let (mut start, mut offset) = (from, offset_at(tz, from));
        // Offsets change at most a few times a year, never twice within an
        // hour, so hourly probes find every change and bisection pins it
        // down to the second.
        let mut probe = from;
        while probe < to {
            let next = (probe + Duration::hours(1)).min(to);
            if offset_at(tz, next) != offset {
                let (mut lo, mut hi) = (probe, next);
                while hi - lo > Duration::seconds(1) {
                    let mid = lo + (hi - lo) / 2;
                    if offset_at(tz, mid) == offset {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                stretches.push((start, hi, offset));
                start = hi;
                offset = offset_at(tz, hi);
            }
            probe = next;
        }
        stretches.push((start, to, offset));
        Self { day, stretches }
    }

    /// The instants at which the wall clock reads a time of the day in
    /// `[from_minute, to_minute)` (minutes since midnight; `to_minute` may be
    /// 24:00), as sorted, disjoint, non-touching intervals.
    ///
    /// This is the wall clock taken literally. Times the clocks skip belong
    /// to no instant, so a period is shorter on a spring-forward day. On a
    /// fall-back day, times of the repeated hour belong to two instants: a
    /// period that covers part of that hour covers it on both passes, and a
    /// period that ends as the hour begins ("until 02:00") ends the first
    /// time the clock reaches its end, so no instant inside it reads a later
    /// time.
    pub(crate) fn reading(&self, from_minute: u16, to_minute: u16) -> Vec<Interval> {
        let wall_from = self.at_minute(u32::from(from_minute));
        let wall_to = self.at_minute(u32::from(to_minute));
        let pieces = self
            .stretches
            .iter()
            .filter_map(|&(start, end, offset)| {
                // While the offset holds, the reading is the instant plus it.
                let from = (wall_from - offset).and_utc().max(start);
                let to = (wall_to - offset).and_utc().min(end);
                Interval::new(from, to)
            })
            .collect();
        merge_touching(pieces)
    }

    /// Every instant whose wall-clock reading is `minute` minutes after the
    /// day's midnight: none in a spring-forward gap, two in a fall-back
    /// overlap, otherwise one; in time order.
    pub(crate) fn instants_at(&self, minute: u32) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        let wall = self.at_minute(minute);
        self.stretches
            .iter()
            .filter_map(move |&(start, end, offset)| {
                let instant = (wall - offset).and_utc();
                (start <= instant && instant < end).then_some(instant)
            })
    }

    fn at_minute(&self, minute: u32) -> NaiveDateTime {
        self.day.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minute))
    }
}

/// The instants at which the wall clock of `tz` reads a time of local
/// `day` within `hours`, as sorted, disjoint intervals: usually one; none
/// when the clocks skip all of `hours`; two when the clocks fall back
/// inside `hours` without covering the whole repeated hour.
///
/// This is how a staff member's "12:00-13:00 every day" becomes instants:
/// the same wall-clock hours each day, whatever the UTC offset that day.
pub fn wall_clock_hours(tz: Tz, day: NaiveDate, hours: LocalTimeRange) -> Vec<Interval> {
    DayClock::new(tz, day).reading(hours.start_minute(), hours.end_minute())
}

/// The union of `intervals` as sorted, disjoint, non-touching intervals.
pub(crate) fn merge_touching(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.sort();
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for interval in intervals {
        match merged.last_mut() {
            Some(last) if interval.start <= last.end => last.end = last.end.max(interval.end),
            _ => merged.push(interval),
        }
    }
    merged
}
