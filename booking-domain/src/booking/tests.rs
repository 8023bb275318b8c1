//! Every lifecycle transition, allowed and refused, and the invariants a
//! stored booking must keep.

use chrono::Duration;

use super::*;
use crate::catalog::PolicySettings;
use crate::test_fixtures::*;

/// A booking on Monday 10:00-11:00 in `status`.
fn at_ten(status: BookingStatus) -> Booking {
    booking(1, 1, "2026-03-02 10:00", 60, status)
}

fn cancelled() -> BookingStatus {
    BookingStatus::Cancelled(Cancellation {
        by: CancelledBy::Customer,
        reason: None,
        at: at("2026-03-01 12:00"),
    })
}

/// One booking in each status.
fn every_status() -> Vec<Booking> {
    vec![
        at_ten(BookingStatus::Pending),
        at_ten(BookingStatus::Confirmed),
        at_ten(BookingStatus::Completed),
        at_ten(BookingStatus::NoShow),
        at_ten(cancelled()),
        at_ten(BookingStatus::Rescheduled { to: booking_id(2) }),
    ]
}

fn refused(from: &'static str, action: &'static str) -> TransitionError {
    TransitionError::NotAllowed { from, action }
}

fn reason(text: &str) -> Option<CancelReason> {
    Some(CancelReason::new(text).unwrap())
}

/// Checks that `next` is `before` one version later in `status`.
fn assert_moved(before: &Booking, next: &Booking, status: &BookingStatus) {
    assert_eq!(next.status(), status);
    assert_eq!(next.version(), before.version().next());
    assert_eq!(next.id(), before.id());
    assert_eq!((next.start(), next.end()), (before.start(), before.end()));
}

#[test]
fn only_pending_bookings_can_be_confirmed() {
    for booking in every_status() {
        let result = booking.confirm(owner(), at("2026-03-01 12:00"));
        match booking.status() {
            BookingStatus::Pending => {
                assert_moved(&booking, &result.unwrap(), &BookingStatus::Confirmed);
            }
            other => assert_eq!(result, Err(refused(other.name(), "confirmed"))),
        }
    }
}

#[test]
fn only_active_bookings_can_be_completed_once_started() {
    let after_start = at("2026-03-02 10:05");
    for booking in every_status() {
        let result = booking.complete(owner(), after_start);
        match booking.status() {
            BookingStatus::Confirmed | BookingStatus::Pending => {
                assert_moved(&booking, &result.unwrap(), &BookingStatus::Completed);
            }
            other => assert_eq!(result, Err(refused(other.name(), "completed"))),
        }
    }
    let confirmed = at_ten(BookingStatus::Confirmed);
    assert_eq!(
        confirmed.complete(owner(), at("2026-03-02 09:59")),
        Err(TransitionError::NotStartedYet {
            start: confirmed.start()
        })
    );
    assert!(confirmed.complete(owner(), confirmed.start()).is_ok());
}

#[test]
fn only_active_bookings_can_be_marked_no_show_once_started() {
    let after_start = at("2026-03-02 10:20");
    for booking in every_status() {
        let result = booking.mark_no_show(owner(), after_start);
        match booking.status() {
            BookingStatus::Confirmed | BookingStatus::Pending => {
                assert_moved(&booking, &result.unwrap(), &BookingStatus::NoShow);
            }
            other => assert_eq!(result, Err(refused(other.name(), "marked as no-show"))),
        }
    }
    let confirmed = at_ten(BookingStatus::Confirmed);
    assert_eq!(
        confirmed.mark_no_show(owner(), at("2026-03-01 10:00")),
        Err(TransitionError::NotStartedYet {
            start: confirmed.start()
        })
    );
}

#[test]
fn a_pending_visit_in_the_past_can_be_completed_or_marked_no_show_directly() {
    let pending = at_ten(BookingStatus::Pending);
    let after_start = at("2026-03-02 10:30");
    assert_moved(
        &pending,
        &pending.complete(owner(), after_start).unwrap(),
        &BookingStatus::Completed,
    );
    assert_moved(
        &pending,
        &pending.mark_no_show(owner(), after_start).unwrap(),
        &BookingStatus::NoShow,
    );
}

