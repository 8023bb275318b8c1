//! The front desk through the real admin handler tree: `/book` for a caller
//! who has no Telegram (Maria is recorded on the way), for a customer found
//! by phone, a wrong phone asked again, the day view's "➕ HH:MM" button, a
//! customer's "book" button, stale presses, and answers handled a second
//! time (after a crash or a takeover) that are not applied twice.
//!
//! One binary: teloxide_tests allows one MockBot per process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use booking_domain::{BookingStatus, CustomerId, PhoneNumber, PhoneRegion};
use booking_ports::{
    BookingStore, Clock, CustomerStore, NoticeKind, NotificationOutbox, Recipient,
};
use teloxide::types::Message;

mod admin_support;
use admin_support::*;

/// `/book`, Haircut, `who`, `day`, `time`: the message that asks next.
async fn choose(h: &mut Harness, who: &str, day: &str, time: &str) -> Message {
    let services = screen(&h.send(OWNER, "/book").await);
    assert_eq!(
        services.text().unwrap(),
        "📝 New booking: choose a service."
    );
    let specialists = screen(&h.press(OWNER, &services, "Haircut").await);
    assert_eq!(specialists.text().unwrap(), "Haircut: choose a specialist.");
    let days = screen(&h.press(OWNER, &specialists, who).await);
    let times = screen(&h.press(OWNER, &days, day).await);
    screen(&h.press(OWNER, &times, time).await)
}

async fn customer_with_phone(h: &Harness, phone: &str) -> booking_ports::CustomerProfile {
    let phone = PhoneNumber::parse(phone, PhoneRegion::new("RU").unwrap()).unwrap();
    h.store.customer_by_phone(&phone).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_caller_without_telegram_is_booked_and_recorded_on_the_way() {
    let mut h = Harness::new(allow_list()).await;

    // Maria phones: Anna, tomorrow at 11:00.
    let asked = choose(&mut h, "Anna", "Tue 4 Jun", "11:00").await;
    assert_eq!(asked.text().unwrap(), "The customer's phone number?");
    let name = h.send(OWNER, "+7 916 555-01-02").await;
    assert_eq!(
        text(&name),
        "Nobody has this phone yet. The customer's name?"
    );
    let comment = h.send(OWNER, "Maria").await;
    assert_eq!(
        text(&comment),
        "Customer: Maria, +79165550102.\nA comment for the booking? Or /skip."
    );
    let summary = screen(&h.send(OWNER, "/skip").await);
    assert_eq!(
        summary.text().unwrap(),
        "Book Haircut with Anna, Tue 4 Jun, 11:00, for Maria, +79165550102?"
    );
    let booked = h.press(OWNER, &summary, "✅ Book").await;

    // The card of the new booking, confirmed, for Maria.
    let card = text(&booked);
    assert!(
        card.starts_with("✅ Booked #1, Tue 4 Jun, 11:00."),
        "{card}"
    );
    assert!(card.contains("Maria, +79165550102"), "{card}");
    let maria = customer_with_phone(&h, "+79165550102").await;
    assert_eq!(maria.telegram, None);
    let bookings = h
        .store
        .upcoming_bookings_of_customer(maria.id, h.clock.now())
        .await
        .unwrap();
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0].status(), &BookingStatus::Confirmed);
    assert_eq!(bookings[0].start(), local(4, 11, 0));
    // Maria cannot be reached: Anna is reminded instead.
    let notices = h
        .store
        .notifications_of_booking(bookings[0].id())
        .await
        .unwrap();
    assert!(
        notices
            .iter()
            .all(|n| matches!(n.recipient, Recipient::Staff(_))),
        "{notices:?}"
    );
    assert!(
        notices
            .iter()
            .any(|n| matches!(n.kind, NoticeKind::StaffReminder { .. })),
        "{notices:?}"
    );

    // The summary's button is spent.
    let again = h.press(OWNER, &summary, "✅ Book").await;
    assert_eq!(
        again.answered_callback_queries[0].text.as_deref(),
        Some("This button has expired.")
    );
    assert!(nothing_shown(&again));
}

