//! Prometheus metrics of the running service: the recorder that every
//! crate's counters go to, and the `GET /metrics` route that renders them.
//!
//! The crates count through the `metrics` facade (`booking_ports::metrics`,
//! `adapter_sqlite::metrics`, `adapter_telegram::metrics`), which does
//! nothing until [`install`] puts the recorder of `metrics-exporter-prometheus`
//! behind it. That crate keeps the series and writes the text format; we use
//! it without its own HTTP listener, because `/metrics` is a route on our
//! axum listener (`http.rs`). The outbox gauges are not recorded at all:
//! [`router`] reads them from the store at every scrape, so they are never
//! stale.

#[cfg(test)]
mod tests;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use booking_ports::{Clock, NotificationOutbox, OutboxBacklog};
use chrono::{DateTime, Utc};
use metrics_exporter_prometheus::formatting::{write_help_line, write_type_line};
use metrics_exporter_prometheus::{
    BuildError, Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

/// The content type of the Prometheus text format (version 0.0.4), which
/// `/metrics` answers.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Pending notifications whose due time has passed (retries included),
/// read from the store at each scrape.
pub const OUTBOX_BACKLOG: &str = "booking_outbox_backlog_messages";
/// How long the oldest of those has waited, in seconds; 0 without any.
pub const OUTBOX_OLDEST_AGE: &str = "booking_outbox_oldest_due_age_seconds";

/// Connections the HTTP listener answered 503 because it served as many
/// as `[http] max_connections` allows.
pub const HTTP_CONNECTIONS_REFUSED: &str = "booking_http_connections_refused_total";
/// Requests answered 408 because their body did not arrive within
/// `[http] body_timeout_seconds`.
pub const HTTP_SLOW_BODIES: &str = "booking_http_slow_bodies_total";
/// Webhook updates answered 503 because the bot's queue was full
/// (`webhook::receiver`); Telegram sends them again later. Label `bot`.
pub const WEBHOOK_UPDATES_DEFERRED: &str = "booking_webhook_updates_deferred_total";

/// Buckets for a histogram no bucket set was given for: Prometheus's usual
/// defaults, in seconds. Without them the exporter would render such a
/// histogram as a summary, whose quantiles cannot be aggregated across
/// labels.
const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram observations are folded into their buckets. The
/// exporter queues each observation until then (or until a scrape), so
/// without this a process nobody scrapes would keep every observation.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process's recorder, once installed.
static INSTALLED: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder, registers every crate's metrics and
/// starts the recorder's upkeep thread. The recorder is process-global: the
/// first call installs it, later calls return a handle to the same one.
pub fn install() -> PrometheusHandle {
    INSTALLED
        .get_or_init(|| {
            let recorder = recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                // Only an embedder that installed its own recorder gets
                // here; `/metrics` then shows the outbox alone.
                tracing::warn!(
                    "another metrics recorder is installed; /metrics will be nearly empty"
                );
            }
            spawn_upkeep(handle.clone());
            handle
        })
        .clone()
}

/// A new recorder with every crate's metrics registered, not installed.
/// [`install`] uses it; tests use it with a local recorder.
pub fn recorder() -> PrometheusRecorder {
    let builder = builder().unwrap_or_else(|error| {
        // Unreachable with the constant, non-empty bucket lists above (a
        // test builds them); histograms would then render as summaries.
        tracing::error!(%error, "the metrics histogram buckets were refused");
        PrometheusBuilder::new()
    });
    let recorder = builder.build_recorder();
    metrics::with_local_recorder(&recorder, || {
        booking_ports::metrics::register();
        adapter_sqlite::metrics::register();
        adapter_telegram::metrics::register();
        register();
        crate::webhook::receiver::register_metrics();
    });
    recorder
}

/// Describes the listener's own counters and starts them at zero, so the
/// first refusal shows as an increase.
fn register() {
    use metrics::{Unit, counter, describe_counter};
    describe_counter!(
        HTTP_CONNECTIONS_REFUSED,
        Unit::Count,
        "HTTP connections answered 503 at the connection cap ([http] max_connections)."
    );
    describe_counter!(
        HTTP_SLOW_BODIES,
        Unit::Count,
        "HTTP requests answered 408: the body did not arrive within [http] body_timeout_seconds."
    );
    counter!(HTTP_CONNECTIONS_REFUSED).absolute(0);
    counter!(HTTP_SLOW_BODIES).absolute(0);
}

/// The exporter's settings: histograms with fixed buckets, names as the
/// crates spell them (no unit suffixes added), no listener of its own.
fn builder() -> Result<PrometheusBuilder, BuildError> {
    PrometheusBuilder::new()
        .set_buckets(DEFAULT_BUCKETS)?
        .set_buckets_for_metric(
            Matcher::Full(adapter_telegram::metrics::UPDATE_DURATION.to_owned()),
            adapter_telegram::metrics::UPDATE_DURATION_BUCKETS,
        )
}

/// Runs the recorder's upkeep every [`UPKEEP_EVERY`] for the life of the
/// process, on a thread of its own, like the recorder it serves: it needs
/// no Tokio runtime and outlives any.
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                handle.run_upkeep();
            }
        });
    if let Err(error) = spawned {
        // Scrapes still fold the observations in; only an unscraped
        // process keeps them longer.
        tracing::warn!(%error, "the metrics upkeep thread could not start");
    }
}

/// What a scrape reads.
struct Scrape {
    handle: PrometheusHandle,
    outbox: Arc<dyn NotificationOutbox>,
    clock: Arc<dyn Clock>,
}

/// The `GET /metrics` route: everything `handle`'s recorder holds, and the
/// backlog of `outbox` measured at `clock`'s now. Merge it into the HTTP
/// listener's router.
pub fn router(
    handle: PrometheusHandle,
    outbox: Arc<dyn NotificationOutbox>,
    clock: Arc<dyn Clock>,
) -> Router {
    let scrape = Arc::new(Scrape {
        handle,
        outbox,
        clock,
    });
    Router::new()
        .route("/metrics", get(metrics_text))
        .with_state(scrape)
}

async fn metrics_text(State(scrape): State<Arc<Scrape>>) -> impl IntoResponse {
    let now = scrape.clock.now();
    let backlog = match scrape.outbox.outbox_backlog(now).await {
        Ok(backlog) => Some(backlog),
        // The store counted the error; the gauges are left out rather than
        // shown stale, so an `absent()` alert notices.
        Err(e) => {
            tracing::warn!(error = %adapter_telegram::error::chain(&e), "the outbox backlog could not be read for /metrics");
            None
        }
    };
    let mut text = scrape.handle.render();
    if let Some(backlog) = backlog {
        write_outbox_gauges(&mut text, backlog, now);
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text)
}

/// Appends the two outbox gauges to `text`. They are written here rather
/// than recorded, because a recorded gauge cannot be taken out again when
/// the store cannot be read; the exporter's own line writers keep them in
/// its format.
fn write_outbox_gauges(text: &mut String, backlog: OutboxBacklog, now: DateTime<Utc>) {
    let age = backlog.oldest_age(now).as_seconds_f64();
    for (name, help, value) in [
        (
            OUTBOX_BACKLOG,
            "Pending notifications whose due time has passed, retries included.",
            backlog.due.to_string(),
        ),
        (
            OUTBOX_OLDEST_AGE,
            "Seconds since the oldest pending notification was due; 0 when none is.",
            age.to_string(),
        ),
    ] {
        write_help_line(text, name, None, None, help);
        write_type_line(text, name, None, None, "gauge");
        text.push_str(name);
        text.push(' ');
        text.push_str(&value);
        text.push('\n');
    }
}
