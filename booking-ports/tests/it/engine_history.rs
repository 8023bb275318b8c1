//! Customers' own history: recent past visits under "My bookings", every
//! stored booking under "My data", and saving a booking's details as their
//! own.

use booking_domain::{StaffChoice, TelegramUserId};
use booking_ports::engine::{BookingForm, UpdateDetailsError, details_differ};

use crate::common::*;

#[tokio::test]
async fn recent_visits_are_the_closed_bookings_newest_first() {
    let s = salon(false).await;
    let first = s.book_haircut(customer(1), moscow(0, 9, 0)).await;
    let second = s.book_haircut(customer(1), moscow(0, 11, 0)).await;
    let cancelled = s.book_haircut(customer(1), moscow(1, 12, 0)).await;
    s.engine
        .cancel_my_booking(customer(1), cancelled.id(), cancelled.version())
        .await
        .unwrap();
    // At most three upcoming bookings: this one after the cancellation.
    let upcoming = s.book_haircut(customer(1), moscow(2, 12, 0)).await;
    s.clock.set(moscow(0, 13, 0));
    s.engine
        .complete_booking(&s.staff, first.id(), first.version())
        .await
        .unwrap();
    s.engine
        .mark_no_show(&s.staff, second.id(), second.version())
        .await
        .unwrap();

    let visits = s.engine.my_recent_visits(customer(1), 5).await.unwrap();

    let ids: Vec<_> = visits.iter().map(|d| d.booking.id()).collect();
    assert_eq!(ids, vec![cancelled.id(), second.id(), first.id()]);
    assert!(!ids.contains(&upcoming.id()));
    assert!(visits.iter().all(|d| d.customer.is_none()));
    let two = s.engine.my_recent_visits(customer(1), 2).await.unwrap();
    assert_eq!(two.len(), 2);
    assert!(
        s.engine
            .my_recent_visits(customer(2), 5)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn stored_bookings_are_every_booking_by_start() {
    let s = salon(false).await;
    let late = s.book_haircut(customer(1), moscow(2, 12, 0)).await;
    let early = s.book_haircut(customer(1), moscow(1, 12, 0)).await;
    s.book_haircut(customer(2), moscow(1, 15, 0)).await;

    let stored = s.engine.my_stored_bookings(customer(1)).await.unwrap();

    let ids: Vec<_> = stored.iter().map(|d| d.booking.id()).collect();
    assert_eq!(ids, vec![early.id(), late.id()]);
}

fn account(n: i64) -> TelegramUserId {
    TelegramUserId::new(8_000_000 + n).unwrap()
}

fn booking_for(
    s: &Salon,
    name: &str,
    phone: &str,
    start: chrono::DateTime<chrono::Utc>,
) -> BookingForm {
    BookingForm {
        name: name.to_owned(),
        phone: phone.to_owned(),
        ..form(s.haircut, StaffChoice::Only(s.anna), start)
    }
}

#[tokio::test]
async fn a_bookings_details_become_the_customers_own_only_when_asked() {
    // Arrange: Ivan's record, then a booking with other details.
    let s = salon(false).await;
    s.engine
        .book_as(
            account(1),
            booking_for(&s, "Ivan", "+7 916 000-11-22", moscow(1, 10, 0)),
        )
        .await
        .unwrap();
    let other = s
        .engine
        .book_as(
            account(1),
            booking_for(&s, "Ivan Petrov", "+7 916 000-33-44", moscow(1, 12, 0)),
        )
        .await
        .unwrap()
        .booking;
    let record = s.engine.account(account(1)).await.unwrap().unwrap();
    assert_eq!(
        record.name.expose(),
        "Ivan",
        "a booking never changes the record"
    );
    assert!(details_differ(&record, other.booked_for().unwrap()));

    // Act
    let saved = s
        .engine
        .save_booking_details_as_mine(record.id, other.id())
        .await
        .unwrap();

    // Assert
    assert_eq!(saved.name.expose(), "Ivan Petrov");
    assert_eq!(saved.phone.as_ref().unwrap().expose(), "+79160003344");
    let now = s.engine.account(account(1)).await.unwrap().unwrap();
    assert_eq!(now, saved);
    assert!(!details_differ(&now, other.booked_for().unwrap()));
}

#[tokio::test]
async fn a_phone_another_customer_has_is_refused_clearly() {
    let s = salon(false).await;
    s.engine
        .book_as(
            account(1),
            booking_for(&s, "Ivan", "+7 916 000-11-22", moscow(1, 10, 0)),
        )
        .await
        .unwrap();
    s.engine
        .book_as(
            account(2),
            booking_for(&s, "Maria", "+7 916 000-33-44", moscow(1, 12, 0)),
        )
        .await
        .unwrap();
    let ivan = s.engine.account(account(1)).await.unwrap().unwrap();
    let with_marias_phone = s
        .engine
        .book_as(
            account(1),
            booking_for(&s, "Maria", "+7 916 000-33-44", moscow(1, 15, 0)),
        )
        .await
        .unwrap()
        .booking;

    let refused = s
        .engine
        .save_booking_details_as_mine(ivan.id, with_marias_phone.id())
        .await;

    assert!(
        matches!(refused, Err(UpdateDetailsError::PhoneTaken)),
        "{refused:?}"
    );
    assert_eq!(s.engine.account(account(1)).await.unwrap().unwrap(), ivan);
    assert!(matches!(
        s.engine
            .update_my_details(ivan.id, "Ivan", "+7 916 000-33-44")
            .await,
        Err(UpdateDetailsError::PhoneTaken)
    ));
    assert!(matches!(
        s.engine
            .update_my_details(ivan.id, "", "+7 916 000-11-22")
            .await,
        Err(UpdateDetailsError::InvalidName(_))
    ));
    let updated = s
        .engine
        .update_my_details(ivan.id, "Ivan P.", "+7 916 000-99-99")
        .await
        .unwrap();
    assert_eq!(updated.name.expose(), "Ivan P.");
}

#[tokio::test]
async fn someone_elses_booking_cannot_be_saved_as_mine() {
    let s = salon(false).await;
    let hers = s.book_haircut(customer(2), moscow(1, 12, 0)).await;
    s.book_haircut(customer(1), moscow(1, 15, 0)).await;
    assert!(matches!(
        s.engine
            .save_booking_details_as_mine(customer(1), hers.id())
            .await,
        Err(UpdateDetailsError::NotFound)
    ));
}
