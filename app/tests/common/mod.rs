//! The fake Bot API on 127.0.0.1 and a temporary working directory with the
//! example config, shared by the test binaries that run `booking` as a
//! process. Each binary uses a subset, hence `dead_code` allowed.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

pub const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
pub const SECRET_PART: &str = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";

/// A safety net so a broken binary fails the test instead of hanging it;
/// nothing is asserted about how long anything takes.
pub const GIVE_UP: Duration = Duration::from_secs(120);

/// The fake Bot API: serves queued updates to long polling and reports
/// every other request to the test.
#[derive(Clone)]
pub struct FakeTelegram {
    updates: Arc<Mutex<Vec<Value>>>,
    arrived: Arc<Notify>,
    requests: mpsc::UnboundedSender<(String, Value)>,
}

impl FakeTelegram {
    pub fn push_update(&self, update: Value) {
        self.updates.lock().unwrap().push(update);
        self.arrived.notify_waiters();
    }
}

fn ok(result: Value) -> String {
    json!({ "ok": true, "result": result }).to_string()
}

async fn api(
    State(fake): State<FakeTelegram>,
    UrlPath((bot, method)): UrlPath<(String, String)>,
    body: Bytes,
) -> String {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let method = method.to_ascii_lowercase();
    match method.as_str() {
        "getme" => ok(json!({
            "id": 123456789, "is_bot": true, "first_name": "Salon", "username": "salon_bot",
            "can_join_groups": false, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            ok(json!({ "url": "", "has_custom_certificate": false, "pending_update_count": 0 }))
        }
        "deletewebhook" => ok(json!(true)),
        "getupdates" => {
            let offset = body["offset"].as_i64().unwrap_or(0);
            let wait = Duration::from_secs(body["timeout"].as_u64().unwrap_or(0));
            // Long polling, as Telegram does it: answer at once when updates
            // are waiting, else when one arrives or the timeout passes.
            let arrived = fake.arrived.notified();
            let pending = |fake: &FakeTelegram| -> Vec<Value> {
                let mut updates = fake.updates.lock().unwrap();
                updates.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                updates.clone()
            };
            let now = pending(&fake);
            if !now.is_empty() {
                return ok(Value::Array(now));
            }
            let _ = tokio::time::timeout(wait, arrived).await;
            ok(Value::Array(pending(&fake)))
        }
        "sendmessage" => {
            let chat = body["chat_id"].clone();
            let text = body["text"].clone();
            // Which bot sent it, by its bot id (never the secret part).
            let mut body = body;
            body["_bot"] = json!(bot.trim_start_matches("bot").split(':').next());
            fake.requests.send((method, body)).unwrap();
            ok(json!({
                "message_id": 100, "date": 1_900_000_000,
                "chat": { "id": chat, "type": "private", "first_name": "Ivan" },
                "text": text
            }))
        }
        _ => {
            fake.requests.send((method, body)).unwrap();
            ok(json!(true))
        }
    }
}

pub async fn start_fake_telegram() -> (
    SocketAddr,
    FakeTelegram,
    mpsc::UnboundedReceiver<(String, Value)>,
) {
    let (requests, received) = mpsc::unbounded_channel();
    let fake = FakeTelegram {
        updates: Arc::default(),
        arrived: Arc::default(),
        requests,
    };
    let app = Router::new()
        .route("/{bot}/{method}", post(api))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, fake, received)
}

pub fn start_update(update_id: i64, user: i64) -> Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": 1, "date": 1_900_000_000,
            "chat": { "id": user, "type": "private", "first_name": "Ivan" },
            "from": { "id": user, "is_bot": false, "first_name": "Ivan", "language_code": "en" },
            "text": "/start",
            "entities": [{ "type": "bot_command", "offset": 0, "length": 6 }]
        }
    })
}

pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../booking.example.toml");
        std::fs::copy(example, dir.path().join("booking.toml")).unwrap();
        Self { dir }
    }

    pub fn database(&self) -> PathBuf {
        self.dir.path().join("data/booking.db")
    }

    pub fn command(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_booking"));
        command
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }
}
