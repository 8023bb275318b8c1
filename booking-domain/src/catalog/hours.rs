//! Working hours: wall-clock periods of a day, weekly hours with breaks,
//! and the date overrides that replace or limit them on one date.

use std::fmt;

use chrono::{NaiveDate, Weekday};

use crate::values::StaffId;

use super::MINUTES_PER_DAY;

/// Why working hours were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidHours {
    #[error("a period must start before it ends ({start} is not before {end})")]
    NotIncreasing { start: String, end: String },
    #[error("a time of day is between 00:00 and 24:00, got {0:?}")]
    BadTime(String),
    #[error("write a period as HH:MM-HH:MM, got {0:?}")]
    Malformed(String),
    #[error("periods on {day} overlap: {first} and {second}")]
    Overlapping {
        day: String,
        first: String,
        second: String,
    },
}

fn format_minutes(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn parse_clock(text: &str) -> Result<u16, InvalidHours> {
    let bad = || InvalidHours::BadTime(text.to_owned());
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    // One or two digits for the hour, exactly two for the minutes: "9:5"
    // could mean 09:05 or 09:50, and `u16::from_str` would also take "+9".
    let digits = |part: &str, lengths: std::ops::RangeInclusive<usize>| {
        lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(h, 1..=2) || !digits(m, 2..=2) {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// A period of a day in local wall-clock time, `[start, end)` in minutes
/// since midnight; `end` may be 24:00. Periods never cross midnight: a night
/// shift is two periods on two days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTimeRange {
    start: u16,
    end: u16,
}

impl LocalTimeRange {
    /// # Errors
    /// [`InvalidHours`] unless `start < end <= 24:00`.
    pub fn new(start_minute: u16, end_minute: u16) -> Result<Self, InvalidHours> {
        if end_minute > MINUTES_PER_DAY {
            return Err(InvalidHours::BadTime(format!("{end_minute} minutes")));
        }
        if start_minute >= end_minute {
            return Err(InvalidHours::NotIncreasing {
                start: format_minutes(start_minute),
                end: format_minutes(end_minute),
            });
        }
        Ok(Self {
            start: start_minute,
            end: end_minute,
        })
    }

    /// Parses `"09:00-13:00"` (also with an en dash and spaces).
    ///
    /// # Errors
    /// [`InvalidHours`] saying what is wrong.
    pub fn parse(text: &str) -> Result<Self, InvalidHours> {
        let (start, end) = text
            .split_once(['-', '–'])
            .ok_or_else(|| InvalidHours::Malformed(text.to_owned()))?;
        Self::new(parse_clock(start)?, parse_clock(end)?)
    }

    pub fn start_minute(&self) -> u16 {
        self.start
    }

    pub fn end_minute(&self) -> u16 {
        self.end
    }
}

impl fmt::Display for LocalTimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            format_minutes(self.start),
            format_minutes(self.end)
        )
    }
}

/// Sorts periods and refuses overlaps; touching periods are merged so that
/// "09:00-12:00, 12:00-18:00" means one continuous stretch.
fn normalise_periods(
    mut periods: Vec<LocalTimeRange>,
    day: &str,
) -> Result<Vec<LocalTimeRange>, InvalidHours> {
    periods.sort();
    let mut merged: Vec<LocalTimeRange> = Vec::with_capacity(periods.len());
    for period in periods {
        match merged.last_mut() {
            Some(last) if period.start < last.end => {
                return Err(InvalidHours::Overlapping {
                    day: day.to_owned(),
                    first: last.to_string(),
                    second: period.to_string(),
                });
            }
            Some(last) if period.start == last.end => last.end = period.end,
            _ => merged.push(period),
        }
    }
    Ok(merged)
}

/// Working hours for each day of the week, as several periods per day so a
/// break is a gap between periods.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeeklyHours {
    days: [Vec<LocalTimeRange>; 7],
}

impl WeeklyHours {
    /// # Errors
    /// [`InvalidHours::Overlapping`] when two periods of one day overlap.
    pub fn new(
        periods: impl IntoIterator<Item = (Weekday, LocalTimeRange)>,
    ) -> Result<Self, InvalidHours> {
        let mut days: [Vec<LocalTimeRange>; 7] = Default::default();
        for (weekday, period) in periods {
            days[weekday.num_days_from_monday() as usize].push(period);
        }
        for (index, periods) in days.iter_mut().enumerate() {
            let day = weekday_from_index(index).to_string();
            *periods = normalise_periods(std::mem::take(periods), &day)?;
        }
        Ok(Self { days })
    }

    /// The periods of `weekday`, sorted and disjoint; empty on a day off.
    pub fn on(&self, weekday: Weekday) -> &[LocalTimeRange] {
        &self.days[weekday.num_days_from_monday() as usize]
    }

    /// Every `(weekday, period)`, Monday first.
    pub fn periods(&self) -> impl Iterator<Item = (Weekday, LocalTimeRange)> + '_ {
        self.days
            .iter()
            .enumerate()
            .flat_map(|(i, periods)| periods.iter().map(move |p| (weekday_from_index(i), *p)))
    }
}

fn weekday_from_index(index: usize) -> Weekday {
    const WEEK: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    WEEK[index % 7]
}

/// What a date override says about its day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverrideHours {
    /// Nobody it applies to works that day.
    Closed,
    /// Special hours for that day (sorted, disjoint).
    Open(Vec<LocalTimeRange>),
}

/// An exception to the weekly hours on one date, for one staff member or,
/// when `staff` is `None`, for the whole business.
///
/// How overrides combine: a staff member's own override replaces their
/// weekly hours for the day; a business-wide `Closed` closes everyone; a
/// business-wide `Open` limits everyone to those hours (the intersection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateOverride {
    date: NaiveDate,
    staff: Option<StaffId>,
    hours: OverrideHours,
}

impl DateOverride {
    /// # Errors
    /// [`InvalidHours::Overlapping`] when special hours overlap each other.
    pub fn new(
        date: NaiveDate,
        staff: Option<StaffId>,
        hours: OverrideHours,
    ) -> Result<Self, InvalidHours> {
        let hours = match hours {
            OverrideHours::Closed => OverrideHours::Closed,
            OverrideHours::Open(periods) => {
                OverrideHours::Open(normalise_periods(periods, &date.to_string())?)
            }
        };
        Ok(Self { date, staff, hours })
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn staff(&self) -> Option<StaffId> {
        self.staff
    }

    pub fn hours(&self) -> &OverrideHours {
        &self.hours
    }
}