#[test]
fn a_pending_visit_in_the_future_cannot_be_completed_or_marked_no_show() {
    let pending = at_ten(BookingStatus::Pending);
    let before_start = at("2026-03-02 09:59");
    let not_yet = Err(TransitionError::NotStartedYet {
        start: pending.start(),
    });
    assert_eq!(pending.complete(owner(), before_start), not_yet);
    assert_eq!(pending.mark_no_show(owner(), before_start), not_yet);
}

#[test]
fn only_a_pending_booking_expires_and_only_before_its_visit() {
    let now = at("2026-03-01 12:00");
    for booking in every_status() {
        let result = booking.expire(now);
        match booking.status() {
            BookingStatus::Pending => {
                let expected = BookingStatus::Cancelled(Cancellation {
                    by: CancelledBy::System,
                    reason: None,
                    at: now,
                });
                assert_moved(&booking, &result.unwrap(), &expected);
            }
            other => assert_eq!(result, Err(refused(other.name(), "expired"))),
        }
    }
    let pending = at_ten(BookingStatus::Pending);
    assert_eq!(
        pending.expire(pending.start()),
        Err(TransitionError::AlreadyStarted {
            start: pending.start()
        }),
        "a pending visit that started waits for staff"
    );
}

#[test]
fn a_customer_can_cancel_an_active_booking_up_to_the_cutoff() {
    let policy = policy();
    // The cutoff is 2 hours: 08:00 is the last moment.
    let last_moment = at("2026-03-02 08:00");
    for status in [BookingStatus::Pending, BookingStatus::Confirmed] {
        let booking = at_ten(status);
        let next = booking
            .cancel(Actor::Customer, reason("ill"), last_moment, &policy)
            .unwrap();
        let expected = BookingStatus::Cancelled(Cancellation {
            by: CancelledBy::Customer,
            reason: reason("ill"),
            at: last_moment,
        });
        assert_moved(&booking, &next, &expected);
        assert!(!next.is_active());
    }
}

#[test]
fn a_customer_cannot_cancel_after_the_cutoff() {
    let booking = at_ten(BookingStatus::Confirmed);
    let too_late = at("2026-03-02 08:00") + Duration::seconds(1);
    assert_eq!(
        booking.cancel(Actor::Customer, None, too_late, &policy()),
        Err(TransitionError::PastCutoff {
            cutoff: minutes(120),
            start: booking.start()
        })
    );
}

#[test]
fn staff_and_the_system_can_cancel_after_the_cutoff_even_after_the_start() {
    let booking = at_ten(BookingStatus::Pending);
    let after_start = at("2026-03-02 10:30");
    for (by, side) in [
        (stylist(1), CancelledBy::Staff(staff_id(1))),
        (Actor::System, CancelledBy::System),
    ] {
        let next = booking
            .cancel(by, reason("sick"), after_start, &policy())
            .unwrap();
        let expected = BookingStatus::Cancelled(Cancellation {
            by: side,
            reason: reason("sick"),
            at: after_start,
        });
        assert_moved(&booking, &next, &expected);
    }
}

#[test]
fn a_zero_cutoff_lets_a_customer_cancel_until_the_start() {
    let policy = Policy::new(PolicySettings {
        cancellation_cutoff: Minutes::ZERO,
        ..settings()
    })
    .unwrap();
    let booking = at_ten(BookingStatus::Confirmed);
    assert!(
        booking
            .cancel(Actor::Customer, None, booking.start(), &policy)
            .is_ok()
    );
}

#[test]
fn finished_and_closed_bookings_cannot_be_cancelled_by_anyone() {
    for booking in every_status().into_iter().filter(|b| !b.is_active()) {
        for by in [Actor::Customer, stylist(1), owner(), Actor::System] {
            assert_eq!(
                booking.cancel(by, None, at("2026-03-01 10:00"), &policy()),
                Err(refused(booking.status().name(), "cancelled"))
            );
        }
    }
}

