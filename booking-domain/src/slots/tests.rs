//! Worked examples of the slot engine, one rule each. The property tests in
//! `tests/properties.rs` check the same rules against random calendars.

use chrono::Duration;
use chrono_tz::Tz;

use super::*;
use crate::booking::{BookingStatus, Cancellation, CancelledBy};
use crate::catalog::{Policy, PolicySettings, ServiceSpec};
use crate::test_fixtures::*;
use crate::values::ServiceId;

fn monday_staff(id: i64, periods: &[&str]) -> StaffMember {
    staff(id, &WEEKDAYS, periods)
}

#[test]
fn starts_step_through_working_hours_and_the_visit_must_fit() {
    let calendar = Calendar::new(vec![monday_staff(1, &["09:00-12:00"])]);
    let haircut = service(60, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        every(30, "09:00", "11:00")
    );
}

#[test]
fn a_break_between_periods_is_not_offered() {
    let calendar = Calendar::new(vec![monday_staff(1, &["09:00-12:00", "13:00-15:00"])]);
    let haircut = service(60, 0, 0, &[1]);
    let mut expected = every(30, "09:00", "11:00");
    expected.extend(every(30, "13:00", "14:00"));
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        expected
    );
}

#[test]
fn starts_are_on_the_step_grid_from_local_midnight() {
    // Hours that start off the grid do not shift the grid.
    let calendar = Calendar::new(vec![monday_staff(1, &["09:10-11:00"])]);
    let haircut = service(30, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        ["09:30", "10:00", "10:30"]
    );
}

#[test]
fn a_booking_blocks_its_time_and_touching_starts_stay_free() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-13:00"])]);
    calendar.bookings = vec![booking(
        1,
        1,
        "2026-03-02 10:00",
        60,
        BookingStatus::Confirmed,
    )];
    let haircut = service(60, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        ["09:00", "11:00", "11:30", "12:00"]
    );
}

#[test]
fn the_existing_bookings_buffers_keep_time_free() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-13:00"])]);
    let existing = booking(1, 1, "2026-03-02 10:00", 60, BookingStatus::Pending);
    calendar.bookings = vec![with_buffers(existing, 15, 30)];
    let haircut = service(30, 0, 0, &[1]);
    // Occupied 09:45-11:30.
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        ["09:00", "11:30", "12:00", "12:30"]
    );
}

#[test]
fn the_new_services_buffers_keep_time_free() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-13:00"])]);
    calendar.bookings = vec![booking(
        1,
        1,
        "2026-03-02 11:00",
        60,
        BookingStatus::Confirmed,
    )];
    // Needs 20 minutes before and 10 after: 09:00 ends at 10:40 with its
    // buffer; 10:30 would run into the booking; 12:00 starts its buffer at
    // 11:40, before the booking ends.
    let colouring = service(30, 20, 10, &[1]);
    assert_eq!(
        calendar.starts(&colouring, MONDAY, StaffChoice::Any),
        ["09:00", "09:30", "10:00", "12:30"]
    );
}

#[test]
fn buffers_of_both_bookings_add_up_and_may_leave_working_hours() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-13:00"])]);
    let existing = booking(1, 1, "2026-03-02 11:00", 60, BookingStatus::Confirmed);
    calendar.bookings = vec![with_buffers(existing, 0, 30)];
    // Occupied 11:00-12:30; the new visit keeps 15 minutes before it free.
    // Its buffer may fall before 09:00: buffers keep bookings apart, they are
    // not working time.
    let colouring = service(30, 15, 0, &[1]);
    assert_eq!(
        calendar.starts(&colouring, MONDAY, StaffChoice::Any),
        ["09:00", "09:30", "10:00", "10:30"]
    );
}

#[test]
fn cancelled_completed_and_moved_bookings_free_their_time() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-11:00"])]);
    let cancelled = BookingStatus::Cancelled(Cancellation {
        by: CancelledBy::Customer,
        reason: None,
        at: at("2026-03-01 10:00"),
    });
    calendar.bookings = vec![
        booking(1, 1, "2026-03-02 09:00", 60, cancelled),
        booking(2, 1, "2026-03-02 10:00", 30, BookingStatus::Completed),
        booking(3, 1, "2026-03-02 10:30", 30, BookingStatus::NoShow),
        booking(
            4,
            1,
            "2026-03-02 09:30",
            30,
            BookingStatus::Rescheduled { to: booking_id(9) },
        ),
    ];
    let haircut = service(30, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        every(30, "09:00", "10:30")
    );
}

