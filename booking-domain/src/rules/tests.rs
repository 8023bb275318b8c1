//! Booking and rescheduling, decided from the calendar.

use chrono::Duration;

use super::*;
use crate::booking::BookingStatus;
use crate::catalog::{Policy, PolicySettings, Service, ServiceSpec};
use crate::test_fixtures::*;
use crate::values::{ServiceId, StaffId};

fn salon() -> Calendar {
    let mut calendar = Calendar::new(vec![
        staff(1, &WEEKDAYS, &["09:00-12:00"]),
        staff(2, &WEEKDAYS, &["09:00-12:00"]),
    ]);
    calendar.now = at("2026-03-01 12:00");
    calendar
}

fn request<'a>(service: &'a Service, staff: StaffChoice, start: &str) -> BookRequest<'a> {
    BookRequest {
        customer: customer(7),
        service,
        staff,
        start: at(start),
        comment: Some(Comment::new("first visit").unwrap()),
        booked_for: crate::BookedFor {
            name: crate::CustomerName::new("Ann Smith").unwrap(),
            phone: None,
        },
        by: Actor::Customer,
    }
}

fn requiring_confirmation(calendar: &mut Calendar) {
    calendar.policy = Policy::new(PolicySettings {
        requires_confirmation: true,
        ..settings()
    })
    .unwrap();
}

#[test]
fn a_free_start_is_booked_as_confirmed_with_the_services_buffers() {
    let calendar = salon();
    let haircut = service(45, 5, 10, &[1, 2]);
    let planned = request(&haircut, StaffChoice::Only(staff_id(2)), "2026-03-02 10:00")
        .plan(&calendar.availability(), 0)
        .unwrap();
    assert_eq!(planned.customer(), customer(7));
    assert_eq!(planned.service(), haircut.id());
    assert_eq!(planned.staff(), staff_id(2));
    assert_eq!(
        (planned.start(), planned.end()),
        (at("2026-03-02 10:00"), at("2026-03-02 10:45"))
    );
    assert_eq!(
        (planned.buffer_before(), planned.buffer_after()),
        (minutes(5), minutes(10))
    );
    assert_eq!(planned.status(), &BookingStatus::Confirmed);
    assert_eq!(planned.created_at(), calendar.now);
    assert_eq!(planned.rescheduled_from(), None);
    assert_eq!(planned.comment().map(Comment::expose), Some("first visit"));
}

#[test]
fn a_booking_waits_for_staff_when_the_policy_says_so() {
    let mut calendar = salon();
    requiring_confirmation(&mut calendar);
    let haircut = service(30, 0, 0, &[1]);
    let planned = request(&haircut, StaffChoice::Any, "2026-03-02 09:00")
        .plan(&calendar.availability(), 0)
        .unwrap();
    assert_eq!(planned.status(), &BookingStatus::Pending);
}

#[test]
fn any_staff_gets_a_free_staff_member_or_none() {
    let mut calendar = salon();
    let haircut = service(60, 0, 0, &[1, 2]);
    let nine = "2026-03-02 09:00";
    let plan = |calendar: &Calendar| {
        request(&haircut, StaffChoice::Any, nine)
            .plan(&calendar.availability(), 0)
            .map(|b| b.staff())
    };
    assert_eq!(plan(&calendar), Ok(staff_id(1)));
    calendar.bookings = vec![booking(1, 1, nine, 60, BookingStatus::Confirmed)];
    assert_eq!(plan(&calendar), Ok(staff_id(2)));
    calendar
        .bookings
        .push(booking(2, 2, nine, 60, BookingStatus::Pending));
    assert_eq!(
        plan(&calendar),
        Err(BookingRuleError::Slot(SlotRefusal::NotFree))
    );
}

#[test]
fn any_staff_gets_the_free_member_with_the_fewest_bookings_that_day() {
    let mut calendar = salon();
    let haircut = service(60, 0, 0, &[1, 2]);
    let eleven = "2026-03-02 11:00";
    let plan = |calendar: &Calendar| {
        request(&haircut, StaffChoice::Any, eleven)
            .plan(&calendar.availability(), 0)
            .map(|b| b.staff())
    };
    // Staff 1 already has a visit that day, staff 2 none (their visit the
    // next day and a completed one do not count): staff 2 gets the next.
    calendar.bookings = vec![
        booking(1, 1, "2026-03-02 09:00", 60, BookingStatus::Confirmed),
        booking(2, 2, "2026-03-03 09:00", 60, BookingStatus::Confirmed),
        booking(3, 2, "2026-03-02 10:00", 60, BookingStatus::Completed),
    ];
    assert_eq!(plan(&calendar), Ok(staff_id(2)));
    // One each (pending counts: it holds its slot): the tie goes to the
    // first in the configured order.
    calendar.bookings.push(booking(
        4,
        2,
        "2026-03-02 09:00",
        60,
        BookingStatus::Pending,
    ));
    assert_eq!(plan(&calendar), Ok(staff_id(1)));
    calendar.staff.reverse();
    assert_eq!(plan(&calendar), Ok(staff_id(2)));
}

