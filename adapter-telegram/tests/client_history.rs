//! Customers' own history through the client bot: "My bookings" shows the
//! recent past visits under the upcoming bookings, "My data" lists the
//! bookings stored about them, and a booking for other details than the
//! account's record offers "Save as my details" instead of overwriting it.
//! A contact shared outside the booking flow (the Mini App's contact
//! request sends one) becomes the record's phone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use adapter_telegram::test_support::*;
use booking_ports::{StaffActor, StaffUser};
use chrono::Duration;
use teloxide::types::Message;

async fn my_bookings(h: &mut Harness, who: &Customer) -> Message {
    let menu = screen(&h.send(who, "/start").await);
    screen(&h.press(who, &menu, "🗂 My bookings").await)
}

/// Books a men's haircut on Tue 4 Jun at `time` for `name` and `phone`,
/// through the whole flow; the confirmation.
async fn book_typing(
    h: &mut Harness,
    who: &Customer,
    time: &str,
    name: &str,
    phone: &str,
) -> Message {
    let menu = screen(&h.send(who, "/start").await);
    let services = screen(&h.press(who, &menu, "📅 Book").await);
    let days = screen(&h.press(who, &services, "Men's haircut").await);
    let times = screen(&h.press(who, &days, "Tue 4 Jun").await);
    screen(&h.press(who, &times, time).await);
    let asked = h.send(who, name).await;
    assert!(asks_for_contact(&asked), "the name {name:?} is taken");
    let comment = screen(&h.send(who, phone).await);
    let summary = screen(&h.press(who, &comment, "Skip").await);
    screen(&h.press(who, &summary, "✅ Confirm").await)
}

#[tokio::test]
async fn my_bookings_shows_the_recent_past_visits_under_the_upcoming_ones() {
    // Arrange: a visit Ivan made, one he cancelled, and one to come.
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let done = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(3, 12, 0))
        .await;
    let dropped = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(5, 12, 0))
        .await;
    let customer = h.customer_of(&ivan).await.unwrap();
    h.engine
        .cancel_my_booking(customer, dropped.booking.id(), dropped.booking.version())
        .await
        .unwrap();
    h.book_directly(&ivan, MENS_HAIRCUT, ANNA, local(6, 12, 0))
        .await;
    h.clock.advance(Duration::hours(4));
    let staff = StaffActor::authenticated(StaffUser::new(1), None, booking_ports::StaffRole::Owner);
    h.engine
        .complete_booking(&staff, done.booking.id(), done.booking.version())
        .await
        .unwrap();

    // Act
    let list = my_bookings(&mut h, &ivan).await;

    // Assert
    assert_eq!(
        text(&list),
        "Your upcoming bookings:\n\nYour recent visits:\n\
         · Wed 5 Jun, 12:00 · Men's haircut · cancelled\n\
         · Mon 3 Jun, 12:00 · Men's haircut · completed"
    );
    assert_eq!(
        labels(&list),
        ["Thu 6 Jun, 12:00 · Men's haircut", "🏠 Menu"]
    );
}

#[tokio::test]
async fn my_data_lists_the_bookings_stored_about_me() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    h.book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    h.book_directly(&ivan, COLOURING, MARIA, local(6, 12, 0))
        .await;

    let menu = screen(&h.send(&ivan, "/start").await);
    let about = screen(&h.press(&ivan, &menu, "ℹ️ About").await);
    let data = screen(&h.press(&ivan, &about, "🔒 My data").await);

    let shown = text(&data);
    assert!(
        shown.ends_with(
            "Bookings stored about you (2):\n\
             · Tue 4 Jun, 11:00 · Men's haircut · confirmed\n\
             · Thu 6 Jun, 12:00 · Colouring · confirmed"
        ),
        "{shown}"
    );
}

