//! The front desk: staff book for a caller or a walk-in, inside the minimum
//! notice and past the customers' horizon, never over another booking, and
//! whoever has no Telegram is reminded of through the staff member.

use booking_domain::{BookingStatus, SlotRefusal, StaffChoice, TelegramUserId};
use booking_ports::engine::BookError;
use booking_ports::engine::{RecordCustomerError, StaffBookError, StaffBookingForm};
use booking_ports::ports::customers::CustomerProfile;
use booking_ports::{NoticeKind, Recipient};
use chrono::Duration;

use crate::common::*;

const MARIA_PHONE: &str = "+7 916 555-01-02";

async fn maria(s: &Salon) -> CustomerProfile {
    s.engine
        .record_customer(&s.staff, "Maria", MARIA_PHONE, None)
        .await
        .unwrap()
}

fn desk_form(
    s: &Salon,
    who: &CustomerProfile,
    staff: StaffChoice,
    start: chrono::DateTime<chrono::Utc>,
) -> StaffBookingForm {
    StaffBookingForm {
        customer: who.id,
        service: s.haircut,
        staff,
        start,
        comment: Some("Called at 8:40".to_owned()),
    }
}

#[tokio::test]
async fn staff_book_a_caller_inside_the_minimum_notice() {
    // Arrange: 08:45, so 09:00 is inside the hour's notice customers need.
    let s = salon(false).await;
    s.advance(Duration::minutes(45));
    let maria = maria(&s).await;
    let offered = s
        .engine
        .staff_free_times(&s.staff, s.haircut, StaffChoice::Only(s.anna), day(0))
        .await
        .unwrap();
    assert_eq!(offered[0].start, moscow(0, 9, 0), "staff are offered 09:00");

    // Act
    let booked = s
        .engine
        .book_for_customer(
            &s.staff,
            desk_form(&s, &maria, StaffChoice::Only(s.anna), moscow(0, 9, 0)),
        )
        .await
        .unwrap();

    // Assert: confirmed, for Maria, at the price now; a customer could not.
    assert_eq!(booked.status(), &BookingStatus::Confirmed);
    assert_eq!(booked.customer(), Some(maria.id));
    let copy = booked.booked_for().unwrap();
    assert_eq!(copy.name.expose(), "Maria");
    assert_eq!(copy.phone, maria.phone);
    assert_eq!(booked.comment().map(|c| c.expose()), Some("Called at 8:40"));
    let customer_try = s
        .engine
        .book(
            customer(1),
            form(s.haircut, StaffChoice::Only(s.anna), moscow(0, 9, 30)),
        )
        .await;
    assert!(matches!(
        customer_try,
        Err(BookError::Slot(SlotRefusal::TooSoon { .. }))
    ));
}

#[tokio::test]
async fn staff_book_past_the_customers_horizon_but_within_a_year() {
    let s = salon(false).await;
    let maria = maria(&s).await;

    // Day 28 is a Monday four weeks ahead; customers see 14 days.
    let far = s
        .engine
        .book_for_customer(
            &s.staff,
            desk_form(&s, &maria, StaffChoice::Only(s.anna), moscow(28, 10, 0)),
        )
        .await
        .unwrap();
    assert_eq!(far.start(), moscow(28, 10, 0));
    let days = s
        .engine
        .staff_days_with_free_times(&s.staff, s.haircut, StaffChoice::Any, day(20), day(30))
        .await
        .unwrap();
    assert!(days.contains(&day(28)), "{days:?}");

    // More than a year ahead is refused.
    let too_far = s
        .engine
        .book_for_customer(
            &s.staff,
            desk_form(&s, &maria, StaffChoice::Only(s.anna), moscow(371, 10, 0)),
        )
        .await;
    assert!(matches!(
        too_far,
        Err(StaffBookError::Slot(SlotRefusal::BeyondHorizon { .. }))
    ));
}

#[tokio::test]
async fn staff_cannot_book_over_another_booking() {
    let s = salon(false).await;
    s.book_haircut(customer(1), moscow(1, 10, 0)).await;
    let maria = maria(&s).await;

    let overlapping = s
        .engine
        .book_for_customer(
            &s.staff,
            desk_form(&s, &maria, StaffChoice::Only(s.anna), moscow(1, 10, 30)),
        )
        .await;

    assert!(matches!(
        overlapping,
        Err(StaffBookError::SlotTaken { start }) if start == moscow(1, 10, 30)
    ));
}

#[tokio::test]
async fn staff_cannot_book_the_past() {
    let s = salon(false).await;
    s.advance(Duration::hours(3));
    let maria = maria(&s).await;

    let past = s
        .engine
        .book_for_customer(
            &s.staff,
            desk_form(&s, &maria, StaffChoice::Only(s.anna), moscow(0, 10, 0)),
        )
        .await;

    assert!(matches!(
        past,
        Err(StaffBookError::Slot(SlotRefusal::TooSoon { .. }))
    ));
}