#[test]
fn a_customer_may_reschedule_an_active_booking_until_the_reschedule_cutoff() {
    let policy = Policy::new(PolicySettings {
        reschedule_cutoff: minutes(24 * 60),
        ..settings()
    })
    .unwrap();
    let booking = at_ten(BookingStatus::Pending);
    assert_eq!(
        booking.check_customer_may_reschedule(at("2026-03-01 10:00"), &policy),
        Ok(())
    );
    assert_eq!(
        booking.check_customer_may_reschedule(at("2026-03-01 10:01"), &policy),
        Err(TransitionError::PastCutoff {
            cutoff: minutes(24 * 60),
            start: booking.start()
        })
    );
    for closed in every_status().into_iter().filter(|b| !b.is_active()) {
        assert_eq!(
            closed.check_customer_may_reschedule(at("2026-02-01 10:00"), &policy),
            Err(refused(closed.status().name(), "rescheduled"))
        );
    }
}

#[test]
fn an_active_booking_closes_as_rescheduled_and_links_to_its_replacement() {
    for booking in every_status() {
        let result = booking.close_as_rescheduled(booking_id(5), moved_at("2026-03-01 12:00"));
        if booking.is_active() {
            assert_moved(
                &booking,
                &result.unwrap(),
                &BookingStatus::Rescheduled { to: booking_id(5) },
            );
        } else {
            assert_eq!(result, Err(refused(booking.status().name(), "rescheduled")));
        }
    }
}

#[test]
fn a_booking_cannot_be_rescheduled_to_itself() {
    let booking = at_ten(BookingStatus::Confirmed);
    assert_eq!(
        booking.close_as_rescheduled(booking.id(), moved_at("2026-03-01 12:00")),
        Err(refused("confirmed", "rescheduled"))
    );
}

#[test]
fn attendance_is_confirmed_once_before_the_start() {
    let booking = at_ten(BookingStatus::Confirmed);
    let reminder = at("2026-03-01 18:00");
    let confirmed = booking.confirm_attendance(reminder).unwrap();
    assert_eq!(confirmed.attendance_confirmed_at(), Some(reminder));
    assert_moved(&booking, &confirmed, &BookingStatus::Confirmed);
    // Saying it again changes nothing, not even the version.
    let again = confirmed
        .confirm_attendance(at("2026-03-02 09:00"))
        .unwrap();
    assert_eq!(again, confirmed);
}

#[test]
fn attendance_cannot_be_confirmed_once_the_visit_started_or_for_a_closed_booking() {
    let booking = at_ten(BookingStatus::Pending);
    assert_eq!(
        booking.confirm_attendance(booking.start()),
        Err(TransitionError::AlreadyStarted {
            start: booking.start()
        })
    );
    for closed in every_status().into_iter().filter(|b| !b.is_active()) {
        assert_eq!(
            closed.confirm_attendance(at("2026-03-01 10:00")),
            Err(refused(closed.status().name(), "confirmed by the customer"))
        );
    }
}

#[test]
fn an_anonymised_booking_keeps_its_time_and_status_but_belongs_to_nobody() {
    let mut parts = at_ten(BookingStatus::Confirmed).into_parts();
    parts.comment = Some(Comment::new("call me on +7 916 123 45 67").unwrap());
    let booking = Booking::from_parts(parts).unwrap();
    assert!(booking.is_held_by(customer(7)));
    for original in [booking].into_iter().chain(every_status()) {
        let anonymous = original.anonymised();
        assert_eq!(anonymous.customer(), None);
        assert_eq!(anonymous.comment(), None);
        assert!(!anonymous.is_held_by(customer(7)));
        assert_moved(&original, &anonymous, original.status());
        assert_eq!(anonymous.occupied(), original.occupied());
    }
}

