//! Property tests of the booking domain, each named after the invariant it
//! guards. Generators and the brute-force slot oracle live in `support`.
//!
//! Case counts are chosen so the whole binary runs in a few seconds in a
//! debug build on two cores; set `PROPTEST_CASES` to search deeper.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "properties/occupancy.rs"]
mod occupancy;
#[path = "properties/privacy.rs"]
mod privacy;
#[path = "properties/sequences.rs"]
mod sequences;
mod support;

use std::collections::BTreeMap;

use booking_domain::{
    Actor, Availability, BookRequest, Booking, BookingId, BookingRuleError, BookingStatus,
    CustomerId, CustomerName, FreeStart, Minutes, PhoneNumber, PhoneRegion, Policy, PolicySettings,
    RescheduleRequest, Service, StaffChoice, StaffId, StaffMember, StaffName, StaffSpec, StaffUser,
    Stamp, Version, WeeklyHours, mask_name, mask_phone_digits, mask_phones_in_text,
};
use chrono::{DateTime, Duration, LocalResult, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::sample::{Index, select};

use support::calendar::{self, anchor, minutes, plus_days, staff_id};
use support::oracle::{DayClock, Oracle, holds_slot, minutes_of};
use support::phones::{self, Written};
use support::zones::{DST_ZONES, transition_days};

/// The staff user the sequences act as: an owner, not a staff member.
fn front_desk() -> Actor {
    Actor::Staff {
        user: StaffUser::new(1),
        member: None,
        role: booking_domain::StaffRole::Owner,
    }
}

/// Random calendars: each case reads the wall clock at 4,320 minutes and
/// tries every grid instant against every staff member.
const CALENDAR_CASES: u32 = 256;
/// Operation sequences of up to 40 steps, each step a slot-engine query.
const SEQUENCE_CASES: u32 = 192;
/// One transition day each.
const DST_CASES: u32 = 256;
/// libphonenumber parses with regular expressions: a few milliseconds a case.
const PHONE_CASES: u32 = 256;
/// Masking plain strings is cheap.
const TEXT_CASES: u32 = 512;

fn describe(offered: &BTreeMap<DateTime<Utc>, Vec<StaffId>>, tz: Tz) -> String {
    offered
        .iter()
        .map(|(start, staff)| {
            let ids: Vec<i64> = staff.iter().map(|s| s.get()).collect();
            format!("{} {ids:?}", start.with_timezone(&tz).format("%H:%M%:z"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn as_map(free: Vec<FreeStart>) -> BTreeMap<DateTime<Utc>, Vec<StaffId>> {
    free.into_iter().map(|f| (f.start, f.staff)).collect()
}

/// Which offered starts the full booking plans run on: all of a day with
/// up to 24 starts, and an even spread of 24 on a longer one. (Every start
/// is checked with `check_start`, which the plans call too.)
fn sampled(index: usize, len: usize) -> bool {
    const SAMPLES: usize = 24;
    len <= SAMPLES || index.is_multiple_of(len.div_ceil(SAMPLES)) || index + 1 == len
}

proptest! {
    #![proptest_config(support::config(CALENDAR_CASES))]

    /// Every start the engine offers passes the rules stated independently
    /// (working hours after overrides, time off, both sides' buffers, notice,
    /// horizon, the local step grid), and the booking rules accept it for
    /// each staff member listed, with a booking that overlaps nothing.
    #[test]
    fn every_offered_start_can_be_booked(scenario in calendar::scenario()) {
        let calendar = scenario.availability();
        let oracle = Oracle::new(&scenario);
        let service = &scenario.service;
        let offered = calendar.free_starts(service, scenario.day, StaffChoice::Any);
        let status = if scenario.policy.requires_confirmation() {
            BookingStatus::Pending
        } else {
            BookingStatus::Confirmed
        };
        for (index, free) in offered.iter().enumerate() {
            prop_assert!(!free.staff.is_empty());
            prop_assert!(free.staff.windows(2).all(|w| w[0] < w[1]), "staff not sorted: {:?}", free.staff);
            for &staff in &free.staff {
                let member = scenario.staff.iter().find(|m| m.id() == staff).unwrap();
                prop_assert_eq!(
                    oracle.refusal(member, free.start), None,
                    "offered {} for staff {}", free.start, staff
                );
                prop_assert_eq!(calendar.check_start(service, staff, free.start), Ok(()));
            }
            if !sampled(index, offered.len()) {
                continue;
            }
            for &staff in &free.staff {
                let planned = BookRequest {
                    customer: CustomerId::new(99).unwrap(),
                    service,
                    staff: StaffChoice::Only(staff),
                    start: free.start,
                    comment: None,
                    booked_for: booking_domain::BookedFor { name: booking_domain::CustomerName::new("Ann Smith").unwrap(), phone: None },
                    by: Actor::Customer,
                }
                .plan(&calendar, 0)
                .unwrap();
                prop_assert_eq!(planned.staff(), staff);
                prop_assert_eq!(planned.start(), free.start);
                prop_assert_eq!(planned.end(), free.start + service.duration().to_duration());
                prop_assert_eq!(planned.buffer_before(), service.spec().buffer_before);
                prop_assert_eq!(planned.buffer_after(), service.spec().buffer_after);
                prop_assert_eq!(planned.status(), &status);
                for booking in scenario.bookings.iter().filter(|b| {
                    b.staff() == staff && holds_slot(b) && Some(b.id()) != scenario.ignoring
                }) {
                    prop_assert!(
                        !planned.occupied().overlaps(&booking.occupied()),
                        "{:?} overlaps {:?}", planned, booking
                    );
                }
            }
            let anyone = BookRequest {
                customer: CustomerId::new(99).unwrap(),
                service,
                staff: StaffChoice::Any,
                start: free.start,
                comment: None,
                booked_for: booking_domain::BookedFor { name: booking_domain::CustomerName::new("Ann Smith").unwrap(), phone: None },
                by: Actor::Customer,
            }
            .plan(&calendar, 0)
            .unwrap();
            // Which of them is the fairness rule's business, checked by
            // the booking sequences below.
            prop_assert!(free.staff.contains(&anyone.staff()));
        }
    }

    /// Completeness: every grid instant of the day that the independent
    /// oracle finds free is offered, with exactly the staff members free at
    /// it, and nothing else is; per staff member too; and the day is listed
    /// as bookable exactly when it has a free start.
    #[test]
    fn no_free_gap_is_left_unoffered(scenario in calendar::scenario()) {
        let calendar = scenario.availability();
        let oracle = Oracle::new(&scenario);
        let service = &scenario.service;
        let tz = scenario.tz();
        let expected = oracle.free_starts();
        let offered = as_map(calendar.free_starts(service, scenario.day, StaffChoice::Any));
        if offered != expected {
            let missing: BTreeMap<_, _> = expected
                .iter()
                .filter(|(start, staff)| offered.get(start) != Some(staff))
                .map(|(s, v)| (*s, v.clone()))
                .collect();
            let extra: BTreeMap<_, _> = offered
                .iter()
                .filter(|(start, staff)| expected.get(start) != Some(staff))
                .map(|(s, v)| (*s, v.clone()))
                .collect();
            prop_assert!(
                false,
                "expected but not offered: {}\noffered but not expected: {}",
                describe(&missing, tz),
                describe(&extra, tz)
            );
        }
        for member in &scenario.staff {
            let only = as_map(calendar.free_starts(
                service,
                scenario.day,
                StaffChoice::Only(member.id()),
            ));
            let expected_only: BTreeMap<_, _> = expected
                .iter()
                .filter(|(_, staff)| staff.contains(&member.id()))
                .map(|(start, _)| (*start, vec![member.id()]))
                .collect();
            prop_assert_eq!(only, expected_only);
        }
        let days = calendar.days_with_free_starts(
            service,
            scenario.day,
            scenario.day,
            StaffChoice::Any,
        );
        prop_assert_eq!(days.contains(&scenario.day), !expected.is_empty());
        prop_assert!(days.iter().all(|d| *d == scenario.day));
    }
}

/// A DST zone, one of its transition days, and working periods for it:
/// round the clock, or periods whose starts and ends fall around the wall
/// times where the clocks jump (inside a skipped or repeated hour too).
fn dst_day() -> impl Strategy<Value = (Tz, NaiveDate, Vec<(u16, u16)>)> {
    (select(DST_ZONES.to_vec()), any::<Index>()).prop_flat_map(|(tz, pick)| {
        let days = transition_days(tz);
        let day = days[pick.index(days.len())];
        let (before, after) = DayClock::new(tz, day).jump().unwrap_or((0, 0));
        let (low, high) = (
            before.min(after).saturating_sub(120),
            before.max(after) + 120,
        );
        let near =
            prop::collection::btree_set((low / 5..=high.min(1440) / 5).prop_map(|k| k * 5), 2..=6)
                .prop_map(|cuts| {
                    let cuts: Vec<u16> = cuts.into_iter().collect();
                    cuts.chunks_exact(2)
                        .map(|pair| (pair[0], pair[1]))
                        .collect::<Vec<_>>()
                });
        let hours = prop_oneof![1 => Just(vec![(0u16, 1440u16)]), 2 => near];
        (Just(tz), Just(day), hours)
    })
}

fn working_every_day(id: i64, periods: &[(u16, u16)]) -> StaffMember {
    let week = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    let hours = week.iter().flat_map(|day| {
        periods.iter().map(|&(start, end)| {
            (
                *day,
                booking_domain::LocalTimeRange::new(start, end).unwrap(),
            )
        })
    });
    StaffMember::new(
        staff_id(id),
        StaffSpec {
            name: StaffName::new("Night owl").unwrap(),
            hours: WeeklyHours::new(hours).unwrap(),
            active: true,
        },
    )
    .unwrap()
}

proptest! {
    #![proptest_config(support::config(DST_CASES))]

    /// On the days clocks change, with hours that cover the change, starts
    /// are offered only at real wall-clock times: never at a time the clocks
    /// skip, never twice at one instant, always on the local grid, in time
    /// order, and exactly those where the wall clock reads working time at
    /// every minute of the visit.
    #[test]
    fn dst_transition_days_offer_no_nonexistent_or_duplicate_start(
        (tz, day, periods) in dst_day(),
        step in select(vec![5u32, 10, 15, 20, 30, 60]),
        duration in prop_oneof![(1u32..=24).prop_map(|k| k * 5), 1u32..=180],
    ) {
        let policy = Policy::new(PolicySettings {
            time_zone: tz,
            slot_step: minutes(step),
            min_notice: Minutes::ZERO,
            horizon_days: 366,
            cancellation_cutoff: Minutes::ZERO,
            reschedule_cutoff: Minutes::ZERO,
            max_active_bookings_per_customer: 1,
            requires_confirmation: false,
            phone_region: PhoneRegion::new("DE").unwrap(),
        })
        .unwrap();
        let service = Service::new(
            booking_domain::ServiceId::new(1).unwrap(),
            booking_domain::ServiceSpec {
                name: booking_domain::ServiceName::new("Visit").unwrap(),
                duration: minutes(duration),
                price: booking_domain::Money::new(0, booking_domain::Currency::new("EUR").unwrap()).unwrap(),
                buffer_before: Minutes::ZERO,
                buffer_after: Minutes::ZERO,
                active: true,
                performers: vec![staff_id(1), staff_id(2)],
            },
        )
        .unwrap();
        let staff = [working_every_day(1, &periods), working_every_day(2, &periods)];
        let calendar: Availability<'_> = Availability {
            policy: &policy,
            staff: &staff,
            overrides: &[],
            time_off: &[],
            bookings: &[],
            now: anchor(day) - Duration::days(10),
            ignoring: None,
        };
        let offered = calendar.free_starts(&service, day, StaffChoice::Any);
        for free in &offered {
            let local = free.start.with_timezone(&tz).naive_local();
            let real = match tz.from_local_datetime(&local) {
                LocalResult::Single(t) => vec![t],
                LocalResult::Ambiguous(a, b) => vec![a, b],
                LocalResult::None => vec![],
            };
            prop_assert!(
                real.iter().any(|t| t.with_timezone(&Utc) == free.start),
                "{} reads {local}, which is not a real time of that instant", free.start
            );
            prop_assert_eq!(local.date(), day);
            prop_assert_eq!((local.hour() * 60 + local.minute()) % step, 0, "{} is off the grid", local);
            prop_assert_eq!((local.second(), local.nanosecond()), (0, 0));
            prop_assert_eq!(free.staff.len(), 2);
        }
        for pair in offered.windows(2) {
            prop_assert!(pair[0].start < pair[1].start, "{} then {}", pair[0].start, pair[1].start);
        }
        let clock = DayClock::new(tz, day);
        let working = minutes_of(&periods);
        let room: Vec<DateTime<Utc>> = clock
            .grid(step)
            .into_iter()
            .filter(|start| clock.reads_within(&working, *start, *start + minutes(duration).to_duration()))
            .collect();
        let starts: Vec<DateTime<Utc>> = offered.iter().map(|f| f.start).collect();
        prop_assert_eq!(starts, room);
    }
}

/// The calendar generator is only useful if its calendars reach every rule:
/// this guards against a change that makes the slot properties vacuous.
#[test]
fn generated_calendars_exercise_every_rule() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let mut with_free_starts = 0;
    let mut with_several_staff_at_once = 0;
    let mut on_transition_days = 0;
    let mut refusals: BTreeMap<&'static str, usize> = BTreeMap::new();
    let total = 200;
    for _ in 0..total {
        let scenario = calendar::scenario()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let oracle = Oracle::new(&scenario);
        let free = oracle.free_starts();
        with_free_starts += usize::from(!free.is_empty());
        with_several_staff_at_once += usize::from(free.values().any(|s| s.len() > 1));
        on_transition_days += usize::from(transition_days(scenario.tz()).contains(&scenario.day));
        let clock = DayClock::new(scenario.tz(), scenario.day);
        for start in clock.grid(scenario.policy.slot_step().get()) {
            for member in &scenario.staff {
                if let Some(reason) = oracle.refusal(member, start) {
                    *refusals.entry(reason).or_default() += 1;
                }
            }
        }
    }
    assert!(
        with_free_starts * 3 > total,
        "{with_free_starts} of {total} have free starts"
    );
    assert!(
        with_several_staff_at_once * 10 > total,
        "{with_several_staff_at_once}"
    );
    assert!(on_transition_days * 10 > total, "{on_transition_days}");
    for reason in [
        "service inactive",
        "staff inactive",
        "staff does not perform the service",
        "too soon",
        "outside the horizon",
        "outside working hours",
        "time off",
        "overlaps a booking",
    ] {
        assert!(
            refusals.get(reason).copied().unwrap_or(0) > 100,
            "{reason}: {refusals:?}"
        );
    }
}

/// Each staff case plans every 15 minutes of a day and a half for every
/// choice of staff, each plan a slot-engine query.
const STAFF_CASES: u32 = 64;

proptest! {
    #![proptest_config(support::config(STAFF_CASES))]

    /// Staff book without the minimum notice and past the customers'
    /// horizon, but never over the calendar: every start of the day on a
    /// 15-minute grid, for each staff member and for anyone, either is
    /// refused or gives a confirmed booking in the future that overlaps no
    /// active booking of its staff member and no blocked period of theirs.
    #[test]
    fn a_staff_plan_never_overlaps_and_is_confirmed(scenario in calendar::scenario()) {
        let policy = scenario.policy.for_staff();
        let calendar = Availability { policy: &policy, ..scenario.availability() };
        let service = &scenario.service;
        // From the evening before to the morning after, wherever the zone.
        let first = anchor(scenario.day) - Duration::hours(14);
        let choices: Vec<StaffChoice> = std::iter::once(StaffChoice::Any)
            .chain(scenario.staff.iter().map(|m| StaffChoice::Only(m.id())))
            .collect();
        let desk = booking_domain::Actor::Staff {
            user: booking_domain::StaffUser::new(500),
            member: None,
            role: booking_domain::StaffRole::Owner,
        };
        for step in 0..(52 * 4) {
            let start = first + Duration::minutes(15 * step);
            for &choice in &choices {
                let Ok(planned) = booking_domain::StaffBookRequest {
                    customer: CustomerId::new(99).unwrap(),
                    service,
                    staff: choice,
                    start,
                    comment: None,
                    booked_for: booking_domain::BookedFor {
                        name: CustomerName::new("Maria").unwrap(),
                        phone: None,
                    },
                    by: desk,
                }
                .plan(&calendar) else {
                    continue;
                };
                prop_assert_eq!(planned.status(), &BookingStatus::Confirmed);
                prop_assert_eq!(planned.created_by(), desk, "the trail names who booked");
                prop_assert!(planned.start() >= scenario.now, "{} is in the past", planned.start());
                let staff = planned.staff();
                for booking in scenario.bookings.iter().filter(|b| {
                    b.staff() == staff && holds_slot(b) && Some(b.id()) != scenario.ignoring
                }) {
                    prop_assert!(
                        !planned.occupied().overlaps(&booking.occupied()),
                        "{:?} overlaps {:?}", planned, booking
                    );
                }
                let visit = booking_domain::Interval::new(planned.start(), planned.end()).unwrap();
                for block in scenario.time_off.iter().filter(|t| t.applies_to(staff)) {
                    prop_assert!(
                        !visit.overlaps(&block.period()),
                        "{:?} overlaps blocked {:?}", planned, block
                    );
                }
            }
        }
    }
}