#[test]
fn another_staff_members_booking_does_not_block() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-10:00"])]);
    calendar.bookings = vec![booking(
        1,
        2,
        "2026-03-02 09:00",
        60,
        BookingStatus::Confirmed,
    )];
    let haircut = service(30, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        ["09:00", "09:30"]
    );
}

#[test]
fn a_staff_override_replaces_their_weekly_hours() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-18:00"])]);
    calendar.overrides = vec![override_on(MONDAY, Some(1), &["14:00-16:00"])];
    let haircut = service(60, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        ["14:00", "14:30", "15:00"]
    );
}

#[test]
fn a_staff_override_can_open_a_day_off() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-18:00"])]);
    calendar.overrides = vec![override_on("2026-03-07", Some(1), &["10:00-11:00"])];
    let haircut = service(60, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, "2026-03-07", StaffChoice::Any),
        ["10:00"]
    );
}

#[test]
fn a_closed_staff_override_closes_only_them() {
    let mut calendar = Calendar::new(vec![
        monday_staff(1, &["09:00-10:00"]),
        monday_staff(2, &["09:00-10:00"]),
    ]);
    calendar.overrides = vec![override_on(MONDAY, Some(1), &[])];
    let haircut = service(60, 0, 0, &[1, 2]);
    assert_eq!(
        calendar.starts_with_staff(&haircut, MONDAY),
        [("09:00".to_owned(), vec![2])]
    );
}

#[test]
fn a_business_closed_day_closes_everyone_even_their_own_overrides() {
    let mut calendar = Calendar::new(vec![
        monday_staff(1, &["09:00-18:00"]),
        monday_staff(2, &["09:00-18:00"]),
    ]);
    calendar.overrides = vec![
        override_on(MONDAY, None, &[]),
        override_on(MONDAY, Some(2), &["10:00-12:00"]),
    ];
    let haircut = service(60, 0, 0, &[1, 2]);
    assert!(
        calendar
            .starts(&haircut, MONDAY, StaffChoice::Any)
            .is_empty()
    );
}

#[test]
fn business_special_hours_limit_everyones_hours() {
    let mut calendar = Calendar::new(vec![
        monday_staff(1, &["09:00-13:00"]),
        monday_staff(2, &["12:00-18:00"]),
    ]);
    calendar.overrides = vec![override_on(MONDAY, None, &["11:00-14:00"])];
    let haircut = service(60, 0, 0, &[1, 2]);
    assert_eq!(
        calendar.starts_with_staff(&haircut, MONDAY),
        [
            ("11:00".to_owned(), vec![1]),
            ("11:30".to_owned(), vec![1]),
            ("12:00".to_owned(), vec![1, 2]),
            ("12:30".to_owned(), vec![2]),
            ("13:00".to_owned(), vec![2]),
        ]
    );
}

#[test]
fn business_special_hours_limit_a_staff_override_too() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-18:00"])]);
    calendar.overrides = vec![
        override_on(MONDAY, None, &["10:00-12:00"]),
        override_on(MONDAY, Some(1), &["11:00-15:00"]),
    ];
    let haircut = service(30, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        ["11:00", "11:30"]
    );
}

#[test]
fn overrides_apply_only_to_their_date() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-10:00"])]);
    calendar.overrides = vec![
        override_on("2026-03-03", None, &[]),
        override_on("2026-03-01", Some(1), &[]),
    ];
    let haircut = service(60, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        ["09:00"]
    );
}

#[test]
fn time_off_for_one_staff_member_blocks_only_them() {
    let mut calendar = Calendar::new(vec![
        monday_staff(1, &["09:00-11:00"]),
        monday_staff(2, &["09:00-11:00"]),
    ]);
    calendar.time_off = vec![time_off(1, Some(1), "2026-03-02 09:30", "2026-03-02 10:00")];
    let haircut = service(60, 0, 0, &[1, 2]);
    assert_eq!(
        calendar.starts_with_staff(&haircut, MONDAY),
        [
            ("09:00".to_owned(), vec![2]),
            ("09:30".to_owned(), vec![2]),
            ("10:00".to_owned(), vec![1, 2]),
        ]
    );
}

