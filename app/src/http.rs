//! The HTTP listener of `booking run`: off unless `[http] listen` (or
//! `BOOKING_HTTP_LISTEN`) is set.
//!
//! It serves `/healthz` (200 while the process serves) and `/readyz` (200
//! when [`Readiness::check`] passes, else 503 with one reason a line), plus
//! any number of routers merged in: the bots' webhook routes in webhook mode
//! (`webhook`), the metrics router (unless `[http] metrics_listen` gives
//! `/metrics` a listener of its own). Connections are served within
//! `[http]`'s timeouts and connection cap (`connections`). [`router`] builds the whole; a route
//! that two merged routers both define panics at startup (axum's rule), so
//! each router owns distinct paths.
//!
//! The listener is bound before anything else talks to Telegram ([`bind`]),
//! so a taken port stops startup before a webhook points at it, and serves
//! before the bots start, so `/readyz` answers "starting" meanwhile. It
//! stops at SIGINT or SIGTERM (or when the bots stopped for another reason):
//! requests in flight finish, within [`DRAIN_LIMIT`]. In webhook mode that
//! stop is also what ends the bots' update streams, so their dispatchers
//! can finish the updates already received.

pub mod connections;
pub mod settings;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::health::Readiness;
use crate::http::connections::ConnectionLimits;

/// How long requests in flight may take to finish after the stop.
pub const DRAIN_LIMIT: Duration = Duration::from_secs(5);

/// The listener could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {address} (http.listen or {var}): {source}", var = settings::LISTEN_VAR)]
pub struct BindError {
    pub address: SocketAddr,
    #[source]
    pub source: std::io::Error,
}

/// A bound, not yet serving, HTTP listener.
#[derive(Debug)]
pub struct HttpListener {
    tcp: TcpListener,
    address: SocketAddr,
}

/// Binds `address`. Connections wait in the backlog until
/// [`HttpListener::serve`].
///
/// # Errors
/// [`BindError`]: the address is taken, not local, or not allowed.
pub async fn bind(address: SocketAddr) -> Result<HttpListener, BindError> {
    let tcp = TcpListener::bind(address)
        .await
        .map_err(|source| BindError { address, source })?;
    // The bound address: port 0 becomes the port the system chose.
    let address = tcp
        .local_addr()
        .map_err(|source| BindError { address, source })?;
    Ok(HttpListener { tcp, address })
}

impl HttpListener {
    /// The address it listens on (with the port the system chose for 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves `router` within `limits` until `stop` resolves. `what` names
    /// the listener in its log lines ("HTTP listener", "metrics listener").
    pub fn serve(
        self,
        what: &'static str,
        router: Router,
        limits: ConnectionLimits,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> HttpServer {
        let Self { tcp, address } = self;
        tracing::info!(%address, "{what} ready");
        let task = tokio::spawn(connections::serve(tcp, router, limits, stop));
        HttpServer {
            task,
            address,
            what,
        }
    }
}

/// A serving HTTP listener.
#[derive(Debug)]
pub struct HttpServer {
    task: JoinHandle<std::io::Result<()>>,
    address: SocketAddr,
    what: &'static str,
}

impl HttpServer {
    /// Waits for the server to stop (after its `stop` future resolved), at
    /// most [`DRAIN_LIMIT`] for the requests in flight; then drops them.
    pub async fn stopped(self) {
        let Self {
            mut task,
            address,
            what,
        } = self;
        match tokio::time::timeout(DRAIN_LIMIT, &mut task).await {
            Ok(Ok(Ok(()))) => tracing::info!(%address, "{what} stopped"),
            Ok(Ok(Err(e))) => tracing::error!(%address, error = %e, "{what} failed"),
            Ok(Err(e)) => tracing::error!(%address, error = %e, "{what} ended abnormally"),
            Err(_) => {
                task.abort();
                tracing::warn!(%address, limit = ?DRAIN_LIMIT, "{what}: requests still open at the drain limit were dropped");
            }
        }
    }
}

/// `/healthz` and `/readyz`, with every router of `merged` merged in.
///
/// # Panics
/// When two routers define the same route (axum refuses to merge them):
/// a programming error, caught by any test that starts the listener.
pub fn router(readiness: Readiness, merged: impl IntoIterator<Item = Router>) -> Router {
    let base = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(readiness);
    merged.into_iter().fold(base, Router::merge)
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(readiness): State<Readiness>) -> (StatusCode, String) {
    match readiness.check().await {
        Ok(()) => (StatusCode::OK, "ready\n".to_owned()),
        Err(reasons) => (
            StatusCode::SERVICE_UNAVAILABLE,
            reasons.iter().map(|r| format!("{r}\n")).collect(),
        ),
    }
}