#[tokio::test]
async fn a_booking_for_other_details_offers_to_save_them_and_only_the_press_does() {
    // Arrange: Ivan's record from his first booking.
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan").surname("Petrov");
    let first = book_typing(&mut h, &ivan, "11:00", "Ivan Petrov", "8 916 123-45-67").await;
    assert!(
        first.reply_markup().is_none_or(|k| !k
            .inline_keyboard
            .iter()
            .flatten()
            .any(|b| b.text.contains("Save as my details"))),
        "nothing to save after the first booking"
    );

    // Act 1: a booking with a new phone offers to save it.
    let done = book_typing(&mut h, &ivan, "16:00", "Ivan Petrov", "+7 916 555-01-02").await;

    // Assert 1: offered, not saved.
    assert!(
        text(&done).contains("This booking is for Ivan Petrov, +79165550102."),
        "{}",
        text(&done)
    );
    let record = h.engine.account(ivan.account()).await.unwrap().unwrap();
    assert_eq!(record.phone.as_ref().unwrap().expose(), "+79161234567");

    // Act 2: the press saves it.
    let pressed = h.press(&ivan, &done, "💾 Save as my details").await;

    // Assert 2
    assert_eq!(
        answer(&pressed).as_deref(),
        Some("Saved: next time we will offer Ivan Petrov, +79165550102.")
    );
    let record = h.engine.account(ivan.account()).await.unwrap().unwrap();
    assert_eq!(record.phone.as_ref().unwrap().expose(), "+79165550102");
}

#[tokio::test]
async fn saving_someone_elses_booking_or_a_taken_phone_changes_nothing() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let olga = Customer::new(1002, "Olga");
    let ivans = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    let menu = screen(&h.send(&olga, "/start").await);
    // Olga has no record yet: a forged press is an expired button.
    let forged = h
        .press_data(&olga, &menu, &format!("sd:{}", ivans.booking.id()))
        .await;
    assert_eq!(answer(&forged).as_deref(), Some("This button has expired."));

    // Olga books with Ivan's phone (kept on the booking only), then tries
    // to make it hers.
    let done = book_typing(&mut h, &olga, "16:00", "Olga", "+7 916 123-45-67").await;
    let olgas = h.bookings_of(&olga).await;
    let pressed = h
        .press_data(&olga, &done, &format!("sd:{}", olgas[0].booking.id()))
        .await;
    assert_eq!(
        answer(&pressed).as_deref(),
        Some(
            "This phone number is in another customer's record, so your details were not changed. Please contact us if it is yours."
        )
    );
    let forged = h
        .press_data(&olga, &done, &format!("sd:{}", ivans.booking.id()))
        .await;
    assert_eq!(answer(&forged).as_deref(), Some("This button has expired."));
}

#[tokio::test]
async fn a_contact_shared_outside_the_flow_becomes_the_records_phone() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);

    // Telegram sends the contact the Mini App asked for while the chat is at
    // the service list.
    let saved = h.share_contact(&ivan, "79161234567", Some(1001)).await;

    assert!(
        text(&screen(&saved)).contains("Saved your number +79161234567"),
        "{}",
        text(&screen(&saved))
    );
    let record = h.engine.account(ivan.account()).await.unwrap().unwrap();
    assert_eq!(record.phone.unwrap().expose(), "+79161234567");
    // The record is named as the contact card is.
    assert_eq!(record.name.expose(), "Ivan");
    // The conversation stayed where it was: the service list still works.
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    assert!(
        labels(&days).iter().any(|l| l == "Tue 4 Jun"),
        "{:?}",
        labels(&days)
    );
}

#[tokio::test]
async fn someone_elses_contact_card_is_refused_and_nothing_is_stored() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");

    let forwarded = h.share_contact(&ivan, "79031112233", Some(2002)).await;
    let no_account = h.share_contact(&ivan, "79031112233", None).await;

    for refused in [forwarded, no_account] {
        assert!(
            text(&screen(&refused)).contains("not your own contact"),
            "{}",
            text(&screen(&refused))
        );
    }
    assert_eq!(h.engine.account(ivan.account()).await.unwrap(), None);
}
