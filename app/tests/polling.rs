//! Long polling asks Telegram for the kinds of update the bot's handler
//! tree handles, once, in its first `getUpdates`: the runner learns them
//! from the tree (`adapter_telegram::runner`), so an update kind the bots
//! ignore (an edited message, a reaction) is never sent, recorded or
//! handled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Workspace, next_request, start_fake_telegram, start_update};
use serde_json::json;

#[tokio::test]
async fn the_first_poll_asks_for_messages_and_button_presses_only() {
    let (api, fake, mut requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    let running = workspace.run(api, &[]);

    let first = next_request(&mut requests, "getupdates").await;
    let mut allowed: Vec<String> =
        serde_json::from_value(first["allowed_updates"].clone()).unwrap();
    allowed.sort();
    assert_eq!(allowed, ["callback_query", "message"]);
    // An update ends the long poll at once; Telegram keeps the setting,
    // so the next poll leaves it out.
    fake.push_update(start_update(1, 7_000));
    let second = next_request(&mut requests, "getupdates").await;
    assert_eq!(second.get("allowed_updates"), None, "{second}");
    assert_eq!(second["timeout"], json!(first["timeout"]));

    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
}
