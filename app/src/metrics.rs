//! Prometheus metrics of the running service: the recorder that every
//! crate's counters go to, and the `GET /metrics` route that renders them.
//!
//! The crates count through the `metrics` facade (`booking_ports::metrics`,
//! `adapter_sqlite::metrics`, `adapter_telegram::metrics`), which does
//! nothing until [`install`] puts our [`Registry`] behind it. The outbox
//! gauges are not recorded at all: [`router`] reads them from the store at
//! every scrape, so they are never stale.
//!
//! - `registry`: the recorder (atomics in memory) and why it is our own.
//! - `text`: the Prometheus text format.

mod registry;
#[cfg(test)]
mod tests;
mod text;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use booking_ports::{Clock, NotificationOutbox, OutboxBacklog};
use chrono::{DateTime, Utc};

pub use registry::Registry;
pub use text::CONTENT_TYPE;

use text::{Family, Values};

/// Pending notifications whose due time has passed (retries included),
/// read from the store at each scrape.
pub const OUTBOX_BACKLOG: &str = "booking_outbox_backlog_messages";
/// How long the oldest of those has waited, in seconds; 0 without any.
pub const OUTBOX_OLDEST_AGE: &str = "booking_outbox_oldest_due_age_seconds";

/// The process's registry, once installed.
static INSTALLED: OnceLock<Registry> = OnceLock::new();

/// Installs the process's recorder and registers every crate's metrics.
/// The recorder is process-global: the first call installs it, later calls
/// return the same registry.
pub fn install() -> Registry {
    INSTALLED
        .get_or_init(|| {
            let registry = registry();
            if metrics::set_global_recorder(registry.clone()).is_err() {
                // Only an embedder that installed its own recorder gets
                // here; `/metrics` then shows the outbox alone.
                tracing::warn!(
                    "another metrics recorder is installed; /metrics will be nearly empty"
                );
            }
            registry
        })
        .clone()
}

/// A new registry with every crate's metrics registered, not installed.
/// [`install`] uses it; tests use it with a local recorder.
pub fn registry() -> Registry {
    let registry = Registry::with_buckets(&[(
        adapter_telegram::metrics::UPDATE_DURATION,
        adapter_telegram::metrics::UPDATE_DURATION_BUCKETS,
    )]);
    metrics::with_local_recorder(&registry, || {
        booking_ports::metrics::register();
        adapter_sqlite::metrics::register();
        adapter_telegram::metrics::register();
    });
    registry
}

/// What a scrape reads.
struct Scrape {
    registry: Registry,
    outbox: Arc<dyn NotificationOutbox>,
    clock: Arc<dyn Clock>,
}

/// The `GET /metrics` route: everything in `registry`, and the backlog of
/// `outbox` measured at `clock`'s now. Merge it into the HTTP listener's
/// router.
pub fn router(
    registry: Registry,
    outbox: Arc<dyn NotificationOutbox>,
    clock: Arc<dyn Clock>,
) -> Router {
    let scrape = Arc::new(Scrape {
        registry,
        outbox,
        clock,
    });
    Router::new()
        .route("/metrics", get(metrics_text))
        .with_state(scrape)
}

async fn metrics_text(State(scrape): State<Arc<Scrape>>) -> impl IntoResponse {
    let mut families = scrape.registry.families();
    let now = scrape.clock.now();
    match scrape.outbox.outbox_backlog(now).await {
        Ok(backlog) => families.extend(outbox_families(backlog, now)),
        // The store counted the error; the gauges are left out rather than
        // shown stale, so an `absent()` alert notices.
        Err(e) => {
            tracing::warn!(error = %adapter_telegram::error::chain(&e), "the outbox backlog could not be read for /metrics");
        }
    }
    (
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        text::render(&families),
    )
}

fn outbox_families(backlog: OutboxBacklog, now: DateTime<Utc>) -> [Family; 2] {
    let age = backlog.oldest_age(now).as_seconds_f64();
    [
        Family {
            name: OUTBOX_BACKLOG.to_owned(),
            help: Some(
                "Pending notifications whose due time has passed, retries included.".to_owned(),
            ),
            // A count far below 2^53 is exact as an f64.
            values: Values::Gauges(vec![(Vec::new(), backlog.due as f64)]),
        },
        Family {
            name: OUTBOX_OLDEST_AGE.to_owned(),
            help: Some(
                "Seconds since the oldest pending notification was due; 0 when none is.".to_owned(),
            ),
            values: Values::Gauges(vec![(Vec::new(), age)]),
        },
    ]
}