#[test]
fn time_off_for_everyone_blocks_all_staff() {
    let mut calendar = Calendar::new(vec![
        monday_staff(1, &["09:00-11:00"]),
        monday_staff(2, &["09:00-11:00"]),
    ]);
    calendar.time_off = vec![time_off(1, None, "2026-03-02 09:00", "2026-03-02 10:00")];
    let haircut = service(60, 0, 0, &[1, 2]);
    assert_eq!(
        calendar.starts_with_staff(&haircut, MONDAY),
        [("10:00".to_owned(), vec![1, 2])]
    );
}

#[test]
fn a_long_time_off_that_started_days_before_still_blocks() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-12:00"])]);
    calendar.time_off = vec![time_off(1, Some(1), "2026-02-20 18:00", "2026-03-02 10:30")];
    let haircut = service(60, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        ["10:30", "11:00"]
    );
    assert!(
        calendar
            .starts(&haircut, "2026-02-27", StaffChoice::Any)
            .is_empty()
    );
}

#[test]
fn nothing_starts_before_now_plus_the_minimum_notice() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-12:00"])]);
    calendar.policy = Policy::new(PolicySettings {
        min_notice: minutes(60),
        ..settings()
    })
    .unwrap();
    calendar.now = at("2026-03-02 08:50") + Duration::seconds(17);
    let haircut = service(30, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        every(30, "10:00", "11:30")
    );
    assert_eq!(
        calendar
            .availability()
            .check_start(&haircut, staff_id(1), at("2026-03-02 09:30")),
        Err(SlotRefusal::TooSoon {
            earliest: calendar.now + Duration::minutes(60)
        })
    );
}

#[test]
fn a_start_exactly_at_now_plus_notice_is_offered() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-10:00"])]);
    calendar.now = at("2026-03-02 09:30");
    let haircut = service(30, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        ["09:30"]
    );
}

#[test]
fn days_past_the_horizon_and_before_today_are_not_offered() {
    let mut calendar = Calendar::new(vec![staff(1, &EVERY_DAY, &["09:00-10:00"])]);
    calendar.policy = Policy::new(PolicySettings {
        horizon_days: 2,
        ..settings()
    })
    .unwrap();
    calendar.now = at("2026-03-02 08:00");
    let haircut = service(60, 0, 0, &[1]);
    let availability = calendar.availability();
    assert_eq!(
        availability.days_with_free_starts(
            &haircut,
            day("2026-02-27"),
            day("2026-03-10"),
            StaffChoice::Any
        ),
        [day("2026-03-02"), day("2026-03-03"), day("2026-03-04")]
    );
    assert!(
        calendar
            .starts(&haircut, "2026-03-05", StaffChoice::Any)
            .is_empty()
    );
    assert!(
        calendar
            .starts(&haircut, "2026-03-01", StaffChoice::Any)
            .is_empty()
    );
    assert_eq!(
        availability.check_start(&haircut, staff_id(1), at("2026-03-05 09:00")),
        Err(SlotRefusal::BeyondHorizon {
            last_day: day("2026-03-04")
        })
    );
}

#[test]
fn days_with_free_starts_skip_days_off_and_full_days() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-10:00"])]);
    calendar.bookings = vec![booking(
        1,
        1,
        "2026-03-03 09:00",
        60,
        BookingStatus::Confirmed,
    )];
    let haircut = service(60, 0, 0, &[1]);
    assert_eq!(
        calendar.availability().days_with_free_starts(
            &haircut,
            day("2026-03-01"),
            day("2026-03-08"),
            StaffChoice::Any
        ),
        [
            day("2026-03-02"),
            day("2026-03-04"),
            day("2026-03-05"),
            day("2026-03-06")
        ]
    );
}

