//! What the `app` benchmarks share: the salon they run, a fake Bot API on
//! 127.0.0.1, where their files live, and readings of the machine.
//!
//! Files go under `target/tmp` (Cargo's `CARGO_TARGET_TMPDIR`), on the
//! build's disk, never in `/tmp`: a `tmpfs` there would make every fsync
//! free and the durability the bot pays for invisible.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adapter_sqlite::SqliteStore;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::routing::post;
use booking_domain::{
    BookingStatus, CustomerId, CustomerName, Minutes, NewBooking, NewBookingParts, ServiceId,
    StaffId,
};
use booking_ports::{ActiveBookingLimit, BookingStore, CustomerProfile, CustomerStore};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

pub(crate) const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";

/// A safety net so a broken bot fails a benchmark instead of hanging it.
pub(crate) const GIVE_UP: Duration = Duration::from_secs(120);

/// A salon big enough for thousands of customers booking again and again:
/// eight staff members, six days a week, three services each performed by
/// several of them, a 60-day horizon.
pub(crate) fn salon_config() -> String {
    let mut config = r#"
[business]
name = "Bench Salon"
time_zone = "Europe/Berlin"
currency = "EUR"
default_language = "en"

[policy]
slot_step_minutes = 15
# Far enough ahead that a customer may cancel at once (the cutoff is 3 h).
min_notice_minutes = 240
horizon_days = 60
cancellation_cutoff_minutes = 180
reschedule_cutoff_minutes = 180
# Every customer books again and again in the benchmarks.
max_active_bookings_per_customer = 100
requires_confirmation = false
phone_region = "DE"

[telegram]
conversation_expiry_minutes = 30

[reminders]
customer_offsets_minutes = [1440, 120]

[[services]]
id = 1
name = "Haircut"
duration_minutes = 60
price = "35"
buffer_after_minutes = 10
staff = [1, 2, 3, 4, 5, 6, 7, 8]

[[services]]
id = 2
name = "Beard trim"
duration_minutes = 30
price = "15"
staff = [1, 2, 3, 4]

[[services]]
id = 3
name = "Colouring"
duration_minutes = 120
price = "80"
buffer_before_minutes = 10
buffer_after_minutes = 15
staff = [5, 6, 7, 8]
"#
    .to_owned();
    for id in 1..=8 {
        config.push_str(&format!(
            "\n[[staff]]\nid = {id}\nname = \"Stylist {id}\"\n[staff.hours]\n"
        ));
        for day in ["mon", "tue", "wed", "thu", "fri", "sat"] {
            config.push_str(&format!("{day} = [\"09:00-13:00\", \"14:00-20:00\"]\n"));
        }
    }
    config
}

/// The salon's time zone, as in [`salon_config`].
pub(crate) const SALON_TIME_ZONE: Tz = chrono_tz::Europe::Berlin;

/// Seven haircuts (60 minutes and 10 after) fill a working day of the
/// salon: the local times they start at.
const VISIT_STARTS: [(u32, u32); 7] = [
    (9, 0),
    (10, 15),
    (11, 30),
    (14, 0),
    (15, 15),
    (16, 30),
    (17, 45),
];

/// The customers who hold the visits [`add_visits`] writes; their ids are
/// far above the benchmarks' chats.
const VISITORS: i64 = 200;
const FIRST_VISITOR: i64 = 1_000_000;

