//! What the business offers and when: services, staff with weekly hours, date
//! overrides, blocked periods, and the policy that governs booking.
//!
//! Each entity is an id plus a *spec*: the spec is the command type an admin
//! fills in to add or edit (public fields, each already a validated value),
//! and the entity constructor checks the rules that span fields.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

use crate::time::Interval;
use crate::values::{
    CancelReason, Minutes, Money, PhoneRegion, ServiceId, ServiceName, StaffId, StaffName,
    TimeOffId,
};

const MINUTES_PER_DAY: u16 = 24 * 60;

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

/// Why a service was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidService {
    #[error("a service must last at least one minute")]
    ZeroDuration,
    #[error("a service, buffers included, must fit in one day")]
    LongerThanADay,
}

/// What an admin fills in to add or edit a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    pub name: ServiceName,
    pub duration: Minutes,
    pub price: Money,
    /// Time kept free before each booking of this service (preparation).
    pub buffer_before: Minutes,
    /// Time kept free after each booking of this service (cleaning up).
    pub buffer_after: Minutes,
    /// Inactive services are kept for history but not offered.
    pub active: bool,
    /// Who can perform it; a service nobody performs is not offered.
    pub performers: Vec<StaffId>,
}

impl ServiceSpec {
    /// # Errors
    /// [`InvalidService`] for a zero duration or one that, with its buffers,
    /// exceeds a day.
    pub fn validate(&self) -> Result<(), InvalidService> {
        if self.duration.is_zero() {
            return Err(InvalidService::ZeroDuration);
        }
        let total = self.duration.get() + self.buffer_before.get() + self.buffer_after.get();
        if total > u32::from(MINUTES_PER_DAY) {
            return Err(InvalidService::LongerThanADay);
        }
        Ok(())
    }
}

/// A service the business offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    id: ServiceId,
    spec: ServiceSpec,
}

impl Service {
    /// # Errors
    /// [`InvalidService`] when the spec breaks a rule.
    pub fn new(id: ServiceId, mut spec: ServiceSpec) -> Result<Self, InvalidService> {
        spec.validate()?;
        spec.performers.sort();
        spec.performers.dedup();
        Ok(Self { id, spec })
    }

    pub fn id(&self) -> ServiceId {
        self.id
    }

    pub fn spec(&self) -> &ServiceSpec {
        &self.spec
    }

    pub fn name(&self) -> &ServiceName {
        &self.spec.name
    }

    pub fn duration(&self) -> Minutes {
        self.spec.duration
    }

    pub fn price(&self) -> Money {
        self.spec.price
    }

    pub fn is_active(&self) -> bool {
        self.spec.active
    }

    pub fn is_performed_by(&self, staff: StaffId) -> bool {
        self.spec.performers.binary_search(&staff).is_ok()
    }
}

/// Why a staff member was refused. Every field of [`StaffSpec`] is already
/// valid on its own; this exists so that later cross-field rules have a home
/// without changing the constructor's signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidStaff {}

/// What an admin fills in to add or edit a staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSpec {
    pub name: StaffName,
    pub hours: WeeklyHours,
    /// Inactive staff keep their history but get no new bookings.
    pub active: bool,
}

/// A person who performs services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    id: StaffId,
    spec: StaffSpec,
}

impl StaffMember {
    /// # Errors
    /// None today; see [`InvalidStaff`].
    pub fn new(id: StaffId, spec: StaffSpec) -> Result<Self, InvalidStaff> {
        Ok(Self { id, spec })
    }

    pub fn id(&self) -> StaffId {
        self.id
    }

    pub fn spec(&self) -> &StaffSpec {
        &self.spec
    }

    pub fn name(&self) -> &StaffName {
        &self.spec.name
    }

    pub fn hours(&self) -> &WeeklyHours {
        &self.spec.hours
    }

    pub fn is_active(&self) -> bool {
        self.spec.active
    }
}

/// Why a blocked period was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTimeOff {
    #[error("a blocked period may last at most {max_days} days")]
    TooLong { max_days: i64 },
}

