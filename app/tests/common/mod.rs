//! What the tests of the `booking` binary share: a fake Bot API on
//! 127.0.0.1 (long polling, sends and edits, every other request reported),
//! a temporary workspace with the example config, and updates as Telegram
//! would deliver them. No network beyond loopback.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::{Notify, Semaphore, mpsc};

pub const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
pub const SECRET_PART: &str = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";

/// A safety net so a broken binary fails the test instead of hanging it;
/// nothing is asserted about how long anything takes.
pub const GIVE_UP: Duration = Duration::from_secs(120);

/// The fake Bot API: serves queued updates to long polling and reports
/// every other request to the test, as (lower-case method, JSON body).
#[derive(Clone)]
pub struct FakeTelegram {
    updates: Arc<Mutex<Vec<Value>>>,
    arrived: Arc<Notify>,
    requests: mpsc::UnboundedSender<(String, Value)>,
    next_message_id: Arc<AtomicI64>,
    /// Present while requests are held: each request other than polling
    /// takes a permit before it is answered.
    gate: Arc<Mutex<Option<Arc<Semaphore>>>>,
}

impl FakeTelegram {
    pub fn push_update(&self, update: Value) {
        self.updates.lock().unwrap().push(update);
        self.arrived.notify_waiters();
    }

    /// From now on, requests (other than polling) are reported at once but
    /// answered only after [`Gate::release`]: the bot's handler is then
    /// provably in the middle of its work.
    pub fn hold_requests(&self) -> Gate {
        let semaphore = Arc::new(Semaphore::new(0));
        *self.gate.lock().unwrap() = Some(Arc::clone(&semaphore));
        Gate {
            semaphore,
            fake: self.clone(),
        }
    }

    /// Reports a request to the test, then holds it if requests were held
    /// when it arrived (checked first, so a request the test has already
    /// seen before holding is never held).
    async fn report(&self, method: String, body: Value) {
        let gate = self.gate.lock().unwrap().clone();
        self.requests.send((method, body)).unwrap();
        if let Some(gate) = gate {
            // Closed by `release`: every held request goes on.
            let _ = gate.acquire().await;
        }
    }

    fn message(&self, chat: &Value, text: &Value) -> Value {
        json!({
            "message_id": self.next_message_id.fetch_add(1, Ordering::Relaxed),
            "date": 1_900_000_000,
            "chat": { "id": chat, "type": "private", "first_name": "Ivan" },
            "text": text
        })
    }
}

/// Requests held by [`FakeTelegram::hold_requests`].
pub struct Gate {
    semaphore: Arc<Semaphore>,
    fake: FakeTelegram,
}

impl Gate {
    /// Answers every held request, and every later one at once.
    pub fn release(self) {
        *self.fake.gate.lock().unwrap() = None;
        self.semaphore.close();
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
        "sendmessage" | "editmessagetext" | "editmessagereplymarkup" => {
            let answer = fake.message(&body["chat_id"], &body["text"]);
            // Which bot sent it, by its bot id (never the secret part).
            let mut body = body;
            body["_bot"] = json!(bot.trim_start_matches("bot").split(':').next());
            fake.report(method, body).await;
            ok(answer)
        }
        _ => {
            fake.report(method, body).await;
            ok(json!(true))
        }
    }
}

/// Starts the fake Bot API; the receiver gets every request but polling.
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
        next_message_id: Arc::new(AtomicI64::new(100)),
        gate: Arc::default(),
    };
    let app = Router::new()
        .route("/{bot}/{method}", post(api))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, fake, received)
}

fn user(user: i64) -> Value {
    json!({ "id": user, "is_bot": false, "first_name": "Ivan", "language_code": "en" })
}

fn chat(user: i64) -> Value {
    json!({ "id": user, "type": "private", "first_name": "Ivan" })
}

/// A text message from `user` in their private chat.
pub fn text_update(update_id: i64, from: i64, text: &str) -> Value {
    let mut update = json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 1_900_000_000,
            "chat": chat(from), "from": user(from), "text": text
        }
    });
    if text.starts_with('/') {
        let length = text.split_whitespace().next().map_or(0, str::len);
        update["message"]["entities"] =
            json!([{ "type": "bot_command", "offset": 0, "length": length }]);
    }
    update
}

pub fn start_update(update_id: i64, from: i64) -> Value {
    text_update(update_id, from, "/start")
}

/// `from` pressing the button with `data` under the bot's message
/// `message` (a body the fake reported).
pub fn press_update(update_id: i64, from: i64, message: &Value, data: &str) -> Value {
    json!({
        "update_id": update_id,
        "callback_query": {
            "id": format!("press-{update_id}"),
            "from": user(from),
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": message["message_id"].as_i64().unwrap_or(100),
                "date": 1_900_000_000,
                "chat": chat(from),
                "from": { "id": 123456789, "is_bot": true, "first_name": "Salon" },
                "text": message["text"]
            }
        }
    })
}

/// The callback data of the first button whose label starts with `label`
/// (any button when `label` is empty), in a reported send or edit.
pub fn button(body: &Value, label: &str) -> Option<String> {
    body["reply_markup"]["inline_keyboard"]
        .as_array()?
        .iter()
        .flat_map(|row| row.as_array().into_iter().flatten())
        .find(|b| b["text"].as_str().is_some_and(|t| t.starts_with(label)))
        .and_then(|b| b["callback_data"].as_str().map(str::to_owned))
}

/// A temporary folder with the example config as `booking.toml`.
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

    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.database().display())
    }

    /// The binary in this folder, with nothing from the test's environment
    /// but `PATH`.
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

    /// `booking run` with the client bot on the fake Bot API at `api`.
    pub fn run(&self, api: SocketAddr) -> tokio::process::Command {
        let mut command = self.command();
        command
            .arg("run")
            .env("BOOKING_CLIENT_BOT_TOKEN", TOKEN)
            .env("BOOKING_DATABASE_URL", self.database_url())
            .env("BOOKING_TELEGRAM_API_URL", format!("http://{api}"));
        command
    }
}

/// Sends SIGTERM to a running child.
pub fn terminate(child: &tokio::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// The next request the fake reported, or a failure naming `what` never
/// came.
pub async fn next_request(
    requests: &mut mpsc::UnboundedReceiver<(String, Value)>,
    what: &str,
) -> (String, Value) {
    tokio::time::timeout(GIVE_UP, requests.recv())
        .await
        .unwrap_or_else(|_| panic!("{what} never came"))
        .unwrap()
}

/// The next send or edit the fake reported, skipping other requests
/// (callback answers).
pub async fn next_screen(
    requests: &mut mpsc::UnboundedReceiver<(String, Value)>,
    what: &str,
) -> Value {
    loop {
        let (method, body) = next_request(requests, what).await;
        if method.starts_with("sendmessage") || method.starts_with("editmessage") {
            return body;
        }
    }
}
