//! Every message fits Telegram's limits, end to end: a day with 60
//! bookings whose names and comments are as long as the domain allows,
//! seen page by page in the admin bot's day view and blocked with
//! `/block`, against the fake Bot API, which refuses what Telegram would
//! (texts over 4,096 UTF-16 units, callback answers over 200, button data
//! over 64 bytes). Nothing is refused and staff never read "something
//! went wrong". The admin bot runs in webhook mode, so the test hands each
//! update to that bot alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use booking_domain::{CustomerId, ServiceId, StaffChoice, StaffId};
use booking_ports::engine::BookingForm;
use booking_ports::{EngineSettings, ManualClock};
use chrono::{NaiveDate, TimeZone, Utc};
use common::{
    ADMIN_TOKEN, Requests, TOKEN, WEBHOOK_SECRET, Workspace, button, http, press_update,
    start_fake_telegram, text_update,
};
use serde_json::{Value, json};

/// Staff who look through the day together. Each chat has its own budget
/// of updates (10 at once, 2 a second): one person pressing through 15
/// pages as fast as the test can would be told to slow down, so the
/// presses go round the four of them.
const STAFF: [i64; 4] = [5005, 5006, 5007, 5008];
const ADMIN_BOT_ID: &str = "987654321";
const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";
/// A Wednesday: Anna and Maria both work, 62 quarter hours between them.
const BUSY_DAY: &str = "2030-01-09";
const BOOKINGS: usize = 60;

/// A short service both staff perform, and the admin bot for [`STAFF`].
const CONFIG: &str = r#"
[[services]]
id = 4
name = "Fringe trim"
duration_minutes = 15
price = "300"
staff = [1, 2]

[admin]
allowed_user_ids = [5005, 5006, 5007, 5008]
"#;

/// Books every free quarter hour of [`BUSY_DAY`] up to [`BOOKINGS`], each
/// for another customer with a name of 100 Cyrillic letters and a comment
/// of 500 characters, half of them emoji, through the engine on the
/// binary's database before it starts.
async fn seed_busy_day(workspace: &Workspace) {
    struct Env(String);
    impl app::config::Environment for Env {
        fn var(&self, name: &str) -> Option<String> {
            match name {
                "BOOKING_CONFIG" => Some(self.0.clone()),
                "BOOKING_CLIENT_BOT_TOKEN" => Some(TOKEN.to_owned()),
                _ => None,
            }
        }
    }
    let config = workspace.dir.path().join("booking.toml");
    let settings = app::config::load(&Env(config.display().to_string())).unwrap();
    let store = app::database::open(
        &app::database::DatabaseSettings::from_url(&workspace.database_url()).unwrap(),
    )
    .await
    .unwrap();
    let now = Utc.with_ymd_and_hms(2030, 1, 6, 9, 0, 0).unwrap();
    let engine = store.engine(
        ManualClock::new(now),
        settings.policy.clone(),
        EngineSettings::default(),
    );
    engine
        .import_catalog_if_empty(settings.catalog.clone())
        .await
        .unwrap();
    let day: NaiveDate = BUSY_DAY.parse().unwrap();
    let service = ServiceId::new(4).unwrap();
    let comment = format!("{}{}", "💇".repeat(250), "я".repeat(250));
    let name = "Александра Константиновна Преображенская-Тимофеева "
        .repeat(2)
        .chars()
        .take(100)
        .collect::<String>();
    let mut booked = 0;
    for staff in [1, 2] {
        let staff = StaffChoice::Only(StaffId::new(staff).unwrap());
        let times = engine.free_times(service, staff, day).await.unwrap();
        for time in times {
            if booked == BOOKINGS {
                break;
            }
            booked += 1;
            engine
                .book(
                    CustomerId::new(7000 + booked as i64).unwrap(),
                    BookingForm {
                        service,
                        staff,
                        start: time.start,
                        name: name.clone(),
                        phone: format!("+7916{:07}", 1_000_000 + booked),
                        comment: Some(comment.clone()),
                        language: None,
                    },
                )
                .await
                .unwrap();
        }
    }
    assert_eq!(booked, BOOKINGS, "the day holds too few free times");
    store.close().await;
}

/// Posts `update` to the admin bot's webhook.
async fn to_admin_bot(address: std::net::SocketAddr, update: &Value) {
    let headers = [(SECRET_HEADER, WEBHOOK_SECRET)];
    let (status, _) = http(
        address,
        "POST",
        "/telegram/admin",
        &headers,
        &update.to_string(),
    )
    .await;
    assert_eq!(status, 200);
}

