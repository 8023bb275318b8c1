//! No log line the binary writes carries a customer's raw name or phone, or
//! the bot token, in either format, in the current file or a rotated one.
//!
//! The app's own log layers (`app::telemetry::layer`, what `booking run`
//! installs) write at TRACE for every target into two files with tiny
//! rotation sizes: JSON keeping every file, so every line ever written is
//! read, and human lines keeping three files, so old files are deleted as
//! in production. Meanwhile a whole booking runs through the real client
//! handler tree: a distinctive typed name, a phone typed with spaces, a
//! comment holding another phone, refusals of bad phones, a stale button,
//! then "My bookings" and a cancellation. TRACE is stricter than the
//! default `info`, so anything an operator could turn on with `RUST_LOG` is
//! checked as well; teloxide's `log` records arrive through the bridge.
//!
//! Its own test binary: the subscriber is process-wide and teloxide_tests
//! allows one mock bot per process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use adapter_telegram::test_support::*;
use app::telemetry::{self, LogFile, LogFilter, LogFormat, LogSettings, Rotation};
use serde_json::Value;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const NAME: &str = "Zinaida Quux-Privacy";
const TYPED_PHONE: &str = "+7 916 555 12 34";
const COMMENT: &str = "If I am late, call my sister on 8 903 777-66-55";

/// Small enough that the booking below fills many files.
const FILE_SIZE: u64 = 8 * 1024;
/// More JSON files than the booking fills, so none is deleted.
const JSON_FILES: u16 = 1000;
/// Few human files, so the oldest are deleted.
const HUMAN_FILES: u16 = 3;

fn file_settings(path: PathBuf, format: LogFormat, max_files: u16) -> LogSettings {
    LogSettings {
        format,
        filter: LogFilter::parse("trace").unwrap(),
        file: Some(LogFile {
            path,
            rotation: Rotation::new(FILE_SIZE, max_files).unwrap(),
        }),
    }
}

/// Every file of the log at `path`: the current one and the rotated ones.
fn log_files(path: &Path) -> Vec<PathBuf> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut files: Vec<PathBuf> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&name))
        .collect();
    files.sort();
    files
}

fn lines_of(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .flat_map(|file| {
            std::fs::read_to_string(file)
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The ways a Russian mobile number can be written, from its ten national
/// digits: with +7, 7 or 8 in front or nothing, grouped 3-3-2-2 with spaces
/// or dashes, and the subscriber part alone.
fn phone_forms(national: &str) -> Vec<String> {
    assert_eq!(national.len(), 10);
    let (code, a, b, c) = (
        &national[..3],
        &national[3..6],
        &national[6..8],
        &national[8..],
    );
    let mut forms = vec![
        national.to_owned(),
        format!("7{national}"),
        format!("8{national}"),
        format!("+7{national}"),
        format!("{a}{b}{c}"),
        format!("({code})"),
    ];
    for separator in [" ", "-"] {
        forms.push([code, a, b, c].join(separator));
        forms.push([a, b, c].join(separator));
        forms.push(format!("{code}{separator}{a}"));
    }
    forms
}

/// Every string inside a JSON value, decoded: a leak hidden by escaping
/// (a quote, a non-ASCII letter) is still found.
fn strings_in(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(s) => found.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings_in(v, found)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            found.push(k.clone());
            strings_in(v, found);
        }),
        _ => {}
    }
}

