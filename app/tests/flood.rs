//! One chat flooding the client bot while Telegram holds and then refuses
//! that chat's replies (429, `retry_after` 5 s) stalls nobody else: another
//! customer's `/start` is answered while the flood is still pending, the
//! flooder is told once to slow down and the rest of the flood is dropped,
//! and a stop is not held up by sleeping through Telegram's flood waits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Requests, Workspace, start_fake_telegram, start_update, text_update};
use serde_json::json;

const FLOODER: i64 = 7001;
const NEIGHBOUR: i64 = 7002;

#[tokio::test]
async fn a_flooding_chat_stalls_no_other_chat_and_is_told_once_to_slow_down() {
    let (api, fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    let flood_gate = fake.flood_limit_chat(FLOODER, 5);
    for i in 0..150 {
        fake.push_update(text_update(1 + i, FLOODER, &format!("hello {i}")));
    }
    fake.push_update(start_update(151, NEIGHBOUR));
    let workspace = Workspace::new();
    let running = workspace.run(api, &[]);

    // The neighbour is answered while every reply to the flooder is still
    // held by Telegram: the flooder's backlog does not stand in the way.
    // (teloxide alone would wait for the flooder's full queue, forever.)
    let reply = requests
        .next_where("sendmessage", |body| body["chat_id"] == json!(NEIGHBOUR))
        .await;
    assert!(reply["text"].as_str().unwrap().starts_with("Welcome"));

    // Now Telegram answers the held replies: 429, retry in 5 s.
    flood_gate.release();
    let (code, logs) = running.terminate().await;
    // A handler that slept through the flood waits would keep the process
    // past its stop deadline, which exits 1.
    assert_eq!(code, Some(0), "{logs}");

    let to_flooder: Vec<_> = requests
        .all()
        .iter()
        .filter(|(_, body)| body["chat_id"] == json!(FLOODER))
        .map(|(_, body)| body["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    let slow_downs = to_flooder
        .iter()
        .filter(|text| text.contains("faster than I can answer"))
        .count();
    assert_eq!(slow_downs, 1, "{to_flooder:#?}");
    // Most of the flood never reached a handler.
    assert!(
        to_flooder.len() < 30,
        "{} replies to the flood",
        to_flooder.len()
    );
}
