//! What the tests of the `booking` binary share: a fake Bot API on
//! 127.0.0.1 (long polling, sends and edits, `setWebhook`; getMe and
//! getUpdates can be held for the test to answer, and so can every other
//! request), updates as Telegram delivers them (messages, button presses),
//! a temporary installation, the child's log lines as they come, and a
//! minimal HTTP client for the binary's listener. No network beyond
//! loopback.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod flow;
pub mod seed;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{Notify, Semaphore, mpsc, oneshot};

pub const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
pub const SECRET_PART: &str = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
pub const ADMIN_TOKEN: &str = "987654321:AAE9pQx7wL2mZk4rT8vN1bY6cH3jF5gD0sS_";
pub const ADMIN_SECRET_PART: &str = "AAE9pQx7wL2mZk4rT8vN1bY6cH3jF5gD0sS_";
/// `BOOKING_WEBHOOK_SECRET` of the webhook tests.
pub const WEBHOOK_SECRET: &str = "Xq3_vL9-kPz2Rt8WmN4sYb7Hc1Jd6Fg0Ae5Ui2Oo";

/// A safety net so a broken binary fails the test instead of hanging it;
/// nothing is asserted about how long anything takes.
pub const GIVE_UP: Duration = Duration::from_secs(120);

/// A getMe or getUpdates the fake holds until the test answers it.
#[derive(Debug)]
pub struct Held {
    pub method: String,
    answer: oneshot::Sender<Answer>,
}

/// How the test answers a held request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// As the fake would without holding.
    Normally,
    /// getUpdates only: at once, with no updates.
    Empty,
    /// getUpdates only: Telegram's 409 for a second poller of one token.
    Conflict,
}

impl Held {
    pub fn answer(self, answer: Answer) {
        self.answer.send(answer).unwrap();
    }
}

/// The fake Bot API: serves queued updates to long polling and reports
/// every other request to the test. Like Telegram, it refuses texts and
/// button data over Telegram's limits (reported with `_refused`).
#[derive(Clone)]
pub struct FakeTelegram {
    updates: Arc<Mutex<Vec<Value>>>,
    arrived: Arc<Notify>,
    requests: mpsc::UnboundedSender<(String, Value)>,
    held: Arc<Mutex<Option<mpsc::UnboundedSender<Held>>>>,
    next_message_id: Arc<AtomicI64>,
    /// Present while requests are held: each request other than getMe and
    /// getUpdates takes a permit before it is answered.
    gate: Arc<Mutex<Option<Arc<Semaphore>>>>,
    /// An instance (`_instance`) whose requests other than getMe and
    /// getUpdates are held for good: it is about to be killed mid-work.
    stalled_instance: Arc<Mutex<Option<String>>>,
    /// Chats over Telegram's flood limit: requests to them are held until
    /// the gate opens, then answered 429 with this `retry_after`.
    flooded: Arc<Mutex<Option<Flooded>>>,
    /// Each bot's webhook URL, as `setWebhook` left it (by the bot's path
    /// segment, which holds the token).
    webhooks: Arc<Mutex<std::collections::HashMap<String, String>>>,
}

/// A chat whose requests are held, then refused with 429.
#[derive(Clone)]
struct Flooded {
    chat: i64,
    retry_after: u64,
    gate: Arc<Semaphore>,
}

impl FakeTelegram {
    pub fn push_update(&self, update: Value) {
        self.updates.lock().unwrap().push(update);
        self.arrived.notify_waiters();
    }

    /// From now on getMe and getUpdates wait for the test's answer.
    pub fn hold_polling(&self) -> mpsc::UnboundedReceiver<Held> {
        let (sender, receiver) = mpsc::unbounded_channel();
        *self.held.lock().unwrap() = Some(sender);
        receiver
    }

    /// From now on nothing is held.
    pub fn release_polling(&self) {
        *self.held.lock().unwrap() = None;
    }

    /// From now on requests other than getMe and getUpdates are reported
    /// at once but answered only after [`Gate::release`]: the bot's handler
    /// is then provably in the middle of its work.
    pub fn hold_requests(&self) -> Gate {
        let semaphore = Arc::new(Semaphore::new(0));
        *self.gate.lock().unwrap() = Some(Arc::clone(&semaphore));
        Gate {
            semaphore,
            fake: self.clone(),
        }
    }

    /// From now on requests of `instance` other than getMe and getUpdates
    /// are reported at once and never answered: its handlers are provably
    /// in the middle of their work when the test kills it.
    pub fn stall_instance(&self, instance: &str) {
        *self.stalled_instance.lock().unwrap() = Some(instance.to_owned());
    }