#[test]
fn any_staff_lists_everyone_free_at_each_start() {
    let mut calendar = Calendar::new(vec![
        monday_staff(2, &["09:00-11:00"]),
        monday_staff(1, &["09:00-11:00"]),
        monday_staff(3, &["10:00-11:00"]),
    ]);
    calendar.bookings = vec![booking(
        1,
        2,
        "2026-03-02 09:30",
        30,
        BookingStatus::Pending,
    )];
    let haircut = service(30, 0, 0, &[1, 2, 3]);
    assert_eq!(
        calendar.starts_with_staff(&haircut, MONDAY),
        [
            ("09:00".to_owned(), vec![1, 2]),
            ("09:30".to_owned(), vec![1]),
            ("10:00".to_owned(), vec![1, 2, 3]),
            ("10:30".to_owned(), vec![1, 2, 3]),
        ]
    );
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Only(staff_id(3))),
        ["10:00", "10:30"]
    );
}

#[test]
fn ignoring_a_booking_frees_its_time_for_its_own_move() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-11:00"])]);
    calendar.bookings = vec![booking(
        1,
        1,
        "2026-03-02 09:00",
        60,
        BookingStatus::Confirmed,
    )];
    let haircut = service(60, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        ["10:00"]
    );
    calendar.ignoring = Some(booking_id(1));
    assert_eq!(
        calendar.starts(&haircut, MONDAY, StaffChoice::Any),
        ["09:00", "09:30", "10:00"]
    );
}

#[test]
fn an_inactive_service_is_not_offered() {
    let calendar = Calendar::new(vec![monday_staff(1, &["09:00-10:00"])]);
    let retired = Service::new(
        ServiceId::new(1).unwrap(),
        ServiceSpec {
            active: false,
            ..service_spec(30, &[1])
        },
    )
    .unwrap();
    let availability = calendar.availability();
    assert!(
        availability
            .free_starts(&retired, day(MONDAY), StaffChoice::Any)
            .is_empty()
    );
    assert!(
        availability
            .days_with_free_starts(&retired, day(MONDAY), day("2026-03-06"), StaffChoice::Any)
            .is_empty()
    );
    assert_eq!(
        availability.check_start(&retired, staff_id(1), at("2026-03-02 09:00")),
        Err(SlotRefusal::ServiceUnavailable)
    );
}

#[test]
fn inactive_staff_and_staff_who_do_not_perform_the_service_are_not_offered() {
    let calendar = Calendar::new(vec![
        inactive(monday_staff(1, &["09:00-10:00"])),
        monday_staff(2, &["09:00-10:00"]),
        monday_staff(3, &["09:00-10:00"]),
    ]);
    let haircut = service(60, 0, 0, &[1, 2]);
    assert_eq!(
        calendar.starts_with_staff(&haircut, MONDAY),
        [("09:00".to_owned(), vec![2])]
    );
    let availability = calendar.availability();
    let nine = at("2026-03-02 09:00");
    for refused in [1, 3, 4] {
        assert_eq!(
            availability.check_start(&haircut, staff_id(refused), nine),
            Err(SlotRefusal::StaffCannotPerform),
            "staff {refused}"
        );
    }
    assert_eq!(
        availability.check_start(&haircut, staff_id(2), nine),
        Ok(())
    );
}

#[test]
fn check_start_refuses_times_that_are_not_offered() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-11:00"])]);
    calendar.bookings = vec![booking(
        1,
        1,
        "2026-03-02 10:00",
        30,
        BookingStatus::Confirmed,
    )];
    let haircut = service(30, 0, 0, &[1]);
    let availability = calendar.availability();
    for refused in [
        "2026-03-02 09:15",
        "2026-03-02 10:00",
        "2026-03-02 11:00",
        "2026-03-02 08:30",
    ] {
        assert_eq!(
            availability.check_start(&haircut, staff_id(1), at(refused)),
            Err(SlotRefusal::NotFree),
            "{refused}"
        );
    }
}

#[test]
fn working_periods_follow_overrides() {
    let mut calendar = Calendar::new(vec![monday_staff(1, &["09:00-12:00", "13:00-17:00"])]);
    calendar.overrides = vec![override_on(MONDAY, None, &["10:00-14:00"])];
    let member = calendar.staff[0].clone();
    let periods = calendar
        .availability()
        .working_periods(&member, day(MONDAY));
    let read: Vec<(String, String)> = periods
        .iter()
        .map(|p| (hhmm(p.start()), hhmm(p.end())))
        .collect();
    assert_eq!(
        read,
        [
            ("10:00".to_owned(), "12:00".to_owned()),
            ("13:00".to_owned(), "14:00".to_owned())
        ]
    );
}

