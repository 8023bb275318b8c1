//! An update teloxide cannot read (a malformed field, a kind newer than the
//! library) carries whatever the customer typed; teloxide would log it whole
//! at ERROR. Through long polling and through a webhook, `booking run`
//! logs its id and kind only, skips it, and goes on answering.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Requests, WEBHOOK_SECRET, Workspace, http, start_fake_telegram, start_update};
use serde_json::{Value, json};

const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// A message teloxide cannot read (its date is text), holding a name, a
/// phone and a PIN-like number.
fn unreadable_update(update_id: i64) -> Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": "yesterday",
            "chat": {"id": 1001, "type": "private", "first_name": "Zinaida"},
            "from": {"id": 1001, "is_bot": false, "first_name": "Zinaida"},
            "text": "Zinaida Quillfeather +7 916 555-01-02 PIN 482913"
        }
    })
}

fn assert_nothing_personal(logs: &str) {
    for secret in [
        "Zinaida",
        "Quillfeather",
        // The phone in every spelling it could be logged in; a bare "916"
        // would match clock times and temporary file names.
        "+7 916",
        "9165550102",
        "555-01-02",
        "482913",
        "yesterday",
    ] {
        assert!(
            !logs.contains(secret),
            "{secret:?} reached the log:\n{logs}"
        );
    }
}

#[tokio::test]
async fn polling_skips_an_unreadable_update_and_logs_only_its_id_and_kind() {
    let (api, fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    fake.push_update(unreadable_update(7));
    fake.push_update(start_update(8, 1001));
    let workspace = Workspace::new();
    let mut running = workspace.run(api, &[]);

    // Updates of one chat are handled in order: once /start is answered,
    // the unreadable one before it was dealt with.
    let reply = requests
        .next_where("sendmessage", |body| body["chat_id"] == json!(1001))
        .await;
    assert!(reply["text"].as_str().unwrap().starts_with("Welcome"));
    let line = running.wait_for_log("could not be read").await;
    assert!(line.contains("update_id=7"), "{line}");
    assert!(line.contains("kind=\"message\""), "{line}");

    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
    assert_nothing_personal(&logs);
}

#[tokio::test]
async fn a_webhook_skips_unreadable_and_oversized_bodies_and_logs_no_contents() {
    let (api, _fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    let workspace = Workspace::new();
    let mut running = workspace.run(
        api,
        &[
            ("BOOKING_HTTP_LISTEN", "127.0.0.1:0"),
            ("BOOKING_WEBHOOK_URL", "https://bots.example.com/telegram"),
            ("BOOKING_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
    );
    requests.next_where("setwebhook", |_| true).await;
    let address = running.http_address().await;
    let right = [(SECRET_HEADER, WEBHOOK_SECRET)];

    // Readable JSON that teloxide reads into an error kind, and a body that
    // is not an update at all: both answered 200 (Telegram would only send
    // them again) and logged by id and kind.
    for body in [
        unreadable_update(7).to_string(),
        "Zinaida Quillfeather +7 916 555-01-02".to_owned(),
    ] {
        let (status, _) = http(address, "POST", "/telegram/client", &right, &body).await;
        assert_eq!(status, 200, "{body}");
    }
    // Far larger than any update: refused unread.
    let huge = format!(
        "{{\"update_id\": 9, \"message\": {{\"text\": \"{}\"}}}}",
        "Zinaida ".repeat(200_000)
    );
    let (status, _) = http(address, "POST", "/telegram/client", &right, &huge).await;
    assert_eq!(status, 413);

    // And the bot still answers.
    let start = start_update(10, 2003).to_string();
    let (status, _) = http(address, "POST", "/telegram/client", &right, &start).await;
    assert_eq!(status, 200);
    requests
        .next_where("sendmessage", |body| body["chat_id"] == json!(2003))
        .await;

    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
    let skipped: Vec<_> = logs
        .lines()
        .filter(|line| line.contains("could not be read"))
        .collect();
    // One for the body that is not an update at all, one for the update
    // of an unreadable kind (both by the webhook route), in either order.
    assert_eq!(skipped.len(), 2, "{logs}");
    assert!(
        skipped
            .iter()
            .any(|line| line.contains("update_id=7") && line.contains("kind=\"message\"")),
        "{logs}"
    );
    assert!(
        skipped.iter().any(|line| line.contains("kind=\"unknown\"")),
        "{logs}"
    );
    assert_nothing_personal(&logs);
}
