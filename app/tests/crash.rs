//! A crash loses nothing a customer did: SIGKILL while updates are taken
//! from Telegram but not handled, or in the middle of a burst of bookings,
//! and the next start handles every one of them, each once; a webhook
//! redelivery is handled once; a full webhook queue answers 503.
//!
//! "In the middle" is made exact, not timed: the fake Bot API holds the
//! bot's requests, so its handlers are provably mid-way when the process is
//! killed; nothing the killed process sent is ever answered, so what the
//! tests count is what the restarted process sends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use booking_ports::{BookingStore, CustomerStore};
use common::*;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use tokio::sync::mpsc;

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// SIGKILL, and the log lines up to it.
async fn kill_hard(running: Running) -> String {
    kill(Pid::from_raw(running.pid() as i32), Signal::SIGKILL).unwrap();
    let (code, logs) = running.wait().await;
    assert_eq!(code, None, "killed by a signal: {logs}");
    logs
}

/// Everything the fake reported so far, dropped: what the killed process
/// sent is never answered and does not count.
fn forget(requests: &mut mpsc::UnboundedReceiver<(String, Value)>) {
    while requests.try_recv().is_ok() {}
}

/// Collects the fake's reports into `seen` until `done` holds for them,
/// whatever order they come in.
async fn until(
    requests: &mut mpsc::UnboundedReceiver<(String, Value)>,
    seen: &mut Vec<(String, Value)>,
    done: impl Fn(&[(String, Value)]) -> bool,
) {
    let waited = tokio::time::timeout(GIVE_UP, async {
        while !done(seen) {
            seen.push(requests.recv().await.unwrap());
        }
    })
    .await;
    assert!(waited.is_ok(), "never came; seen: {seen:?}");
}