#[tokio::test]
async fn a_known_customer_is_found_by_phone_and_told_on_telegram() {
    let mut h = Harness::new(allow_list()).await;
    h.book(9001, "Ivan Petrov", local(3, 12, 0)).await;

    let asked = choose(&mut h, "Any specialist", "Wed 5 Jun", "15:00").await;
    assert_eq!(asked.text().unwrap(), "The customer's phone number?");
    let found = h.send(OWNER, "8 916 123-45-67").await;
    assert_eq!(
        text(&found),
        "Customer: Ivan Petrov, +79161234567.\nA comment for the booking? Or /skip."
    );
    let summary = screen(&h.send(OWNER, "Usual cut").await);
    assert_eq!(
        summary.text().unwrap(),
        "Book Haircut with any specialist, Wed 5 Jun, 15:00, for Ivan Petrov, +79161234567?\n💬 Usual cut"
    );
    h.press(OWNER, &summary, "✅ Book").await;

    let ivan = CustomerId::new(9001).unwrap();
    let bookings = h
        .store
        .upcoming_bookings_of_customer(ivan, h.clock.now())
        .await
        .unwrap();
    assert_eq!(bookings.len(), 2);
    let desk = bookings
        .iter()
        .find(|b| b.start() == local(5, 15, 0))
        .unwrap();
    let notices = h.store.notifications_of_booking(desk.id()).await.unwrap();
    assert!(
        notices
            .iter()
            .any(|n| n.recipient == Recipient::Customer(ivan) && n.kind == NoticeKind::Confirmed),
        "{notices:?}"
    );

    // His card's "book" button starts /book without asking the phone.
    let day = screen(&h.send(OWNER, "/today").await);
    let services = screen(&h.press_data(OWNER, &day, "bf:9001").await);
    let specialists = screen(&h.press(OWNER, &services, "Haircut").await);
    let days = screen(&h.press(OWNER, &specialists, "Anna").await);
    let times = screen(&h.press(OWNER, &days, "Thu 6 Jun").await);
    let asked = h.press(OWNER, &times, "12:00").await;
    assert_eq!(text(&asked), "A comment for the booking? Or /skip.");
}

#[tokio::test]
async fn a_wrong_phone_or_name_is_asked_again() {
    let mut h = Harness::new(allow_list()).await;
    choose(&mut h, "Anna", "Tue 4 Jun", "12:00").await;

    for wrong in ["12", "call me maybe"] {
        let refused = h.send(OWNER, wrong).await;
        assert_eq!(
            text(&refused),
            "That is not a phone number. Write it again, for example +7 916 555-01-02."
        );
    }
    let name = h.send(OWNER, "+7 916 555-01-02").await;
    assert_eq!(
        text(&name),
        "Nobody has this phone yet. The customer's name?"
    );
    let too_long = h.send(OWNER, &"M".repeat(300)).await;
    assert_eq!(
        text(&too_long),
        "That name cannot be used: write one of up to 100 letters."
    );
    let comment = h.send(OWNER, "Maria").await;
    assert!(text(&comment).starts_with("Customer: Maria"));
    let too_long = h.send(OWNER, &"x".repeat(2000)).await;
    assert_eq!(
        text(&too_long),
        "The comment is too long. Write a shorter one, or /skip."
    );
}

#[tokio::test]
async fn the_day_views_free_time_button_books_that_time() {
    let mut h = Harness::new(allow_list()).await;

    let day = screen(&h.send(OWNER, "/tomorrow").await);
    let services = screen(&h.press(OWNER, &day, "➕ 10:00").await);
    assert_eq!(
        services.text().unwrap(),
        "📝 New booking: choose a service."
    );
    let asked = h.press(OWNER, &services, "Haircut").await;
    assert_eq!(text(&asked), "The customer's phone number?");
    h.send(OWNER, "+7 916 555-01-02").await;
    h.send(OWNER, "Maria").await;
    let summary = screen(&h.send(OWNER, "/skip").await);
    assert_eq!(
        summary.text().unwrap(),
        "Book Haircut with Anna, Tue 4 Jun, 10:00, for Maria, +79165550102?"
    );

    // A customer takes the time before staff confirm.
    h.book(9001, "Ivan Petrov", local(4, 10, 0)).await;
    let taken = h.press(OWNER, &summary, "✅ Book").await;
    assert_eq!(
        taken.answered_callback_queries[0].text.as_deref(),
        Some("That time is not free (any more). Choose another.")
    );
    let times = text(&taken);
    assert!(times.starts_with("Tue 4 Jun: choose a time."), "{times}");

    // The day view's buttons follow: 10:00 is no longer offered.
    let day = screen(&h.send(OWNER, "/tomorrow").await);
    let labels = adapter_telegram::test_support::labels(&day);
    assert!(!labels.iter().any(|l| l == "➕ 10:00"), "{labels:?}");
    assert!(labels.iter().any(|l| l == "➕ 11:00"), "{labels:?}");
}

#[tokio::test]
async fn presses_of_an_abandoned_book_have_expired() {
    let mut h = Harness::new(allow_list()).await;
    let services = screen(&h.send(OWNER, "/book").await);
    let specialists = screen(&h.press(OWNER, &services, "Haircut").await);

    // Another command leaves /book.
    h.send(OWNER, "/today").await;
    let stale = h.press(OWNER, &specialists, "Anna").await;

    assert_eq!(
        stale.answered_callback_queries[0].text.as_deref(),
        Some("This button has expired.")
    );
    assert!(nothing_shown(&stale));
}

