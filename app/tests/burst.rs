//! A burst of new chats while Telegram holds every reply: at most 64 of the
//! client bot's updates are handled at once (so teloxide's dispatcher gives
//! at most 64 chats a worker), the rest wait their turn instead of being
//! dropped, and every chat is answered, once, when Telegram answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};

use common::{Requests, Workspace, start_fake_telegram, start_update};
use serde_json::Value;

/// The bot's bound on updates in flight (`AdmissionSettings::max_in_flight`).
const IN_FLIGHT: usize = 64;
const CHATS: i64 = 150;
const FIRST_CHAT: i64 = 8_000;

fn welcomed_chat(body: &Value) -> Option<i64> {
    body["text"]
        .as_str()
        .is_some_and(|text| text.starts_with("Welcome"))
        .then(|| body["chat_id"].as_i64())
        .flatten()
}

/// How many welcomes each chat was sent, of the requests reported so far.
fn welcomes(requests: &mut Requests) -> HashMap<i64, usize> {
    let mut welcomes = HashMap::new();
    for (method, body) in requests.all() {
        if let (true, Some(chat)) = (method == "sendmessage", welcomed_chat(body)) {
            *welcomes.entry(chat).or_default() += 1;
        }
    }
    welcomes
}

#[tokio::test]
async fn a_burst_of_new_chats_waits_for_its_turn_and_every_chat_is_answered_once() {
    let (api, fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    let workspace = Workspace::new();
    let mut running = workspace.run(api, &[]);
    // Past its start-up requests (deleteWebhook), which a held fake would
    // hold too.
    running.wait_for_log("this instance polls the bot").await;

    let gate = fake.hold_requests();
    for i in 0..CHATS {
        fake.push_update(start_update(1 + i, FIRST_CHAT + i));
    }
    // With every reply held, no update can finish: the bot reaching its
    // bound is the 65th update waiting.
    running
        .wait_for_log("the bot has its most updates in flight")
        .await;
    // The 64 in flight each send their welcome (and wait for Telegram).
    for _ in 0..IN_FLIGHT {
        requests
            .next_where("sendmessage", |body| welcomed_chat(body).is_some())
            .await;
    }
    // None beyond them got as far as a reply.
    let in_flight: usize = welcomes(&mut requests).values().sum();
    assert_eq!(
        in_flight, IN_FLIGHT,
        "no more than the bound may be in flight"
    );

    // Telegram answers: the rest take their turn, and nobody is dropped.
    gate.release();
    let mut welcomed: HashSet<i64> = welcomes(&mut requests).into_keys().collect();
    while welcomed.len() < CHATS as usize {
        let body = requests
            .next_where("sendmessage", |body| welcomed_chat(body).is_some())
            .await;
        welcomed.extend(welcomed_chat(&body));
    }
    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
    let welcomes = welcomes(&mut requests);
    assert_eq!(
        welcomes.keys().copied().collect::<HashSet<_>>(),
        (FIRST_CHAT..FIRST_CHAT + CHATS).collect::<HashSet<_>>()
    );
    let twice: Vec<_> = welcomes.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "welcomed more than once: {twice:?}");
    assert!(
        !logs.contains("told to slow down"),
        "one update per chat is within every chat's budget: {logs}"
    );
}
