//! Property tests of the booking domain, each named after the invariant it
//! guards. Generators and the brute-force slot oracle live in `support`.
//!
//! Case counts are chosen so the whole binary runs in a few seconds in a
//! debug build on two cores; set `PROPTEST_CASES` to search deeper.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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

/// One step of a random session against the calendar.
#[derive(Debug, Clone)]
enum Op {
    Book {
        customer: i64,
        service: Index,
        staff: Option<Index>,
        day: u64,
        start: Pick,
    },
    Reschedule {
        booking: Index,
        service: Index,
        staff: Option<Index>,
        day: u64,
        start: Pick,
        by_customer: bool,
    },
    Cancel {
        booking: Index,
        by_customer: bool,
    },
    Confirm {
        booking: Index,
    },
    Complete {
        booking: Index,
    },
    Wait {
        minutes: i64,
    },
}

/// How a step chooses its start: one the engine offers, or any wall-clock
/// minute of the day (which the rules mostly refuse).
#[derive(Debug, Clone)]
enum Pick {
    Offered(Index),
    Raw(u16),
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        4 => any::<Index>().prop_map(Pick::Offered),
        1 => (0u16..1440).prop_map(Pick::Raw),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (1i64..=4, any::<Index>(), prop::option::of(any::<Index>()), 0u64..=3, pick())
            .prop_map(|(customer, service, staff, day, start)| Op::Book { customer, service, staff, day, start }),
        3 => (any::<Index>(), any::<Index>(), prop::option::of(any::<Index>()), 0u64..=3, pick(), any::<bool>())
            .prop_map(|(booking, service, staff, day, start, by_customer)| Op::Reschedule {
                booking, service, staff, day, start, by_customer,
            }),
        2 => (any::<Index>(), any::<bool>()).prop_map(|(booking, by_customer)| Op::Cancel { booking, by_customer }),
        2 => any::<Index>().prop_map(|booking| Op::Confirm { booking }),
        1 => any::<Index>().prop_map(|booking| Op::Complete { booking }),
        1 => (1i64..=600).prop_map(|minutes| Op::Wait { minutes }),
    ]
}

/// The calendar a session runs against; bookings start empty and grow
/// only through the rules.
#[derive(Debug, Clone)]
struct World {
    policy: Policy,
    services: Vec<Service>,
    staff: Vec<StaffMember>,
    overrides: Vec<booking_domain::DateOverride>,
    time_off: Vec<booking_domain::TimeOff>,
    bookings: Vec<Booking>,
    now: DateTime<Utc>,
}

fn world() -> impl Strategy<Value = World> {
    calendar::zone_and_day().prop_flat_map(|(tz, day)| {
        (
            calendar::policy(tz),
            (calendar::service(1), calendar::service(2), 1usize..=2),
            calendar::staff(),
            calendar::overrides(day),
            calendar::time_off(tz, day),
            (0i64..=2 * 86_400).prop_map(move |s| anchor(day) - Duration::seconds(s)),
        )
            .prop_map(
                |(policy, (first, second, count), staff, overrides, time_off, now)| World {
                    policy,
                    services: [first, second].into_iter().take(count).collect(),
                    staff,
                    overrides,
                    time_off,
                    bookings: Vec::new(),
                    now,
                },
            )
    })
}