/// The front desk's day, as issue 15 asks to try it: a phone call from
/// "Maria, +7 916 555-01-02", who has no Telegram, is booked; after the
/// visit staff mark it completed; `/customer 9165550102` then shows her
/// with the visit, its price and who completed it.
#[tokio::test]
async fn a_phone_call_from_maria_ends_as_a_completed_visit_on_her_card() {
    let mut h = Harness::new(allow_list()).await;
    let asked = choose(&mut h, "Anna", "Tue 4 Jun", "11:00").await;
    assert_eq!(asked.text().unwrap(), "The customer's phone number?");
    h.send(OWNER, "+7 916 555-01-02").await;
    h.send(OWNER, "Maria").await;
    let summary = screen(&h.send(OWNER, "/skip").await);
    h.press(OWNER, &summary, "✅ Book").await;

    // The visit happened: the owner marks it from the day view.
    h.clock.set(local(4, 12, 30));
    let today = screen(&h.send(OWNER, "/today").await);
    let card = screen(&h.press(OWNER, &today, "#1").await);
    assert!(
        card.text()
            .unwrap()
            .contains("Booked by: owner (Telegram id 500)")
    );
    let completed = h.press(OWNER, &card, "Completed").await;
    assert!(text(&completed).starts_with("Marked as completed."));

    // Her card, found by the digits staff would type.
    let found = screen(&h.send(OWNER, "/customer 9165550102").await);
    let maria = screen(&h.press(OWNER, &found, "Maria").await);
    let shown = maria.text().unwrap();
    assert!(
        shown.starts_with("👤 Maria\nPhone: +79165550102\n"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "· Tue 4 Jun, 11:00 · Haircut · completed, marked by owner (Telegram id 500)"
        ),
        "{shown}"
    );
    assert!(shown.contains("Total spent: 2500 RUB"), "{shown}");
    // And the card books her again.
    let again = h.press(OWNER, &maria, "📅 Book").await;
    assert_eq!(text(&again), "📝 New booking: choose a service.");
}

/// A new customer is recorded only when the booking is made: a `/book`
/// abandoned after the name leaves no customer behind.
#[tokio::test]
async fn an_abandoned_booking_records_nobody() {
    let mut h = Harness::new(allow_list()).await;
    choose(&mut h, "Anna", "Tue 4 Jun", "11:00").await;
    h.send(OWNER, "+7 916 555-01-02").await;
    let comment = h.send(OWNER, "Maria").await;
    assert_eq!(
        text(&comment),
        "Customer: Maria, +79165550102.\nA comment for the booking? Or /skip."
    );

    // The owner turns to something else.
    h.send(OWNER, "/today").await;

    let phone = PhoneNumber::parse("+79165550102", PhoneRegion::new("RU").unwrap()).unwrap();
    assert_eq!(h.store.customer_by_phone(&phone).await.unwrap(), None);
}

#[tokio::test]
async fn answers_handled_again_after_their_step_was_written_are_not_applied_twice() {
    let mut h = Harness::new(allow_list()).await;
    let services = screen(&h.send(OWNER, "/book").await);
    let specialists = screen(&h.press(OWNER, &services, "Haircut").await);
    let days = screen(&h.press(OWNER, &specialists, "Anna").await);
    let times = screen(&h.press(OWNER, &days, "Tue 4 Jun").await);

    let again = h.redeliver().await;
    assert!(nothing_shown(&again), "the day's times are on display");
    assert_eq!(again.answered_callback_queries[0].text, None);

    let asked = h.press(OWNER, &times, "11:00").await;
    assert_eq!(text(&asked), "The customer's phone number?");
    let name = h.send(OWNER, "+7 916 555-01-02").await;
    assert_eq!(
        text(&name),
        "Nobody has this phone yet. The customer's name?"
    );

    let again = h.redeliver().await;
    assert!(nothing_shown(&again), "the phone is not taken for the name");

    let comment = h.send(OWNER, "Maria").await;
    assert_eq!(
        text(&comment),
        "Customer: Maria, +79165550102.\nA comment for the booking? Or /skip."
    );
    let summary = screen(&h.send(OWNER, "/skip").await);
    let booked = h.press(OWNER, &summary, "✅ Book").await;
    assert!(
        text(&booked).starts_with("✅ Booked #1"),
        "{}",
        text(&booked)
    );

    // Its step, idle, is forgotten rather than written (at once, before
    // the card: a staff booking is not idempotent): the press handled again
    // finds no draft, says the button expired, and books nothing.
    let again = h.redeliver().await;
    assert!(nothing_shown(&again));
    assert_eq!(
        again.answered_callback_queries[0].text.as_deref(),
        Some("This button has expired.")
    );
    let maria = customer_with_phone(&h, "+79165550102").await;
    let bookings = h
        .store
        .upcoming_bookings_of_customer(maria.id, h.clock.now())
        .await
        .unwrap();
    assert_eq!(bookings.len(), 1);
}
