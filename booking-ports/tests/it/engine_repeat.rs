//! A booking request made again is not a second booking: after a crash the
//! bot hands the customer's "Confirm" back to the engine, and a customer's
//! client resends a press it saw no answer to.

use booking_domain::StaffChoice;
use booking_ports::NotificationOutbox;
use chrono::Duration;

use crate::common::{all_bookings, customer, form, moscow, salon};

#[tokio::test]
async fn the_same_request_again_returns_the_booking_it_made_and_stores_nothing() {
    let s = salon(false).await;
    let request = form(s.haircut, StaffChoice::Only(s.anna), moscow(1, 10, 0));
    let first = s.engine.book(customer(1), request.clone()).await.unwrap();
    let notices = s
        .store
        .notifications_of_booking(first.booking.id())
        .await
        .unwrap();

    s.advance(Duration::minutes(5));
    let again = s.engine.book(customer(1), request).await.unwrap();

    assert_eq!(again.booking, first.booking);
    assert_eq!(again.service, first.service);
    assert_eq!(again.staff, first.staff);
    assert_eq!(all_bookings(&s).await.len(), 1);
    assert_eq!(
        s.store
            .notifications_of_booking(first.booking.id())
            .await
            .unwrap(),
        notices,
        "no second notice to staff"
    );
}

#[tokio::test]
async fn a_repeat_with_any_staff_member_finds_the_booking_with_the_one_assigned() {
    let s = salon(false).await;
    let request = form(s.haircut, StaffChoice::Any, moscow(1, 10, 0));
    let first = s.engine.book(customer(1), request.clone()).await.unwrap();

    let again = s.engine.book(customer(1), request).await.unwrap();

    assert_eq!(again.booking.id(), first.booking.id());
    assert_eq!(all_bookings(&s).await.len(), 1);
}

#[tokio::test]
async fn a_repeat_is_not_refused_by_the_limits_its_first_booking_reached() {
    let s = salon(false).await;
    let starts = [moscow(1, 10, 0), moscow(1, 12, 0), moscow(1, 14, 0)];
    for start in starts {
        s.engine
            .book(
                customer(1),
                form(s.haircut, StaffChoice::Only(s.anna), start),
            )
            .await
            .unwrap();
    }

    // Three upcoming bookings is the salon's limit; the third's repeat
    // still gets its booking back.
    let again = s
        .engine
        .book(
            customer(1),
            form(s.haircut, StaffChoice::Only(s.anna), starts[2]),
        )
        .await
        .unwrap();

    assert_eq!(again.booking.start(), starts[2]);
    assert_eq!(all_bookings(&s).await.len(), 3);
}

#[tokio::test]
async fn another_customer_or_another_time_is_a_new_request() {
    let s = salon(false).await;
    let start = moscow(1, 10, 0);
    s.engine
        .book(
            customer(1),
            form(s.haircut, StaffChoice::Only(s.anna), start),
        )
        .await
        .unwrap();

    let other_customer = s
        .engine
        .book(
            customer(2),
            form(s.haircut, StaffChoice::Only(s.anna), start),
        )
        .await;
    let other_time = s
        .engine
        .book(
            customer(1),
            form(s.haircut, StaffChoice::Only(s.anna), moscow(1, 12, 0)),
        )
        .await
        .unwrap();

    assert!(
        matches!(
            other_customer,
            Err(booking_ports::engine::BookError::SlotTaken { .. })
        ),
        "{other_customer:?}"
    );
    assert_eq!(other_time.booking.start(), moscow(1, 12, 0));
    assert_eq!(all_bookings(&s).await.len(), 2);
}
