//! The buttons under a customer reminder, pressed in the client bot: "I'll
//! come" is recorded on the booking; "Cancel" asks first and honours the
//! cancellation cutoff. The button data is taken from a reminder rendered
//! by the notification sender, so the two sides cannot drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use adapter_telegram::notify::{Audience, render};
use adapter_telegram::test_support::*;
use adapter_telegram::{Language, Locales};
use booking_domain::BookingStatus;
use booking_ports::{BookingDetails, Clock, NoticeKind, NotificationOutbox, OutgoingMessage};
use teloxide_tests::Responses;

/// The reminder the engine planned for `booked`, rendered as the sender
/// would send it.
async fn reminder(h: &Harness, booked: &BookingDetails) -> teloxide::types::InlineKeyboardMarkup {
    let notification = h
        .store
        .notifications_of_booking(booked.booking.id())
        .await
        .unwrap()
        .into_iter()
        .find(|n| matches!(n.kind, NoticeKind::CustomerReminder { .. }))
        .expect("no customer reminder planned");
    let message = OutgoingMessage {
        notification,
        booking: h.booking(booked.booking.id()).await,
        service: booked.service.clone(),
        staff: booked.staff.clone(),
        customer: None,
        replaced: None,
    };
    let locales = Locales::load(Language::English).unwrap();
    render(&locales, tz(), &message, Audience::Private)
        .keyboard
        .expect("a reminder of an active booking has buttons")
}

fn data(keyboard: &teloxide::types::InlineKeyboardMarkup, label: &str) -> String {
    let button = keyboard
        .inline_keyboard
        .iter()
        .flatten()
        .find(|b| b.text == label)
        .unwrap_or_else(|| panic!("no button {label}"));
    match &button.kind {
        teloxide::types::InlineKeyboardButtonKind::CallbackData(data) => data.clone(),
        other => panic!("not a callback button: {other:?}"),
    }
}

fn answer(responses: &Responses) -> Option<String> {
    responses
        .answered_callback_queries
        .last()
        .and_then(|a| a.text.clone())
}

#[tokio::test]
async fn ill_come_is_recorded_on_the_booking() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let booked = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    let buttons = reminder(&h, &booked).await;
    let chat = screen(&h.send(&ivan, "/start").await);
    assert!(
        h.booking(booked.booking.id())
            .await
            .attendance_confirmed_at()
            .is_none()
    );

    let responses = h
        .press_data(&ivan, &chat, &data(&buttons, "✅ I'll come"))
        .await;

    assert_eq!(
        answer(&responses).as_deref(),
        Some("Thank you, we are expecting you!")
    );
    assert_eq!(
        h.booking(booked.booking.id())
            .await
            .attendance_confirmed_at(),
        Some(h.clock.now())
    );
}

#[tokio::test]
async fn another_customer_cannot_confirm_attendance() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let olga = Customer::new(1002, "Olga");
    let booked = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    let buttons = reminder(&h, &booked).await;
    let chat = screen(&h.send(&olga, "/start").await);

    let responses = h
        .press_data(&olga, &chat, &data(&buttons, "✅ I'll come"))
        .await;

    assert_ne!(
        answer(&responses).as_deref(),
        Some("Thank you, we are expecting you!")
    );
    assert!(
        h.booking(booked.booking.id())
            .await
            .attendance_confirmed_at()
            .is_none()
    );
}

#[tokio::test]
async fn cancel_under_a_reminder_asks_then_cancels() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    let booked = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    let buttons = reminder(&h, &booked).await;
    let chat = screen(&h.send(&ivan, "/start").await);

    let question = screen(
        &h.press_data(&ivan, &chat, &data(&buttons, "Cancel booking"))
            .await,
    );
    assert_eq!(text(&question), "Cancel Men's haircut on Tue 4 Jun, 11:00?");
    assert!(h.booking(booked.booking.id()).await.is_active());

    h.press(&ivan, &question, "Yes, cancel it").await;
    assert!(matches!(
        h.booking(booked.booking.id()).await.status(),
        BookingStatus::Cancelled(_)
    ));
}

#[tokio::test]
async fn cancel_under_a_reminder_past_the_cutoff_explains_why_not() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");
    // Booked for tomorrow; the reminder is pressed 2 hours before the visit,
    // inside the 3-hour cutoff.
    let booked = h
        .book_directly(&ivan, MENS_HAIRCUT, ANNA, local(4, 11, 0))
        .await;
    let buttons = reminder(&h, &booked).await;
    h.clock.set(local(4, 9, 0));
    let chat = screen(&h.send(&ivan, "/start").await);

    let refused = screen(
        &h.press_data(&ivan, &chat, &data(&buttons, "Cancel booking"))
            .await,
    );

    assert!(
        text(&refused).starts_with(
            "Bookings can be cancelled online until 3 hours before the start, so this one can no longer be cancelled here."
        ),
        "{}",
        text(&refused)
    );
    assert!(h.booking(booked.booking.id()).await.is_active());
}
