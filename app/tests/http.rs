//! The HTTP listener of `booking run`: `/healthz` and `/readyz` through a
//! bot's start, polling errors and recovery (the fake Bot API holds getMe
//! and getUpdates until the test answers, so every state is observed
//! without timing); `/readyz` when the database stops answering; nothing
//! listening unless configured; webhook mode with the right, a wrong and a
//! missing secret; and the settings it refuses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use app::health::{BotHealth, Readiness};
use app::http::connections::ConnectionLimits;
use axum::Router;
use axum::routing::get;
use common::{
    ADMIN_SECRET_PART, ADMIN_TOKEN, Answer, GIVE_UP, Held, Requests, SECRET_PART, WEBHOOK_SECRET,
    Workspace, http, refused_settings, start_fake_telegram, start_update,
};
use serde_json::json;
use tokio::sync::mpsc;

const LISTEN_ANY_PORT: (&str, &str) = ("BOOKING_HTTP_LISTEN", "127.0.0.1:0");
const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

async fn next_held(held: &mut mpsc::UnboundedReceiver<Held>, method: &str) -> Held {
    let request = tokio::time::timeout(GIVE_UP, held.recv())
        .await
        .expect("the bot stopped asking")
        .unwrap();
    assert_eq!(request.method, method);
    request
}

#[tokio::test]
async fn readyz_follows_the_bot_through_its_start_a_polling_error_and_the_recovery() {
    let (api, fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    let mut held = fake.hold_polling();
    let workspace = Workspace::new();
    let mut running = workspace.run(api, &[LISTEN_ANY_PORT]);
    let address = running.http_address().await;

    // getMe has not answered: alive, not ready.
    let get_me = next_held(&mut held, "getme").await;
    assert_eq!(
        http(address, "GET", "/healthz", &[], "").await,
        (200, "ok\n".to_owned())
    );
    let (status, body) = http(address, "GET", "/readyz", &[], "").await;
    assert_eq!(status, 503);
    assert!(body.contains("client bot: starting"), "{body}");

    // Started: the first poll is out.
    get_me.answer(Answer::Normally);
    let first_poll = next_held(&mut held, "getupdates").await;
    assert_eq!(
        http(address, "GET", "/readyz", &[], "").await,
        (200, "ready\n".to_owned())
    );

    // A failed poll: not ready while the retry is out.
    first_poll.answer(Answer::Conflict);
    let retry = next_held(&mut held, "getupdates").await;
    let (status, body) = http(address, "GET", "/readyz", &[], "").await;
    assert_eq!(status, 503);
    assert_eq!(body, "client bot: the last getUpdates failed; retrying\n");

    // An empty answer is a success: ready again with nobody writing.
    retry.answer(Answer::Empty);
    let next_poll = next_held(&mut held, "getupdates").await;
    assert_eq!(
        http(address, "GET", "/readyz", &[], "").await,
        (200, "ready\n".to_owned())
    );

    #[cfg(target_os = "linux")]
    {
        let listening = common::tcp_listening_addresses(running.pid());
        assert_eq!(listening.len(), 1, "{listening:?}");
        assert!(
            listening[0].ends_with(&format!(":{:04X}", address.port())),
            "{listening:?} vs {address}"
        );
    }

    fake.release_polling();
    next_poll.answer(Answer::Normally);
    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
    assert!(logs.contains("HTTP listener stopped"), "{logs}");
    assert!(!logs.contains(SECRET_PART), "{logs}");
    // Long polling deletes any webhook first, so switching back works.
    assert!(
        requests
            .all()
            .iter()
            .any(|(method, _)| method == "deletewebhook"),
        "{:?}",
        requests.all()
    );
}

#[tokio::test]
async fn readyz_answers_503_once_the_database_stops_answering_and_merged_routes_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let store = adapter_sqlite::SqliteStore::open(&adapter_sqlite::SqliteSettings::new(
        dir.path().join("booking.db"),
    ))
    .await
    .unwrap();
    let bot = BotHealth::new("client");
    bot.started();
    let readiness = Readiness::new(Arc::new(store.clone()), [bot]);
    let extra = Router::new().route("/extra", get(|| async { "merged\n" }));
    let listener = app::http::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let address = listener.address();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = listener.serve(
        "HTTP listener",
        app::http::router(readiness, [extra]),
        ConnectionLimits::DEFAULT,
        async {
            let _ = stopped.await;
        },
    );

    assert_eq!(
        http(address, "GET", "/readyz", &[], "").await,
        (200, "ready\n".to_owned())
    );
    assert_eq!(
        http(address, "GET", "/extra", &[], "").await,
        (200, "merged\n".to_owned())
    );

    store.close().await;
    assert_eq!(
        http(address, "GET", "/readyz", &[], "").await,
        (503, "database: not answering\n".to_owned())
    );
    assert_eq!(http(address, "GET", "/healthz", &[], "").await.0, 200);

    // (Whether the port is closed afterwards is not checked: tests running
    // beside this one may bind the freed port at once.)
    stop.send(()).unwrap();
    tokio::time::timeout(GIVE_UP, server.stopped())
        .await
        .expect("the listener did not stop");
}