#[test]
fn a_created_booking_starts_at_version_one() {
    let new = NewBooking::new(NewBookingParts {
        customer: customer(3),
        service: ServiceId::new(1).unwrap(),
        staff: staff_id(1),
        start: at("2026-03-02 10:00"),
        end: at("2026-03-02 11:00"),
        buffer_before: minutes(5),
        buffer_after: minutes(10),
        comment: None,
        status: BookingStatus::Pending,
        created_at: at("2026-02-25 12:00"),
        rescheduled_from: Some(booking_id(4)),
        booked_for: None,
        price: None,
        created_by: Actor::Customer,
    })
    .unwrap();
    let booking = Booking::created(booking_id(9), new.clone());
    assert_eq!(booking.version(), Version::FIRST);
    assert_eq!(booking.customer(), Some(customer(3)));
    assert_eq!(booking.rescheduled_from(), Some(booking_id(4)));
    assert_eq!(booking.attendance_confirmed_at(), None);
    assert_eq!(booking.occupied(), new.occupied());
    assert_eq!(
        (booking.occupied().start(), booking.occupied().end()),
        (at("2026-03-02 09:55"), at("2026-03-02 11:10"))
    );
}

#[test]
fn stored_bookings_must_end_after_they_start_within_a_day() {
    let valid = at_ten(BookingStatus::Confirmed).into_parts();
    let cases = [
        (valid.start, valid.start, InvalidBooking::EndsBeforeStart),
        (
            valid.start,
            valid.start - Duration::minutes(1),
            InvalidBooking::EndsBeforeStart,
        ),
        (
            valid.start,
            valid.start + Duration::minutes(24 * 60 + 1),
            InvalidBooking::LongerThanADay,
        ),
    ];
    for (start, end, error) in cases {
        let parts = BookingParts {
            start,
            end,
            ..valid.clone()
        };
        assert_eq!(Booking::from_parts(parts), Err(error.clone()));
        let new = NewBookingParts {
            customer: customer(1),
            service: valid.service,
            staff: valid.staff,
            start,
            end,
            buffer_before: Minutes::ZERO,
            buffer_after: Minutes::ZERO,
            comment: None,
            status: BookingStatus::Pending,
            created_at: valid.created_at,
            rescheduled_from: None,
            booked_for: None,
            price: None,
            created_by: Actor::Customer,
        };
        assert_eq!(NewBooking::new(new), Err(error));
    }
    let day_long = BookingParts {
        end: valid.start + Duration::days(1),
        ..valid
    };
    assert!(Booking::from_parts(day_long).is_ok());
}

#[test]
fn a_stored_booking_cannot_be_rescheduled_to_itself() {
    let parts = BookingParts {
        status: BookingStatus::Rescheduled { to: booking_id(1) },
        ..at_ten(BookingStatus::Pending).into_parts()
    };
    assert_eq!(
        Booking::from_parts(parts),
        Err(InvalidBooking::RescheduledToItself)
    );
}

#[test]
fn a_new_booking_is_pending_or_confirmed() {
    let parts = |status| NewBookingParts {
        customer: customer(1),
        service: ServiceId::new(1).unwrap(),
        staff: staff_id(1),
        start: at("2026-03-02 10:00"),
        end: at("2026-03-02 11:00"),
        buffer_before: Minutes::ZERO,
        buffer_after: Minutes::ZERO,
        comment: None,
        status,
        created_at: at("2026-02-25 12:00"),
        rescheduled_from: None,
        booked_for: None,
        price: None,
        created_by: Actor::Customer,
    };
    for closed in every_status().into_iter().filter(|b| !b.is_active()) {
        let name = closed.status().name();
        assert_eq!(
            NewBooking::new(parts(closed.status().clone())),
            Err(InvalidBooking::NotNew(name))
        );
    }
    assert!(NewBooking::new(parts(BookingStatus::Confirmed)).is_ok());
}

#[test]
fn transition_and_booking_errors_read_well() {
    let start = at("2026-03-02 10:00");
    for (error, message) in [
        (
            refused("completed", "confirmed"),
            "a completed booking cannot be confirmed",
        ),
        (
            TransitionError::PastCutoff {
                cutoff: minutes(120),
                start,
            },
            "changes are possible until 2 h before the start",
        ),
        (
            TransitionError::NotStartedYet { start },
            "the visit has not started yet",
        ),
        (
            TransitionError::AlreadyStarted { start },
            "the visit has already started",
        ),
    ] {
        assert_eq!(error.to_string(), message);
    }
    for (error, message) in [
        (
            InvalidBooking::EndsBeforeStart,
            "a booking must end after it starts",
        ),
        (
            InvalidBooking::LongerThanADay,
            "a booking may last at most one day",
        ),
        (
            InvalidBooking::RescheduledToItself,
            "a booking cannot be rescheduled to itself",
        ),
        (
            InvalidBooking::NotNew("no_show"),
            "a new booking is pending or confirmed, got no_show",
        ),
    ] {
        assert_eq!(error.to_string(), message);
    }
}

