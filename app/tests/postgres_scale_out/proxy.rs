//! The load balancer in front of the instances, and Telegram's side of a
//! webhook delivery.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::SECRET_HEADER;
use crate::common::{WEBHOOK_SECRET, http};

/// The load balancer: each request goes to the next instance in turn; one
/// that refuses the connection (killed) is skipped, one that fails in the
/// middle is answered 502, as a proxy would.
#[derive(Clone)]
pub(crate) struct Proxy {
    backends: Arc<Vec<SocketAddr>>,
    next: Arc<AtomicUsize>,
}

pub(crate) async fn proxy(
    State(proxy): State<Proxy>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let secret = headers
        .get(SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let first = proxy.next.fetch_add(1, Ordering::Relaxed);
    for nth in 0..proxy.backends.len() {
        let backend = proxy.backends[(first + nth) % proxy.backends.len()];
        let Ok(mut stream) = tokio::net::TcpStream::connect(backend).await else {
            continue;
        };
        return match forward(&mut stream, uri.path(), &secret, &body).await {
            Some(status) => StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
            None => StatusCode::BAD_GATEWAY,
        };
    }
    StatusCode::BAD_GATEWAY
}

/// One POST over `stream`; the status, or `None` when the answer broke off.
pub(crate) async fn forward(
    stream: &mut tokio::net::TcpStream,
    path: &str,
    secret: &str,
    body: &[u8],
) -> Option<u16> {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: booking\r\nConnection: close\r\nContent-Type: application/json\r\n\
         {SECRET_HEADER}: {secret}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    stream.write_all(body).await.ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.ok()?;
    let answer = String::from_utf8_lossy(&answer);
    answer.split_whitespace().nth(1)?.parse().ok()
}

pub(crate) async fn start_proxy(backends: Vec<SocketAddr>) -> SocketAddr {
    let app = Router::new().fallback(proxy).with_state(Proxy {
        backends: Arc::new(backends),
        next: Arc::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

/// Telegram's side: POSTs `update` to the proxy until it is answered 200.
pub(crate) async fn deliver(proxy: SocketAddr, update: &Value) {
    let body = update.to_string();
    let headers = [(SECRET_HEADER, WEBHOOK_SECRET)];
    for _ in 0..1000 {
        let (status, _) = http(proxy, "POST", "/telegram/client", &headers, &body).await;
        if status == 200 {
            return;
        }
        // Telegram, too, waits before it sends an update again.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("update {} was never accepted", update["update_id"]);
}