fn to_staff(body: &Value) -> bool {
    STAFF.iter().any(|user| body["chat_id"] == json!(user))
}

/// The next message of the admin bot to a staff member.
async fn next_screen(requests: &mut Requests) -> Value {
    let is_ours = |body: &Value| to_staff(body) && body["_bot"] == json!(ADMIN_BOT_ID);
    loop {
        let body = requests.next_where("sendmessage", |_| true).await;
        if is_ours(&body) {
            return body;
        }
    }
}

/// The next edit of the day view (a page button's answer).
async fn next_edit(requests: &mut Requests) -> Value {
    requests.next_where("editmessagetext", to_staff).await
}

/// The booking ids of a screen's booking buttons (`b:<id>`).
fn booking_buttons(body: &Value) -> Vec<i64> {
    body["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().into_iter().flatten())
        .filter_map(|b| {
            b["callback_data"]
                .as_str()?
                .strip_prefix("b:")?
                .parse()
                .ok()
        })
        .collect()
}

fn units(body: &Value) -> usize {
    body["text"].as_str().unwrap().encode_utf16().count()
}

#[tokio::test]
async fn a_busy_day_is_paged_and_a_long_block_report_split_so_telegram_takes_every_message() {
    let workspace = Workspace::new();
    workspace.add_to_config(CONFIG);
    seed_busy_day(&workspace).await;
    let (api, _fake, requests) = start_fake_telegram().await;
    let mut requests = Requests::new(requests);
    let mut running = workspace.run(
        api,
        &[
            ("BOOKING_HTTP_LISTEN", "127.0.0.1:0"),
            ("BOOKING_ADMIN_BOT_TOKEN", ADMIN_TOKEN),
            ("BOOKING_WEBHOOK_URL", "https://bots.example.com/telegram"),
            ("BOOKING_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
    );
    let address = running.http_address().await;
    let mut update_id = 1;
    let mut next_update = || {
        update_id += 1;
        update_id
    };

    // The day view, page by page through "Later".
    let day = text_update(next_update(), STAFF[0], &format!("/day {BUSY_DAY}"));
    to_admin_bot(address, &day).await;
    let mut page = next_screen(&mut requests).await;
    let first = page["text"].as_str().unwrap().to_owned();
    assert!(
        first.starts_with("Wed 9 Jan · all staff · 60 bookings"),
        "{first}"
    );
    let mut seen = Vec::new();
    let mut pages = 1;
    loop {
        assert!(units(&page) <= 4096, "{}", page["_refused"]);
        seen.extend(booking_buttons(&page));
        let Some(later) = button(&page, "Later") else {
            break;
        };
        let who = STAFF[pages % STAFF.len()];
        let press = press_update(next_update(), who, &page, &later);
        to_admin_bot(address, &press).await;
        page = next_edit(&mut requests).await;
        pages += 1;
    }
    assert_eq!(seen.len(), BOOKINGS, "{seen:?}");
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), BOOKINGS);
    assert!(pages > BOOKINGS / 5, "pages are cut by length too: {pages}");

    // Blocking the day: every booking collides, listed over several
    // messages, the button to cancel them under the last.
    let block = text_update(next_update(), STAFF[0], &format!("/block all {BUSY_DAY}"));
    to_admin_bot(address, &block).await;
    let mut report = String::new();
    let mut messages = 0;
    loop {
        let message = next_screen(&mut requests).await;
        messages += 1;
        assert!(units(&message) <= 4096, "{}", message["_refused"]);
        report.push_str(message["text"].as_str().unwrap());
        if button(&message, "Cancel them").is_some() {
            break;
        }
    }
    assert!(messages >= 2, "{report}");
    assert!(report.starts_with("Blocked Wed 9 Jan"), "{report}");
    assert!(report.contains("60 bookings collide with it"), "{report}");
    for id in &seen {
        assert!(report.contains(&format!("#{id} ")), "#{id} missing");
    }

    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
    for (method, body) in requests.all() {
        assert!(body.get("_refused").is_none(), "{method} refused: {body}");
        let text = body["text"].as_str().unwrap_or_default();
        assert!(!text.contains("something went wrong"), "{method}: {text}");
    }
}
