//! Random book, cancel and reschedule sessions against one calendar: the
//! invariant that no staff member is ever double-booked, whatever the order
//! of operations, and that "anyone" picks the least busy.

use super::*;

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
