//! Generators of realistic random calendars: a policy in some time zone,
//! a service with buffers, one to four staff members with weekly hours and
//! breaks, date overrides for one person or the whole business, time off
//! (some of it long and started days before), existing bookings in every
//! status, and a "now" somewhere around the day asked about.

use std::collections::BTreeSet;

use booking_domain::{
    AuditTrail, Availability, Booking, BookingId, BookingParts, BookingStatus, Cancellation,
    CancelledBy, Currency, CustomerId, DateOverride, LocalTimeRange, Minutes, Money, OverrideHours,
    PhoneRegion, Policy, PolicySettings, Service, ServiceId, ServiceName, ServiceSpec, StaffId,
    StaffMember, StaffName, StaffSpec, TimeOff, TimeOffId, TimeOffSpec, Version, WeeklyHours,
};
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::sample::{Index, select};

use super::zones::{FIRST_YEAR, LAST_YEAR, ZONES, transition_days};

/// Everything the slot engine reads for one question: "which starts of
/// `day` are free for `service`?".
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub(crate) policy: Policy,
    pub(crate) service: Service,
    pub(crate) staff: Vec<StaffMember>,
    pub(crate) overrides: Vec<DateOverride>,
    pub(crate) time_off: Vec<TimeOff>,
    pub(crate) bookings: Vec<Booking>,
    pub(crate) now: DateTime<Utc>,
    pub(crate) day: NaiveDate,
    pub(crate) ignoring: Option<BookingId>,
}

impl Scenario {
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

    pub(crate) fn tz(&self) -> Tz {
        self.policy.time_zone()
    }
}

pub(crate) fn staff_id(n: i64) -> StaffId {
    StaffId::new(n).unwrap()
}

pub(crate) fn minutes(n: u32) -> Minutes {
    Minutes::new(i64::from(n)).unwrap()
}

