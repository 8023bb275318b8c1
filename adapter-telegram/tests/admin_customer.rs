//! Customer cards in the admin bot through the real handler tree:
//! `/customer` by phone (however typed) and by part of a name, more than
//! ten matches, the card (upcoming bookings, past visits with who
//! cancelled and why, total spent, notes), writing notes and the limit,
//! erasing a customer after a confirmation (telling them first), and stale
//! or forged presses.
//!
//! One binary: teloxide_tests allows one MockBot per process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use booking_domain::{
    CancelReason, CustomerId, CustomerName, PhoneNumber, PhoneRegion, StaffId, TelegramUserId,
};
use booking_ports::{CustomerStore, NewCustomer, StaffActor, StaffUser};
use chrono::Duration;

mod admin_support;
use admin_support::*;

/// A record staff or an import made: no Telegram unless `telegram`.
async fn record(h: &Harness, name: &str, phone: Option<&str>) -> CustomerId {
    h.store
        .create_customer(NewCustomer {
            name: CustomerName::new(name).unwrap(),
            phone: phone.map(|p| PhoneNumber::parse(p, PhoneRegion::new("RU").unwrap()).unwrap()),
            telegram: None::<TelegramUserId>,
            language: None,
            consented_at: local(1, 9, 0),
            notes: String::new(),
        })
        .await
        .unwrap()
        .id
}

fn staff() -> StaffActor {
    StaffActor::authenticated(
        StaffUser::new(OWNER as i64),
        Some(StaffId::new(ANNA).unwrap()),
        booking_ports::StaffRole::Staff,
    )
}

#[tokio::test]
async fn customers_are_found_by_phone_however_typed_and_by_part_of_a_name() {
    let mut h = Harness::new(allow_list()).await;
    record(&h, "Maria Petrova", Some("+7 916 555-01-02")).await;
    record(&h, "Olga", Some("+7 903 111-22-33")).await;

    for typed in ["9165550102", "8 916 555-01-02", "pEtRoVa"] {
        let found = screen(&h.send(OWNER, &format!("/customer {typed}")).await);
        assert_eq!(
            found.text().unwrap(),
            format!("Customers matching \"{typed}\":")
        );
        let buttons: Vec<_> = found
            .reply_markup()
            .unwrap()
            .inline_keyboard
            .iter()
            .flatten()
            .map(|b| b.text.clone())
            .collect();
        assert_eq!(buttons, ["Maria Petrova · +79165550102"], "{typed}");
    }
    assert_eq!(
        text(&h.send(OWNER, "/customer nobody").await),
        "No customer matches \"nobody\"."
    );
    assert!(text(&h.send(OWNER, "/customer").await).starts_with("Usage: /customer"));
}

#[tokio::test]
async fn more_than_ten_matches_say_so() {
    let mut h = Harness::new(allow_list()).await;
    for n in 0..11 {
        record(&h, &format!("Olga {n}"), None).await;
    }
    let found = screen(&h.send(OWNER, "/customer olga").await);
    assert_eq!(
        found.text().unwrap(),
        "Customers matching \"olga\":\nMore customers match than are listed: type more of the phone or the name."
    );
    assert_eq!(found.reply_markup().unwrap().inline_keyboard.len(), 10);
}

#[tokio::test]
async fn the_card_shows_contact_bookings_past_visits_and_total_spent() {
    // Arrange: a completed visit, one cancelled with a reason, one to come.
    let mut h = Harness::new(allow_list()).await;
    let done = h.book(9001, "Ivan Petrov", local(3, 12, 0)).await;
    let dropped = h.book(9001, "Ivan Petrov", local(4, 12, 0)).await;
    h.book(9001, "Ivan Petrov", local(5, 12, 0)).await;
    h.engine
        .cancel_booking(
            &staff(),
            dropped.booking.id(),
            dropped.booking.version(),
            Some(CancelReason::new("Anna is ill").unwrap()),
        )
        .await
        .unwrap();
    h.clock.advance(Duration::hours(4));
    h.engine
        .complete_booking(&staff(), done.booking.id(), done.booking.version())
        .await
        .unwrap();

    // Act
    let found = screen(&h.send(OWNER, "/customer ivan").await);
    let card = screen(&h.press(OWNER, &found, "Ivan Petrov").await);

    // Assert
    assert_eq!(
        card.text().unwrap(),
        "👤 Ivan Petrov\n\
         Phone: +79161234567\n\
         Telegram: yes, the bot can message them\n\
         Customer since: Mon 3 Jun\n\
         \n\
         Upcoming bookings (1):\n\
         Past visits (2):\n\
         · Tue 4 Jun, 12:00 · Haircut · cancelled by Anna: “Anna is ill”\n\
         · Mon 3 Jun, 12:00 · Haircut · completed, marked by Anna\n\
         \n\
         Total spent: 2500 RUB\n\
         Notes: none"
    );
    let booking = screen(&h.press(OWNER, &card, "Wed 5 Jun, 12:00 · Haircut").await);
    assert!(booking.text().unwrap().starts_with("Booking #"));
}

