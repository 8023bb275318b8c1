//! Customer cards for staff: finding customers, the card, notes, and
//! erasing a customer on request (with the message to them kept).

use booking_domain::{
    BookingStatus, CancelReason, CancelledBy, CustomerId, CustomerName, CustomerNotes, PhoneNumber,
    PhoneRegion, TelegramUserId,
};
use booking_ports::engine::{
    EraseCustomerError, FindCustomerError, MAX_FOUND_CUSTOMERS, StaffErasure,
};
use booking_ports::{BookingStore, CustomerStore, NewCustomer, NoticeKind, Recipient};

use crate::common::*;

fn phone(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text, PhoneRegion::new("RU").unwrap()).unwrap()
}

/// A record made by hand, as staff or an import would: `telegram` when the
/// customer can be told through the bot.
async fn record(
    s: &Salon,
    name: &str,
    phone_text: Option<&str>,
    telegram: Option<i64>,
) -> CustomerId {
    s.store
        .create_customer(NewCustomer {
            name: CustomerName::new(name).unwrap(),
            phone: phone_text.map(phone),
            telegram: telegram.map(|t| TelegramUserId::new(t).unwrap()),
            language: None,
            consented_at: moscow(0, 8, 0),
            notes: String::new(),
        })
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn a_phone_is_found_however_it_is_typed() {
    let s = salon(false).await;
    let maria = record(&s, "Мария Петрова", Some("+7 916 555-01-02"), None).await;
    record(&s, "Olga", Some("+7 903 111-22-33"), None).await;

    for typed in [
        "9165550102",
        "8 916 555-01-02",
        "+7 (916) 555 01 02",
        "555-01",
    ] {
        let found = s.engine.find_customers(&s.staff, typed).await.unwrap();
        let ids: Vec<_> = found.customers.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![maria], "{typed}");
        assert!(!found.more);
    }
}

#[tokio::test]
async fn a_name_is_found_by_any_part_ignoring_case() {
    let s = salon(false).await;
    let maria = record(&s, "Мария Петрова", None, None).await;
    let ivan = record(&s, "Ivan Petrov", None, None).await;

    let found = s.engine.find_customers(&s.staff, "пЕТРОВ").await.unwrap();
    assert_eq!(
        found.customers.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![maria]
    );
    let found = s.engine.find_customers(&s.staff, " petrov ").await.unwrap();
    assert_eq!(
        found.customers.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ivan]
    );
    let blank = s.engine.find_customers(&s.staff, "  ").await.unwrap();
    assert!(blank.customers.is_empty() && !blank.more);
}

#[tokio::test]
async fn more_than_ten_matches_list_ten_and_say_there_are_more() {
    let s = salon(false).await;
    for n in 0..12 {
        record(&s, &format!("Olga {n}"), None, None).await;
    }
    let found = s.engine.find_customers(&s.staff, "olga").await.unwrap();
    assert_eq!(found.customers.len(), MAX_FOUND_CUSTOMERS);
    assert!(found.more);
}

#[tokio::test]
async fn the_card_shows_upcoming_bookings_past_visits_and_the_total_spent() {
    // Arrange: a completed visit, one cancelled by staff with a reason, one
    // upcoming.
    let s = salon(false).await;
    let done = s.book_haircut(customer(1), moscow(0, 9, 0)).await;
    let dropped = s.book_haircut(customer(1), moscow(1, 9, 0)).await;
    let coming = s.book_haircut(customer(1), moscow(2, 9, 0)).await;
    s.engine
        .cancel_booking(
            &s.staff,
            dropped.id(),
            dropped.version(),
            Some(CancelReason::new("Anna is ill").unwrap()),
        )
        .await
        .unwrap();
    s.clock.set(moscow(0, 10, 30));
    s.engine
        .complete_booking(&s.staff, done.id(), done.version())
        .await
        .unwrap();

    // Act
    let card = s.engine.customer_card(&s.staff, customer(1)).await.unwrap();

    // Assert
    assert_eq!(card.profile.id, customer(1));
    let ids =
        |v: &[booking_ports::BookingDetails]| v.iter().map(|d| d.booking.id()).collect::<Vec<_>>();
    assert_eq!(ids(&card.upcoming), vec![coming.id()]);
    assert_eq!(
        ids(&card.past),
        vec![dropped.id(), done.id()],
        "newest first"
    );
    let BookingStatus::Cancelled(c) = card.past[0].booking.status() else {
        panic!("cancelled");
    };
    assert_eq!(c.by, CancelledBy::Staff(s.anna));
    assert_eq!(c.reason.as_ref().unwrap().expose(), "Anna is ill");
    assert_eq!(
        card.total_spent,
        vec![eur(3000)],
        "only the completed visit counts"
    );
    assert!(card.past[0].service.is_some());
}

