//! Builders for the unit tests: a small business in Europe/Berlin with
//! readable defaults, so each test states only what it is about. Times are
//! written as Berlin wall-clock text ("2026-03-02 09:00"); 2 March 2026 is a
//! Monday.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::booking::{Actor, AuditTrail, Booking, BookingParts, BookingStatus, Stamp};
use crate::catalog::{
    DateOverride, LocalTimeRange, OverrideHours, Policy, PolicySettings, Service, ServiceSpec,
    StaffMember, StaffSpec, TimeOff, TimeOffSpec, WeeklyHours,
};
use crate::slots::{Availability, StaffChoice};
use crate::time::Interval;
use crate::values::{
    BookingId, Currency, CustomerId, Minutes, Money, PhoneRegion, ServiceId, ServiceName, StaffId,
    StaffName, StaffUser, TimeOffId, Version,
};

pub(crate) const BERLIN: Tz = chrono_tz::Europe::Berlin;

/// The Monday most tests book on.
pub(crate) const MONDAY: &str = "2026-03-02";

pub(crate) fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A Berlin wall-clock time as an instant (the earlier one if repeated).
pub(crate) fn at(text: &str) -> DateTime<Utc> {
    at_in(BERLIN, text)
}

pub(crate) fn at_in(tz: Tz, text: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    tz.from_local_datetime(&local)
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// An instant as Berlin wall-clock "HH:MM".
pub(crate) fn hhmm(instant: DateTime<Utc>) -> String {
    hhmm_in(BERLIN, instant)
}

pub(crate) fn hhmm_in(tz: Tz, instant: DateTime<Utc>) -> String {
    instant.with_timezone(&tz).format("%H:%M").to_string()
}

pub(crate) fn minutes(n: i64) -> Minutes {
    Minutes::new(n).unwrap()
}

pub(crate) fn staff_id(n: i64) -> StaffId {
    StaffId::new(n).unwrap()
}

pub(crate) fn booking_id(n: i64) -> BookingId {
    BookingId::new(n).unwrap()
}

pub(crate) fn customer(n: i64) -> CustomerId {
    CustomerId::new(n).unwrap()
}

pub(crate) fn period(text: &str) -> LocalTimeRange {
    LocalTimeRange::parse(text).unwrap()
}

/// Berlin, 30-minute steps, no notice, 30 days ahead, 2-hour cutoffs, three
/// bookings per customer, no confirmation needed.
pub(crate) fn settings() -> PolicySettings {
    PolicySettings {
        time_zone: BERLIN,
        slot_step: minutes(30),
        min_notice: Minutes::ZERO,
        horizon_days: 30,
        cancellation_cutoff: minutes(120),
        reschedule_cutoff: minutes(120),
        max_active_bookings_per_customer: 3,
        requires_confirmation: false,
        phone_region: PhoneRegion::new("RU").unwrap(),
    }
}

pub(crate) fn policy() -> Policy {
    Policy::new(settings()).unwrap()
}

/// A staff member working the given periods, each on every weekday listed.
pub(crate) fn staff(id: i64, days: &[Weekday], periods: &[&str]) -> StaffMember {
    let hours = WeeklyHours::new(
        days.iter()
            .flat_map(|d| periods.iter().map(move |p| (*d, period(p)))),
    )
    .unwrap();
    StaffMember::new(
        staff_id(id),
        StaffSpec {
            name: StaffName::new(&format!("Staff {id}")).unwrap(),
            hours,
            active: true,
        },
    )
    .unwrap()
}

pub(crate) const WEEKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

pub(crate) const EVERY_DAY: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

pub(crate) fn inactive(member: StaffMember) -> StaffMember {
    let mut spec = member.spec().clone();
    spec.active = false;
    StaffMember::new(member.id(), spec).unwrap()
}

pub(crate) fn service_spec(duration: i64, performers: &[i64]) -> ServiceSpec {
    ServiceSpec {
        name: ServiceName::new("Haircut").unwrap(),
        duration: minutes(duration),
        price: Money::new(150_000, Currency::new("RUB").unwrap()).unwrap(),
        buffer_before: Minutes::ZERO,
        buffer_after: Minutes::ZERO,
        active: true,
        performers: performers.iter().map(|id| staff_id(*id)).collect(),
    }
}

/// A service of `duration` minutes with buffers, performed by `performers`.
pub(crate) fn service(duration: i64, before: i64, after: i64, performers: &[i64]) -> Service {
    let spec = ServiceSpec {
        buffer_before: minutes(before),
        buffer_after: minutes(after),
        ..service_spec(duration, performers)
    };
    Service::new(ServiceId::new(1).unwrap(), spec).unwrap()
}

/// A stored booking at Berlin time `start` for `duration` minutes.
pub(crate) fn booking(
    id: i64,
    staff: i64,
    start: &str,
    duration: i64,
    status: BookingStatus,
) -> Booking {
    let start = at(start);
    Booking::from_parts(BookingParts {
        id: booking_id(id),
        customer: Some(customer(7)),
        service: ServiceId::new(1).unwrap(),
        staff: staff_id(staff),
        start,
        end: start + Duration::minutes(duration),
        buffer_before: Minutes::ZERO,
        buffer_after: Minutes::ZERO,
        comment: None,
        status,
        version: Version::FIRST,
        created_at: start - Duration::days(3),
        rescheduled_from: None,
        attendance_confirmed_at: None,
        booked_for: None,
        price: None,
        audit: AuditTrail::default(),
    })
    .unwrap()
}

/// The same booking with other buffers.
pub(crate) fn with_buffers(booking: Booking, before: i64, after: i64) -> Booking {
    let mut parts = booking.into_parts();
    parts.buffer_before = minutes(before);
    parts.buffer_after = minutes(after);
    Booking::from_parts(parts).unwrap()
}

pub(crate) fn override_on(date: &str, staff: Option<i64>, hours: &[&str]) -> DateOverride {
    let hours = if hours.is_empty() {
        OverrideHours::Closed
    } else {
        OverrideHours::Open(hours.iter().map(|p| period(p)).collect())
    };
    DateOverride::new(day(date), staff.map(staff_id), hours).unwrap()
}

pub(crate) fn time_off(id: i64, staff: Option<i64>, from: &str, to: &str) -> TimeOff {
    TimeOff::new(
        TimeOffId::new(id).unwrap(),
        TimeOffSpec {
            staff: staff.map(staff_id),
            period: Interval::new(at(from), at(to)).unwrap(),
            reason: None,
        },
    )
    .unwrap()
}

/// Everything the slot engine reads, owned, with "now" a week before
/// [`MONDAY`] unless a test moves it.
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    pub(crate) policy: Policy,
    pub(crate) staff: Vec<StaffMember>,
    pub(crate) overrides: Vec<DateOverride>,
    pub(crate) time_off: Vec<TimeOff>,
    pub(crate) bookings: Vec<Booking>,
    pub(crate) now: DateTime<Utc>,
    pub(crate) ignoring: Option<BookingId>,
}

