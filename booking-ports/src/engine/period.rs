//! Periods of whole local days, as staff ask for reports, day views and
//! exports, and their conversion to UTC intervals in the business time zone.

use booking_domain::{Interval, Policy};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

/// A period that is reversed or too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPeriod {
    #[error("a period must not end ({last}) before it starts ({first})")]
    Reversed { first: NaiveDate, last: NaiveDate },
    #[error("a period may span at most {max_days} days")]
    TooLong { max_days: i64 },
}

/// The local days `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    first: NaiveDate,
    last: NaiveDate,
}

impl Period {
    /// Ten years: enough for any report, small enough that date arithmetic
    /// stays far from chrono's limits.
    pub const MAX_DAYS: i64 = 3660;

    /// # Errors
    /// [`InvalidPeriod`] when `last < first` or the period is too long.
    pub fn new(first: NaiveDate, last: NaiveDate) -> Result<Self, InvalidPeriod> {
        if last < first {
            return Err(InvalidPeriod::Reversed { first, last });
        }
        if (last - first).num_days() >= Self::MAX_DAYS {
            return Err(InvalidPeriod::TooLong {
                max_days: Self::MAX_DAYS,
            });
        }
        Ok(Self { first, last })
    }

    /// One day.
    pub fn day(day: NaiveDate) -> Self {
        Self {
            first: day,
            last: day,
        }
    }

    pub fn first(&self) -> NaiveDate {
        self.first
    }

    pub fn last(&self) -> NaiveDate {
        self.last
    }

    /// The period as UTC instants: from the start of `first` to the start
    /// of the day after `last`, in the policy's time zone.
    pub fn interval(&self, policy: &Policy) -> Option<Interval> {
        let end_day = self.last.succ_opt()?;
        Interval::new(
            start_of_day(policy, self.first),
            start_of_day(policy, end_day),
        )
    }
}

/// The instant a local day begins. In the few zones where clocks spring
/// forward at midnight, the day begins when they resume.
pub(crate) fn start_of_day(policy: &Policy, day: NaiveDate) -> DateTime<Utc> {
    let tz = policy.time_zone();
    let mut local = day.and_time(NaiveTime::MIN);
    // Gaps last at most a few hours; the walk is bounded by a day.
    for _ in 0..(24 * 60) {
        if let Some(instant) = tz.from_local_datetime(&local).earliest() {
            return instant.with_timezone(&Utc);
        }
        local += Duration::minutes(1);
    }
    day.and_time(NaiveTime::MIN).and_utc()
}