#[tokio::test]
async fn an_unknown_customer_has_no_card() {
    let s = salon(false).await;
    assert!(matches!(
        s.engine.customer_card(&s.staff, customer(99)).await,
        Err(FindCustomerError::NotFound)
    ));
}

#[tokio::test]
async fn notes_are_replaced_and_cleared() {
    let s = salon(false).await;
    let maria = record(&s, "Мария", None, None).await;
    let notes = CustomerNotes::new("Prefers Anna").unwrap();
    s.engine
        .set_customer_notes(&s.staff, maria, notes)
        .await
        .unwrap();
    let card = s.engine.customer_card(&s.staff, maria).await.unwrap();
    assert_eq!(card.profile.notes, "Prefers Anna");

    s.engine
        .set_customer_notes(&s.staff, maria, CustomerNotes::new("").unwrap())
        .await
        .unwrap();
    let card = s.engine.customer_card(&s.staff, maria).await.unwrap();
    assert_eq!(card.profile.notes, "");
    assert!(matches!(
        s.engine
            .set_customer_notes(&s.staff, customer(99), CustomerNotes::default())
            .await,
        Err(FindCustomerError::NotFound)
    ));
}

#[tokio::test]
async fn erasing_a_customer_with_telegram_tells_them_first_and_erases_on_the_second_press() {
    // Arrange: customer 1's record names Telegram account 1 (see
    // `first_record`); a past visit and an upcoming one.
    let s = salon(false).await;
    let past = s.book_haircut(customer(1), moscow(0, 9, 0)).await;
    let coming = s.book_haircut(customer(1), moscow(1, 10, 0)).await;
    s.clock.set(moscow(0, 11, 0));

    // Act 1: the first press cancels and stops.
    let first = s
        .engine
        .erase_customer(&s.staff, customer(1))
        .await
        .unwrap();

    // Assert 1: cancelled, the message waits, nothing erased yet.
    assert_eq!(
        first,
        StaffErasure::CustomerBeingTold {
            cancelled: vec![coming.id()]
        }
    );
    let notices = s.notices(coming.id()).await;
    assert!(
        notices
            .iter()
            .any(|n| n.recipient == Recipient::Customer(customer(1))
                && n.kind == NoticeKind::Cancelled),
        "{notices:?}"
    );
    assert!(s.store.customer(customer(1)).await.unwrap().is_some());

    // Act 2: the second press erases.
    let second = s
        .engine
        .erase_customer(&s.staff, customer(1))
        .await
        .unwrap();

    // Assert 2: the record is gone; the bookings stay, anonymised.
    let StaffErasure::Erased { cancelled, erasure } = second else {
        panic!("erased, got {second:?}");
    };
    assert!(cancelled.is_empty());
    assert!(erasure.profile_deleted);
    assert_eq!(erasure.bookings_anonymised, 2);
    assert!(s.store.customer(customer(1)).await.unwrap().is_none());
    for id in [past.id(), coming.id()] {
        let kept = s.store.booking(id).await.unwrap().unwrap();
        assert_eq!(kept.customer(), None);
        assert_eq!(kept.booked_for(), None);
    }
    assert!(matches!(
        s.engine.erase_customer(&s.staff, customer(1)).await,
        Err(EraseCustomerError::NotFound)
    ));
}

#[tokio::test]
async fn erasing_a_customer_without_telegram_takes_one_press() {
    let s = salon(false).await;
    let walk_in = record(&s, "Olga", Some("+7 903 111-22-33"), None).await;
    let coming = s.book_haircut(walk_in, moscow(1, 10, 0)).await;

    let outcome = s.engine.erase_customer(&s.staff, walk_in).await.unwrap();

    let StaffErasure::Erased { cancelled, erasure } = outcome else {
        panic!("erased, got {outcome:?}");
    };
    assert_eq!(cancelled, vec![coming.id()]);
    assert!(erasure.profile_deleted);
    let kept = s.store.booking(coming.id()).await.unwrap().unwrap();
    assert!(matches!(kept.status(), BookingStatus::Cancelled(_)));
    assert_eq!(kept.customer(), None);
}

#[tokio::test]
async fn erasing_a_customer_without_upcoming_bookings_takes_one_press() {
    let s = salon(false).await;
    s.book_haircut(customer(1), moscow(0, 9, 0)).await;
    s.clock.set(moscow(0, 11, 0));

    let outcome = s
        .engine
        .erase_customer(&s.staff, customer(1))
        .await
        .unwrap();

    assert!(matches!(outcome, StaffErasure::Erased { ref cancelled, .. } if cancelled.is_empty()));
}