impl World {
    fn availability(&self, ignoring: Option<BookingId>) -> Availability<'_> {
        Availability {
            policy: &self.policy,
            staff: &self.staff,
            overrides: &self.overrides,
            time_off: &self.time_off,
            bookings: &self.bookings,
            now: self.now,
            ignoring,
        }
    }

    fn choice(&self, staff: Option<Index>) -> StaffChoice {
        staff.map_or(StaffChoice::Any, |i| {
            StaffChoice::Only(self.staff[i.index(self.staff.len())].id())
        })
    }

    /// The start a step asks for, or `None` when there is nothing to ask.
    fn start(
        &self,
        service: &Service,
        choice: StaffChoice,
        day: u64,
        pick: &Pick,
        ignoring: Option<BookingId>,
    ) -> Option<DateTime<Utc>> {
        let day = plus_days(self.policy.today(self.now), day);
        match pick {
            Pick::Offered(i) => {
                let free = self
                    .availability(ignoring)
                    .free_starts(service, day, choice);
                (!free.is_empty()).then(|| free[i.index(free.len())].start)
            }
            Pick::Raw(minute) => {
                let local =
                    day.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(i64::from(*minute));
                self.policy
                    .time_zone()
                    .from_local_datetime(&local)
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            }
        }
    }

    /// "Any specialist" went to a staff member free at `start` with no more
    /// active bookings that local day than any other free one, and to the
    /// first of them in the configured order on a tie.
    fn assert_least_busy_chosen(
        &self,
        service: &Service,
        chosen: StaffId,
        start: DateTime<Utc>,
    ) -> Result<(), TestCaseError> {
        let tz = self.policy.time_zone();
        let day = start.with_timezone(&tz).date_naive();
        let free = self
            .availability(None)
            .free_starts(service, day, StaffChoice::Any)
            .into_iter()
            .find(|f| f.start == start)
            .map(|f| f.staff)
            .unwrap_or_default();
        let that_day = |staff: StaffId| {
            self.bookings
                .iter()
                .filter(|b| {
                    b.staff() == staff
                        && b.is_active()
                        && b.start().with_timezone(&tz).date_naive() == day
                })
                .count()
        };
        let first_least_busy = self
            .staff
            .iter()
            .map(StaffMember::id)
            .filter(|id| free.contains(id))
            .min_by_key(|id| that_day(*id));
        prop_assert_eq!(Some(chosen), first_least_busy);
        Ok(())
    }

    fn active_held_by(&self, customer: CustomerId) -> usize {
        self.bookings
            .iter()
            .filter(|b| b.is_active() && b.is_held_by(customer))
            .count()
    }

    fn next_id(&self) -> BookingId {
        BookingId::new(i64::try_from(self.bookings.len()).unwrap() + 1).unwrap()
    }

    /// Replaces booking `index` with `next`, checking the version bump.
    fn replace(&mut self, index: usize, next: Booking) -> Result<(), TestCaseError> {
        let old = &self.bookings[index];
        prop_assert_eq!(next.id(), old.id());
        prop_assert_eq!(next.version(), old.version().next());
        self.bookings[index] = next;
        Ok(())
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let picked = |i: &Index, len: usize| (len > 0).then(|| i.index(len));
        match op {
            Op::Book {
                customer,
                service,
                staff,
                day,
                start,
            } => {
                let service = self.services[service.index(self.services.len())].clone();
                let choice = self.choice(*staff);
                let Some(start) = self.start(&service, choice, *day, start, None) else {
                    return Ok(());
                };
                let customer = CustomerId::new(*customer).unwrap();
                let held = self.active_held_by(customer);
                let request = BookRequest {
                    customer,
                    service: &service,
                    staff: choice,
                    start,
                    comment: None,
                    booked_for: booking_domain::BookedFor {
                        name: booking_domain::CustomerName::new("Ann Smith").unwrap(),
                        phone: None,
                    },
                    by: Actor::Customer,
                };
                match request.plan(&self.availability(None), held) {
                    Ok(new) => {
                        if choice == StaffChoice::Any {
                            self.assert_least_busy_chosen(&service, new.staff(), start)?;
                        }
                        let booking = Booking::created(self.next_id(), new);
                        prop_assert_eq!(booking.version(), Version::FIRST);
                        self.bookings.push(booking);
                    }
                    Err(BookingRuleError::TooManyActiveBookings { limit }) => {
                        prop_assert_eq!(held, usize::from(limit));
                    }
                    Err(_) => {}
                }
            }
            Op::Reschedule {
                booking,
                service,
                staff,
                day,
                start,
                by_customer,
            } => {
                let Some(index) = picked(booking, self.bookings.len()) else {
                    return Ok(());
                };
                let old = self.bookings[index].clone();
                let service = self.services[service.index(self.services.len())].clone();
                let choice = self.choice(*staff);
                let Some(start) = self.start(&service, choice, *day, start, Some(old.id())) else {
                    return Ok(());
                };
                let request = RescheduleRequest {
                    booking: &old,
                    service: &service,
                    staff: choice,
                    start,
                    by: if *by_customer {
                        Actor::Customer
                    } else {
                        front_desk()
                    },
                };
                if let Ok(new) = request.plan(&self.availability(None)) {
                    prop_assert!(old.is_active(), "moved a {} booking", old.status().name());
                    prop_assert_eq!(new.rescheduled_from(), Some(old.id()));
                    let new_id = self.next_id();
                    let moved = new.moved_stamp();
                    let closed = old.close_as_rescheduled(new_id, moved).unwrap();
                    prop_assert_eq!(closed.status(), &BookingStatus::Rescheduled { to: new_id });
                    prop_assert_eq!(closed.audit().closed, Some(moved));
                    prop_assert_eq!(new.created_by(), moved.by);
                    self.replace(index, closed)?;
                    self.bookings.push(Booking::created(new_id, new));
                }
            }
            Op::Cancel {
                booking,
                by_customer,
            } => {
                let Some(index) = picked(booking, self.bookings.len()) else {
                    return Ok(());
                };
                let by = if *by_customer {
                    Actor::Customer
                } else {
                    front_desk()
                };
                if let Ok(next) = self.bookings[index].cancel(by, None, self.now, &self.policy) {
                    prop_assert!(!next.is_active());
                    prop_assert_eq!(next.audit().closed, Some(Stamp { by, at: self.now }));
                    self.replace(index, next)?;
                }
            }
            Op::Confirm { booking } => {
                let Some(index) = picked(booking, self.bookings.len()) else {
                    return Ok(());
                };
                if let Ok(next) = self.bookings[index].confirm(front_desk(), self.now) {
                    prop_assert_eq!(
                        next.audit().confirmed,
                        Some(Stamp {
                            by: front_desk(),
                            at: self.now
                        })
                    );
                    self.replace(index, next)?;
                }
            }
            Op::Complete { booking } => {
                let Some(index) = picked(booking, self.bookings.len()) else {
                    return Ok(());
                };
                if let Ok(next) = self.bookings[index].complete(Actor::System, self.now) {
                    prop_assert_eq!(
                        next.audit().closed,
                        Some(Stamp {
                            by: Actor::System,
                            at: self.now
                        })
                    );
                    self.replace(index, next)?;
                }
            }
            Op::Wait { minutes } => self.now += Duration::minutes(*minutes),
        }
        Ok(())
    }

    fn assert_no_double_booking(&self) -> Result<(), TestCaseError> {
        let active: Vec<&Booking> = self.bookings.iter().filter(|b| b.is_active()).collect();
        for (i, a) in active.iter().enumerate() {
            for b in &active[i + 1..] {
                prop_assert!(
                    a.staff() != b.staff() || !a.occupied().overlaps(&b.occupied()),
                    "double booking:\n{:?}\n{:?}",
                    a,
                    b
                );
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(support::config(SEQUENCE_CASES))]

    /// Whatever customers and staff do through the domain rules, no staff
    /// member ever has two active bookings whose occupied time (visit plus
    /// buffers) overlaps, and no customer holds more active bookings than
    /// the policy allows.
    #[test]
    fn random_book_cancel_reschedule_sequences_never_double_book(
        mut world in world(),
        ops in prop::collection::vec(op(), 1..=40),
    ) {
        let limit = usize::from(world.policy.max_active_bookings_per_customer());
        for op in &ops {
            world.apply(op)?;
            world.assert_no_double_booking()?;
            for customer in 1..=4 {
                prop_assert!(world.active_held_by(CustomerId::new(customer).unwrap()) <= limit);
            }
        }
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
        let calendar = Availability {
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

/// Separators the text masker must see through, besides plain ASCII: any
/// whitespace, the dashes generators use, and invisible marks.
fn is_separator(c: char) -> bool {
    " +()-.".contains(c)
        || c.is_whitespace()
        || phones::UNICODE_SEPARATORS.contains(&c)
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn is_digit(c: char) -> bool {
    c.is_numeric()
}

fn digits_of(text: &str) -> Vec<char> {
    text.chars().filter(|c| is_digit(*c)).collect()
}

/// A letter, which cannot extend a phone number's run of digits and
/// separators, so the number stands apart from the text around it.
fn boundary() -> impl Strategy<Value = char> {
    any::<char>().prop_filter("a letter", |c| c.is_alphabetic() && !c.is_numeric())
}

/// Text that is mostly digits and the separators phones use, with some
/// letters, so that runs of every length and shape occur.
fn digit_heavy_text() -> impl Strategy<Value = String> {
    "[0-9 +()\\-.a-zа-я٠-٩\u{a0}\u{2013}:/]{0,60}"
}

/// The maximal runs of digits and separators in `text`, as char ranges.
fn runs(chars: &[char]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, &c) in chars.iter().chain(std::iter::once(&'x')).enumerate() {
        let inside = i < chars.len() && (is_digit(c) || is_separator(c));
        match (start, inside) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                runs.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// Whether a run holds a date written `2026-11-24` or `24.11.2026`, which
/// the masker may keep.
fn contains_date(run: &[char]) -> bool {
    let shaped = |w: &[char], dashes: [usize; 2], dash: char| {
        w.iter().enumerate().all(|(i, c)| {
            if dashes.contains(&i) {
                *c == dash
            } else {
                c.is_ascii_digit()
            }
        })
    };
    run.windows(10)
        .any(|w| shaped(w, [4, 7], '-') || shaped(w, [2, 5], '.'))
}

proptest! {
    #![proptest_config(support::config(PHONE_CASES))]

    /// a customer's name shows only its first letter, for any Unicode name.
    #[test]
    fn masking_never_shows_more_than_last_four_digits_or_first_letter(
        number in phones::valid_number(),
        name in any::<String>(),
    ) {
        let phone = PhoneNumber::parse(&number.e164, PhoneRegion::new("RU").unwrap()).unwrap();
        let digits: Vec<char> = number.digits().chars().collect();
        let shown_prefix = (digits.len() - 7).min(4);
        let expected = format!(
            "+{}***{}",
            digits[..shown_prefix].iter().collect::<String>(),
            digits[digits.len() - 4..].iter().collect::<String>(),
        );
        prop_assert_eq!(phone.to_string(), expected.clone());
        prop_assert_eq!(format!("{phone:?}"), format!("PhoneNumber({expected})"));
        let shown = expected.chars().filter(char::is_ascii_digit).count();
        prop_assert!(shown <= 8 && digits.len() - shown >= 3, "{} shows {} of {}", expected, shown, digits.len());

        if let Ok(customer) = CustomerName::new(&name) {
            let first = customer.expose().chars().next().unwrap();
            prop_assert_eq!(customer.to_string(), format!("{first}***"));
            prop_assert_eq!(format!("{customer:?}"), format!("CustomerName({first}***)"));
        }
        let masked = mask_name(&name);
        match name.trim().chars().next() {
            Some(first) => prop_assert_eq!(masked, format!("{first}***")),
            None => prop_assert_eq!(masked, "***"),
        }
    }

    /// keeps every character except digits of numbers it holds itself.
    #[test]
    fn mask_phones_in_text_never_leaves_five_digits_of_an_embedded_phone(
        number in phones::valid_number(),
        how in phones::written(),
        dress in phones::dress(),
        left in any::<String>(),
        left_edge in boundary(),
        right_edge in boundary(),
        right in any::<String>(),
    ) {
        let phone = phones::dressed(&phones::write(&number, how), dress);
        let left = format!("{left}{left_edge}");
        let right = format!("{right_edge}{right}");
        let text = format!("{left}{phone}{right}");
        let masked: Vec<char> = mask_phones_in_text(&text).chars().collect();
        let original: Vec<char> = text.chars().collect();
        prop_assert_eq!(masked.len(), original.len(), "{:?}", text);
        for (before, after) in original.iter().zip(&masked) {
            prop_assert!(before == after || (is_digit(*before) && *after == '*'), "{:?} became {:?}", text, masked);
        }
        let span = left.chars().count()..left.chars().count() + phone.chars().count();
        let shown: Vec<char> = masked[span.clone()].iter().copied().filter(|c| is_digit(*c)).collect();
        let digits = digits_of(&phone);
        // A number written with fewer than 7 digits (a national number of
        // Andorra or Niue) cannot be told from a price or a postcode; the
        // masker leaves such runs alone by design.
        let visible = if digits.len() >= 7 { &digits[digits.len() - 4..] } else { &digits[..] };
        prop_assert_eq!(&shown[..], visible, "{:?} became {:?}", phone, masked[span].iter().collect::<String>());
    }

    /// parsing that form again, for any region, gives the same number.
    #[test]
    fn phone_parsing_is_idempotent(
        number in phones::valid_number(),
        how in phones::written(),
        other in select(phones::REGIONS.to_vec()),
    ) {
        let own = PhoneRegion::new(number.region).unwrap();
        let other = PhoneRegion::new(other).unwrap();
        let text = phones::write(&number, how);
        let parsed = PhoneNumber::parse(&text, own);
        prop_assert!(parsed.is_ok(), "{:?} in {}: {:?}", text, number.region, parsed);
        let parsed = parsed.unwrap();
        prop_assert_eq!(parsed.expose(), number.e164.as_str());
        prop_assert_eq!(PhoneNumber::parse(parsed.expose(), own), Ok(parsed.clone()));
        prop_assert_eq!(PhoneNumber::parse(parsed.expose(), other), Ok(parsed.clone()));
        if how != Written::National {
            prop_assert_eq!(PhoneNumber::parse(&text, other), Ok(parsed.clone()));
        }
    }

    /// another script parses to the same number as its plain form.
    #[test]
    fn phone_parsing_sees_through_scripts_and_separators(
        number in phones::valid_number(),
        how in phones::written(),
        dress in phones::dress(),
    ) {
        let own = PhoneRegion::new(number.region).unwrap();
        let text = phones::dressed(&phones::write(&number, how), dress);
        let parsed = PhoneNumber::parse(&text, own);
        prop_assert_eq!(parsed.as_ref().map(PhoneNumber::expose), Ok(number.e164.as_str()), "{:?}", text);
    }
}

proptest! {
    #![proptest_config(support::config(TEXT_CASES))]

    /// string too short to hide 3 digits and show any.
    #[test]
    fn masked_phone_digits_hide_at_least_three(digits in "[0-9]{0,20}") {
        let masked = mask_phone_digits(&digits);
        let (prefix, suffix) = masked.split_once("***").unwrap();
        if digits.len() < 7 {
            prop_assert_eq!(masked, "***");
        } else {
            prop_assert!(prefix.len() <= 4 && digits.starts_with(prefix));
            prop_assert_eq!(suffix, &digits[digits.len() - 4..]);
            prop_assert!(digits.len() - prefix.len() - suffix.len() >= 3);
        }
    }

    /// nothing more.
    #[test]
    fn mask_phones_in_text_hides_every_long_run_of_digits(text in prop_oneof![digit_heavy_text(), any::<String>()]) {
        let masked_text = mask_phones_in_text(&text);
        let masked: Vec<char> = masked_text.chars().collect();
        let original: Vec<char> = text.chars().collect();
        prop_assert_eq!(masked.len(), original.len());
        for (before, after) in original.iter().zip(&masked) {
            prop_assert!(before == after || (is_digit(*before) && *after == '*'));
        }
        prop_assert_eq!(mask_phones_in_text(&masked_text), masked_text.clone());
        for run in runs(&original) {
            let digits: Vec<char> = original[run.clone()].iter().copied().filter(|c| is_digit(*c)).collect();
            if digits.len() < 7 || contains_date(&original[run.clone()]) {
                continue;
            }
            // The masker's own run may reach further than this one (its
            // idea of a separator is at least as broad), so what stays
            // visible is at most this run's last 4 digits.
            let after: Vec<char> = original[run.clone()]
                .iter()
                .zip(&masked[run.clone()])
                .filter(|(before, _)| is_digit(**before))
                .map(|(_, after)| *after)
                .collect();
            let hidden = after.iter().take_while(|c| **c == '*').count();
            prop_assert!(
                digits.len() - hidden <= 4 && after[hidden..] == digits[hidden..],
                "{:?} became {:?}", text, masked_text
            );
        }
    }

    /// it accepts parses again to itself.
    #[test]
    fn phone_parsing_accepts_only_what_it_can_read_back(
        typed in prop_oneof!["[+]?[0-9 ()\\-.]{0,24}", "\\+?[0-9]{6,15}", any::<String>()],
        region in select(phones::REGIONS.to_vec()),
    ) {
        let region = PhoneRegion::new(region).unwrap();
        if let Ok(phone) = PhoneNumber::parse(&typed, region) {
            prop_assert_eq!(PhoneNumber::parse(phone.expose(), region), Ok(phone.clone()));
            prop_assert!(phone.expose().starts_with('+'));
            prop_assert!(phone.expose()[1..].chars().all(|c| c.is_ascii_digit()));
        }
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
