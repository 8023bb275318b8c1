//! The `/metrics` route after activity in every crate: the engine on the
//! SQLite store, a store failure, an update through the bots' metrics
//! handler, a failed update and a failed request.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use adapter_sqlite::{SqliteSettings, SqliteStore};
use adapter_telegram::HandlerError;
use adapter_telegram::guard::LogErrors;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use booking_domain::{CustomerId, StaffChoice};
use booking_ports::engine::BookingForm;
use booking_ports::{CatalogStore, Engine, ManualClock};
use chrono::{Duration, TimeZone, Utc};
use teloxide::RequestError;
use teloxide::dispatching::UpdateHandler;
use teloxide::error_handlers::ErrorHandler;
use teloxide::types::{Seconds, Update};
use tower::ServiceExt;

use super::*;
use crate::config::{self, Environment, Settings};

struct FakeEnvironment(HashMap<&'static str, String>);

impl Environment for FakeEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

/// The example configuration's salon.
fn example_settings() -> Settings {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../booking.example.toml");
    config::load(&FakeEnvironment(HashMap::from([
        ("BOOKING_CONFIG", example.display().to_string()),
        (
            "BOOKING_CLIENT_BOT_TOKEN",
            "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_".to_owned(),
        ),
    ])))
    .unwrap()
}

fn form(service: booking_domain::ServiceId, start: chrono::DateTime<Utc>) -> BookingForm {
    BookingForm {
        service,
        staff: StaffChoice::Any,
        start,
        name: "Maria Ivanova".to_owned(),
        phone: "+7 916 123-45-67".to_owned(),
        comment: None,
        language: None,
    }
}

/// Books, cancels, books and moves through the engine on `store`.
async fn book_cancel_and_move(store: &SqliteStore, clock: &ManualClock) {
    let settings = example_settings();
    let engine = Engine::on_store(
        store.clone(),
        clock.clone(),
        settings.policy.clone(),
        settings.engine.clone(),
    );
    engine
        .import_catalog_if_empty(settings.catalog)
        .await
        .unwrap();
    let service = store.services().await.unwrap()[0].id();
    // Two days ahead: far from any cancellation or reschedule cutoff.
    let from = settings.policy.today(clock.now()) + Duration::days(2);
    let day = engine
        .days_with_free_times(service, StaffChoice::Any, from, from + Duration::days(14))
        .await
        .unwrap()[0];
    let starts: Vec<_> = engine
        .free_times(service, StaffChoice::Any, day)
        .await
        .unwrap()
        .into_iter()
        .map(|free| free.start)
        .collect();
    let (anna, boris) = (CustomerId::new(1).unwrap(), CustomerId::new(2).unwrap());
    let first = engine.book(anna, form(service, starts[0])).await.unwrap();
    engine
        .cancel_my_booking(anna, first.booking.id(), first.booking.version())
        .await
        .unwrap();
    let second = engine.book(boris, form(service, starts[0])).await.unwrap();
    engine
        .reschedule_my_booking(
            boris,
            second.booking.id(),
            second.booking.version(),
            StaffChoice::Any,
            *starts.last().unwrap(),
        )
        .await
        .unwrap();
}

/// A private "/start" message, as Telegram sends it.
fn start_message() -> Update {
    // From text, as Telegram sends it: teloxide reads an update from a
    // `serde_json::Value` as an unparsable one.
    let text = serde_json::json!({
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1_900_000_000,
            "chat": {"id": 7, "type": "private", "first_name": "Maria"},
            "from": {"id": 7, "is_bot": false, "first_name": "Maria"},
            "text": "/start"
        }
    })
    .to_string();
    serde_json::from_str(&text).unwrap()
}

async fn telegram_activity() {
    let tree: UpdateHandler<HandlerError> =
        adapter_telegram::metrics::observe_updates(adapter_telegram::CLIENT_BOT)
            .chain(teloxide::dptree::endpoint(|| async { Ok(()) }));
    let handled = tree
        .dispatch(teloxide::dptree::deps![start_message()])
        .await;
    assert!(matches!(handled, std::ops::ControlFlow::Break(Ok(()))));
    Arc::new(LogErrors {
        bot: adapter_telegram::CLIENT_BOT,
    })
    .handle_error(HandlerError::Panicked {
        message: "a test".to_owned(),
    })
    .await;
    adapter_telegram::metrics::telegram_request_failed(
        "getUpdates",
        &RequestError::RetryAfter(Seconds::from_seconds(5)),
    );
}