/// UTC midnight of `day`: an anchor for generated instants. Offsets from it
/// are random, so it need not be the local midnight.
pub(crate) fn anchor(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// About the local midnight starting `day` in `tz` (exactly, unless the
/// clocks change that night): the anchor for instants on a local day.
pub(crate) fn local_anchor(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    // Noon exists on every day in every zone; midnight does not.
    let noon = day.and_hms_opt(12, 0, 0).unwrap();
    tz.from_local_datetime(&noon)
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
        - Duration::hours(12)
}

/// A zone and a day in it; a third of the days are days the clocks change.
pub(crate) fn zone_and_day() -> impl Strategy<Value = (Tz, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(LAST_YEAR, 12, 20).unwrap();
    let span = u64::try_from((last - first).num_days()).unwrap();
    (
        select(ZONES.to_vec()),
        prop::bool::weighted(0.35),
        any::<Index>(),
        0..span,
    )
        .prop_map(move |(tz, on_transition, pick, offset)| {
            let transitions = transition_days(tz);
            let day = if on_transition && !transitions.is_empty() {
                transitions[pick.index(transitions.len())]
            } else {
                first + Days::new(offset)
            };
            (tz, day)
        })
}

/// A policy in `tz` with the slot steps businesses use.
pub(crate) fn policy(tz: Tz) -> impl Strategy<Value = Policy> {
    (
        select(vec![5u32, 10, 15, 20, 30, 60]),
        prop_oneof![2 => Just(0u32), 2 => 0u32..=240, 1 => (0u32..=48).prop_map(|h| h * 60)],
        prop_oneof![1 => 1u16..=3, 4 => 4u16..=60],
        0u32..=2880,
        0u32..=2880,
        1u16..=5,
        any::<bool>(),
    )
        .prop_map(
            move |(step, notice, horizon, cancel, reschedule, max_active, confirm)| {
                Policy::new(PolicySettings {
                    time_zone: tz,
                    slot_step: minutes(step),
                    min_notice: minutes(notice),
                    horizon_days: horizon,
                    cancellation_cutoff: minutes(cancel),
                    reschedule_cutoff: minutes(reschedule),
                    max_active_bookings_per_customer: max_active,
                    requires_confirmation: confirm,
                    phone_region: PhoneRegion::new("RU").unwrap(),
                })
                .unwrap()
            },
        )
}

/// The periods of one day as `(start, end)` minutes: a day off, round the
/// clock (which covers any DST change), or one to three periods with breaks
/// between them, mostly on five-minute marks and sometimes on odd minutes.
pub(crate) fn day_periods() -> impl Strategy<Value = Vec<(u16, u16)>> {
    let cuts = prop_oneof![
        4 => prop::collection::btree_set((0u16..=288).prop_map(|m| m * 5), 2..=6),
        1 => prop::collection::btree_set(0u16..=1440, 2..=6),
    ];
    prop_oneof![
        1 => Just(Vec::new()),
        2 => Just(vec![(0, 1440)]),
        7 => cuts.prop_map(|cuts: BTreeSet<u16>| {
            let cuts: Vec<u16> = cuts.into_iter().collect();
            cuts.chunks_exact(2).map(|pair| (pair[0], pair[1])).collect()
        }),
    ]
}

pub(crate) fn ranges(periods: &[(u16, u16)]) -> Vec<LocalTimeRange> {
    periods
        .iter()
        .map(|&(start, end)| LocalTimeRange::new(start, end).unwrap())
        .collect()
}

pub(crate) fn weekly_hours(days: &[Vec<(u16, u16)>; 7]) -> WeeklyHours {
    let periods = days.iter().enumerate().flat_map(|(i, periods)| {
        let weekday = Weekday::try_from(u8::try_from(i).unwrap()).unwrap();
        ranges(periods).into_iter().map(move |r| (weekday, r))
    });
    WeeklyHours::new(periods).unwrap()
}

/// One to four staff members, ids 1.., nine in ten active.
pub(crate) fn staff() -> impl Strategy<Value = Vec<StaffMember>> {
    prop::collection::vec(
        (
            prop::array::uniform7(day_periods()),
            prop::bool::weighted(0.9),
        ),
        1..=4,
    )
    .prop_map(|members| {
        members
            .into_iter()
            .enumerate()
            .map(|(i, (days, active))| {
                let id = i64::try_from(i).unwrap() + 1;
                StaffMember::new(
                    staff_id(id),
                    StaffSpec {
                        name: StaffName::new(&format!("Staff {id}")).unwrap(),
                        hours: weekly_hours(&days),
                        active,
                    },
                )
                .unwrap()
            })
            .collect()
    })
}

/// A service with `id`: durations businesses use (and odd ones), buffers,
/// nineteen in twenty active, performed by everyone or by a random subset of staff
/// ids 1..=5 (5 may not exist).
pub(crate) fn service(id: i64) -> impl Strategy<Value = Service> {
    let buffer = || prop_oneof![Just(0u32), 0u32..=60];
    (
        prop_oneof![(1u32..=48).prop_map(|k| k * 5), 1u32..=300],
        buffer(),
        buffer(),
        prop::bool::weighted(0.95),
        prop_oneof![
            6 => Just((1..=4).collect::<BTreeSet<i64>>()),
            1 => prop::collection::btree_set(1i64..=5, 0..=5),
        ],
    )
        .prop_map(move |(duration, before, after, active, performers)| {
            Service::new(
                ServiceId::new(id).unwrap(),
                ServiceSpec {
                    name: ServiceName::new(&format!("Service {id}")).unwrap(),
                    duration: minutes(duration),
                    price: Money::new(150_000, Currency::new("RUB").unwrap()).unwrap(),
                    buffer_before: minutes(before),
                    buffer_after: minutes(after),
                    active,
                    performers: performers.into_iter().map(staff_id).collect(),
                },
            )
            .unwrap()
        })
}

/// Date overrides on `day` and the days around it, at most one per date and
/// person (`None` is the whole business).
pub(crate) fn overrides(day: NaiveDate) -> impl Strategy<Value = Vec<DateOverride>> {
    let hours = prop_oneof![
        1 => Just(None),
        2 => day_periods().prop_map(Some),
    ];
    prop::collection::vec((0u64..3, 0i64..=4, hours), 0..=5).prop_map(move |raw| {
        let mut seen = BTreeSet::new();
        raw.into_iter()
            .filter(|(date, who, _)| seen.insert((*date, *who)))
            .map(|(date, who, periods)| {
                let date = day - Days::new(1) + Days::new(date);
                let staff = (who > 0).then(|| staff_id(who));
                let hours = match periods {
                    None => OverrideHours::Closed,
                    Some(periods) => OverrideHours::Open(ranges(&periods)),
                };
                DateOverride::new(date, staff, hours).unwrap()
            })
            .collect()
    })
}

/// Blocked periods for one person or everyone, from a few minutes to five
/// days, starting up to four days before `day`.
pub(crate) fn time_off(tz: Tz, day: NaiveDate) -> impl Strategy<Value = Vec<TimeOff>> {
    let length = prop_oneof![
        (1i64..=120).prop_map(|k| k * 5),
        1i64..=600,
        1440i64..=5 * 1440,
    ];
    let offset = prop_oneof![
        3 => (0i64..=288).prop_map(|k| k * 5),
        1 => -4 * 1440i64..=2 * 1440,
    ];
    prop::collection::vec((0i64..=4, offset, length), 0..=3).prop_map(move |raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (who, offset, length))| {
                let start = local_anchor(tz, day) + Duration::minutes(offset);
                let spec = TimeOffSpec {
                    staff: (who > 0).then(|| staff_id(who)),
                    period: booking_domain::Interval::new(start, start + Duration::minutes(length))
                        .unwrap(),
                    reason: None,
                };
                TimeOff::new(TimeOffId::new(i64::try_from(i).unwrap() + 1).unwrap(), spec).unwrap()
            })
            .collect()
    })
}