    /// From now on every request to `chat` is reported at once, held until
    /// [`Gate::release`], then answered as Telegram answers a chat over
    /// its flood limit: 429 with `retry_after` seconds.
    pub fn flood_limit_chat(&self, chat: i64, retry_after: u64) -> Gate {
        let semaphore = Arc::new(Semaphore::new(0));
        *self.flooded.lock().unwrap() = Some(Flooded {
            chat,
            retry_after,
            gate: Arc::clone(&semaphore),
        });
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
        let stalled = self
            .stalled_instance
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|instance| body["_instance"] == json!(instance));
        let mut body = body;
        if stalled {
            body["_stalled"] = json!(true);
        }
        self.requests.send((method, body)).unwrap();
        if stalled {
            std::future::pending::<()>().await;
        }
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

fn ok(result: Value) -> (StatusCode, String) {
    (
        StatusCode::OK,
        json!({ "ok": true, "result": result }).to_string(),
    )
}

async fn api(
    State(fake): State<FakeTelegram>,
    UrlPath((bot, method)): UrlPath<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    answer(fake, None, bot, method, headers, body).await
}

/// The API under a path prefix naming the calling instance
/// (`BOOKING_TELEGRAM_API_URL=http://<fake>/<instance>`): its requests
/// are reported with `_instance`, so a test sees which process polls or
/// replies.
async fn api_of_instance(
    State(fake): State<FakeTelegram>,
    UrlPath((instance, bot, method)): UrlPath<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    answer(fake, Some(instance), bot, method, headers, body).await
}

async fn answer(
    fake: FakeTelegram,
    instance: Option<String>,
    bot: String,
    method: String,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let method = method.to_ascii_lowercase();
    let mut body: Value = if method == "setwebhook" {
        multipart_fields(&headers, &body)
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    };
    // Which instance called, when it calls under a path of its own.
    if let (Some(instance), Some(fields)) = (&instance, body.as_object_mut()) {
        fields.insert("_instance".to_owned(), json!(instance));
    }
    let mut answer = Answer::Normally;
    if matches!(method.as_str(), "getme" | "getupdates") {
        let held = fake.held.lock().unwrap().clone();
        if let Some(held) = held {
            let (sender, receiver) = oneshot::channel();
            held.send(Held {
                method: method.clone(),
                answer: sender,
            })
            .unwrap();
            answer = receiver.await.unwrap_or(Answer::Normally);
        }
    }
    match (method.as_str(), answer) {
        ("getupdates", Answer::Empty) => return ok(json!([])),
        ("getupdates", Answer::Conflict) => {
            return (
                StatusCode::CONFLICT,
                json!({
                    "ok": false, "error_code": 409,
                    "description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
                })
                .to_string(),
            );
        }
        _ => {}
    }
    let flooded = fake.flooded.lock().unwrap().clone();
    if let Some(flooded) = flooded.filter(|f| body["chat_id"] == json!(f.chat)) {
        let mut body = body;
        body["_bot"] = json!(bot_id(&bot));
        fake.requests.send((method, body)).unwrap();
        // Released (closed) by the test: every held request goes on.
        let _ = flooded.gate.acquire().await;
        return (
            StatusCode::TOO_MANY_REQUESTS,
            json!({
                "ok": false, "error_code": 429,
                "description": format!("Too Many Requests: retry after {}", flooded.retry_after),
                "parameters": { "retry_after": flooded.retry_after }
            })
            .to_string(),
        );
    }
    if let Some(refusal) = over_telegrams_limits(&method, &body) {
        let mut body = if body.is_object() { body } else { json!({}) };
        body["_bot"] = json!(bot_id(&bot));
        body["_refused"] = json!(refusal);
        fake.report(method, body).await;
        return (
            StatusCode::BAD_REQUEST,
            json!({ "ok": false, "error_code": 400, "description": refusal }).to_string(),
        );
    }
    match method.as_str() {
        "getme" => ok(json!({
            "id": 123456789, "is_bot": true, "first_name": "Salon", "username": "salon_bot",
            "can_join_groups": false, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            let url = fake
                .webhooks
                .lock()
                .unwrap()
                .get(&bot)
                .cloned()
                .unwrap_or_default();
            ok(json!({ "url": url, "has_custom_certificate": false, "pending_update_count": 0 }))
        }
        "getupdates" => {
            fake.requests.send((method, body.clone())).unwrap();
            let offset = body["offset"].as_i64().unwrap_or(0);
            let wait = Duration::from_secs(body["timeout"].as_u64().unwrap_or(0));
            // Long polling, as Telegram does it: answer at once when updates
            // are waiting, else when one arrives or the timeout passes.
            // Registered before the queue is looked at (`enable`): an
            // update pushed in between must wake it (`notify_waiters` wakes
            // only registered waiters).
            let arrived = fake.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
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
            body["_bot"] = json!(bot_id(&bot));
            fake.report(method, body).await;
            ok(answer)
        }
        _ => {
            {
                let mut webhooks = fake.webhooks.lock().unwrap();
                match (method.as_str(), body["url"].as_str()) {
                    ("setwebhook", Some(url)) => {
                        webhooks.insert(bot.clone(), url.to_owned());
                    }
                    ("deletewebhook", _) => {
                        webhooks.remove(&bot);
                    }
                    _ => {}
                }
            }
            let mut body = if body.is_object() { body } else { json!({}) };
            body["_bot"] = json!(bot_id(&bot));
            fake.report(method, body).await;
            ok(json!(true))
        }
    }
}

/// Telegram's refusal of a request over its limits, as Telegram words it:
/// a text over 4,096 UTF-16 units, a callback answer over 200, a button's
/// callback data over 64 bytes. Reported to the test with `_refused`.
fn over_telegrams_limits(method: &str, body: &Value) -> Option<&'static str> {
    let units = |field: &str| body[field].as_str().map_or(0, |t| t.encode_utf16().count());
    let text_limit = match method {
        "sendmessage" | "editmessagetext" => 4096,
        "answercallbackquery" => 200,
        _ => usize::MAX,
    };
    if units("text") > text_limit {
        return Some("Bad Request: message is too long");
    }
    let too_long_data = body["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().into_iter().flatten())
        .any(|b| b["callback_data"].as_str().is_some_and(|d| d.len() > 64));
    too_long_data.then_some("Bad Request: BUTTON_DATA_INVALID")
}

fn bot_id(path_segment: &str) -> String {
    path_segment
        .trim_start_matches("bot")
        .split(':')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The text fields of a `multipart/form-data` body (teloxide sends
/// `setWebhook` so, for its optional certificate), as a JSON object.
fn multipart_fields(headers: &HeaderMap, body: &[u8]) -> Value {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some((_, boundary)) = content_type.split_once("boundary=") else {
        return Value::Null;
    };
    let body = String::from_utf8_lossy(body);
    let mut fields = Map::new();
    for part in body.split(&format!("--{}", boundary.trim_matches('"'))) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        fields.insert(name.to_owned(), json!(value));
    }
    Value::Object(fields)
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
        held: Arc::default(),
        next_message_id: Arc::new(AtomicI64::new(100)),
        gate: Arc::default(),
        stalled_instance: Arc::default(),
        flooded: Arc::default(),
        webhooks: Arc::default(),
    };
    let app = Router::new()
        .route("/{bot}/{method}", post(api))
        .route("/{instance}/{bot}/{method}", post(api_of_instance))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, fake, received)
}

/// Waits for the next request of `method`, skipping others.
pub async fn next_request(
    requests: &mut mpsc::UnboundedReceiver<(String, Value)>,
    method: &str,
) -> Value {
    tokio::time::timeout(GIVE_UP, async {
        loop {
            let (name, body) = requests.recv().await.unwrap();
            if name == method {
                return body;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {method} request came"))
}

/// The next request other than polling (`getUpdates`), whatever its
/// method, or a failure naming `what` never came.
pub async fn next_reply(
    requests: &mut mpsc::UnboundedReceiver<(String, Value)>,
    what: &str,
) -> (String, Value) {
    tokio::time::timeout(GIVE_UP, async {
        loop {
            let (method, body) = requests.recv().await.unwrap();
            if method != "getupdates" {
                return (method, body);
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what} never came"))
}

/// The next send or edit, skipping other requests (callback answers).
pub async fn next_screen(
    requests: &mut mpsc::UnboundedReceiver<(String, Value)>,
    what: &str,
) -> Value {
    loop {
        let (method, body) = next_reply(requests, what).await;
        if method.starts_with("sendmessage") || method.starts_with("editmessage") {
            return body;
        }
    }
}

fn user(user: i64) -> Value {
    json!({ "id": user, "is_bot": false, "first_name": "Ivan", "language_code": "en" })
}

fn chat(user: i64) -> Value {
    json!({ "id": user, "type": "private", "first_name": "Ivan" })
}

/// A text message from `from` in their private chat.
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

/// Sends SIGTERM to a running child.
pub fn terminate(child: &tokio::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// The binary under test: cargo's, unless `BOOKING_TEST_BINARY` names
/// another. Builds that share one target directory overwrite each other's
/// `target/debug/booking`; a copy taken right after the build is stable.
pub fn booking_binary() -> PathBuf {
    std::env::var_os("BOOKING_TEST_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_booking")))
}

/// Asserts that the binary refused its settings as documented (exit code
/// 2, one line on standard error) and returns that line.
pub fn refused_settings(output: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

/// A temporary installation: the example config in a fresh folder.
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

    /// Appends `text` to the config file.
    pub fn add_to_config(&self, text: &str) {
        let config = self.dir.path().join("booking.toml");
        let mut content = std::fs::read_to_string(&config).unwrap();
        content.push_str(text);
        std::fs::write(&config, content).unwrap();
    }

    pub fn command(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(booking_binary());
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
    pub fn run_command(&self, api: SocketAddr) -> tokio::process::Command {
        let mut command = self.command();
        command
            .arg("run")
            .env("BOOKING_CLIENT_BOT_TOKEN", TOKEN)
            .env("BOOKING_DATABASE_URL", self.database_url())
            .env("BOOKING_TELEGRAM_API_URL", format!("http://{api}"));
        command
    }

    /// `booking run` against the fake Bot API at `api`, with `extra`
    /// environment variables; its log lines are followed as they come.
    pub fn run(&self, api: SocketAddr, extra: &[(&str, &str)]) -> Running {
        let mut command = self.run_command(api);
        for (name, value) in extra {
            command.env(name, value);
        }
        Running::spawn(command)
    }
}

/// A running `booking` whose standard error is read line by line.
pub struct Running {
    pub child: tokio::process::Child,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
    reader: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn spawn(mut command: tokio::process::Command) -> Self {
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = mpsc::unbounded_channel();
        let reader = tokio::spawn(async move {
            let mut stderr = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = stderr.next_line().await {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
            reader,
        }
    }

    /// Waits for a log line containing `needle`, seen before or new, and
    /// returns it.
    pub async fn wait_for_log(&mut self, needle: &str) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        self.next_log(needle).await
    }

    /// Waits for the next log line containing `needle`, ignoring lines
    /// already seen, and returns it.
    pub async fn next_log(&mut self, needle: &str) -> String {
        let found = tokio::time::timeout(GIVE_UP, async {
            while let Some(line) = self.lines.recv().await {
                self.seen.push(line.clone());
                if line.contains(needle) {
                    return Some(line);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(line)) => line,
            _ => panic!(
                "no new log line with {needle:?}; logs:\n{}",
                self.seen.join("\n")
            ),
        }
    }

    /// The HTTP listener's address, from its "ready" log line.
    pub async fn http_address(&mut self) -> SocketAddr {
        let line = self.wait_for_log("HTTP listener ready").await;
        let address = line
            .split("address=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        address.parse().unwrap()
    }

    pub fn pid(&self) -> u32 {
        self.child.id().unwrap()
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code and
    /// every log line.
    pub async fn terminate(self) -> (Option<i32>, String) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.wait().await
    }

    /// Waits for the exit; returns the exit code and every log line.
    pub async fn wait(mut self) -> (Option<i32>, String) {
        let status = tokio::time::timeout(GIVE_UP, self.child.wait())
            .await
            .expect("the service did not stop")
            .unwrap();
        self.reader.await.unwrap();
        while let Some(line) = self.lines.recv().await {
            self.seen.push(line);
        }
        (status.code(), self.seen.join("\n"))
    }
}

/// One HTTP/1.1 request to the binary's listener; returns the status code
/// and the body. `Connection: close`, so the body is what follows the head.
pub async fn http(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(GIVE_UP, stream.read_to_end(&mut response))
        .await
        .expect("no HTTP answer")
        .unwrap();
    let response = String::from_utf8_lossy(&response);
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The local addresses `pid` listens on over TCP (Linux: its socket
/// descriptors matched against the kernel's table of listening sockets).
#[cfg(target_os = "linux")]
pub fn tcp_listening_addresses(pid: u32) -> Vec<String> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_owned(),
            )
        })
        .collect();
    let mut listening = Vec::new();
    for table in ["tcp", "tcp6"] {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address, state (0A = LISTEN), inode.
            if fields.len() > 9 && fields[3] == "0A" && inodes.iter().any(|i| i == fields[9]) {
                listening.push(fields[1].to_owned());
            }
        }
    }
    listening
}

/// The fake's reports, each kept once seen, so a test can wait for one and
/// still check all of them at the end.
pub struct Requests {
    receiver: mpsc::UnboundedReceiver<(String, Value)>,
    seen: Vec<(String, Value)>,
}

impl Requests {
    pub fn new(receiver: mpsc::UnboundedReceiver<(String, Value)>) -> Self {
        Self {
            receiver,
            seen: Vec::new(),
        }
    }

    /// Waits for a request of `method` whose body satisfies `wanted`.
    pub async fn next_where(&mut self, method: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let found = tokio::time::timeout(GIVE_UP, async {
            loop {
                let (name, body) = self.receiver.recv().await.unwrap();
                self.seen.push((name.clone(), body.clone()));
                if name == method && wanted(&body) {
                    return body;
                }
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no such {method} request; seen: {:?}", self.seen))
    }

    /// Every request reported so far, including those not waited for.
    pub fn all(&mut self) -> &[(String, Value)] {
        while let Ok(request) = self.receiver.try_recv() {
            self.seen.push(request);
        }
        &self.seen
    }
}