/// Writes haircuts into `share_percent` of the salon's visit slots on
/// `days` (its staff members work Monday to Saturday), through the store
/// as the engine would write them, many at a time. Returns how many.
pub(crate) async fn add_visits(
    store: &SqliteStore,
    days: impl Iterator<Item = NaiveDate>,
    share_percent: u64,
    now: DateTime<Utc>,
) -> u64 {
    for id in FIRST_VISITOR..FIRST_VISITOR + VISITORS {
        store
            .save_customer(CustomerProfile {
                id: CustomerId::new(id).unwrap(),
                name: CustomerName::new(&format!("Visitor {id}")).unwrap(),
                // Phones are unique among customers; the bench needs none.
                phone: None,
                telegram: Some(booking_domain::TelegramUserId::new(id).unwrap()),
                notes: String::new(),
                language: None,
                consented_at: now,
            })
            .await
            .unwrap();
    }
    let mut visits = Vec::new();
    for day in days.filter(|d| d.weekday() != Weekday::Sun) {
        for staff in 1..=8_i64 {
            for (slot, (hour, minute)) in VISIT_STARTS.into_iter().enumerate() {
                // A well-mixed choice (SplitMix64's multiplier) of which
                // slots are taken.
                let seed =
                    (day.num_days_from_ce() as u64) << 16 | (staff as u64) << 8 | slot as u64;
                if (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % 100 >= share_percent {
                    continue;
                }
                let local = day.and_hms_opt(hour, minute, 0).unwrap();
                let start = SALON_TIME_ZONE
                    .from_local_datetime(&local)
                    .earliest()
                    .unwrap()
                    .with_timezone(&Utc);
                visits.push((StaffId::new(staff).unwrap(), start));
            }
        }
    }
    let count = visits.len() as u64;
    for (chunk_number, chunk) in visits.chunks(256).enumerate() {
        let writes = chunk.iter().enumerate().map(|(i, (staff, start))| {
            let customer = FIRST_VISITOR + (chunk_number * 256 + i) as i64 % VISITORS;
            let new = NewBooking::new(NewBookingParts {
                customer: CustomerId::new(customer).unwrap(),
                service: ServiceId::new(1).unwrap(),
                staff: *staff,
                start: *start,
                end: *start + chrono::Duration::minutes(60),
                buffer_before: Minutes::ZERO,
                buffer_after: Minutes::new(10).unwrap(),
                comment: None,
                status: BookingStatus::Confirmed,
                created_at: now,
                rescheduled_from: None,
                booked_for: None,
                price: None,
                created_by: booking_domain::Actor::Customer,
            })
            .unwrap();
            let limit = ActiveBookingLimit { max: u16::MAX, now };
            store.create_booking(new, limit, Vec::new())
        });
        for created in futures::future::join_all(writes).await {
            created.unwrap();
        }
    }
    count
}

/// The salon of `config` in `dir`, opened as `booking run` opens it: the
/// config file written, the settings loaded (with `environment` besides
/// the config file and the client bot's token), the SQLite database
/// created and migrated. The catalog is not imported yet.
pub(crate) async fn open_salon(
    dir: &Path,
    config: &str,
    environment: Vec<(&'static str, String)>,
) -> (app::config::Settings, SqliteStore) {
    let config_path = dir.join("booking.toml");
    std::fs::write(&config_path, config).unwrap();
    let mut variables = vec![
        ("BOOKING_CONFIG", config_path.display().to_string()),
        ("BOOKING_CLIENT_BOT_TOKEN", TOKEN.to_owned()),
    ];
    variables.extend(environment);
    let settings = app::config::load(&Env(variables)).unwrap();
    let database = dir.join("booking.db");
    let app::database::Store::Sqlite(store) = app::database::open(
        &app::database::DatabaseSettings::from_url(&format!("sqlite://{}", database.display()))
            .unwrap(),
    )
    .await
    .unwrap() else {
        panic!("a sqlite:// URL opens SQLite");
    };
    (settings, store)
}

/// The engine on `store` with `settings`, the salon's catalog imported
/// into the new database, as `booking run` does at its first start.
pub(crate) async fn engine_with_catalog(
    store: &SqliteStore,
    settings: &app::config::Settings,
) -> std::sync::Arc<booking_ports::Engine> {
    let engine = std::sync::Arc::new(booking_ports::Engine::on_store(
        store.clone(),
        booking_ports::SystemClock,
        settings.policy.clone(),
        settings.engine.clone(),
    ));
    assert!(
        engine
            .import_catalog_if_empty(settings.catalog.clone())
            .await
            .unwrap(),
        "the database is new"
    );
    engine
}

/// Stops `booking run` (process `child`) as systemd would, and checks that
/// it stopped cleanly.
pub(crate) async fn stop_as_systemd_would(mut child: tokio::process::Child) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let pid = child.id().expect("booking run is still running");
    kill(Pid::from_raw(pid as i32), Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(GIVE_UP, child.wait())
        .await
        .expect("booking run did not stop on SIGTERM")
        .unwrap();
    assert!(status.success(), "booking run ended with {status}");
}

/// Settings given by name, as the environment would give them.
pub(crate) struct Env(pub(crate) Vec<(&'static str, String)>);

impl app::config::Environment for Env {
    fn var(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}

/// The directory for benchmark files, created when missing.
pub(crate) fn bench_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("app-bench");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The machine's load averages (1, 5 and 15 minutes).
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Logs as `RUST_LOG` asks, when it is set; otherwise none, so a run
/// prints its table and nothing else.
pub(crate) fn logs_if_asked() {
    if let Some(directives) = std::env::var_os("RUST_LOG") {
        let filter = app::telemetry::LogFilter::parse(&directives.to_string_lossy())
            .expect("RUST_LOG is a tracing filter");
        let settings = app::telemetry::LogSettings {
            filter,
            ..Default::default()
        };
        app::telemetry::init(&settings).expect("logging starts");
    }
}

/// A benchmark setting from the environment.
pub(crate) fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time the process has used so far, all threads (the kernel keeps
/// it to the nanosecond; only its split into user and system is sampled).
pub(crate) fn process_cpu() -> Duration {
    let (kernel, user) = process_kernel_and_user_cpu();
    kernel + user
}

/// The CPU time the process has used so far in the kernel (system
/// calls, context switches) and in user space, all threads. The kernel
/// splits its count between the two by sampling, so the split is an
/// estimate, good over many updates.
pub(crate) fn process_kernel_and_user_cpu() -> (Duration, Duration) {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_SELF).unwrap();
    let micros = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
    };
    (micros(usage.system_time()), micros(usage.user_time()))
}

/// CPU time one thread (`<pid>/task/<tid>`) has used so far, from its
/// scheduler statistics (nanoseconds).
pub(crate) fn thread_cpu(task: &str) -> Duration {
    let nanos = std::fs::read_to_string(format!("/proc/{task}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(nanos)
}

/// Context switches of the whole process so far, voluntary (a thread
/// waited) and involuntary (it was preempted).
pub(crate) fn process_context_switches() -> u64 {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_SELF).unwrap();
    u64::try_from(usage.voluntary_context_switches() + usage.involuntary_context_switches())
        .unwrap_or(0)
}

/// Context switches of one thread (`<pid>/task/<tid>`) so far.
pub(crate) fn thread_context_switches(task: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{task}/status"))
        .map(|status| {
            status
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0)
}

/// A user in a private chat with the bot; the chat id is the user id.
pub(crate) fn user(chat: i64) -> Value {
    json!({ "id": chat, "is_bot": false, "first_name": "Alex", "language_code": "en" })
}

pub(crate) fn chat_json(chat: i64) -> Value {
    json!({ "id": chat, "type": "private", "first_name": "Alex" })
}

/// An update with a typed text (a command when it starts with `/`).
pub(crate) fn text_update(update_id: i64, chat: i64, text: &str) -> Value {
    let mut message = json!({
        "message_id": update_id, "date": 1_900_000_000,
        "chat": chat_json(chat), "from": user(chat), "text": text
    });
    if text.starts_with('/') {
        message["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": text.len() }]);
    }
    json!({ "update_id": update_id, "message": message })
}

/// An update pressing the button with `data` under the bot's message
/// `message_id` (which showed `text`). The query's id starts with the chat,
/// so the fake Bot API can tell whose answer it sees.
pub(crate) fn callback_update(
    update_id: i64,
    chat: i64,
    message_id: i64,
    text: &str,
    data: &str,
) -> Value {
    json!({
        "update_id": update_id,
        "callback_query": {
            "id": format!("{chat}-{update_id}"),
            "from": user(chat),
            "message": {
                "message_id": message_id, "date": 1_900_000_000,
                "chat": chat_json(chat),
                "from": { "id": 123456789, "is_bot": true, "first_name": "Salon" },
                "text": text
            },
            "chat_instance": format!("i{chat}"),
            "data": data
        }
    })
}

/// What the bot asked of the fake Bot API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    GetMe,
    GetUpdates,
    Send,
    Edit,
    AnswerCallback,
    Other,
}

/// One request, as the fake saw it.
#[derive(Debug)]
pub(crate) struct Seen {
    pub(crate) method: Method,
    /// The chat it was for; 0 for requests about no chat.
    pub(crate) chat: i64,
    /// When the fake's handler started, and when its answer was ready.
    pub(crate) arrived: Instant,
    pub(crate) answered: Instant,
    /// For a sent or edited message: its id and the request's body.
    pub(crate) message: Option<(i64, Value)>,
}

/// Updates waiting for the bot's long polling, as Telegram keeps them.
#[derive(Clone, Default)]
pub(crate) struct UpdateQueue {
    pending: Arc<Mutex<VecDeque<Value>>>,
    arrived: Arc<Notify>,
}

impl UpdateQueue {
    pub(crate) fn push(&self, updates: impl IntoIterator<Item = Value>) {
        self.pending.lock().unwrap().extend(updates);
        self.arrived.notify_waiters();
    }

    /// Up to `limit` updates from `offset` on; earlier ones are confirmed
    /// and forgotten, as Telegram does.
    fn take(&self, offset: i64, limit: usize) -> Vec<Value> {
        let mut pending = self.pending.lock().unwrap();
        while pending
            .front()
            .is_some_and(|u| u["update_id"].as_i64().unwrap_or(0) < offset)
        {
            pending.pop_front();
        }
        pending.iter().take(limit).cloned().collect()
    }
}

#[derive(Clone)]
struct Fake {
    seen: mpsc::UnboundedSender<Seen>,
    updates: UpdateQueue,
    next_message_id: Arc<AtomicI64>,
}

/// The fake Bot API, running on a thread and runtime of its own so that its
/// handlers never queue behind a bot's tasks in the same process.
pub(crate) struct FakeTelegram {
    pub(crate) address: SocketAddr,
    pub(crate) seen: mpsc::UnboundedReceiver<Seen>,
    /// Served to long polling.
    pub(crate) updates: UpdateQueue,
    /// `<pid>/task/<tid>` of its thread, for [`cpu_ticks`].
    pub(crate) thread: String,
}

impl FakeTelegram {
    pub(crate) fn start() -> Self {
        let (seen, receiver) = mpsc::unbounded_channel();
        let updates = UpdateQueue::default();
        let fake = Fake {
            seen,
            updates: updates.clone(),
            next_message_id: Arc::new(AtomicI64::new(1)),
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let (told, thread) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("fake-bot-api".to_owned())
            .spawn(move || {
                let id = std::fs::read_link("/proc/thread-self")
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                told.send(id).unwrap();
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    let app = Router::new()
                        .route("/{bot}/{method}", post(api))
                        .with_state(fake);
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    axum::serve(listener, app).await.unwrap();
                });
            })
            .unwrap();
        Self {
            address,
            seen: receiver,
            updates,
            thread: thread.recv().unwrap(),
        }
    }

    /// The next request the bot made.
    pub(crate) async fn next(&mut self) -> Seen {
        tokio::time::timeout(GIVE_UP, self.seen.recv())
            .await
            .expect("the bot stopped making requests")
            .unwrap()
    }
}

fn ok(result: &Value) -> String {
    json!({ "ok": true, "result": result }).to_string()
}

fn message_json(id: i64, body: &Value) -> Value {
    json!({
        "message_id": id, "date": 1_900_000_000,
        "chat": { "id": body["chat_id"], "type": "private", "first_name": "Alex" },
        "from": { "id": 123456789, "is_bot": true, "first_name": "Salon", "username": "salon_bot" },
        "text": body["text"]
    })
}

/// The chat of a callback answer: the start of its query's id (see
/// [`callback_update`]).
fn query_chat(body: &Value) -> i64 {
    body["callback_query_id"]
        .as_str()
        .and_then(|id| id.split('-').next())
        .and_then(|chat| chat.parse().ok())
        .unwrap_or(0)
}

async fn api(
    State(fake): State<Fake>,
    UrlPath((_bot, method)): UrlPath<(String, String)>,
    body: Bytes,
) -> String {
    let arrived = Instant::now();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let chat = body["chat_id"]
        .as_i64()
        .unwrap_or_else(|| query_chat(&body));
    let (method, answer, message) = match method.to_ascii_lowercase().as_str() {
        "getme" => (
            Method::GetMe,
            ok(&json!({
                "id": 123456789, "is_bot": true, "first_name": "Salon", "username": "salon_bot",
                "can_join_groups": false, "can_read_all_group_messages": false,
                "supports_inline_queries": false, "has_main_web_app": false
            })),
            None,
        ),
        "getupdates" => {
            let offset = body["offset"].as_i64().unwrap_or(0);
            let limit = body["limit"].as_u64().unwrap_or(100) as usize;
            let wait = Duration::from_secs(body["timeout"].as_u64().unwrap_or(0));
            // Long polling, as Telegram does it: answer at once when updates
            // are waiting, else when one arrives or the timeout passes.
            let arrived_signal = fake.updates.arrived.notified();
            let mut batch = fake.updates.take(offset, limit);
            if batch.is_empty() {
                let _ = tokio::time::timeout(wait, arrived_signal).await;
                batch = fake.updates.take(offset, limit);
            }
            (Method::GetUpdates, ok(&Value::Array(batch)), None)
        }
        "sendmessage" => {
            let id = fake.next_message_id.fetch_add(1, Ordering::Relaxed);
            (Method::Send, ok(&message_json(id, &body)), Some((id, body)))
        }
        "editmessagetext" => {
            let id = body["message_id"].as_i64().unwrap_or(0);
            (Method::Edit, ok(&message_json(id, &body)), Some((id, body)))
        }
        "answercallbackquery" => (Method::AnswerCallback, ok(&json!(true)), None),
        _ => (Method::Other, ok(&json!(true)), None),
    };
    let answered = Instant::now();
    // The benchmark may have stopped listening; the bot still gets its answer.
    let _ = fake.seen.send(Seen {
        method,
        chat,
        arrived,
        answered,
        message,
    });
    answer
}