fn text_of(body: &Value) -> &str {
    body["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_update_taken_from_telegram_but_not_handled_is_handled_once_after_a_crash() {
    const CUSTOMER: i64 = 5101;
    const NEIGHBOUR: i64 = 5102;
    let (api, fake, mut requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    let running = workspace.run(api, &[]);
    next_request(&mut requests, "getupdates").await;

    // The reply to /start is held: the update was taken, not finished.
    let gate = fake.hold_requests();
    fake.push_update(start_update(1, CUSTOMER));
    let held = next_request(&mut requests, "sendmessage").await;
    assert_eq!(held["chat_id"], json!(CUSTOMER));
    kill_hard(running).await;
    gate.release();
    forget(&mut requests);

    // Telegram still has the update (its offset was never confirmed) and
    // sends it again; the inbox hands it back too. Handled once.
    let mut running = workspace.run(api, &[]);
    running
        .wait_for_log("handing back the updates an earlier run received")
        .await;
    fake.push_update(start_update(2, NEIGHBOUR));
    let sent_to = |seen: &[(String, Value)], chat: i64| {
        seen.iter()
            .any(|(method, body)| method == "sendmessage" && body["chat_id"] == json!(chat))
    };
    let mut seen = Vec::new();
    until(&mut requests, &mut seen, |seen| {
        sent_to(seen, CUSTOMER) && sent_to(seen, NEIGHBOUR)
    })
    .await;
    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
    while let Ok(request) = requests.try_recv() {
        seen.push(request);
    }
    let welcomes: Vec<&str> = seen
        .iter()
        .filter(|(method, body)| method == "sendmessage" && body["chat_id"] == json!(CUSTOMER))
        .map(|(_, body)| text_of(body))
        .collect();
    assert_eq!(welcomes.len(), 1, "{welcomes:?}");
    assert!(welcomes[0].starts_with("Welcome"), "{welcomes:?}");
}

/// One customer's way to the summary of a booking, on the `nth` day
/// offered (so several customers book different times); returns the
/// summary message.
async fn to_summary(
    fake: &FakeTelegram,
    requests: &mut mpsc::UnboundedReceiver<(String, Value)>,
    customer: i64,
    nth: usize,
    next_id: &mut impl FnMut() -> i64,
) -> Value {
    fake.push_update(start_update(next_id(), customer));
    let mut screen = next_screen_to(requests, customer).await;
    // Book, then the first choice at every step but the day, up to a time;
    // the screen after the time asks for the name.
    let mut step = 0;
    loop {
        let data = if step == 0 {
            button(&screen, "📅 Book")
        } else {
            nth_day(&screen, nth).or_else(|| button(&screen, ""))
        }
        .unwrap_or_else(|| panic!("no button to press: {screen}"));
        fake.push_update(press_update(next_id(), customer, &screen, &data));
        screen = next_screen_to(requests, customer).await;
        if action(&data).starts_with("t:") {
            break;
        }
        step += 1;
        assert!(step < 10, "never offered a time: {screen}");
    }
    fake.push_update(text_update(next_id(), customer, "Zinaida Crash"));
    next_screen_to(requests, customer).await;
    fake.push_update(text_update(next_id(), customer, "+7 916 555 12 34"));
    // The comment question, after the removal of the phone keyboard.
    let comment = loop {
        let screen = next_screen_to(requests, customer).await;
        if button(&screen, "Skip").is_some() {
            break screen;
        }
    };
    let skip = button(&comment, "Skip").unwrap();
    let press = next_id();
    fake.push_update(press_update(press, customer, &comment, &skip));
    // The summary, and the answer to the press: that handler is done.
    let (mut summary, mut answered) = (None, false);
    while summary.is_none() || !answered {
        let (_, body) = next_reply(requests, "the summary").await;
        if button(&body, "✅ Confirm").is_some() && body["chat_id"] == json!(customer) {
            summary = Some(body);
        } else if body["callback_query_id"] == format!("press-{press}") {
            answered = true;
        }
    }
    summary.unwrap()
}

/// The next send or edit to `chat`.
async fn next_screen_to(
    requests: &mut mpsc::UnboundedReceiver<(String, Value)>,
    chat: i64,
) -> Value {
    loop {
        let screen = next_screen(requests, "the next screen").await;
        if screen["chat_id"] == json!(chat) {
            return screen;
        }
    }
}

/// The action part of a flow button's data (`<flow>|<action>`).
fn action(data: &str) -> &str {
    data.split_once('|').map_or("", |(_, action)| action)
}

/// The callback data of the `nth` button that picks a day (each day
/// offered has a free time): action `d:YYYYMMDD`.
fn nth_day(body: &Value, nth: usize) -> Option<String> {
    let is_day = |data: &str| {
        action(data)
            .strip_prefix("d:")
            .is_some_and(|day| day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit()))
    };
    body["reply_markup"]["inline_keyboard"]
        .as_array()?
        .iter()
        .flat_map(|row| row.as_array().into_iter().flatten())
        .filter_map(|b| b["callback_data"].as_str())
        .filter(|data| is_day(data))
        .nth(nth)
        .map(str::to_owned)
}

#[tokio::test]
async fn sigkill_in_a_burst_of_bookings_loses_no_press_and_no_confirmation() {
    const CUSTOMERS: [i64; 4] = [5201, 5202, 5203, 5204];
    let (api, fake, mut requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    let running = workspace.run(api, &[]);
    let mut update_id = 0;
    let mut next_id = || {
        update_id += 1;
        update_id
    };
    let mut summaries = Vec::new();
    for (nth, customer) in CUSTOMERS.into_iter().enumerate() {
        summaries.push(to_summary(&fake, &mut requests, customer, nth, &mut next_id).await);
    }

    // Everyone presses "Confirm" at once; the bot's replies are held, and
    // the process is killed once two bookings are provably committed (their
    // "Booked" is on its way).
    let gate = fake.hold_requests();
    let mut presses = BTreeMap::new();
    for (customer, summary) in CUSTOMERS.iter().zip(&summaries) {
        let confirm = button(summary, "✅ Confirm").unwrap();
        let press = next_id();
        presses.insert(*customer, press);
        fake.push_update(press_update(press, *customer, summary, &confirm));
    }
    let mut booked_before_kill = 0;
    while booked_before_kill < 2 {
        let body = next_screen(&mut requests, "a confirmation").await;
        if text_of(&body).starts_with("✅ Booked:") {
            booked_before_kill += 1;
        }
    }
    kill_hard(running).await;
    gate.release();
    forget(&mut requests);

    // After the restart every press is answered and every customer told
    // "Booked" exactly once.
    let running = workspace.run(api, &[]);
    let booked = |seen: &[(String, Value)], customer: i64| {
        seen.iter()
            .filter(|(_, body)| {
                body["chat_id"] == json!(customer) && text_of(body).contains("Booked")
            })
            .count()
    };
    let answered = |seen: &[(String, Value)], press: i64| {
        seen.iter().any(|(method, body)| {
            method == "answercallbackquery"
                && body["callback_query_id"] == json!(format!("press-{press}"))
        })
    };
    let mut seen = Vec::new();
    until(&mut requests, &mut seen, |seen| {
        presses
            .iter()
            .all(|(customer, press)| booked(seen, *customer) > 0 && answered(seen, *press))
    })
    .await;
    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
    while let Ok(request) = requests.try_recv() {
        seen.push(request);
    }
    for customer in CUSTOMERS {
        assert_eq!(booked(&seen, customer), 1, "customer {customer}: {seen:?}");
    }

    // One booking each: the presses handled twice (before the kill and
    // after) made no second booking.
    let store = adapter_sqlite::SqliteStore::open(&adapter_sqlite::SqliteSettings::new(
        workspace.database(),
    ))
    .await
    .unwrap();
    for customer in CUSTOMERS {
        // The customer record their Telegram account acts as.
        let account = booking_domain::TelegramUserId::new(customer).unwrap();
        let id = store
            .customer_by_telegram(account)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("customer {customer} has no record"))
            .id;
        let bookings = store.bookings_of_customer(id).await.unwrap();
        assert_eq!(bookings.len(), 1, "customer {customer}: {bookings:?}");
    }
    store.close().await;
}

fn webhook_env() -> [(&'static str, &'static str); 3] {
    [
        ("BOOKING_HTTP_LISTEN", "127.0.0.1:0"),
        ("BOOKING_WEBHOOK_URL", "https://bots.example.com/telegram"),
        ("BOOKING_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ]
}

#[tokio::test]
async fn a_webhook_update_delivered_twice_is_handled_once() {
    const CUSTOMER: i64 = 5301;
    let (api, _fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    let workspace = Workspace::new();
    let mut running = workspace.run(api, &webhook_env());
    requests.next_where("setwebhook", |_| true).await;
    let address = running.http_address().await;
    let right = [(SECRET_HEADER, WEBHOOK_SECRET)];

    // Telegram sends an update again when it saw no answer in time.
    let update = start_update(40, CUSTOMER).to_string();
    for _ in 0..2 {
        let (status, _) = http(address, "POST", "/telegram/client", &right, &update).await;
        assert_eq!(status, 200);
    }
    requests
        .next_where("sendmessage", |body| body["chat_id"] == json!(CUSTOMER))
        .await;

    // The stop finishes everything taken, so a second reply would be sent
    // by now.
    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
    let replies = requests
        .all()
        .iter()
        .filter(|(method, body)| method == "sendmessage" && body["chat_id"] == json!(CUSTOMER))
        .count();
    assert_eq!(replies, 1, "{:?}", requests.all());
}

#[tokio::test]
async fn a_full_webhook_queue_answers_503_so_telegram_sends_again_later() {
    const CUSTOMER: i64 = 5401;
    let (api, fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    // getMe is held: the bot has not started, nobody takes the queue.
    let mut held = fake.hold_polling();
    let workspace = Workspace::new();
    let mut running = workspace.run(api, &webhook_env());
    requests.next_where("setwebhook", |_| true).await;
    let address = running.http_address().await;
    let first_get_me = held.recv().await.unwrap();
    assert_eq!(first_get_me.method, "getme");
    let right = [(SECRET_HEADER, WEBHOOK_SECRET)];

    let capacity = app::webhook::receiver::QUEUE_CAPACITY;
    for n in 0..capacity {
        let update = text_update(1000 + n as i64, CUSTOMER, "hello").to_string();
        let (status, _) = http(address, "POST", "/telegram/client", &right, &update).await;
        assert_eq!(status, 200, "update {n}");
    }
    let over = text_update(1000 + capacity as i64, CUSTOMER, "one too many").to_string();
    let (status, _) = http(address, "POST", "/telegram/client", &right, &over).await;
    assert_eq!(status, 503);
    // A redelivery of a queued update is still recognised, not refused.
    let queued = text_update(1000, CUSTOMER, "hello").to_string();
    let (status, _) = http(address, "POST", "/telegram/client", &right, &queued).await;
    assert_eq!(status, 503, "a full queue refuses before reading the inbox");

    let (status, metrics) = http(address, "GET", "/metrics", &[], "").await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains("booking_webhook_updates_deferred_total{bot=\"client\"} 2"),
        "{metrics}"
    );

    fake.release_polling();
    first_get_me.answer(Answer::Normally);
    drop(held);
    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
}
