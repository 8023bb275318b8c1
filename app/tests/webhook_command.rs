//! `booking webhook set|delete|info` against the fake Bot API, and webhook
//! mode on PostgreSQL, where `booking run` leaves the webhooks to the
//! operator: it never sets or deletes them, and warns when Telegram sends a
//! bot's updates elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapter_postgres::testing::PgTestDb;
use common::{ADMIN_TOKEN, Requests, TOKEN, WEBHOOK_SECRET, Workspace, start_fake_telegram};
use serde_json::json;

const WEBHOOK_URL: &str = "https://bots.example.com/telegram";

/// `booking webhook <action>` for both bots on the fake Bot API at `api`.
async fn webhook(
    workspace: &Workspace,
    api: std::net::SocketAddr,
    action: &str,
    extra: &[(&str, &str)],
) -> std::process::Output {
    workspace
        .command()
        .args(["webhook", action])
        .env("BOOKING_CLIENT_BOT_TOKEN", TOKEN)
        .env("BOOKING_ADMIN_BOT_TOKEN", ADMIN_TOKEN)
        .env("BOOKING_DATABASE_URL", workspace.database_url())
        .env("BOOKING_TELEGRAM_API_URL", format!("http://{api}"))
        .envs(extra.iter().copied())
        .output()
        .await
        .unwrap()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn the_operator_sets_shows_and_deletes_both_bots_webhooks() {
    let (api, _fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    let workspace = Workspace::new();
    // The admin bot needs its section to be configured at all.
    workspace.add_to_config("\n[admin]\nallowed_user_ids = [500]\n");
    let mode = [
        ("BOOKING_WEBHOOK_URL", WEBHOOK_URL),
        ("BOOKING_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("BOOKING_HTTP_LISTEN", "127.0.0.1:0"),
    ];

    let set = webhook(&workspace, api, "set", &mode).await;
    let shown = webhook(&workspace, api, "info", &[]).await;
    let deleted = webhook(&workspace, api, "delete", &[]).await;
    let after = webhook(&workspace, api, "info", &[]).await;

    assert_eq!(set.status.code(), Some(0), "{set:?}");
    assert_eq!(
        stdout(&set),
        format!(
            "client: webhook set to {WEBHOOK_URL}/client\nadmin: webhook set to {WEBHOOK_URL}/admin\n"
        )
    );
    for (bot, path) in [("123456789", "client"), ("987654321", "admin")] {
        let hook = requests
            .next_where("setwebhook", |body| body["_bot"] == json!(bot))
            .await;
        assert_eq!(hook["url"], json!(format!("{WEBHOOK_URL}/{path}")));
        assert_eq!(hook["secret_token"], json!(WEBHOOK_SECRET));
    }
    assert_eq!(
        stdout(&shown),
        format!(
            "client: webhook {WEBHOOK_URL}/client, 0 update(s) waiting\n\
             admin: webhook {WEBHOOK_URL}/admin, 0 update(s) waiting\n"
        )
    );
    assert_eq!(deleted.status.code(), Some(0), "{deleted:?}");
    assert_eq!(
        stdout(&after),
        "client: webhook none (long polling), 0 update(s) waiting\n\
         admin: webhook none (long polling), 0 update(s) waiting\n"
    );
    // No secret in what the operator reads.
    for output in [&set, &shown, &deleted, &after] {
        assert!(!stdout(output).contains(WEBHOOK_SECRET));
        assert!(!String::from_utf8_lossy(&output.stderr).contains(WEBHOOK_SECRET));
    }
}

#[tokio::test]
async fn setting_a_webhook_without_its_url_is_a_settings_error() {
    let (api, _fake, _requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    workspace.add_to_config("\n[admin]\nallowed_user_ids = [500]\n");

    let set = webhook(&workspace, api, "set", &[]).await;

    assert_eq!(set.status.code(), Some(2), "{set:?}");
    assert!(
        String::from_utf8_lossy(&set.stderr).contains("BOOKING_WEBHOOK_URL is not set"),
        "{set:?}"
    );
}

#[tokio::test]
async fn on_postgresql_booking_run_leaves_the_webhook_to_the_operator() {
    let db = PgTestDb::create().await;
    let (api, _fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    let workspace = Workspace::new();

    let mut running = workspace.run(
        api,
        &[
            ("BOOKING_DATABASE_URL", db.url()),
            ("BOOKING_HTTP_LISTEN", "127.0.0.1:0"),
            ("BOOKING_WEBHOOK_URL", WEBHOOK_URL),
            ("BOOKING_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
    );
    let warning = running
        .wait_for_log("Telegram sends this bot's updates elsewhere")
        .await;
    running.http_address().await;
    let (code, logs) = running.terminate().await;

    assert!(warning.contains("booking webhook set"), "{warning}");
    assert_eq!(code, Some(0), "{logs}");
    let methods: Vec<&str> = requests.all().iter().map(|(m, _)| m.as_str()).collect();
    assert!(!methods.contains(&"setwebhook"), "{methods:?}");
    assert!(!methods.contains(&"deletewebhook"), "{methods:?}");
}