/// A booking status; index 5 is "rescheduled" to a booking that does not
/// otherwise exist.
fn status(index: u8, id: i64, now: DateTime<Utc>) -> BookingStatus {
    match index {
        0 => BookingStatus::Pending,
        1 => BookingStatus::Confirmed,
        2 => BookingStatus::Completed,
        3 => BookingStatus::NoShow,
        4 => BookingStatus::Cancelled(Cancellation {
            by: CancelledBy::Customer,
            reason: None,
            at: now,
        }),
        _ => BookingStatus::Rescheduled {
            to: BookingId::new(id + 1000).unwrap(),
        },
    }
}

/// Existing bookings around `day` in every status, for staff ids 1..=4. They
/// may overlap each other (the engine must cope with whatever the store
/// returns); half of them are pending or confirmed.
pub(crate) fn bookings(tz: Tz, day: NaiveDate) -> impl Strategy<Value = Vec<Booking>> {
    let start = prop_oneof![
        4 => (-24i64..=300).prop_map(|k| k * 5),
        1 => -1440i64..=2880,
    ];
    let staff = prop_oneof![2 => Just(1i64), 3 => 1i64..=4];
    let state = prop_oneof![3 => 0u8..=1, 2 => 2u8..=5];
    prop::collection::vec(
        (
            staff,
            start,
            5i64..=240,
            0u32..=45,
            0u32..=45,
            state,
            1i64..=5,
        ),
        0..=12,
    )
    .prop_map(move |raw| {
        raw.into_iter()
            .enumerate()
            .map(
                |(i, (staff, offset, length, before, after, state, customer))| {
                    let id = i64::try_from(i).unwrap() + 1;
                    let start = local_anchor(tz, day) + Duration::minutes(offset);
                    Booking::from_parts(BookingParts {
                        id: BookingId::new(id).unwrap(),
                        customer: Some(CustomerId::new(customer).unwrap()),
                        service: ServiceId::new(1).unwrap(),
                        staff: staff_id(staff),
                        start,
                        end: start + Duration::minutes(length),
                        buffer_before: minutes(before),
                        buffer_after: minutes(after),
                        comment: None,
                        status: status(state, id, start),
                        version: Version::FIRST,
                        created_at: start - Duration::days(7),
                        rescheduled_from: None,
                        attendance_confirmed_at: None,
                        booked_for: None,
                        price: None,
                        audit: AuditTrail::default(),
                    })
                    .unwrap()
                },
            )
            .collect()
    })
}

/// "Now" from two days before the local `day` to late in it, mostly before
/// it, with seconds and nanoseconds as a real clock has them.
pub(crate) fn now(tz: Tz, day: NaiveDate) -> impl Strategy<Value = DateTime<Utc>> {
    (
        prop_oneof![
            3 => -2 * 86_400i64..=0,
            1 => 0i64..=20 * 3600,
            // On a five-minute mark, so that now plus the notice can land
            // exactly on a grid start.
            2 => (-576i64..=240).prop_map(|k| k * 300),
        ],
        prop_oneof![Just(0u32), 0u32..1_000_000_000],
    )
        .prop_map(move |(seconds, nanos)| {
            local_anchor(tz, day)
                + Duration::seconds(seconds)
                + Duration::nanoseconds(i64::from(nanos))
        })
}

/// A whole random calendar and the day asked about.
pub(crate) fn scenario() -> impl Strategy<Value = Scenario> {
    zone_and_day().prop_flat_map(|(tz, day)| {
        (
            policy(tz),
            service(1),
            staff(),
            overrides(day),
            time_off(tz, day),
            bookings(tz, day),
            now(tz, day),
            prop::option::weighted(0.2, any::<Index>()),
        )
            .prop_map(
                move |(policy, service, staff, overrides, time_off, bookings, now, ignore)| {
                    let ignoring = ignore
                        .filter(|_| !bookings.is_empty())
                        .map(|pick| bookings[pick.index(bookings.len())].id());
                    Scenario {
                        policy,
                        service,
                        staff,
                        overrides,
                        time_off,
                        bookings,
                        now,
                        day,
                        ignoring,
                    }
                },
            )
    })
}

/// The local date `date` moved by `days`.
pub(crate) fn plus_days(date: NaiveDate, days: u64) -> NaiveDate {
    date + Days::new(days)
}

/// The weekday of a local date.
pub(crate) fn weekday(date: NaiveDate) -> Weekday {
    date.weekday()
}
