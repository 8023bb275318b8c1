//! Serving the listener's connections with the limits `axum::serve` lacks.
//!
//! `axum::serve` waits for a request's headers and body for as long as the
//! peer keeps the connection open and accepts every connection, so a peer
//! that opens many connections and sends a byte now and then holds file
//! descriptors and memory without end (slowloris). Here, on hyper directly:
//!
//! - **Headers** must arrive within [`ConnectionLimits::header_timeout`] of
//!   the connection being ready for a request, which also closes a
//!   keep-alive connection idle for that long (hyper starts the timer as
//!   soon as it waits for the next request's head).
//! - **Bodies** must arrive within [`ConnectionLimits::body_timeout`]: the
//!   body is read whole (it is bounded by the routes' own limit, 1 MiB for
//!   webhooks) before the route runs, else the answer is 408.
//! - **At most [`ConnectionLimits::max_connections`]** are served at once;
//!   one more is answered 503 and closed at once rather than left waiting
//!   in the kernel's backlog, where its client could not tell a full
//!   server from a dead one.
//!
//! The stop is graceful: no new connection is accepted, requests in flight
//! finish (the caller bounds how long), idle connections close.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::unreadable::MAX_WEBHOOK_BODY;

/// How long a peer may take and how many may connect at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From the connection being ready for a request to its last header.
    pub header_timeout: Duration,
    /// From the headers to the body's last byte.
    pub body_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl ConnectionLimits {
    /// Telegram delivers one small update a request, through a proxy on
    /// the same host or network: 10 s is generous for either part. 256
    /// connections is far above Telegram's own 40 per webhook
    /// (`max_connections` of `setWebhook`) plus monitoring.
    pub const DEFAULT: Self = Self {
        header_timeout: Duration::from_secs(10),
        body_timeout: Duration::from_secs(10),
        max_connections: 256,
    };
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Serves `router` on `tcp` within `limits` until `stop` resolves, then
/// until the connections still open have finished their requests.
///
/// # Errors
/// Never in practice: a failed `accept` (out of file descriptors, say) is
/// logged and retried, since the connections already open still work.
pub async fn serve(
    tcp: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router.layer(middleware::from_fn_with_state(
        limits.body_timeout,
        body_in_time,
    ));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, _peer) = tokio::select! {
            () = &mut stop => break,
            accepted = tcp.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting an HTTP connection failed");
                    // Out of descriptors, most likely: give the open
                    // connections a moment to finish instead of spinning.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            metrics::counter!(crate::metrics::HTTP_CONNECTIONS_REFUSED).increment(1);
            tokio::spawn(refuse(stream));
            continue;
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are the peer's: a timeout, a reset, bad HTTP.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "HTTP connection ended");
            }
            drop(slot);
        });
    }
    drop(tcp);
    graceful.shutdown().await;
    Ok(())
}

/// Answers a connection over the cap with 503 and closes it, without
/// reading its request (which may never come).
async fn refuse(stream: TcpStream) {
    use tokio::io::AsyncWriteExt;
    let mut stream = stream;
    let answer = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\nretry-after: 1\r\n\r\n";
    // A peer that does not read its answer gets no more of our time.
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(answer)).await;
    let _ = stream.shutdown().await;
}

/// Reads the whole body within `limit` before the route sees it: 408 when
/// it does not arrive in time, 413 when it is larger than any route takes.
async fn body_in_time(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(limit, axum::body::to_bytes(body, MAX_WEBHOOK_BODY)).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Err(_)) => StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        Err(_elapsed) => {
            metrics::counter!(crate::metrics::HTTP_SLOW_BODIES).increment(1);
            StatusCode::REQUEST_TIMEOUT.into_response()
        }
    }
}
