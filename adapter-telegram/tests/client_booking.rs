//! The client bot's booking flow, driven through the real handler tree and
//! teloxide_tests' mock Bot API: the menu, a booking from start to finish,
//! every refusal on the way, concurrent customers, stale buttons, expired
//! and unreadable conversations, and the panic guard.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[tokio::test]
async fn start_greets_with_the_business_name_and_the_main_menu() {
    let mut h = Harness::new().await;
    let ivan = Customer::new(1001, "Ivan");

    let shown = screen(&h.send(&ivan, "/start").await);

    assert!(
        text(&shown).contains("Welcome to Studio Lotos!"),
        "{}",
        text(&shown)
    );
    assert_eq!(labels(&shown), ["📅 Book", "🗂 My bookings", "ℹ️ About"]);
}