#[test]
fn a_moved_booking_does_not_count_against_its_own_staff_member() {
    let mut calendar = salon();
    let haircut = service(60, 0, 0, &[1, 2]);
    let mine = booking(1, 2, "2026-03-02 09:00", 60, BookingStatus::Confirmed);
    calendar.bookings = vec![
        mine.clone(),
        booking(2, 1, "2026-03-02 10:00", 60, BookingStatus::Confirmed),
    ];
    let moved = RescheduleRequest {
        booking: &mine,
        service: &haircut,
        staff: StaffChoice::Any,
        start: at("2026-03-02 11:00"),
        by: Actor::Customer,
    }
    .plan(&calendar.availability())
    .unwrap();
    // Without the booking being moved, staff 2 has none that day.
    assert_eq!(moved.staff(), staff_id(2));
}

#[test]
fn a_customer_at_the_limit_cannot_book_more() {
    let calendar = salon();
    let haircut = service(30, 0, 0, &[1]);
    assert_eq!(
        request(&haircut, StaffChoice::Any, "2026-03-02 09:00").plan(&calendar.availability(), 3),
        Err(BookingRuleError::TooManyActiveBookings { limit: 3 })
    );
    assert!(
        request(&haircut, StaffChoice::Any, "2026-03-02 09:00")
            .plan(&calendar.availability(), 2)
            .is_ok()
    );
}

#[test]
fn a_start_the_engine_does_not_offer_is_refused_with_the_reason() {
    let mut calendar = salon();
    calendar.bookings = vec![booking(
        1,
        1,
        "2026-03-02 10:00",
        60,
        BookingStatus::Confirmed,
    )];
    let haircut = service(60, 0, 0, &[1]);
    let retired = Service::new(
        ServiceId::new(2).unwrap(),
        ServiceSpec {
            active: false,
            ..service_spec(60, &[1])
        },
    )
    .unwrap();
    let availability = calendar.availability();
    let refusal = |service: &Service, staff: StaffChoice, start: &str| {
        request(service, staff, start).plan(&availability, 0)
    };
    let one = StaffChoice::Only(staff_id(1));
    assert_eq!(
        refusal(&haircut, one, "2026-03-02 10:30"),
        Err(BookingRuleError::Slot(SlotRefusal::NotFree))
    );
    assert_eq!(
        refusal(&haircut, StaffChoice::Any, "2026-03-02 10:30"),
        Err(BookingRuleError::Slot(SlotRefusal::NotFree))
    );
    assert_eq!(
        refusal(&haircut, StaffChoice::Only(staff_id(2)), "2026-03-02 09:00"),
        Err(BookingRuleError::Slot(SlotRefusal::StaffCannotPerform))
    );
    for choice in [one, StaffChoice::Any] {
        assert_eq!(
            refusal(&retired, choice, "2026-03-02 09:00"),
            Err(BookingRuleError::Slot(SlotRefusal::ServiceUnavailable))
        );
        assert_eq!(
            refusal(&haircut, choice, "2026-03-01 09:00"),
            Err(BookingRuleError::Slot(SlotRefusal::TooSoon {
                earliest: calendar.now
            }))
        );
        assert_eq!(
            refusal(&haircut, choice, "2026-04-06 09:00"),
            Err(BookingRuleError::Slot(SlotRefusal::BeyondHorizon {
                last_day: day("2026-03-31")
            }))
        );
    }
}

/// Salon with a confirmed 60-minute booking (id 1) of staff 1 on Monday
/// 10:00, held by customer 7.
fn with_booking_at_ten() -> (Calendar, Booking) {
    let mut calendar = salon();
    let booked = booking(1, 1, "2026-03-02 10:00", 60, BookingStatus::Confirmed);
    calendar.bookings = vec![booked.clone()];
    (calendar, booked)
}

fn move_to<'a>(
    booking: &'a Booking,
    service: &'a Service,
    staff: StaffChoice,
    start: &str,
    by_customer: bool,
) -> RescheduleRequest<'a> {
    RescheduleRequest {
        booking,
        service,
        staff,
        start: at(start),
        by: if by_customer {
            Actor::Customer
        } else {
            owner()
        },
    }
}

#[test]
fn a_booking_can_move_onto_part_of_its_own_time() {
    let (calendar, booked) = with_booking_at_ten();
    let haircut = service(60, 0, 0, &[1]);
    let planned = move_to(
        &booked,
        &haircut,
        StaffChoice::Only(staff_id(1)),
        "2026-03-02 10:30",
        true,
    )
    .plan(&calendar.availability())
    .unwrap();
    assert_eq!(planned.start(), at("2026-03-02 10:30"));
    assert_eq!(planned.staff(), staff_id(1));
    assert_eq!(planned.customer(), customer(7));
    assert_eq!(planned.rescheduled_from(), Some(booked.id()));
    assert_eq!(planned.status(), &BookingStatus::Confirmed);
}

