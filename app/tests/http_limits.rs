//! The HTTP listener's limits against a peer that holds connections open:
//! headers that never finish, a body that never arrives, more connections
//! than the cap; and `/metrics` on its own address. Each waits for what the
//! listener does (a closed connection, an answer), never for a time; the
//! timeouts are set to a second so the waits are short.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use app::http::connections::ConnectionLimits;
use axum::Router;
use axum::routing::{get, post};
use common::{GIVE_UP, Workspace, http, start_fake_telegram};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SHORT: Duration = Duration::from_secs(1);

/// A listener with one GET and one POST route, within `limits`; stops when
/// the returned server is dropped with the test's runtime.
async fn listener(limits: ConnectionLimits) -> (SocketAddr, app::http::HttpServer) {
    let routes = Router::new()
        .route("/hello", get(|| async { "hello\n" }))
        .route("/echo", post(|body: String| async move { body }));
    let listener = app::http::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let address = listener.address();
    let server = listener.serve("HTTP listener", routes, limits, std::future::pending());
    (address, server)
}

/// Everything the server sends until it closes the connection.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(GIVE_UP, stream.read_to_end(&mut received))
        .await
        .expect("the listener kept the connection open")
        .unwrap();
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn headers_that_never_finish_and_an_idle_connection_are_closed() {
    let (address, _stop) = listener(ConnectionLimits {
        header_timeout: SHORT,
        ..ConnectionLimits::DEFAULT
    })
    .await;

    let mut slow = TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let answer = until_closed(&mut slow).await;
    assert!(!answer.contains("hello"), "{answer:?}");

    let mut idle = TcpStream::connect(address).await.unwrap();
    assert_eq!(until_closed(&mut idle).await, "");

    // A prompt request is still served.
    assert_eq!(
        http(address, "GET", "/hello", &[], "").await,
        (200, "hello\n".to_owned())
    );
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_answered_408() {
    let (address, _stop) = listener(ConnectionLimits {
        body_timeout: SHORT,
        ..ConnectionLimits::DEFAULT
    })
    .await;

    let mut slow = TcpStream::connect(address).await.unwrap();
    slow.write_all(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nConnection: close\r\n\r\nonly ten b",
    )
    .await
    .unwrap();
    let answer = until_closed(&mut slow).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");

    assert_eq!(
        http(address, "POST", "/echo", &[], "{\"whole\":true}").await,
        (200, "{\"whole\":true}".to_owned())
    );
}

#[tokio::test]
async fn connections_over_the_cap_are_answered_503_until_one_closes() {
    let (address, _stop) = listener(ConnectionLimits {
        max_connections: 2,
        ..ConnectionLimits::DEFAULT
    })
    .await;
    // Two connections that hold their slots: each has been served once and
    // stays open (keep-alive), so the listener has surely counted it.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await.unwrap();
        assert_eq!(&head, b"HTTP/1.1 200");
        held.push(stream);
    }

    let (status, _) = http(address, "GET", "/hello", &[], "").await;
    assert_eq!(status, 503);

    // Once a held connection closes, its slot frees: the listener learns of
    // the close on its own schedule, so ask until it has.
    drop(held.pop());
    let served = async {
        loop {
            match http(address, "GET", "/hello", &[], "").await {
                (200, body) => break body,
                (503, _) => tokio::task::yield_now().await,
                other => panic!("unexpected answer {other:?}"),
            }
        }
    };
    let body = tokio::time::timeout(GIVE_UP, served)
        .await
        .expect("the freed slot was never reused");
    assert_eq!(body, "hello\n");
}

#[tokio::test]
async fn metrics_can_listen_on_their_own_address_and_then_only_there() {
    let (api, _fake, _requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    workspace
        .add_to_config("\n[http]\nlisten = \"127.0.0.1:0\"\nmetrics_listen = \"127.0.0.1:0\"\n");
    let mut running = workspace.run(api, &[]);
    let line = running.wait_for_log("metrics listener ready").await;
    let metrics: SocketAddr = line
        .split("address=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();
    let main = running.http_address().await;

    let (status, text) = http(metrics, "GET", "/metrics", &[], "").await;
    assert_eq!(status, 200);
    assert!(
        text.contains("booking_http_connections_refused_total 0"),
        "{text}"
    );
    assert_eq!(http(main, "GET", "/metrics", &[], "").await.0, 404);
    assert_eq!(http(main, "GET", "/healthz", &[], "").await.0, 200);

    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
    assert!(logs.contains("metrics listener stopped"), "{logs}");
}

#[tokio::test]
async fn the_mini_app_is_served_on_the_listener_and_the_menu_button_opens_it() {
    let (api, _fake, mut requests) = start_fake_telegram().await;
    let workspace = Workspace::new();
    workspace.add_to_config(
        "\n[http]\nlisten = \"127.0.0.1:0\"\n\n[miniapp]\nenabled = true\npublic_url = \"https://bots.example.com/app/\"\n",
    );
    let mut running = workspace.run(api, &[]);
    let button = common::next_request(&mut requests, "setchatmenubutton").await;
    assert_eq!(button["menu_button"]["type"], "web_app", "{button}");
    assert_eq!(
        button["menu_button"]["web_app"]["url"],
        "https://bots.example.com/app/"
    );
    let address = running.http_address().await;

    let (status, page) = http(address, "GET", "/app/", &[], "").await;
    assert_eq!(status, 200);
    assert!(page.contains("/app/app.js"), "{page}");
    let (status, problem) = http(address, "GET", "/app/api/services", &[], "").await;
    assert_eq!(status, 401, "no init data: {problem}");
    assert!(problem.contains("\"code\":\"unauthorized\""), "{problem}");

    let (code, logs) = running.terminate().await;
    assert_eq!(code, Some(0), "{logs}");
}