/// What an admin fills in to block a period: a day off, a few hours, a
/// holiday. `staff: None` blocks everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeOffSpec {
    pub staff: Option<StaffId>,
    pub period: Interval,
    pub reason: Option<CancelReason>,
}

impl TimeOffSpec {
    pub const MAX_DAYS: i64 = 366;

    /// # Errors
    /// [`InvalidTimeOff::TooLong`] for a period over a year.
    pub fn validate(&self) -> Result<(), InvalidTimeOff> {
        // Compared as durations: counting whole days would let 366 days and
        // 23 hours through.
        if self.period.duration() > chrono::Duration::days(Self::MAX_DAYS) {
            return Err(InvalidTimeOff::TooLong {
                max_days: Self::MAX_DAYS,
            });
        }
        Ok(())
    }

    /// Whether the block applies to `staff`.
    pub fn applies_to(&self, staff: StaffId) -> bool {
        self.staff.is_none_or(|s| s == staff)
    }
}

/// A blocked period in the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeOff {
    id: TimeOffId,
    spec: TimeOffSpec,
}

impl TimeOff {
    /// # Errors
    /// [`InvalidTimeOff`] when the spec breaks a rule.
    pub fn new(id: TimeOffId, spec: TimeOffSpec) -> Result<Self, InvalidTimeOff> {
        spec.validate()?;
        Ok(Self { id, spec })
    }

    pub fn id(&self) -> TimeOffId {
        self.id
    }

    pub fn spec(&self) -> &TimeOffSpec {
        &self.spec
    }

    pub fn period(&self) -> Interval {
        self.spec.period
    }

    pub fn applies_to(&self, staff: StaffId) -> bool {
        self.spec.applies_to(staff)
    }
}

/// Why a policy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPolicy {
    #[error("the slot step must be between 5 and 720 minutes and divide a day evenly, got {0}")]
    SlotStep(u32),
    #[error("the booking horizon must be between 1 and 366 days, got {0}")]
    Horizon(u16),
    #[error("a customer must be allowed at least one active booking")]
    ZeroActiveBookings,
}

/// What an owner sets for the whole business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySettings {
    /// The IANA time zone in which hours are read and days begin.
    pub time_zone: Tz,
    /// Offered starts are multiples of this since local midnight.
    pub slot_step: Minutes,
    /// How far ahead of now a booking must start.
    pub min_notice: Minutes,
    /// How many days ahead, counting from today, can be booked.
    pub horizon_days: u16,
    /// A customer cannot cancel later than this before the start.
    pub cancellation_cutoff: Minutes,
    /// A customer cannot reschedule later than this before the start.
    pub reschedule_cutoff: Minutes,
    /// Upcoming pending or confirmed bookings one customer may hold.
    pub max_active_bookings_per_customer: u16,
    /// Whether new bookings wait for staff confirmation (pending) or are
    /// confirmed at once.
    pub requires_confirmation: bool,
    /// The region of phone numbers typed without a country code.
    pub phone_region: PhoneRegion,
}

/// The business policy, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy(pub(crate) PolicySettings);

impl Policy {
    /// # Errors
    /// [`InvalidPolicy`] naming the setting that is out of range.
    pub fn new(settings: PolicySettings) -> Result<Self, InvalidPolicy> {
        let step = settings.slot_step.get();
        if !(5..=720).contains(&step) || u32::from(MINUTES_PER_DAY) % step != 0 {
            return Err(InvalidPolicy::SlotStep(step));
        }
        if !(1..=366).contains(&settings.horizon_days) {
            return Err(InvalidPolicy::Horizon(settings.horizon_days));
        }
        if settings.max_active_bookings_per_customer == 0 {
            return Err(InvalidPolicy::ZeroActiveBookings);
        }
        Ok(Self(settings))
    }

    pub fn settings(&self) -> &PolicySettings {
        &self.0
    }

    pub fn time_zone(&self) -> Tz {
        self.0.time_zone
    }