async fn get_metrics(router: Router) -> (StatusCode, Option<String>, String) {
    let response = router
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn the_route_answers_every_metric_with_help_and_samples_after_activity() {
    // Arrange: activity in every crate, recorded by the installed registry.
    let registry = install();
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&SqliteSettings::new(dir.path().join("booking.db")))
        .await
        .unwrap();
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2030, 6, 3, 7, 0, 0).unwrap());
    book_cancel_and_move(&store, &clock).await;
    let broken = SqliteStore::open(&SqliteSettings::new(dir.path().join("closed.db")))
        .await
        .unwrap();
    broken.close().await;
    assert!(broken.services().await.is_err(), "a closed store fails");
    telegram_activity().await;
    // The staff notices of the bookings are due now and nobody sends them.
    clock.advance(Duration::seconds(90));
    let router = router(registry, Arc::new(store.clone()), Arc::new(clock.clone()));

    // Act
    let (status, content_type, body) = get_metrics(router).await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some(CONTENT_TYPE));
    let sampled = |series: &str| body.lines().any(|line| line.starts_with(series));
    for (name, sample) in [
        (
            "booking_updates_total",
            "booking_updates_total{bot=\"client\",kind=\"message\"} ",
        ),
        (
            "booking_update_duration_seconds",
            "booking_update_duration_seconds_bucket{bot=\"client\",le=\"0.001\"} ",
        ),
        (
            "booking_update_errors_total",
            "booking_update_errors_total{bot=\"client\",cause=\"panic\"} ",
        ),
        (
            "booking_telegram_errors_total",
            "booking_telegram_errors_total{method=\"getUpdates\",error=\"rate_limited\"} ",
        ),
        (
            "booking_bookings_created_total",
            "booking_bookings_created_total{service=\"1\"} ",
        ),
        (
            "booking_bookings_cancelled_total",
            "booking_bookings_cancelled_total{service=\"1\",by=\"customer\"} ",
        ),
        (
            "booking_bookings_rescheduled_total",
            "booking_bookings_rescheduled_total{service=\"1\",by=\"customer\"} ",
        ),
        (
            "booking_database_errors_total",
            "booking_database_errors_total{kind=\"other\"} ",
        ),
        (OUTBOX_BACKLOG, "booking_outbox_backlog_messages "),
        (
            OUTBOX_OLDEST_AGE,
            "booking_outbox_oldest_due_age_seconds 90\n",
        ),
    ] {
        assert!(
            body.contains(&format!("# HELP {name} ")),
            "no help for {name}:\n{body}"
        );
        assert!(
            sampled(sample.trim_end_matches('\n')),
            "no {sample:?} in:\n{body}"
        );
    }
    assert!(
        body.contains("booking_outbox_oldest_due_age_seconds 90\n"),
        "{body}"
    );
    store.close().await;
}

#[test]
fn installing_again_keeps_the_first_recorder() {
    let first = install();
    let second = install();
    metrics::counter!("booking_test_installs_total").increment(1);

    for handle in [first, second] {
        assert!(
            handle
                .render()
                .lines()
                .any(|line| line.starts_with("booking_test_installs_total ")),
            "both handles see what the global recorder records"
        );
    }
}

// What follows pins down the exporter as `recorder()` configures it, where
// the dashboards and alerts of docs/OPERATIONS.md rely on it: histogram
// types and buckets, names left as the crates spell them, help and label
// escaping.

/// What `record` counts, rendered by a recorder configured like the
/// installed one but not installed.
fn rendered(record: impl FnOnce()) -> String {
    let recorder = recorder();
    metrics::with_local_recorder(&recorder, record);
    recorder.handle().render()
}

/// The value of the sample line that starts with `series` and a space.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().unwrap())
}

#[test]
fn the_exporter_settings_are_accepted() {
    assert!(builder().is_ok());
}