#[test]
fn status_names_are_stable() {
    let names: Vec<&str> = every_status().iter().map(|b| b.status().name()).collect();
    assert_eq!(
        names,
        [
            "pending",
            "confirmed",
            "completed",
            "no_show",
            "cancelled",
            "rescheduled"
        ]
    );
}

#[test]
fn a_created_booking_records_who_made_it_and_nothing_else() {
    let new = NewBooking::new(NewBookingParts {
        customer: customer(1),
        service: ServiceId::new(1).unwrap(),
        staff: staff_id(1),
        start: at("2026-03-02 10:00"),
        end: at("2026-03-02 11:00"),
        buffer_before: Minutes::ZERO,
        buffer_after: Minutes::ZERO,
        comment: None,
        status: BookingStatus::Confirmed,
        created_at: at("2026-03-01 09:00"),
        rescheduled_from: None,
        booked_for: None,
        price: None,
        created_by: owner(),
    })
    .unwrap();
    let booking = Booking::created(booking_id(3), new);
    assert_eq!(
        booking.audit(),
        &AuditTrail {
            created_by: Some(owner()),
            confirmed: None,
            closed: None,
        }
    );
}

#[test]
fn confirming_stamps_who_confirmed_and_when() {
    let now = at("2026-03-01 12:00");
    let confirmed = at_ten(BookingStatus::Pending)
        .confirm(stylist(1), now)
        .unwrap();
    assert_eq!(
        confirmed.audit().confirmed,
        Some(Stamp {
            by: stylist(1),
            at: now
        })
    );
    assert_eq!(confirmed.audit().closed, None);
}

#[test]
fn every_way_out_of_the_active_life_stamps_who_and_when() {
    let after = at("2026-03-02 10:30");
    let before = at("2026-03-01 12:00");
    let booking = at_ten(BookingStatus::Confirmed);
    let pending = at_ten(BookingStatus::Pending);
    let stamped = [
        (
            booking.complete(stylist(1), after).unwrap(),
            stylist(1),
            after,
        ),
        (
            booking.mark_no_show(owner(), after).unwrap(),
            owner(),
            after,
        ),
        (
            booking
                .cancel(Actor::Customer, None, before, &policy())
                .unwrap(),
            Actor::Customer,
            before,
        ),
        (pending.expire(before).unwrap(), Actor::System, before),
        (
            booking
                .close_as_rescheduled(booking_id(9), moved_at("2026-03-01 12:00"))
                .unwrap(),
            owner(),
            before,
        ),
    ];
    for (closed, by, at) in stamped {
        assert_eq!(closed.audit().closed, Some(Stamp { by, at }), "{closed:?}");
    }
}

#[test]
fn an_owners_cancellation_tells_the_customer_the_salon_and_the_trail_the_owner() {
    let booking = at_ten(BookingStatus::Confirmed);
    let now = at("2026-03-02 09:00");
    let cancelled = booking.cancel(owner(), None, now, &policy()).unwrap();
    let BookingStatus::Cancelled(cancellation) = cancelled.status() else {
        panic!("not cancelled: {cancelled:?}");
    };
    assert_eq!(cancellation.by, CancelledBy::Staff(booking.staff()));
    assert_eq!(
        cancelled.audit().closed,
        Some(Stamp {
            by: owner(),
            at: now
        })
    );
}

#[test]
fn erasure_keeps_the_trail_which_names_no_customer() {
    let booking = at_ten(BookingStatus::Pending)
        .confirm(stylist(1), at("2026-03-01 12:00"))
        .unwrap();
    assert_eq!(booking.anonymised().audit(), booking.audit());
}
