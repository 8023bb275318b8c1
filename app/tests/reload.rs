//! Hot reload in the running `booking` binary, against the fake Bot API: a
//! saved config file changes what the client bot says without a restart, a
//! broken save changes nothing and is reported in one line, SIGHUP reloads
//! too, and a setting that needs a restart is named. Every step awaits the
//! log line or the bot's answer it expects; nothing sleeps.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;
use tokio::sync::mpsc;

/// Sends `/start` from user 1001 and returns the bot's answer.
async fn greeting(
    fake: &FakeTelegram,
    requests: &mut mpsc::UnboundedReceiver<(String, Value)>,
    update_id: i64,
) -> String {
    fake.push_update(start_update(update_id, 1001));
    let body = next_screen(requests, "the answer to /start").await;
    body["text"].as_str().unwrap().to_owned()
}

/// Saves `path` with each `(from, to)` replaced once, as editors do: a new
/// file renamed over the old one.
fn save_edited(path: &Path, replacements: &[(&str, &str)]) {
    let mut text = std::fs::read_to_string(path).unwrap();
    for (from, to) in replacements {
        assert!(text.contains(from), "the file has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    let saving = path.with_extension("toml.saving");
    std::fs::write(&saving, text).unwrap();
    std::fs::rename(&saving, path).unwrap();
}

fn hang_up(running: &Running) {
    let status = std::process::Command::new("kill")
        .args(["-HUP", &running.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn a_saved_config_takes_effect_without_a_restart_and_a_broken_one_changes_nothing() {
    let (address, fake, mut requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    let config = workspace.dir.path().join("booking.toml");
    let mut booking = workspace.run(address, &[]);
    booking.next_log("watching the config file").await;
    let first = greeting(&fake, &mut requests, 1).await;
    assert!(first.starts_with("Welcome to Studio Lotos!"), "{first}");

    // A broken save: one line says what is wrong; the bot runs on as it was.
    save_edited(
        &config,
        &[
            ("name = \"Studio Lotos\"", "name = \"Studio Lilac\""),
            ("horizon_days = 30", "horizon_days = \"soon\""),
        ],
    );
    let error = booking.next_log("was not reloaded").await;
    assert!(error.contains("ERROR"), "{error}");
    assert!(
        error.contains("booking.toml, line 34 (horizon_days): invalid type"),
        "{error}"
    );
    let still = greeting(&fake, &mut requests, 2).await;
    assert!(still.starts_with("Welcome to Studio Lotos!"), "{still}");

    // SIGHUP reloads too (the same broken file), and does not stop the bot.
    hang_up(&booking);
    booking.next_log("SIGHUP received").await;
    booking.next_log("was not reloaded").await;

    // The next good save recovers, with what the broken one held; a setting
    // that needs a restart is named and left alone.
    save_edited(
        &config,
        &[
            ("horizon_days = \"soon\"", "horizon_days = 30"),
            (
                "# polling_timeout_seconds = 20",
                "polling_timeout_seconds = 10",
            ),
        ],
    );
    let reloaded = booking.next_log("config file reloaded").await;
    assert!(reloaded.contains("changed=business.name"), "{reloaded}");
    let restart = booking.next_log("only after a restart").await;
    assert!(
        restart.contains("settings=telegram.polling_timeout_seconds"),
        "{restart}"
    );
    let after = greeting(&fake, &mut requests, 3).await;
    assert!(after.starts_with("Welcome to Studio Lilac!"), "{after}");

    let (code, everything) = booking.terminate().await;
    assert_eq!(code, Some(0), "{everything}");
    assert!(everything.ends_with("stopped"), "{everything}");
    assert!(!everything.contains(SECRET_PART), "{everything}");
    assert!(
        !everything.contains("Studio Lilac"),
        "values are not logged"
    );
}