/// Round-the-clock hours, 30-minute visits every 30 minutes, in `tz`.
fn round_the_clock(tz: Tz) -> (Calendar, Service) {
    let mut calendar = Calendar::new(vec![staff(1, &EVERY_DAY, &["00:00-24:00"])]);
    calendar.policy = Policy::new(PolicySettings {
        time_zone: tz,
        horizon_days: 366,
        ..settings()
    })
    .unwrap();
    calendar.now = at("2025-12-01 00:00");
    (calendar, service(30, 0, 0, &[1]))
}

#[test]
fn spring_forward_days_skip_the_missing_hour() {
    for (tz, date, missing) in [
        (BERLIN, "2026-03-29", ["02:00", "02:30"]),
        (
            chrono_tz::America::New_York,
            "2026-03-08",
            ["02:00", "02:30"],
        ),
    ] {
        let (calendar, visit) = round_the_clock(tz);
        let starts = calendar.starts(&visit, date, StaffChoice::Any);
        assert_eq!(starts.len(), 46, "{tz} {date}");
        assert!(
            missing.iter().all(|m| !starts.contains(&(*m).to_owned())),
            "{tz}"
        );
        assert!(starts.contains(&"03:00".to_owned()));
    }
}

#[test]
fn fall_back_days_offer_the_repeated_hour_twice_at_distinct_instants() {
    for (tz, date) in [
        (BERLIN, "2026-10-25"),
        (chrono_tz::America::New_York, "2026-11-01"),
    ] {
        let (calendar, visit) = round_the_clock(tz);
        let free = calendar
            .availability()
            .free_starts(&visit, day(date), StaffChoice::Any);
        assert_eq!(free.len(), 50, "{tz} {date}");
        assert!(
            free.windows(2)
                .all(|w| w[1].start - w[0].start == Duration::minutes(30))
        );
    }
}

#[test]
fn lord_howes_half_hour_shift_is_handled_both_ways() {
    let tz = chrono_tz::Australia::Lord_Howe;
    let (calendar, visit) = round_the_clock(tz);
    // 5 April 2026: at 02:00 the clocks go back to 01:30, so 01:30 repeats.
    let fall = calendar.starts(&visit, "2026-04-05", StaffChoice::Any);
    assert_eq!(fall.len(), 49);
    assert_eq!(fall.iter().filter(|s| *s == "01:30").count(), 2);
    // 4 October 2026: at 02:00 the clocks go forward to 02:30.
    let spring = calendar.starts(&visit, "2026-10-04", StaffChoice::Any);
    assert_eq!(spring.len(), 47);
    assert!(!spring.contains(&"02:00".to_owned()));
    assert!(spring.contains(&"02:30".to_owned()));
}

#[test]
fn hours_that_end_as_the_repeated_hour_begins_end_at_its_first_occurrence() {
    // Santiago's clocks go back at midnight: on Saturday 4 April 2026 the
    // hour 23:00-24:00 happens twice. A shop open until 23:00 closes the
    // first time the clock reads 23:00.
    let tz = chrono_tz::America::Santiago;
    let mut calendar = Calendar::new(vec![staff(1, &EVERY_DAY, &["21:00-23:00"])]);
    calendar.policy = Policy::new(PolicySettings {
        time_zone: tz,
        ..settings()
    })
    .unwrap();
    calendar.now = at_in(tz, "2026-04-01 00:00");
    let visit = service(30, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&visit, "2026-04-04", StaffChoice::Any),
        ["21:00", "21:30", "22:00", "22:30"]
    );
}

#[test]
fn a_break_the_clocks_skip_is_no_break() {
    // Berlin skips 02:00-03:00 on 29 March 2026: periods that end and start
    // inside the gap meet, and a visit may run across the jump.
    let mut calendar = Calendar::new(vec![staff(1, &EVERY_DAY, &["01:00-02:15", "02:45-04:00"])]);
    calendar.now = at("2026-03-20 00:00");
    let visit = service(60, 0, 0, &[1]);
    assert_eq!(
        calendar.starts(&visit, "2026-03-29", StaffChoice::Any),
        ["01:00", "01:30", "03:00"]
    );
}
