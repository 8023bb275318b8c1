//! A calendar read as occupancies (what a store's calendar query gives)
//! answers exactly as the same calendar read as whole bookings: the same
//! free starts, free days and idle windows, and the same staff member for
//! a booking made for anyone.

use super::*;

use booking_domain::{Occupancy, StaffBookRequest};

proptest! {
    #![proptest_config(support::config(STAFF_CASES))]

    #[test]
    fn occupancies_give_the_answers_whole_bookings_give(scenario in calendar::scenario()) {
        let whole = scenario.availability();
        let occupancies: Vec<Occupancy> = scenario.bookings.iter().filter_map(Occupancy::of).collect();
        let lean = Availability { bookings: &occupancies, ..whole_parts(&scenario) };
        let service = &scenario.service;
        let choices: Vec<StaffChoice> = std::iter::once(StaffChoice::Any)
            .chain(scenario.staff.iter().map(|m| StaffChoice::Only(m.id())))
            .collect();
        for &choice in &choices {
            prop_assert_eq!(
                whole.free_starts(service, scenario.day, choice),
                lean.free_starts(service, scenario.day, choice)
            );
            let (from, to) = (scenario.day.pred_opt().unwrap(), scenario.day.succ_opt().unwrap());
            prop_assert_eq!(
                whole.days_with_free_starts(service, from, to, choice),
                lean.days_with_free_starts(service, from, to, choice)
            );
        }
        for member in &scenario.staff {
            prop_assert_eq!(
                whole.free_windows(member, scenario.day),
                lean.free_windows(member, scenario.day)
            );
        }
        // "Anyone" goes to the least busy member free at the start, which
        // counts bookings by the day their visit starts.
        let staff_policy = scenario.policy.for_staff();
        let (whole, lean) = (
            Availability { policy: &staff_policy, ..whole },
            Availability { policy: &staff_policy, ..lean },
        );
        let first = anchor(scenario.day) - Duration::hours(14);
        for step in 0..(52 * 2) {
            let request = StaffBookRequest {
                customer: CustomerId::new(99).unwrap(),
                service,
                staff: StaffChoice::Any,
                start: first + Duration::minutes(30 * step),
                comment: None,
                booked_for: booking_domain::BookedFor {
                    name: CustomerName::new("Maria").unwrap(),
                    phone: None,
                },
                by: booking_domain::Actor::Staff {
                    user: booking_domain::StaffUser::new(500),
                    member: None,
                    role: booking_domain::StaffRole::Owner,
                },
            };
            let staff_of = |planned: Result<booking_domain::NewBooking, _>| planned.map(|p| p.staff());
            prop_assert_eq!(staff_of(request.clone().plan(&whole)), staff_of(request.plan(&lean)));
        }
    }
}

/// The scenario's calendar but its bookings, for a calendar of other ones.
fn whole_parts(scenario: &calendar::Scenario) -> Availability<'_, Occupancy> {
    Availability {
        policy: &scenario.policy,
        staff: &scenario.staff,
        overrides: &scenario.overrides,
        time_off: &scenario.time_off,
        bookings: &[],
        now: scenario.now,
        ignoring: scenario.ignoring,
    }
}