#[test]
fn a_customers_move_waits_for_staff_again_when_the_policy_says_so() {
    let (mut calendar, booked) = with_booking_at_ten();
    requiring_confirmation(&mut calendar);
    let haircut = service(60, 0, 0, &[1, 2]);
    let by_customer = move_to(
        &booked,
        &haircut,
        StaffChoice::Any,
        "2026-03-02 11:00",
        true,
    )
    .plan(&calendar.availability())
    .unwrap();
    assert_eq!(by_customer.status(), &BookingStatus::Pending);
    // A move by staff is agreed with the customer and keeps the status.
    let by_staff = move_to(
        &booked,
        &haircut,
        StaffChoice::Any,
        "2026-03-02 11:00",
        false,
    )
    .plan(&calendar.availability())
    .unwrap();
    assert_eq!(by_staff.status(), &BookingStatus::Confirmed);
}

#[test]
fn a_customer_cannot_move_a_booking_past_the_reschedule_cutoff_but_staff_can() {
    let (mut calendar, booked) = with_booking_at_ten();
    calendar.now = at("2026-03-02 08:30");
    let haircut = service(60, 0, 0, &[1, 2]);
    assert_eq!(
        move_to(
            &booked,
            &haircut,
            StaffChoice::Any,
            "2026-03-02 11:00",
            true
        )
        .plan(&calendar.availability()),
        Err(BookingRuleError::Transition(TransitionError::PastCutoff {
            cutoff: minutes(120),
            start: booked.start()
        }))
    );
    assert!(
        move_to(
            &booked,
            &haircut,
            StaffChoice::Any,
            "2026-03-02 11:00",
            false
        )
        .plan(&calendar.availability())
        .is_ok()
    );
}

#[test]
fn a_closed_booking_cannot_be_moved_by_anyone() {
    let (calendar, booked) = with_booking_at_ten();
    let cancelled = booked
        .cancel(Actor::Customer, None, calendar.now, &calendar.policy)
        .unwrap();
    let haircut = service(60, 0, 0, &[1]);
    for by_customer in [true, false] {
        assert_eq!(
            move_to(
                &cancelled,
                &haircut,
                StaffChoice::Any,
                "2026-03-02 09:00",
                by_customer
            )
            .plan(&calendar.availability()),
            Err(BookingRuleError::Transition(TransitionError::NotAllowed {
                from: "cancelled",
                action: "rescheduled"
            }))
        );
    }
}

#[test]
fn an_anonymised_booking_cannot_be_moved() {
    let (calendar, booked) = with_booking_at_ten();
    let anonymous = booked.anonymised();
    let haircut = service(60, 0, 0, &[1]);
    assert_eq!(
        move_to(
            &anonymous,
            &haircut,
            StaffChoice::Any,
            "2026-03-02 09:00",
            false
        )
        .plan(&calendar.availability()),
        Err(BookingRuleError::Transition(TransitionError::NotAllowed {
            from: "anonymised",
            action: "rescheduled"
        }))
    );
}

#[test]
fn a_move_onto_someone_elses_booking_is_refused() {
    let (mut calendar, booked) = with_booking_at_ten();
    calendar.bookings.push(booking(
        2,
        1,
        "2026-03-02 09:00",
        30,
        BookingStatus::Pending,
    ));
    let haircut = service(60, 0, 0, &[1]);
    assert_eq!(
        move_to(
            &booked,
            &haircut,
            StaffChoice::Only(staff_id(1)),
            "2026-03-02 09:00",
            true
        )
        .plan(&calendar.availability()),
        Err(BookingRuleError::Slot(SlotRefusal::NotFree))
    );
}

#[test]
fn a_move_may_change_the_staff_member_and_the_service() {
    let (calendar, booked) = with_booking_at_ten();
    let colouring = Service::new(
        ServiceId::new(2).unwrap(),
        ServiceSpec {
            buffer_after: minutes(15),
            ..service_spec(90, &[2])
        },
    )
    .unwrap();
    let planned = move_to(
        &booked,
        &colouring,
        StaffChoice::Any,
        "2026-03-02 10:00",
        true,
    )
    .plan(&calendar.availability())
    .unwrap();
    assert_eq!(planned.staff(), StaffId::new(2).unwrap());
    assert_eq!(planned.service(), colouring.id());
    assert_eq!(planned.end() - planned.start(), Duration::minutes(90));
    assert_eq!(planned.buffer_after(), minutes(15));
}

#[test]
fn rule_errors_read_well() {
    assert_eq!(
        BookingRuleError::TooManyActiveBookings { limit: 3 }.to_string(),
        "a customer may hold at most 3 upcoming bookings"
    );
    assert_eq!(
        BookingRuleError::from(SlotRefusal::NotFree).to_string(),
        "this time is not free"
    );
    assert_eq!(
        BookingRuleError::from(InvalidBooking::LongerThanADay).to_string(),
        "a booking may last at most one day"
    );
}
