//! Two `booking run` processes in webhook mode on one PostgreSQL database:
//! an update one of them recorded and was handling when it was killed is
//! handled by the other, once its chat's lease ran out. Each instance
//! talks to a fake Bot API of its own, so the test sees which one replied.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;

use adapter_postgres::testing::PgTestDb;
use booking_ports::{BotName, UpdateInbox};
use chrono::{TimeDelta, Utc};
use common::*;
use serde_json::json;

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
const CUSTOMER: i64 = 7171;

fn instance(workspace: &Workspace, api: SocketAddr, db: &PgTestDb) -> Running {
    workspace.run(
        api,
        &[
            ("BOOKING_DATABASE_URL", db.url()),
            ("BOOKING_HTTP_LISTEN", "127.0.0.1:0"),
            ("BOOKING_WEBHOOK_URL", "https://bots.example.com/telegram"),
            ("BOOKING_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
    )
}

async fn deliver(address: SocketAddr, update: &serde_json::Value) -> u16 {
    let headers = [(SECRET_HEADER, WEBHOOK_SECRET)];
    let (status, _) = http(
        address,
        "POST",
        "/telegram/client",
        &headers,
        &update.to_string(),
    )
    .await;
    status
}

#[tokio::test]
async fn an_update_a_killed_instance_was_handling_is_handled_by_another() {
    let db = PgTestDb::create().await;
    let workspace = Workspace::new();
    let (api_first, fake_first, requests_first) = start_fake_telegram().await;
    let mut requests_first = Requests::new(requests_first);
    let (api_second, _fake_second, requests_second) = start_fake_telegram().await;
    let mut requests_second = Requests::new(requests_second);

    let mut first = instance(&workspace, api_first, &db);
    first.wait_for_log("database open").await;
    let first_address = first.http_address().await;
    let mut second = instance(&workspace, api_second, &db);
    let opened = second.wait_for_log("database open").await;
    assert!(opened.contains("alone=false"), "{opened}");
    let second_address = second.http_address().await;

    // The second handles what it receives, and lets the chat go after.
    assert_eq!(
        deliver(second_address, &start_update(1, CUSTOMER + 1)).await,
        200
    );
    requests_second
        .next_where("sendmessage", |b| b["chat_id"] == json!(CUSTOMER + 1))
        .await;

    // The first records the update, claims its chat, and is in the middle
    // of answering it (its Bot API holds the reply) when it is killed.
    let _held = fake_first.hold_requests();
    assert_eq!(
        deliver(first_address, &start_update(2, CUSTOMER)).await,
        200
    );
    requests_first
        .next_where("sendmessage", |b| b["chat_id"] == json!(CUSTOMER))
        .await;
    first.child.start_kill().unwrap();
    let (_, first_logs) = first.wait().await;

    // The second takes the chat over once the lease ran out, and answers.
    let reply = requests_second
        .next_where("sendmessage", |b| b["chat_id"] == json!(CUSTOMER))
        .await;
    assert!(reply["text"].is_string(), "{reply}");
    second
        .wait_for_log("taking over a chat whose updates another instance left unfinished")
        .await;

    // Nothing is left unfinished: no chat waits for anyone.
    let store = db.open().await;
    let later = Utc::now() + TimeDelta::hours(1);
    let waiting = store
        .chats_to_take_over(BotName::new("client").unwrap(), later, later, 10)
        .await
        .unwrap();
    assert!(waiting.is_empty(), "{waiting:?}");
    store.close().await;

    let (code, logs) = second.terminate().await;
    assert_eq!(code, Some(0), "{logs}\n--- first ---\n{first_logs}");
    // The customer got one reply from each instance: the killed one's was
    // held, so Telegram never delivered it.
    let replies = requests_second
        .all()
        .iter()
        .filter(|(method, body)| method == "sendmessage" && body["chat_id"] == json!(CUSTOMER))
        .count();
    assert_eq!(replies, 1, "{:?}", requests_second.all());
}
