//! No log line carries a customer's raw name or phone, or the bot token.
//!
//! A global subscriber built like the app's (`app/src/telemetry.rs`: the
//! `fmt` layer with the `log` bridge, so teloxide's records arrive too) but
//! at TRACE for every target writes into memory while a whole booking runs
//! through the real handler tree: a distinctive typed name, a phone typed
//! with spaces, a comment holding another phone, refusals of bad phones, a
//! stale button, then "My bookings" and a cancellation. TRACE is stricter
//! than the app's default `info`, so anything an operator could turn on
//! with `RUST_LOG` is checked as well.
//!
//! Its own test binary: the subscriber is process-wide and teloxide_tests
//! allows one mock bot per process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io;
use std::sync::{Arc, Mutex};

use common::*;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Every byte the subscriber wrote.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs the capturing subscriber for the whole process, with the app's
/// format (no colours, as in journald or files) and the filter at TRACE.
fn capture_logs() -> Captured {
    let captured = Captured::default();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new("trace"))
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_target(false)
        .try_init()
        .expect("the only subscriber of this test binary");
    captured
}

const NAME: &str = "Zinaida Quux-Privacy";
const TYPED_PHONE: &str = "+7 916 555 12 34";
const COMMENT: &str = "If I am late, call my sister on 8 903 777-66-55";

#[tokio::test]
async fn a_whole_booking_logs_no_personal_data_and_no_token() {
    let logs = capture_logs();
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

    let booking = h.engine.my_bookings(zinaida.customer_id()).await.unwrap();
    assert!(booking.is_empty(), "the booking was cancelled");
    let lines = logs.lines();

    // The capture works, so silence below means something.
    assert!(lines.len() > 10, "too few log lines to judge: {lines:#?}");
    let made = lines
        .iter()
        .find(|l| l.contains("booking made through the client bot"))
        .unwrap_or_else(|| panic!("the booking was not logged: {lines:#?}"));
    let booking_id = made
        .split("booking=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the booking is named by its id");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("booking cancelled by the customer")
                && l.contains(&format!("booking={booking_id}"))),
        "the cancellation was not logged with the booking's id"
    );

    let secret = token.split(':').nth(1).expect("a bot token has two parts");
    let forbidden = [
        NAME,
        "Zinaida",
        "Quux",
        "Privacy",
        TYPED_PHONE,
        "+79165551234",
        "79165551234",
        "9165551234",
        "916 555",
        "555 12 34",
        "5551234",
        "8 903 777-66-55",
        "89037776655",
        "79037776655",
        "9037776655",
        "777-66-55",
        "call my sister",
        &token,
        secret,
    ];
    let leaks: Vec<(&str, &String)> = lines
        .iter()
        .flat_map(|line| {
            forbidden
                .iter()
                .filter(|f| line.contains(**f))
                .map(move |f| (*f, line))
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "personal data or the token in the logs: {leaks:#?}"
    );
}
