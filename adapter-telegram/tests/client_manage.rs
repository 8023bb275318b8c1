//! The client bot's "My bookings" and "About" flows through the real
//! handler tree: listing, details, cancelling with confirmation and
//! cutoff, rescheduling (and a taken new time), a change made meanwhile,
//! forged buttons naming someone else's booking, opening hours, and a
//! customer's data with its erasure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use adapter_telegram::test_support::*;
use booking_domain::BookingStatus;
use teloxide::types::Message;

/// Opens "My bookings" for `who` from a fresh /start.
async fn my_bookings(h: &mut Harness, who: &Customer) -> Message {
    let menu = screen(&h.send(who, "/start").await);
    screen(&h.press(who, &menu, "🗂 My bookings").await)
}

#[tokio::test]
async fn my_bookings_lists_upcoming_bookings_and_their_details() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let olga = Customer::new(1002, "Olga");
    h.book_directly(&ivan, COLOURING, MARIA, local(6, 12, 0))
        .await;
    h.book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    h.book_directly(&olga, MENS_HAIRCUT, ANNA, local(4, 12, 0))
        .await;

    let list = my_bookings(&mut h, &ivan).await;
    assert_eq!(text(&list), "Your upcoming bookings:");
    assert_eq!(
        labels(&list),
        [
            "Tue 4 Jun, 11:00 · Men's haircut",
            "Thu 6 Jun, 12:00 · Colouring",
            "🏠 Menu"
        ]
    );

    let details = screen(&h.press(&ivan, &list, "Tue 4 Jun, 11:00").await);
    assert_eq!(
        text(&details),
        "Men's haircut\nSpecialist: Anna\nWhen: Tue 4 Jun, 11:00\nStatus: confirmed"
    );
    assert_eq!(
        labels(&details),
        ["Reschedule", "Cancel booking", "⬅️ Back"]
    );
    let list = screen(&h.press(&ivan, &details, "⬅️ Back").await);
    assert_eq!(text(&list), "Your upcoming bookings:");

    let pavel = Customer::new(1003, "Pavel");
    let empty = my_bookings(&mut h, &pavel).await;
    assert_eq!(text(&empty), "You have no upcoming bookings.");
    assert_eq!(labels(&empty), ["📅 Book", "🏠 Menu"]);
}

#[tokio::test]
async fn cancelling_asks_first_then_cancels() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let booked = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    let list = my_bookings(&mut h, &ivan).await;
    let details = screen(&h.press(&ivan, &list, "Tue 4 Jun, 11:00").await);

    let question = screen(&h.press(&ivan, &details, "Cancel booking").await);
    assert_eq!(text(&question), "Cancel Men's haircut on Tue 4 Jun, 11:00?");
    assert_eq!(labels(&question), ["Yes, cancel it", "No, keep it"]);
    let kept = screen(&h.press(&ivan, &question, "No, keep it").await);
    assert!(text(&kept).ends_with("Status: confirmed"));
    assert!(h.booking(booked.booking.id()).await.is_active());

    let question = screen(&h.press(&ivan, &kept, "Cancel booking").await);
    let done = screen(&h.press(&ivan, &question, "Yes, cancel it").await);

    assert_eq!(
        text(&done),
        "Your booking for Men's haircut on Tue 4 Jun, 11:00 is cancelled.\n\nYou have no upcoming bookings.\n\n\
         Your recent visits:\n· Tue 4 Jun, 11:00 · Men's haircut · cancelled"
    );
    assert!(matches!(
        h.booking(booked.booking.id()).await.status(),
        BookingStatus::Cancelled(_)
    ));
}

#[tokio::test]
async fn past_the_cutoff_cancelling_and_moving_are_explained_not_offered() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    // Today at 12:00; it is 10:00 and the cutoff is 3 hours.
    let booked = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(3, 12, 0))
        .await;
    let list = my_bookings(&mut h, &ivan).await;
    let details = screen(&h.press(&ivan, &list, "Mon 3 Jun, 12:00").await);

    let refused = screen(&h.press(&ivan, &details, "Cancel booking").await);
    assert!(
        text(&refused).starts_with(
            "Bookings can be cancelled online until 3 hours before the start, so this one can no longer be cancelled here. Please contact us."
        ),
        "{}",
        text(&refused)
    );
    let refused = screen(&h.press(&ivan, &refused, "Reschedule").await);
    assert!(
        text(&refused).starts_with("Bookings can be moved online until 3 hours before the start")
    );
    assert!(h.booking(booked.booking.id()).await.is_active());
}

