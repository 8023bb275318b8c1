//! `booking run` on PostgreSQL, as a process: a `postgres://`
//! `BOOKING_DATABASE_URL` selects it; the example catalog is imported into
//! the server's database, a customer books through the fake Bot API, the
//! booking is in PostgreSQL, and `booking migrate` on the same database is
//! refused while the bot holds its run lock (several instances:
//! `postgres_leadership.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapter_postgres::testing::PgTestDb;
use booking_domain::TelegramUserId;
use booking_ports::{BookingStore, CatalogStore, CustomerStore};
use common::*;

const CUSTOMER: i64 = 5151;

#[tokio::test]
async fn on_postgresql_a_customer_books_through_the_running_bot_and_migrate_waits_for_it() {
    let db = PgTestDb::create().await;
    let (address, fake, mut requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    let mut booking = workspace.run(address, &[("BOOKING_DATABASE_URL", db.url())]);
    let opened = booking.wait_for_log("database open").await;
    assert!(opened.contains("PostgreSQL"), "{opened}");

    let mut update_id = 0;
    let mut next_id = || {
        update_id += 1;
        update_id
    };
    let summary = flow::to_summary(
        &fake,
        &mut requests,
        CUSTOMER,
        ("Polina Postgres", "+7 916 555 77 88"),
        &mut next_id,
    )
    .await;
    let confirm = button(&summary, "✅ Confirm").unwrap();
    fake.push_update(press_update(next_id(), CUSTOMER, &summary, &confirm));
    loop {
        let body = next_screen(&mut requests, "the confirmation").await;
        if body["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("✅ Booked:"))
        {
            break;
        }
    }

    let migrate = workspace
        .command()
        .arg("migrate")
        .env("BOOKING_DATABASE_URL", db.url())
        .output()
        .await
        .unwrap();
    let refusal = String::from_utf8_lossy(&migrate.stderr);
    assert_eq!(migrate.status.code(), Some(3), "{refusal}");
    assert!(
        refusal.contains("another booking process is running"),
        "{refusal}"
    );

    let (code, logs) = booking.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
    assert!(logs.contains("catalog imported"), "{logs}");

    let store = db.open().await;
    assert_eq!(store.staff().await.unwrap().len(), 2, "the example catalog");
    let customer = store
        .customer_by_telegram(TelegramUserId::new(CUSTOMER).unwrap())
        .await
        .unwrap()
        .expect("the booking made the account's record");
    let bookings = store.bookings_of_customer(customer.id).await.unwrap();
    assert_eq!(bookings.len(), 1, "{bookings:?}");
    assert_eq!(
        bookings[0].booked_for().unwrap().name.expose(),
        "Polina Postgres"
    );
    store.close().await;
}