#[tokio::test]
async fn a_whole_booking_logs_no_personal_data_and_no_token_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let json_log = dir.path().join("json/booking.log");
    let human_log = dir.path().join("human/booking.log");
    let json = telemetry::layer(&file_settings(
        json_log.clone(),
        LogFormat::Json,
        JSON_FILES,
    ));
    let human = telemetry::layer(&file_settings(
        human_log.clone(),
        LogFormat::Human,
        HUMAN_FILES,
    ));
    tracing_subscriber::registry()
        .with(vec![json.unwrap(), human.unwrap()])
        .try_init()
        .expect("the only subscriber of this test binary");

    let mut h = Harness::new().await;
    let token = h.bot.bot.token().to_owned();
    // The Telegram profile carries the same name, so a logged update would
    // show up too.
    let zinaida = Customer::new(4242, "Zinaida").surname("Quux-Privacy");

    // Book, with a specialist step.
    let menu = screen(&h.send(&zinaida, "/start").await);
    let services = screen(&h.press(&zinaida, &menu, "📅 Book").await);
    let staff = screen(&h.press(&zinaida, &services, "Women's haircut").await);
    let days = screen(&h.press(&zinaida, &staff, "Anna").await);
    let times = screen(&h.press(&zinaida, &days, "Tue 4 Jun").await);
    screen(&h.press(&zinaida, &times, "11:00").await);
    let asked = h.send(&zinaida, NAME).await;
    assert!(asks_for_contact(&asked));

    // Refused phones, one of them close to the real one.
    for bad in ["call me on 916 555", "12", "+7 916 555 12 34 +7"] {
        let refused = text(&screen(&h.send(&zinaida, bad).await));
        assert!(!refused.starts_with("Anything"), "{bad:?} was accepted");
    }
    let accepted = h.send(&zinaida, TYPED_PHONE).await;
    assert_eq!(
        text(&accepted.sent_messages_text[0].message),
        "📱 Phone: +79165551234"
    );
    let summary = screen(&h.send(&zinaida, COMMENT).await);
    assert!(text(&summary).contains(NAME), "{}", text(&summary));
    let done = screen(&h.press(&zinaida, &summary, "✅ Confirm").await);
    assert!(text(&done).starts_with("✅ Booked:"), "{}", text(&done));

    // A stale button from the finished conversation.
    let stale = h
        .press_data(&zinaida, &done, &button_data(&days, "Wed 5 Jun"))
        .await;
    assert_eq!(answer(&stale).as_deref(), Some("This button has expired."));

    // My bookings, then cancel.
    let menu = screen(&h.send(&zinaida, "/start").await);
    let list = screen(&h.press(&zinaida, &menu, "🗂 My bookings").await);
    let details = screen(&h.press(&zinaida, &list, "Tue 4 Jun, 11:00").await);
    let question = screen(&h.press(&zinaida, &details, "Cancel booking").await);
    let cancelled = screen(&h.press(&zinaida, &question, "Yes, cancel it").await);
    assert!(
        text(&cancelled).contains("is cancelled"),
        "{}",
        text(&cancelled)
    );
    let bookings = h.bookings_of(&zinaida).await;
    assert!(bookings.is_empty(), "the booking was cancelled");

    // JSON: every file kept, each within its size (plus one line), every
    // line one JSON object with the fields log shippers index.
    let json_files = log_files(&json_log);
    assert!(
        json_files.len() > usize::from(HUMAN_FILES) && json_files.len() < usize::from(JSON_FILES),
        "expected several rotations and no deletion, got {} files",
        json_files.len()
    );
    let json_lines = lines_of(&json_files);
    let longest = json_lines.iter().map(|l| l.len() as u64 + 1).max().unwrap();
    for file in &json_files {
        let size = std::fs::metadata(file).unwrap().len();
        assert!(size <= FILE_SIZE + longest, "{file:?} holds {size} bytes");
    }
    let events: Vec<Value> = json_lines
        .iter()
        .map(|line| {
            serde_json::from_str::<Value>(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
        })
        .collect();
    for event in &events {
        assert!(event["timestamp"].is_string(), "{event}");
        assert!(event["level"].is_string(), "{event}");
        assert!(event["target"].is_string(), "{event}");
        assert!(event["fields"]["message"].is_string(), "{event}");
    }
    let message = |event: &Value| {
        event["fields"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let made = events
        .iter()
        .find(|e| message(e) == "booking made through the client bot")
        .expect("the booking was logged");
    let booking = made["fields"]["booking"].as_str().expect("named by its id");
    assert!(
        events
            .iter()
            .any(|e| message(e) == "booking cancelled by the customer"
                && e["fields"]["booking"].as_str() == Some(booking)),
        "the cancellation was not logged with the booking's id"
    );

    // Human lines: exactly the kept number of files, the oldest deleted.
    let human_files = log_files(&human_log);
    assert_eq!(
        human_files.len(),
        usize::from(HUMAN_FILES),
        "{human_files:?}"
    );
    let human_lines = lines_of(&human_files);
    assert!(
        human_lines.len() < json_lines.len(),
        "the human log rotated old lines away"
    );

    let secret = token.split(':').nth(1).expect("a bot token has two parts");
    let mut forbidden: Vec<String> = [NAME, "Zinaida", "Quux", "Privacy", "call my sister"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    forbidden.extend(phone_forms("9165551234"));
    forbidden.extend(phone_forms("9037776655"));
    forbidden.extend(["8 903 777-66-55".to_owned(), TYPED_PHONE.to_owned()]);
    forbidden.extend([token.clone(), secret.to_owned()]);

    let mut decoded = Vec::new();
    events.iter().for_each(|e| strings_in(e, &mut decoded));
    let leaks: Vec<(&String, &String)> = json_lines
        .iter()
        .chain(&decoded)
        .chain(&human_lines)
        .flat_map(|line| {
            forbidden
                .iter()
                .filter(|f| line.contains(f.as_str()))
                .map(move |f| (f, line))
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "personal data or the token in the logs: {leaks:#?}"
    );
}