#[tokio::test]
async fn without_http_settings_the_service_listens_on_nothing() {
    let (api, fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    let workspace = Workspace::new();
    fake.push_update(start_update(1, 1001));
    let running = workspace.run(api, &[]);

    requests
        .next_where("sendmessage", |body| body["chat_id"] == json!(1001))
        .await;
    #[cfg(target_os = "linux")]
    assert_eq!(
        common::tcp_listening_addresses(running.pid()),
        Vec::<String>::new()
    );

    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
    assert!(!logs.contains("HTTP listener"), "{logs}");
}

#[tokio::test]
async fn webhook_mode_sets_both_webhooks_and_acts_only_on_requests_with_the_secret() {
    let (api, _fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    let workspace = Workspace::new();
    workspace.add_to_config("\n[admin]\nallowed_user_ids = [5005]\n");
    let mut running = workspace.run(
        api,
        &[
            LISTEN_ANY_PORT,
            ("BOOKING_ADMIN_BOT_TOKEN", ADMIN_TOKEN),
            ("BOOKING_WEBHOOK_URL", "https://bots.example.com/telegram"),
            ("BOOKING_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
    );

    // Each bot's webhook at its own path, with the secret.
    for (bot, path) in [("123456789", "client"), ("987654321", "admin")] {
        let hook = requests.next_where("setwebhook", |_| true).await;
        assert_eq!(hook["_bot"], json!(bot));
        let url = format!("https://bots.example.com/telegram/{path}");
        assert_eq!(hook["url"], json!(url));
        assert_eq!(hook["secret_token"], json!(WEBHOOK_SECRET));
    }
    let address = running.http_address().await;

    // Missing, wrong, malformed or truncated secrets: 401, and nothing
    // happens (checked after the stop, when every reply would have been sent).
    let forged = [
        vec![],
        vec![(SECRET_HEADER, "Yq3_vL9-kPz2Rt8WmN4sYb7Hc1Jd6Fg0Ae5Ui2Oo")],
        vec![(SECRET_HEADER, "not the secret!")],
        vec![(SECRET_HEADER, &WEBHOOK_SECRET[..WEBHOOK_SECRET.len() - 1])],
    ];
    for (index, headers) in forged.iter().enumerate() {
        let update = start_update(1 + index as i64, 2001).to_string();
        let (status, _) = http(address, "POST", "/telegram/client", headers, &update).await;
        assert_eq!(status, 401, "{headers:?}");
    }
    let update = start_update(5, 2002).to_string();
    let wrong = [(SECRET_HEADER, "Yq3_vL9-kPz2Rt8WmN4sYb7Hc1Jd6Fg0Ae5Ui2Oo")];
    let (status, _) = http(address, "POST", "/telegram/admin", &wrong, &update).await;
    assert_eq!(status, 401);

    // The right secret: each bot answers /start.
    let right = [(SECRET_HEADER, WEBHOOK_SECRET)];
    let update = start_update(10, 2003).to_string();
    let (status, _) = http(address, "POST", "/telegram/client", &right, &update).await;
    assert_eq!(status, 200);
    let reply = requests
        .next_where("sendmessage", |body| body["chat_id"] == json!(2003))
        .await;
    assert_eq!(reply["_bot"], json!("123456789"));
    let text = reply["text"].as_str().unwrap();
    assert!(text.starts_with("Welcome to Studio Lotos!"), "{text}");

    let update = start_update(11, 5005).to_string();
    let (status, _) = http(address, "POST", "/telegram/admin", &right, &update).await;
    assert_eq!(status, 200);
    let reply = requests
        .next_where("sendmessage", |body| body["chat_id"] == json!(5005))
        .await;
    assert_eq!(reply["_bot"], json!("987654321"));

    assert_eq!(
        http(address, "GET", "/readyz", &[], "").await,
        (200, "ready\n".to_owned())
    );

    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
    let all = requests.all();
    let chats: Vec<_> = all
        .iter()
        .filter(|(method, _)| method == "sendmessage")
        .map(|(_, body)| body["chat_id"].clone())
        .collect();
    assert_eq!(chats, [json!(2003), json!(5005)], "{all:?}");
    assert!(
        !all.iter().any(|(method, _)| method == "getupdates"),
        "{all:?}"
    );
    // At the stop each webhook is deleted, so Telegram keeps the updates
    // until the next start (webhook or polling).
    let mut deleted: Vec<_> = all
        .iter()
        .filter(|(method, _)| method == "deletewebhook")
        .map(|(_, body)| body["_bot"].clone())
        .collect();
    deleted.sort_by_key(|bot| bot.to_string());
    assert_eq!(deleted, [json!("123456789"), json!("987654321")], "{all:?}");
    for secret in [WEBHOOK_SECRET, SECRET_PART, ADMIN_SECRET_PART] {
        assert!(!logs.contains(secret), "{logs}");
    }
}

#[tokio::test]
async fn webhook_mode_refuses_a_short_secret_and_a_missing_listener_in_one_line() {
    let workspace = Workspace::new();
    let short = "abcdefABCDEF0123456789";
    let run = |extra: &[(&'static str, &'static str)]| {
        let mut command = workspace.command();
        command
            .arg("run")
            .env("BOOKING_CLIENT_BOT_TOKEN", common::TOKEN)
            .env("BOOKING_WEBHOOK_URL", "https://bots.example.com/telegram")
            .envs(extra.iter().copied());
        command
    };

    let output = run(&[LISTEN_ANY_PORT, ("BOOKING_WEBHOOK_SECRET", short)])
        .output()
        .await
        .unwrap();
    let stderr = refused_settings(&output);
    assert!(
        stderr.starts_with(
            "booking: BOOKING_WEBHOOK_SECRET is invalid: expected 32 to 256 characters, got 22"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains(short), "{stderr}");

    let output = run(&[("BOOKING_WEBHOOK_SECRET", WEBHOOK_SECRET)])
        .output()
        .await
        .unwrap();
    let stderr = refused_settings(&output);
    assert!(
        stderr.starts_with("booking: http.listen is not set: webhook mode"),
        "{stderr}"
    );
    assert!(!workspace.database().exists(), "nothing starts");
}

#[tokio::test]
async fn check_config_shows_the_mode_and_the_listener_and_hides_the_secret() {
    let workspace = Workspace::new();
    let check_config = async |extra: &[(&str, &str)]| {
        let output = workspace
            .command()
            .arg("check-config")
            .env("BOOKING_CLIENT_BOT_TOKEN", common::TOKEN)
            .envs(extra.iter().copied())
            .output()
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };

    let stdout = check_config(&[
        ("BOOKING_HTTP_LISTEN", "127.0.0.1:9090"),
        ("BOOKING_WEBHOOK_URL", "https://bots.example.com/telegram"),
        ("BOOKING_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ])
    .await;
    assert!(
        stdout.contains("http listener: 127.0.0.1:9090 (/healthz, /readyz, /metrics)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "updates: webhooks, client bot at https://bots.example.com/telegram/client; secret set (hidden)"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains(WEBHOOK_SECRET), "{stdout}");

    let stdout = check_config(&[]).await;
    assert!(stdout.contains("http listener: off"), "{stdout}");
    assert!(stdout.contains("updates: long polling"), "{stdout}");
}