    pub fn slot_step(&self) -> Minutes {
        self.0.slot_step
    }

    pub fn min_notice(&self) -> Minutes {
        self.0.min_notice
    }

    pub fn horizon_days(&self) -> u16 {
        self.0.horizon_days
    }

    pub fn cancellation_cutoff(&self) -> Minutes {
        self.0.cancellation_cutoff
    }

    pub fn reschedule_cutoff(&self) -> Minutes {
        self.0.reschedule_cutoff
    }

    pub fn max_active_bookings_per_customer(&self) -> u16 {
        self.0.max_active_bookings_per_customer
    }

    pub fn requires_confirmation(&self) -> bool {
        self.0.requires_confirmation
    }

    pub fn phone_region(&self) -> PhoneRegion {
        self.0.phone_region
    }

    /// The business's local date at `now`.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.0.time_zone).date_naive()
    }

    /// The last local date that can be booked at `now`.
    pub fn last_bookable_day(&self, now: DateTime<Utc>) -> NaiveDate {
        self.today(now) + chrono::Days::new(u64::from(self.0.horizon_days))
    }

    /// The weekday of a local date, for reading weekly hours.
    pub fn weekday(date: NaiveDate) -> Weekday {
        date.weekday()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_refuse_bad_input() {
        assert_eq!(
            LocalTimeRange::parse("09:00-13:30").unwrap().to_string(),
            "09:00-13:30"
        );
        assert_eq!(
            LocalTimeRange::parse("18:00 – 24:00").unwrap().end_minute(),
            1440
        );
        assert!(matches!(
            LocalTimeRange::parse("13:00-09:00"),
            Err(InvalidHours::NotIncreasing { .. })
        ));
        assert!(matches!(
            LocalTimeRange::parse("09:60-10:00"),
            Err(InvalidHours::BadTime(_))
        ));
        assert!(matches!(
            LocalTimeRange::parse("nine to five"),
            Err(InvalidHours::Malformed(_))
        ));
    }

    #[test]
    fn weekly_hours_merge_touching_periods_and_refuse_overlaps() {
        let p = |s| LocalTimeRange::parse(s).unwrap();
        let hours = WeeklyHours::new([
            (Weekday::Mon, p("12:00-18:00")),
            (Weekday::Mon, p("09:00-12:00")),
        ])
        .unwrap();
        assert_eq!(hours.on(Weekday::Mon), &[p("09:00-18:00")]);
        assert!(hours.on(Weekday::Tue).is_empty());
        let overlap = WeeklyHours::new([
            (Weekday::Fri, p("09:00-13:00")),
            (Weekday::Fri, p("12:00-18:00")),
        ]);
        assert!(matches!(overlap, Err(InvalidHours::Overlapping { .. })));
    }

    #[test]
    fn hours_refusals_read_well() {
        assert_eq!(
            LocalTimeRange::parse("13:00-09:00")
                .unwrap_err()
                .to_string(),
            "a period must start before it ends (13:00 is not before 09:00)"
        );
        assert_eq!(
            LocalTimeRange::parse("09:60-10:00")
                .unwrap_err()
                .to_string(),
            "a time of day is between 00:00 and 24:00, got \"09:60\""
        );
        assert_eq!(
            LocalTimeRange::parse("nine to five")
                .unwrap_err()
                .to_string(),
            "write a period as HH:MM-HH:MM, got \"nine to five\""
        );
        let p = |s| LocalTimeRange::parse(s).unwrap();
        let overlap = WeeklyHours::new([
            (Weekday::Fri, p("09:00-13:00")),
            (Weekday::Fri, p("12:00-18:00")),
        ])
        .unwrap_err();
        assert_eq!(
            overlap.to_string(),
            "periods on Fri overlap: 09:00-13:00 and 12:00-18:00"
        );
    }

    #[test]
    fn a_time_of_day_is_written_h_mm_or_hh_mm_up_to_24_00() {
        for ok in ["9:00-10:00", "09:00 - 10:00", "00:00-24:00", "23:59-24:00"] {
            assert!(LocalTimeRange::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "9:5-10:00",
            "+9:00-10:00",
            "009:00-10:00",
            "24:01-24:30",
            "09:00-25:00",
            "9h-10h",
            "09:00-10:0a",
        ] {
            assert!(
                matches!(LocalTimeRange::parse(bad), Err(InvalidHours::BadTime(_))),
                "{bad}: {:?}",
                LocalTimeRange::parse(bad)
            );
        }
        assert_eq!(
            LocalTimeRange::parse("09:00"),
            Err(InvalidHours::Malformed("09:00".to_owned()))
        );
    }

    #[test]
    fn a_period_is_between_midnight_and_midnight_and_not_empty() {
        assert_eq!(
            LocalTimeRange::new(600, 1441),
            Err(InvalidHours::BadTime("1441 minutes".to_owned()))
        );
        assert_eq!(
            LocalTimeRange::new(600, 600),
            Err(InvalidHours::NotIncreasing {
                start: "10:00".to_owned(),
                end: "10:00".to_owned()
            })
        );
        let all_day = LocalTimeRange::new(0, 1440).unwrap();
        assert_eq!((all_day.start_minute(), all_day.end_minute()), (0, 1440));
        assert_eq!(all_day.to_string(), "00:00-24:00");
    }

    #[test]
    fn date_overrides_refuse_overlapping_special_hours_and_merge_touching_ones() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let p = |s| LocalTimeRange::parse(s).unwrap();
        let overlapping = DateOverride::new(
            date,
            None,
            OverrideHours::Open(vec![p("10:00-14:00"), p("13:00-15:00")]),
        );
        assert_eq!(
            overlapping,
            Err(InvalidHours::Overlapping {
                day: "2026-12-31".to_owned(),
                first: "10:00-14:00".to_owned(),
                second: "13:00-15:00".to_owned()
            })
        );
        let touching = DateOverride::new(
            date,
            Some(StaffId::new(3).unwrap()),
            OverrideHours::Open(vec![p("12:00-15:00"), p("10:00-12:00")]),
        )
        .unwrap();
        assert_eq!(
            touching.hours(),
            &OverrideHours::Open(vec![p("10:00-15:00")])
        );
        assert_eq!(touching.staff(), StaffId::new(3).ok());
        assert_eq!(touching.date(), date);
    }

    fn spec(duration: i64, before: i64, after: i64) -> ServiceSpec {
        let m = |n| Minutes::new(n).unwrap();
        ServiceSpec {
            name: ServiceName::new("Cut").unwrap(),
            duration: m(duration),
            price: Money::new(100, crate::values::Currency::new("EUR").unwrap()).unwrap(),
            buffer_before: m(before),
            buffer_after: m(after),
            active: true,
            performers: vec![
                StaffId::new(2).unwrap(),
                StaffId::new(1).unwrap(),
                StaffId::new(2).unwrap(),
            ],
        }
    }

    #[test]
    fn a_service_lasts_at_least_a_minute_and_fits_in_a_day_with_its_buffers() {
        let id = ServiceId::new(1).unwrap();
        assert_eq!(
            Service::new(id, spec(0, 10, 10)),
            Err(InvalidService::ZeroDuration)
        );
        assert_eq!(
            Service::new(id, spec(1400, 20, 21)),
            Err(InvalidService::LongerThanADay)
        );
        assert!(Service::new(id, spec(1400, 20, 20)).is_ok());
        assert_eq!(
            InvalidService::ZeroDuration.to_string(),
            "a service must last at least one minute"
        );
        assert_eq!(
            InvalidService::LongerThanADay.to_string(),
            "a service, buffers included, must fit in one day"
        );
    }

    #[test]
    fn a_services_performers_are_a_set() {
        let service = Service::new(ServiceId::new(1).unwrap(), spec(30, 0, 0)).unwrap();
        assert_eq!(
            service.spec().performers,
            [StaffId::new(1).unwrap(), StaffId::new(2).unwrap()]
        );
        assert!(service.is_performed_by(StaffId::new(2).unwrap()));
        assert!(!service.is_performed_by(StaffId::new(3).unwrap()));
    }

    #[test]
    fn time_off_lasts_at_most_366_days() {
        let start = chrono::DateTime::from_timestamp(1_772_000_000, 0).unwrap();
        let spec = |length: chrono::Duration| TimeOffSpec {
            staff: None,
            period: Interval::new(start, start + length).unwrap(),
            reason: None,
        };
        let id = TimeOffId::new(1).unwrap();
        assert!(TimeOff::new(id, spec(chrono::Duration::days(366))).is_ok());
        for too_long in [
            chrono::Duration::days(366) + chrono::Duration::minutes(1),
            chrono::Duration::days(366) + chrono::Duration::hours(23),
            chrono::Duration::days(400),
        ] {
            assert_eq!(
                TimeOff::new(id, spec(too_long)),
                Err(InvalidTimeOff::TooLong { max_days: 366 })
            );
        }
        assert_eq!(
            InvalidTimeOff::TooLong { max_days: 366 }.to_string(),
            "a blocked period may last at most 366 days"
        );
        let everyone = spec(chrono::Duration::hours(1));
        assert!(everyone.applies_to(StaffId::new(5).unwrap()));
        let one = TimeOffSpec {
            staff: StaffId::new(4).ok(),
            ..everyone
        };
        assert!(one.applies_to(StaffId::new(4).unwrap()));
        assert!(!one.applies_to(StaffId::new(5).unwrap()));
    }

    fn settings() -> PolicySettings {
        let m = |n| Minutes::new(n).unwrap();
        PolicySettings {
            time_zone: chrono_tz::Europe::Moscow,
            slot_step: m(15),
            min_notice: m(60),
            horizon_days: 30,
            cancellation_cutoff: m(120),
            reschedule_cutoff: m(240),
            max_active_bookings_per_customer: 2,
            requires_confirmation: true,
            phone_region: PhoneRegion::new("RU").unwrap(),
        }
    }

    #[test]
    fn policy_refuses_each_setting_out_of_range_by_name() {
        let m = |n| Minutes::new(n).unwrap();
        for step in [0, 4, 7, 25, 721, 1440] {
            assert_eq!(
                Policy::new(PolicySettings {
                    slot_step: m(step),
                    ..settings()
                }),
                Err(InvalidPolicy::SlotStep(u32::try_from(step).unwrap())),
                "{step}"
            );
        }
        for step in [5, 10, 15, 20, 30, 45, 60, 90, 720] {
            assert!(
                Policy::new(PolicySettings {
                    slot_step: m(step),
                    ..settings()
                })
                .is_ok(),
                "{step}"
            );
        }
        for horizon in [0, 367] {
            assert_eq!(
                Policy::new(PolicySettings {
                    horizon_days: horizon,
                    ..settings()
                }),
                Err(InvalidPolicy::Horizon(horizon))
            );
        }
        assert_eq!(
            Policy::new(PolicySettings {
                max_active_bookings_per_customer: 0,
                ..settings()
            }),
            Err(InvalidPolicy::ZeroActiveBookings)
        );
        for (error, message) in [
            (
                InvalidPolicy::SlotStep(7),
                "the slot step must be between 5 and 720 minutes and divide a day evenly, got 7",
            ),
            (
                InvalidPolicy::Horizon(0),
                "the booking horizon must be between 1 and 366 days, got 0",
            ),
            (
                InvalidPolicy::ZeroActiveBookings,
                "a customer must be allowed at least one active booking",
            ),
        ] {
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn policy_reads_days_in_its_time_zone() {
        let policy = Policy::new(settings()).unwrap();
        // 22:30 UTC is already the next day in Moscow (UTC+3).
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-01T22:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            policy.today(now),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
        assert_eq!(
            policy.last_bookable_day(now),
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()
        );
        assert_eq!(policy.settings(), &settings());
    }
}
