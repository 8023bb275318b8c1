//! The admin bot's PIN defences against guessing, through the real handler
//! tree on the mock Bot API: a changed PIN ends old sessions, many accounts
//! guessing together pause PIN checks for everyone not signed in (and the
//! owners hear of it), text typed into a step after a session ended is not
//! a PIN attempt, and what cannot be a PIN is not counted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use adapter_telegram::admin::{AdminBotConfig, PinHash, hash_pin};
use chrono::Duration;

mod admin_support;
use admin_support::*;

const PIN: &str = "482913";
const OWNER_CHAT: i64 = -100_200_300;

fn pin_hash(pin: &str) -> PinHash {
    PinHash::parse(&hash_pin(pin, None).unwrap()).unwrap()
}

fn with_pin(users: &[u64], pin: &str) -> AdminBotConfig {
    AdminBotConfig::new(users.iter().map(|u| *u as i64), Some(pin_hash(pin))).unwrap()
}

async fn sign_in(h: &mut Harness, user: u64, pin: &str) {
    h.send(user, "/today").await;
    let signed_in = text(&h.send(user, pin).await);
    assert!(signed_in.starts_with("Signed in until"), "{signed_in}");
}

#[tokio::test]
async fn a_changed_pin_ends_every_session_opened_with_the_old_one_also_across_a_restart() {
    let mut h = Harness::new(with_pin(&[OWNER], PIN)).await;
    sign_in(&mut h, OWNER, PIN).await;
    assert!(text(&h.send(OWNER, "/today").await).starts_with("Mon 3 Jun"));

    // The same PIN hashed anew is a new credential too: a reload with it
    // signs everyone out.
    h.access().set_config(with_pin(&[OWNER], PIN)).unwrap();

    assert_eq!(
        text(&h.send(OWNER, "/today").await),
        "Please send your PIN to sign in."
    );
    sign_in(&mut h, OWNER, PIN).await;

    // Changed while the service was down.
    h.config = with_pin(&[OWNER], "713705");
    h.restart();
    assert_eq!(
        text(&h.send(OWNER, "/today").await),
        "Please send your PIN to sign in."
    );
    assert!(text(&h.send(OWNER, PIN).await).starts_with("Wrong PIN."));
    sign_in(&mut h, OWNER, "713705").await;
}

#[tokio::test]
async fn many_accounts_guessing_pause_pin_checks_for_everyone_not_signed_in_and_owners_are_told() {
    let mut config = AdminBotConfig::pin_only(pin_hash(PIN));
    config.max_failed_pins_of_everyone = 3;
    config.owner_chats = vec![OWNER_CHAT];
    let mut h = Harness::new(config).await;
    sign_in(&mut h, OWNER, PIN).await;

    // Three accounts, one wrong PIN each: far inside each one's own budget.
    assert!(text(&h.send(601, "111111").await).starts_with("Wrong PIN."));
    assert!(text(&h.send(602, "222222").await).starts_with("Wrong PIN."));
    let third = h.send(603, "333333").await;

    let paused = "Signing in with the PIN is paused until Mon 3 Jun, 11:00";
    let to_guesser: Vec<_> = third
        .sent_messages
        .iter()
        .filter(|m| m.chat.id.0 == 603)
        .collect();
    assert!(
        to_guesser[0].text().unwrap().starts_with(paused),
        "{:?}",
        to_guesser[0].text()
    );
    let to_owners: Vec<_> = third
        .sent_messages
        .iter()
        .filter(|m| m.chat.id.0 == OWNER_CHAT)
        .collect();
    assert_eq!(to_owners.len(), 1, "the owners are told once");
    assert!(
        to_owners[0]
            .text()
            .unwrap()
            .contains("paused for everyone not signed in until Mon 3 Jun, 11:00")
    );

    // Even the right PIN is not checked now, from anyone not signed in ...
    assert!(text(&h.send(604, PIN).await).starts_with(paused));
    assert!(text(&h.send(604, "/today").await).starts_with(paused));
    // ... and whoever was signed in works on.
    let day = screen(&h.send(OWNER, "/today").await);
    assert!(day.text().unwrap().starts_with("Mon 3 Jun"));
    // A button pressed by someone not signed in says why: the pause, not a
    // lockout of their own.
    let pressed = h.press_data(604, &day, "b:1").await;
    let answer = pressed.answered_callback_queries[0].text.as_deref();
    assert!(answer.is_some_and(|a| a.starts_with(paused)), "{answer:?}");

    // An hour after the first wrong PIN, checks resume.
    h.clock.advance(Duration::hours(1));
    sign_in(&mut h, 604, PIN).await;
}

#[tokio::test]
async fn text_typed_into_a_step_after_the_session_ended_is_not_taken_as_a_pin() {
    let mut config = with_pin(&[OWNER], PIN);
    config.session_lifetime = Duration::minutes(20);
    let mut h = Harness::new(config).await;
    let booked = h.book(9001, "Ivan Petrov", local(4, 11, 0)).await;
    sign_in(&mut h, OWNER, PIN).await;
    let day = screen(&h.send(OWNER, "/tomorrow").await);
    let card = h
        .press(OWNER, &day, &format!("#{}", booked.booking.id().get()))
        .await;
    let asked = h.press(OWNER, &screen(&card), "✖️ Cancel booking").await;
    assert!(text(&asked).starts_with("Write the reason for cancelling booking"));

    h.clock.advance(Duration::minutes(21));
    let typed = h.send(OWNER, "Anna_is_ill").await;

    assert_eq!(
        text(&typed),
        "Your session has ended, so what you typed was not used. Please send your PIN to sign in again."
    );
    // Not counted: the first wrong PIN leaves all ten but one.
    assert_eq!(
        text(&h.send(OWNER, "111111").await),
        "Wrong PIN. 9 attempts left before a lockout."
    );
    // And the step is gone: after signing in, text is not a reason.
    assert!(text(&h.send(OWNER, PIN).await).starts_with("Signed in until"));
    assert!(text(&h.send(OWNER, "Anna_is_ill").await).starts_with("Commands:"));
    assert!(h.status(&booked).await.is_active());
}

#[tokio::test]
async fn what_cannot_be_a_pin_is_answered_and_not_counted() {
    let mut h = Harness::new(with_pin(&[OWNER], PIN)).await;

    for typed in ["Anna Petrova", "12345", &"9".repeat(65)] {
        assert_eq!(
            text(&h.send(OWNER, typed).await),
            "That cannot be a PIN: a PIN has 6 to 64 characters without spaces. Please send your PIN to sign in.",
            "{typed:?}"
        );
    }
    assert_eq!(
        text(&h.send(OWNER, "111111").await),
        "Wrong PIN. 9 attempts left before a lockout."
    );
}

#[test]
fn a_pin_without_an_allow_list_needs_the_explicit_choice() {
    assert!(AdminBotConfig::new(std::iter::empty(), Some(pin_hash(PIN))).is_err());
    let chosen = AdminBotConfig::pin_only(pin_hash(PIN));
    assert!(chosen.validate().is_ok());
    assert!(chosen.pin_without_allow_list);
}