impl Calendar {
    pub(crate) fn new(staff: Vec<StaffMember>) -> Self {
        Self {
            policy: policy(),
            staff,
            overrides: Vec::new(),
            time_off: Vec::new(),
            bookings: Vec::new(),
            now: at("2026-02-23 08:00"),
            ignoring: None,
        }
    }

    pub(crate) fn availability(&self) -> Availability<'_> {
        Availability {
            policy: &self.policy,
            staff: &self.staff,
            overrides: &self.overrides,
            time_off: &self.time_off,
            bookings: &self.bookings,
            now: self.now,
            ignoring: self.ignoring,
        }
    }

    /// The free starts of `date` as Berlin "HH:MM".
    pub(crate) fn starts(&self, service: &Service, date: &str, who: StaffChoice) -> Vec<String> {
        self.availability()
            .free_starts(service, day(date), who)
            .iter()
            .map(|free| hhmm_in(self.policy.time_zone(), free.start))
            .collect()
    }

    /// The free starts of `date` with the ids of who is free at each.
    pub(crate) fn starts_with_staff(
        &self,
        service: &Service,
        date: &str,
    ) -> Vec<(String, Vec<i64>)> {
        self.availability()
            .free_starts(service, day(date), StaffChoice::Any)
            .iter()
            .map(|free| {
                (
                    hhmm_in(self.policy.time_zone(), free.start),
                    free.staff.iter().map(|s| s.get()).collect(),
                )
            })
            .collect()
    }
}

/// "HH:MM" strings from `from` to `to` inclusive every `step` minutes.
pub(crate) fn every(step: u32, from: &str, to: &str) -> Vec<String> {
    let minute = |t: &str| {
        let (h, m) = t.split_once(':').unwrap();
        h.parse::<u32>().unwrap() * 60 + m.parse::<u32>().unwrap()
    };
    (minute(from)..=minute(to))
        .step_by(step as usize)
        .map(|m| format!("{:02}:{:02}", m / 60, m % 60))
        .collect()
}

/// An owner: a staff user who is not a staff member.
pub(crate) fn owner() -> Actor {
    Actor::Staff {
        user: StaffUser::new(900),
        member: None,
        role: crate::booking::StaffRole::Owner,
    }
}

/// The staff user who is staff member `id`.
pub(crate) fn stylist(id: i64) -> Actor {
    Actor::Staff {
        user: StaffUser::new(100 + id),
        member: Some(staff_id(id)),
        role: crate::booking::StaffRole::Staff,
    }
}

/// A move made by the owner at `when`.
pub(crate) fn moved_at(when: &str) -> Stamp {
    Stamp {
        by: owner(),
        at: at(when),
    }
}
