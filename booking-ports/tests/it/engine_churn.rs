//! The daily limits on one customer's churn: bookings made (moves included)
//! and bookings cancelled in any 24 hours, refused with the limit, counted
//! across the window, and never in the way of another customer.

use booking_domain::StaffChoice;
use booking_ports::engine::{BookError, BookingChangeError, RescheduleBookingError};
use booking_ports::{ChurnLimits, EngineSettings};
use chrono::Duration;

use crate::common::{customer, form, moscow, salon_with};

fn limits(bookings: u16, cancellations: u16) -> EngineSettings {
    EngineSettings::default().with_churn_limits(ChurnLimits::new(bookings, cancellations).unwrap())
}

#[tokio::test]
async fn a_customer_booking_and_cancelling_in_a_loop_is_stopped_for_the_day() {
    let s = salon_with(false, limits(3, 2)).await;
    let ivan = customer(1);

    // Book and cancel: two rounds use up both cancellations.
    for hour in [10, 11] {
        let booked = s.book_haircut(ivan, moscow(1, hour, 0)).await;
        s.engine
            .cancel_my_booking(ivan, booked.id(), booked.version())
            .await
            .unwrap();
    }
    let third = s.book_haircut(ivan, moscow(1, 12, 0)).await;
    let refused = s
        .engine
        .cancel_my_booking(ivan, third.id(), third.version())
        .await;
    assert!(
        matches!(refused, Err(BookingChangeError::TooManyToday { limit: 2 })),
        "{refused:?}"
    );

    // Three bookings made: a fourth, and a move (which makes one), wait.
    let fourth = s
        .engine
        .book(
            ivan,
            form(s.haircut, StaffChoice::Only(s.anna), moscow(1, 14, 0)),
        )
        .await;
    assert!(
        matches!(fourth, Err(BookError::TooManyToday { limit: 3 })),
        "{fourth:?}"
    );
    let moved = s
        .engine
        .reschedule_my_booking(
            ivan,
            third.id(),
            third.version(),
            StaffChoice::Only(s.anna),
            moscow(1, 15, 0),
        )
        .await;
    assert!(
        matches!(
            moved,
            Err(RescheduleBookingError::TooManyToday { limit: 3 })
        ),
        "{moved:?}"
    );

    // Someone else books as usual.
    s.book_haircut(customer(2), moscow(1, 14, 0)).await;

    // A day after the first booking and cancellation, one of each is free.
    s.advance(Duration::hours(24));
    s.engine
        .cancel_my_booking(ivan, third.id(), third.version())
        .await
        .unwrap();
    s.book_haircut(ivan, moscow(2, 12, 0)).await;
}