#[test]
fn update_durations_land_in_the_first_bucket_whose_bound_they_do_not_exceed() {
    let text = rendered(|| {
        for seconds in [0.0005, 0.001, 0.2, 20.0] {
            metrics::histogram!(adapter_telegram::metrics::UPDATE_DURATION, "bot" => "client")
                .record(seconds);
        }
    });

    let series = "booking_update_duration_seconds";
    assert!(
        text.contains(&format!("# TYPE {series} histogram\n")),
        "{text}"
    );
    let bucket = |le: &str| {
        sample(
            &text,
            &format!("{series}_bucket{{bot=\"client\",le=\"{le}\"}}"),
        )
    };
    assert_eq!(bucket("0.001"), Some(2.0), "{text}");
    assert_eq!(bucket("0.1"), Some(2.0), "{text}");
    assert_eq!(bucket("0.25"), Some(3.0), "{text}");
    assert_eq!(bucket("10"), Some(3.0), "{text}");
    assert_eq!(bucket("+Inf"), Some(4.0), "{text}");
    assert_eq!(
        sample(&text, &format!("{series}_count{{bot=\"client\"}}")),
        Some(4.0)
    );
    let sum = sample(&text, &format!("{series}_sum{{bot=\"client\"}}")).unwrap();
    assert!((sum - 20.2015).abs() < 1e-9, "{sum}");
}

#[test]
fn a_histogram_without_buckets_of_its_own_gets_the_default_ones() {
    let text = rendered(|| metrics::histogram!("latency_seconds").record(0.2));

    assert!(
        text.contains("# TYPE latency_seconds histogram\n"),
        "{text}"
    );
    assert_eq!(
        sample(&text, "latency_seconds_bucket{le=\"0.1\"}"),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "latency_seconds_bucket{le=\"0.25\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "latency_seconds_bucket{le=\"10\"}"),
        Some(1.0)
    );
}

#[test]
fn series_are_grouped_by_metric_and_carry_their_help() {
    let text = rendered(|| {
        metrics::describe_counter!("b_total", metrics::Unit::Count, "Bees.");
        metrics::describe_gauge!("queue_seconds", metrics::Unit::Seconds, "Waits.");
        metrics::counter!("b_total", "hive" => "2").increment(2);
        metrics::counter!("b_total", "hive" => "1").increment(1);
        metrics::counter!("b_total", "hive" => "1").increment(1);
        metrics::counter!("a_total").increment(5);
        metrics::gauge!("queue_seconds").set(3.5);
    });

    assert!(
        text.contains("# HELP b_total Bees.\n# TYPE b_total counter\n"),
        "{text}"
    );
    assert_eq!(sample(&text, "b_total{hive=\"1\"}"), Some(2.0), "{text}");
    assert_eq!(sample(&text, "b_total{hive=\"2\"}"), Some(2.0), "{text}");
    assert_eq!(sample(&text, "a_total"), Some(5.0), "{text}");
    assert!(
        text.contains("# HELP queue_seconds Waits.\n# TYPE queue_seconds gauge\n"),
        "a unit adds no suffix: {text}"
    );
    assert_eq!(sample(&text, "queue_seconds"), Some(3.5), "{text}");
}

#[test]
fn help_texts_and_label_values_are_escaped() {
    let text = rendered(|| {
        metrics::describe_counter!("jobs_total", "Jobs done.\nBy kind.");
        metrics::counter!("jobs_total", "kind" => "say \"hi\"\n").increment(1);
        metrics::counter!("jobs_total", "kind" => "a\\b").increment(3);
    });

    assert!(
        text.contains("# HELP jobs_total Jobs done.\\nBy kind.\n"),
        "{text}"
    );
    assert_eq!(
        sample(&text, "jobs_total{kind=\"say \\\"hi\\\"\\n\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "jobs_total{kind=\"a\\\\b\"}"),
        Some(3.0),
        "{text}"
    );
}

#[test]
fn the_outbox_gauges_follow_the_text_format() {
    let now = Utc.with_ymd_and_hms(2030, 6, 3, 7, 0, 0).unwrap();
    let mut text = String::new();

    write_outbox_gauges(
        &mut text,
        OutboxBacklog {
            due: 3,
            oldest_due_at: Some(now - Duration::seconds(90)),
        },
        now,
    );
    write_outbox_gauges(
        &mut text,
        OutboxBacklog {
            due: 0,
            oldest_due_at: None,
        },
        now,
    );

    let one = "# HELP booking_outbox_backlog_messages Pending notifications whose due time has passed, retries included.\n\
               # TYPE booking_outbox_backlog_messages gauge\n";
    let two = "# HELP booking_outbox_oldest_due_age_seconds Seconds since the oldest pending notification was due; 0 when none is.\n\
               # TYPE booking_outbox_oldest_due_age_seconds gauge\n";
    assert_eq!(
        text,
        format!(
            "{one}booking_outbox_backlog_messages 3\n{two}booking_outbox_oldest_due_age_seconds 90\n\
             {one}booking_outbox_backlog_messages 0\n{two}booking_outbox_oldest_due_age_seconds 0\n"
        )
    );
}