#[tokio::test]
async fn the_cutoff_passing_during_the_confirmation_is_explained_by_the_engine() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    // 13:00 today: cancellable until exactly 10:00, which is now.
    let booked = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(3, 13, 0))
        .await;
    let list = my_bookings(&mut h, &ivan).await;
    let details = screen(&h.press(&ivan, &list, "Mon 3 Jun, 13:00").await);
    let question = screen(&h.press(&ivan, &details, "Cancel booking").await);

    h.clock.advance(chrono::Duration::minutes(5));
    let refused = screen(&h.press(&ivan, &question, "Yes, cancel it").await);

    assert!(
        text(&refused)
            .starts_with("Bookings can be cancelled online until 3 hours before the start")
    );
    assert!(h.booking(booked.booking.id()).await.is_active());
}

#[tokio::test]
async fn a_booking_changed_meanwhile_is_shown_as_it_is_now_and_not_overwritten() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let booked = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    let list = my_bookings(&mut h, &ivan).await;
    let details = screen(&h.press(&ivan, &list, "Tue 4 Jun, 11:00").await);
    let question = screen(&h.press(&ivan, &details, "Cancel booking").await);

    // Another change lands between the question and the answer.
    h.engine
        .confirm_attendance(h.customer_of(&ivan).await.unwrap(), booked.booking.id())
        .await
        .unwrap();
    let shown = screen(&h.press(&ivan, &question, "Yes, cancel it").await);

    assert!(
        text(&shown)
            .starts_with("This booking was changed meanwhile. Here it is as it stands now:"),
        "{}",
        text(&shown)
    );
    let stored = h.booking(booked.booking.id()).await;
    assert!(stored.is_active());
    assert!(stored.attendance_confirmed_at().is_some());
}

#[tokio::test]
async fn rescheduling_moves_the_booking_to_the_new_time() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let booked = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    let list = my_bookings(&mut h, &ivan).await;
    let details = screen(&h.press(&ivan, &list, "Tue 4 Jun, 11:00").await);

    let days = screen(&h.press(&ivan, &details, "Reschedule").await);
    assert_eq!(
        text(&days),
        "Moving Men's haircut (Tue 4 Jun, 11:00).\nChoose a new day:"
    );
    let times = screen(&h.press(&ivan, &days, "Wed 5 Jun").await);
    let summary = screen(&h.press(&ivan, &times, "15:00").await);
    assert_eq!(
        text(&summary),
        "Move Men's haircut with Anna\nfrom Tue 4 Jun, 11:00\nto Wed 5 Jun, 15:00?"
    );
    let moved = screen(&h.press(&ivan, &summary, "✅ Confirm").await);

    assert!(
        text(&moved).starts_with("✅ Moved: Men's haircut is now on Wed 5 Jun, 15:00."),
        "{}",
        text(&moved)
    );
    let upcoming = h.bookings_of(&ivan).await;
    assert_eq!(upcoming.len(), 1);
    assert_eq!(upcoming[0].booking.start(), local(5, 15, 0));
    assert!(matches!(
        h.booking(booked.booking.id()).await.status(),
        BookingStatus::Rescheduled { .. }
    ));
}

#[tokio::test]
async fn a_new_time_taken_meanwhile_keeps_the_old_booking() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let olga = Customer::new(1002, "Olga");
    let booked = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    let list = my_bookings(&mut h, &ivan).await;
    let details = screen(&h.press(&ivan, &list, "Tue 4 Jun, 11:00").await);
    let days = screen(&h.press(&ivan, &details, "Reschedule").await);
    let times = screen(&h.press(&ivan, &days, "Wed 5 Jun").await);
    let summary = screen(&h.press(&ivan, &times, "15:00").await);

    h.book_directly(&olga, MENS_HAIRCUT, ANNA, local(5, 15, 0))
        .await;
    let refused = screen(&h.press(&ivan, &summary, "✅ Confirm").await);

    assert!(
        text(&refused).starts_with(
            "Sorry, 15:00 was just taken. Your booking stays on Tue 4 Jun, 11:00. These times on Wed 5 Jun are free now:"
        ),
        "{}",
        text(&refused)
    );
    assert!(!labels(&refused).contains(&"15:00".to_owned()));
    let stored = h.booking(booked.booking.id()).await;
    assert!(stored.is_active());
    assert_eq!(stored.start(), local(4, 11, 0));
}