#[tokio::test]
async fn a_phone_another_record_has_is_refused_with_that_record() {
    let s = salon(false).await;
    let first = maria(&s).await;

    let again = s
        .engine
        .record_customer(&s.staff, "Maria Ivanova", "8 916 555 01 02", None)
        .await;

    match again {
        Err(RecordCustomerError::PhoneTaken { holder }) => assert_eq!(*holder, first),
        other => panic!("expected PhoneTaken, got {other:?}"),
    }
    let found = s
        .engine
        .customer_by_phone(&s.staff, "89165550102")
        .await
        .unwrap();
    assert_eq!(found, Some(first));
    assert!(
        s.engine
            .customer_by_phone(&s.staff, "+7 916 555-99-99")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_caller_without_telegram_is_reminded_of_through_the_staff_member() {
    // Arrange: Maria phoned; Anna takes the call and books her with Boris.
    let s = salon(false).await;
    let maria = maria(&s).await;
    assert_eq!(maria.telegram, None);

    // Act
    let booked = s
        .engine
        .book_for_customer(
            &s.staff,
            desk_form(&s, &maria, StaffChoice::Only(s.boris), moscow(2, 11, 0)),
        )
        .await
        .unwrap();

    // Assert: Boris is told and reminded a day ahead; nothing goes to Maria.
    let notices = s.notices(booked.id()).await;
    assert!(
        notices
            .iter()
            .all(|n| n.recipient == Recipient::Staff(s.boris)),
        "{notices:?}"
    );
    let kinds: Vec<NoticeKind> = notices.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        vec![
            NoticeKind::NewBooking {
                awaiting_confirmation: false
            },
            NoticeKind::StaffReminder {
                before: minutes(1440)
            },
        ]
    );
    assert_eq!(notices[1].due_at, moscow(1, 11, 0));
}

#[tokio::test]
async fn a_customer_with_telegram_gets_the_confirmation_and_reminders() {
    // Arrange: Ivan booked through Telegram before, so his record has it.
    let s = salon(false).await;
    let account = TelegramUserId::new(7_000_001).unwrap();
    s.engine
        .book_as(
            account,
            form(s.haircut, StaffChoice::Only(s.anna), moscow(1, 10, 0)),
        )
        .await
        .unwrap();
    let ivan = s
        .engine
        .customer_by_phone(&s.staff, "8 916 123-45-67")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ivan.telegram, Some(account));

    // Act: he phones for another visit, which Anna books herself.
    let booked = s
        .engine
        .book_for_customer(
            &s.staff,
            desk_form(&s, &ivan, StaffChoice::Any, moscow(3, 15, 0)),
        )
        .await
        .unwrap();

    // Assert: he is told at once and reminded as usual; Anna booked it, so
    // she is not told of her own booking.
    let notices = s.notices(booked.id()).await;
    let to_ivan: Vec<NoticeKind> = notices
        .iter()
        .filter(|n| n.recipient == Recipient::Customer(ivan.id))
        .map(|n| n.kind)
        .collect();
    assert_eq!(
        to_ivan,
        vec![
            NoticeKind::Confirmed,
            NoticeKind::CustomerReminder {
                before: minutes(1440)
            },
            NoticeKind::CustomerReminder {
                before: minutes(120)
            },
        ],
        "{notices:?}"
    );
    if booked.staff() == s.anna {
        assert!(
            notices
                .iter()
                .all(|n| n.recipient != Recipient::Staff(s.anna)),
            "{notices:?}"
        );
    }
}

#[tokio::test]
async fn the_free_window_starts_are_the_first_grid_start_of_each_window() {
    // Arrange: a haircut at 10:00 keeps Anna until 11:15 (its buffer).
    let s = salon(false).await;
    s.book_haircut(customer(1), moscow(0, 10, 0)).await;

    // Act: Monday, when Boris does not work.
    let free = s
        .engine
        .free_window_starts(&s.staff, day(0), None)
        .await
        .unwrap();

    // Assert
    let anna = free.iter().find(|f| f.staff == s.anna).unwrap();
    assert_eq!(anna.starts, vec![moscow(0, 9, 0), moscow(0, 11, 30)]);
    let boris = free.iter().find(|f| f.staff == s.boris).unwrap();
    assert!(boris.starts.is_empty());
    let only_anna = s
        .engine
        .free_window_starts(&s.staff, day(0), Some(s.anna))
        .await
        .unwrap();
    assert_eq!(only_anna.len(), 1);
}
