//! SIGTERM in the middle of a booking: the binary stops taking updates but
//! finishes the one in flight, so the customer who pressed "Confirm" gets
//! their booking and its confirmation, and the process exits 0 with the
//! database consistent.
//!
//! "In flight" is made exact, not timed: the fake Bot API holds every
//! request once the customer has pressed "Confirm", so the handler is
//! provably mid-way when the signal arrives; the test releases the held
//! requests only after the binary logged that it received SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use booking_ports::{BookingStore, CustomerStore};
use common::*;

const CUSTOMER: i64 = 4242;

#[tokio::test]
async fn a_booking_confirmed_as_sigterm_arrives_is_finished_and_the_exit_is_clean() {
    let (address, fake, mut requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    let mut booking = workspace.run(address, &[]);

    // The booking up to its summary, pressing the first choice each time
    // (days and times depend on today's date).
    let mut update_id = 0;
    let mut next_id = || {
        update_id += 1;
        update_id
    };
    let summary = flow::to_summary(
        &fake,
        &mut requests,
        CUSTOMER,
        ("Zinaida Shutdown", "+7 916 555 12 34"),
        &mut next_id,
    )
    .await;
    let confirm = button(&summary, "✅ Confirm").unwrap();

    // Confirm, with the fake holding the bot's requests: the handler is in
    // flight when SIGTERM arrives.
    let gate = fake.hold_requests();
    let press = next_id();
    fake.push_update(press_update(press, CUSTOMER, &summary, &confirm));
    let (_, held) = next_reply(&mut requests, "the confirm handler's request").await;
    terminate(&booking.child);
    booking.wait_for_log("SIGTERM received").await;
    gate.release();

    // The customer is told, and the process stops cleanly.
    let is_booked = |body: &serde_json::Value| {
        body["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("✅ Booked:"))
    };
    let booked = if is_booked(&held) {
        held
    } else {
        loop {
            let body = next_screen(&mut requests, "the confirmation").await;
            if is_booked(&body) {
                break body;
            }
        }
    };
    assert_eq!(booked["chat_id"], serde_json::json!(CUSTOMER));
    let (code, logs) = booking.wait().await;
    assert_eq!(code, Some(0), "{logs}");
    assert!(logs.ends_with("stopped"), "{logs}");

    // The database holds exactly that booking, consistent after the stop.
    let store = adapter_sqlite::SqliteStore::open(&adapter_sqlite::SqliteSettings::new(
        workspace.database(),
    ))
    .await
    .unwrap();
    // The customer record the Telegram account acts as.
    let account = booking_domain::TelegramUserId::new(CUSTOMER).unwrap();
    let customer = store
        .customer_by_telegram(account)
        .await
        .unwrap()
        .expect("the booking made the account's record")
        .id;
    let bookings = store.bookings_of_customer(customer).await.unwrap();
    assert_eq!(bookings.len(), 1, "{bookings:?}");
    store.close().await;
}

/// A stop that cannot finish (Telegram never answers the reply in flight)
/// is given up at `[shutdown] deadline_seconds`: the process still exits,
/// with 1 and a line saying why, so a service manager never has to kill it.
#[tokio::test]
async fn a_stop_that_cannot_finish_ends_at_the_deadline_with_exit_1() {
    let (address, fake, mut requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    let config = workspace.dir.path().join("booking.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[shutdown]\ndeadline_seconds = 1\n");
    std::fs::write(&config, text).unwrap();
    let booking = workspace.run(address, &[]);

    // Polling has begun (its start-up requests are answered), then hold.
    next_request(&mut requests, "getupdates").await;
    let _never_released = fake.hold_requests();
    fake.push_update(start_update(1, CUSTOMER));
    while next_reply(&mut requests, "the reply to /start").await.0 != "sendmessage" {}
    let (code, logs) = booking.terminate().await;
    assert_eq!(code, Some(1), "{logs}");
    assert!(
        logs.contains("did not stop within 1 s of the stop signal"),
        "{logs}"
    );
}