#[tokio::test]
async fn the_next_text_becomes_the_notes_within_the_limit() {
    let mut h = Harness::new(allow_list()).await;
    let maria = record(&h, "Maria Petrova", None).await;
    let found = screen(&h.send(OWNER, "/customer maria").await);
    let card = screen(&h.press(OWNER, &found, "Maria Petrova").await);

    let asked = text(&h.press(OWNER, &card, "📝 Add note").await);
    assert!(
        asked.starts_with("Send the notes about Maria Petrova"),
        "{asked}"
    );
    let refused = text(&h.send(OWNER, &"я".repeat(1001)).await);
    assert_eq!(
        refused,
        "Notes may have at most 1000 characters; these have 1001. Send shorter notes, or /skip to keep the current ones."
    );
    let saved = text(&h.send(OWNER, "Prefers Anna; allergic to henna").await);
    assert!(
        saved.starts_with("Notes saved.\n\n👤 Maria Petrova"),
        "{saved}"
    );
    assert!(
        saved.ends_with("Notes: Prefers Anna; allergic to henna"),
        "{saved}"
    );
    assert_eq!(
        h.store.customer(maria).await.unwrap().unwrap().notes,
        "Prefers Anna; allergic to henna"
    );

    // The step is over: more text is not taken as notes.
    let card = screen(&h.press(OWNER, &found, "Maria Petrova").await);
    h.press(OWNER, &card, "📝 Add note").await;
    let kept = text(&h.send(OWNER, "/skip").await);
    assert!(kept.starts_with("Notes left as they were."), "{kept}");
    assert_eq!(
        h.store.customer(maria).await.unwrap().unwrap().notes,
        "Prefers Anna; allergic to henna"
    );
}

#[tokio::test]
async fn erasing_asks_first_tells_the_customer_then_erases() {
    // Arrange: customer 9001 (with Telegram) and an upcoming booking.
    let mut h = Harness::new(allow_list()).await;
    let coming = h.book(9001, "Ivan Petrov", local(4, 12, 0)).await;
    let ivan = CustomerId::new(9001).unwrap();
    let found = screen(&h.send(OWNER, "/customer ivan").await);
    let card = screen(&h.press(OWNER, &found, "Ivan Petrov").await);

    // Act 1: asked, then confirmed.
    let question = screen(&h.press(OWNER, &card, "🗑 Erase data").await);
    assert!(
        question
            .text()
            .unwrap()
            .ends_with("Their upcoming booking is cancelled first, with a message to them."),
        "{:?}",
        question.text()
    );
    let back = screen(&h.press(OWNER, &question, "⬅️ Customer card").await);
    assert!(back.text().unwrap().starts_with("👤 Ivan Petrov"));
    let question = screen(&h.press(OWNER, &back, "🗑 Erase data").await);
    let told = screen(&h.press(OWNER, &question, "Yes, erase").await);

    // Assert 1: cancelled and being told; nothing erased yet.
    assert!(
        told.text()
            .unwrap()
            .starts_with("Their upcoming booking is cancelled and the customer is being told."),
        "{:?}",
        told.text()
    );
    assert!(!h.status(&coming).await.is_active());
    assert!(h.store.customer(ivan).await.unwrap().is_some());

    // Act 2: the second press erases.
    let erased = screen(&h.press(OWNER, &told, "🗑 Erase data").await);

    // Assert 2
    assert_eq!(
        erased.text().unwrap(),
        "Erased: the customer's record is deleted; 1 booking stays without their name and phone, for statistics."
    );
    assert!(h.store.customer(ivan).await.unwrap().is_none());

    // A stale card's buttons now find nobody.
    let stale = h.press(OWNER, &card, "📝 Add note").await;
    assert_eq!(
        stale.answered_callback_queries[0].text.as_deref(),
        Some("No such customer: their data may have been erased.")
    );
    let again = h.press_data(OWNER, &card, "cey:9001").await;
    assert_eq!(
        again.answered_callback_queries[0].text.as_deref(),
        Some("No such customer: their data may have been erased.")
    );
}

#[tokio::test]
async fn forged_customer_buttons_are_expired_and_change_nothing() {
    let mut h = Harness::new(allow_list()).await;
    let maria = record(&h, "Maria Petrova", None).await;
    let found = screen(&h.send(OWNER, "/customer maria").await);
    for data in ["cu:0", "ce:-1", "cey:01", "cn:x"] {
        let pressed = h.press_data(OWNER, &found, data).await;
        assert_eq!(
            pressed.answered_callback_queries[0].text.as_deref(),
            Some("This button has expired."),
            "{data}"
        );
    }
    let stranger = h
        .press_data(STRANGER, &found, &format!("cey:{maria}"))
        .await;
    assert!(nothing_shown(&stranger));
    assert!(h.store.customer(maria).await.unwrap().is_some());
}
