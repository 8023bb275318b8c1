//! Half-open UTC intervals and the conversion of business-local wall-clock
//! times to instants, which is where daylight-saving time is handled.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

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

/// The instant at which a local wall-clock time begins in `tz`.
///
/// An ambiguous time (the repeated hour when clocks fall back) maps to its
/// first occurrence; a time that does not exist (skipped when clocks spring
/// forward) maps to the first instant after the gap, so a working period that
/// starts inside the gap starts when the clocks resume.
pub(crate) fn local_start_instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    resolve(tz, local, |first, _| first)
}

/// The instant at which a local wall-clock time ends a period in `tz`.
///
/// An ambiguous time maps to its last occurrence, so someone who works "until
/// 02:30" on a fall-back night works until the second 02:30, the wall-clock
/// reading they see at the end of the shift; a nonexistent time maps to the
/// end of the gap.
pub(crate) fn local_end_instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    resolve(tz, local, |_, last| last)
}

fn resolve(
    tz: Tz,
    local: NaiveDateTime,
    pick: fn(DateTime<Utc>, DateTime<Utc>) -> DateTime<Utc>,
) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => pick(a.with_timezone(&Utc), b.with_timezone(&Utc)),
        LocalResult::None => {
            // Gaps in the tz database are at most a few hours and start on a
            // minute boundary, so the first valid minute after the gap is found
            // within a bounded walk.
            let mut probe = local;
            for _ in 0..(24 * 60) {
                probe += Duration::minutes(1);
                if let LocalResult::Single(t) | LocalResult::Ambiguous(t, _) =
                    tz.from_local_datetime(&probe)
                {
                    return t.with_timezone(&Utc);
                }
            }
            // Unreachable with real tz data; treating the wall clock as UTC
            // keeps the function total without panicking.
            local.and_utc()
        }
    }
}

/// Every instant whose wall-clock reading in `tz` is `local`: none in a
/// spring-forward gap, two in a fall-back overlap, otherwise one.
pub(crate) fn instants_of_local(
    tz: Tz,
    local: NaiveDateTime,
) -> impl Iterator<Item = DateTime<Utc>> {
    let (first, second) = match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => (Some(t.with_timezone(&Utc)), None),
        LocalResult::Ambiguous(a, b) => (Some(a.with_timezone(&Utc)), Some(b.with_timezone(&Utc))),
        LocalResult::None => (None, None),
    };
    first.into_iter().chain(second)
}