#[tokio::test]
async fn a_forged_button_naming_another_customers_booking_is_refused_and_reveals_nothing() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let olga = Customer::new(1002, "Olga");
    h.book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    let olgas = h
        .book_directly(&olga, COLOURING, MARIA, local(6, 12, 0))
        .await;
    let theirs = olgas.booking.id();

    let list = my_bookings(&mut h, &ivan).await;
    let flow = button_data(&list, "Tue 4 Jun, 11:00")
        .split_once('|')
        .unwrap()
        .0
        .to_owned();

    // The list accepts any booking id; the engine checks whose it is.
    let forged = h
        .press_data(&ivan, &list, &format!("{flow}|b:{theirs}"))
        .await;
    assert_eq!(answer(&forged).as_deref(), Some("This button has expired."));
    assert!(nothing_shown(&forged));

    let details = screen(&h.press(&ivan, &list, "Tue 4 Jun, 11:00").await);
    for action in ["c", "r", "cy"] {
        let forged = h
            .press_data(&ivan, &details, &format!("{flow}|{action}:{theirs}"))
            .await;
        assert_eq!(
            answer(&forged).as_deref(),
            Some("This button has expired."),
            "{action}"
        );
        assert!(nothing_shown(&forged), "{action}");
    }
    let question = screen(&h.press(&ivan, &details, "Cancel booking").await);
    let forged = h
        .press_data(&ivan, &question, &format!("{flow}|cy:{theirs}"))
        .await;
    assert_eq!(answer(&forged).as_deref(), Some("This button has expired."));
    assert!(nothing_shown(&forged));

    let stored = h.booking(theirs).await;
    assert!(stored.is_active());
    assert_eq!(stored.version(), olgas.booking.version());
}

#[tokio::test]
async fn about_shows_address_contacts_and_opening_hours() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);

    let about = screen(&h.press(&ivan, &menu, "ℹ️ About").await);

    assert_eq!(
        text(&about),
        "Studio Lotos\n📍 Tverskaya St 12, Moscow\n📞 +7 495 123-45-67\n🌐 https://studio-lotos.example\n\nOpening hours:\nMon–Tue: 10:00–14:00, 15:00–19:00\nWed–Fri: 10:00–20:00\nSat–Sun: 12:00–16:00, 16:30–20:00"
    );
    assert_eq!(labels(&about), ["🔒 My data", "⬅️ Back"]);
    let back = screen(&h.press(&ivan, &about, "⬅️ Back").await);
    assert!(text(&back).starts_with("Welcome to Studio Lotos!"));
}

/// A config reload replaces the business information of the running bot:
/// the next greeting and "About" show the new one.
#[tokio::test]
async fn a_reloaded_business_information_is_shown_without_a_restart() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);

    h.client.business.set(adapter_telegram::BusinessInfo {
        name: "Studio Lilac".to_owned(),
        address: Some("Arbat St 1, Moscow".to_owned()),
        phone: None,
        email: Some("hello@lilac.example".to_owned()),
        website: None,
    });
    let about = screen(&h.press(&ivan, &menu, "ℹ️ About").await);
    let greeting = screen(&h.send(&ivan, "/start").await);

    assert!(
        text(&about).starts_with("Studio Lilac\n📍 Arbat St 1, Moscow\n✉️ hello@lilac.example\n"),
        "{}",
        text(&about)
    );
    assert!(
        text(&greeting).starts_with("Welcome to Studio Lilac!"),
        "{}",
        text(&greeting)
    );
}

#[tokio::test]
async fn my_data_shows_what_is_stored_and_erasing_cancels_upcoming_bookings_first() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let pavel = Customer::new(1003, "Pavel");
    let booked = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;

    let menu = screen(&h.send(&pavel, "/start").await);
    let about = screen(&h.press(&pavel, &menu, "ℹ️ About").await);
    let nothing = screen(&h.press(&pavel, &about, "🔒 My data").await);
    assert_eq!(text(&nothing), "We store no personal data about you.");
    assert_eq!(labels(&nothing), ["⬅️ Back"]);

    let menu = screen(&h.send(&ivan, "/start").await);
    let about = screen(&h.press(&ivan, &menu, "ℹ️ About").await);
    let data = screen(&h.press(&ivan, &about, "🔒 My data").await);
    assert_eq!(
        text(&data),
        "What we store about you:\nName: Ivan\nPhone: +79161234567\nStored since: Mon 3 Jun\nUpcoming bookings: 1\n\n\
         Bookings stored about you (1):\n· Tue 4 Jun, 11:00 · Men's haircut · confirmed"
    );
    let question = screen(&h.press(&ivan, &data, "Erase my data").await);
    assert_eq!(
        text(&question),
        "Erase your name and phone number from our records? Your upcoming booking will be cancelled first."
    );
    let data = screen(&h.press(&ivan, &question, "No, keep it").await);
    assert!(h.engine.account(ivan.account()).await.unwrap().is_some());

    let question = screen(&h.press(&ivan, &data, "Erase my data").await);
    let done = screen(&h.press(&ivan, &question, "Yes, erase my data").await);

    assert_eq!(
        text(&done),
        "Done: your upcoming booking is cancelled and your personal data is erased."
    );
    assert!(h.engine.account(ivan.account()).await.unwrap().is_none());
    assert!(h.bookings_of(&ivan).await.is_empty());
    let kept = h.booking(booked.booking.id()).await;
    assert!(matches!(kept.status(), BookingStatus::Cancelled(_)));
    assert_eq!(
        kept.customer(),
        None,
        "the row stays, anonymised, for statistics"
    );
}
