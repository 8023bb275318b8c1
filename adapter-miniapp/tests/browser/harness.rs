//! The browser tests' harness: chromedriver and one headless Chromium
//! session over W3C WebDriver (a small client on reqwest), Telegram's
//! `WebApp` object as a test provides it, and the pages with both APIs
//! served on a free local port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use adapter_miniapp::api::{ClientApi, router};
use adapter_miniapp::init_data::{DEFAULT_MAX_AGE, InitDataCheck};
use adapter_miniapp::pages::pages_router;
use adapter_miniapp::staff::{StaffApi, StaffGate, staff_router};
use async_trait::async_trait;
use base64::Engine as _;
use booking_ports::{Engine, StaffActor, StaffRole, StaffUser, StoreError};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

pub(crate) const TOKEN: &str = "123456:client-bot-token";
pub(crate) const ADMIN_TOKEN: &str = "654321:admin-bot-token";
pub(crate) const OWNER: i64 = 500;
pub(crate) const MARIA: i64 = 1001;
/// How long a page step may take before the test gives up.
const GIVE_UP: Duration = Duration::from_secs(30);

/// A chromedriver process and one browser session in it. End it with
/// [`Browser::quit`]; a test that panics first ends it on drop. A headless
/// Chromium left behind (chromedriver killed without closing it) holds
/// inotify instances that other tests on the machine need.
pub(crate) struct Browser {
    http: reqwest::Client,
    session: String,
    /// `127.0.0.1:<port>` of chromedriver, for the session's end on drop.
    driver_address: String,
    ended: bool,
    _driver: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium 360×740 wide.
    pub(crate) async fn start() -> Self {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver is not installed: apt-get install chromium chromium-driver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        // Wait until the driver answers: a readiness poll, not a guess.
        tokio::time::timeout(GIVE_UP, async {
            loop {
                if let Ok(r) = http.get(format!("{base}/status")).send().await
                    && r.status().is_success()
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .expect("chromedriver never became ready");
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--disable-gpu", "--window-size=360,740", "--lang=en-US"
            ]}
        }}});
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        let browser = Self {
            http,
            session: format!("{base}/session/{session}"),
            driver_address: format!("127.0.0.1:{port}"),
            ended: false,
            _driver: driver,
        };
        browser.post("timeouts", json!({"implicit": 10_000})).await;
        // Headless windows are at least 500 px wide: a phone's viewport is
        // set directly.
        browser
            .post(
                "goog/cdp/execute",
                json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                    "width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": true
                }}),
            )
            .await;
        browser
    }

    /// Ends the session: chromedriver closes Chromium and all of its
    /// processes.
    pub(crate) async fn quit(mut self) {
        let _ = self.http.delete(&self.session).send().await;
        self.ended = true;
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Value {
        let answer: Value = self
            .http
            .post(format!("{}/{path}", self.session))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            answer["value"]["error"].is_null(),
            "{path} failed: {answer}"
        );
        answer["value"].clone()
    }

    /// Runs `source` before any page script of every page loaded later.
    pub(crate) async fn before_pages(&self, source: &str) {
        self.post(
            "goog/cdp/execute",
            json!({"cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {"source": source}}),
        )
        .await;
    }

    pub(crate) async fn open(&self, url: &str) {
        self.post("url", json!({"url": url})).await;
    }

    /// The element `css` selects, once it is there.
    pub(crate) async fn find(&self, css: &str) -> String {
        let found = self
            .post("element", json!({"using": "css selector", "value": css}))
            .await;
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    pub(crate) async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.post(&format!("element/{id}/click"), json!({})).await;
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.post(&format!("element/{id}/clear"), json!({})).await;
        self.post(&format!("element/{id}/value"), json!({"text": text}))
            .await;
    }

    pub(crate) async fn script(&self, source: &str) -> Value {
        self.post("execute/sync", json!({"script": source, "args": []}))
            .await
    }

    /// Waits until `condition` (a script's body) returns something other
    /// than `null` or `false`, and returns it: the page got there, however
    /// long its requests took.
    pub(crate) async fn wait_for(&self, condition: &str, what: &str) -> Value {
        tokio::time::timeout(GIVE_UP, async {
            loop {
                let value = self.script(condition).await;
                if !(value.is_null() || value == json!(false)) {
                    break value;
                }
                tokio::task::yield_now().await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{what} never happened"))
    }

    /// Saves a screenshot as docs/img/`name`.png when asked to.
    pub(crate) async fn screenshot(&self, name: &str) {
        if std::env::var_os("BOOKING_SCREENSHOTS").is_none() {
            return;
        }
        let answer: Value = self
            .http
            .get(format!("{}/screenshot", self.session))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(answer["value"].as_str().unwrap())
            .unwrap();
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../docs/img")
            .join(format!("{name}.png"));
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    /// Ends the session when a test did not (it panicked): a blocking
    /// `DELETE /session/<id>` over a plain socket, since a drop cannot
    /// await, before chromedriver is killed.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        if self.ended {
            return;
        }
        let path = self
            .session
            .split_once(&self.driver_address)
            .map_or("", |(_, path)| path);
        if let Ok(mut socket) = std::net::TcpStream::connect(&self.driver_address) {
            let _ = socket.set_read_timeout(Some(GIVE_UP));
            let request = format!(
                "DELETE {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.driver_address
            );
            if socket.write_all(request.as_bytes()).is_ok() {
                // Chromium is closed once chromedriver starts its answer.
                let _ = socket.read(&mut [0_u8; 512]);
            }
        }
    }
}

/// Telegram's `WebApp` object as the page sees it inside Telegram, with a
/// main button the test presses.
pub(crate) fn telegram(init_data: &str, scheme: &str) -> String {
    telegram_as(init_data, scheme, MARIA)
}

pub(crate) fn telegram_as(init_data: &str, scheme: &str, user: i64) -> String {
    let (bg, text, secondary) = if scheme == "dark" {
        ("#17212b", "#f5f5f5", "#232e3c")
    } else {
        ("#ffffff", "#1b1b1f", "#f1f3f6")
    };
    format!(
        r##"window.Telegram = {{ WebApp: {{
            initData: {init},
            initDataUnsafe: {{ user: {{ id: {user}, first_name: "Someone", language_code: "en" }} }},
            colorScheme: "{scheme}",
            themeParams: {{ bg_color: "{bg}", text_color: "{text}", secondary_bg_color: "{secondary}",
                           hint_color: "#7a7f87", button_color: "#2f80ed", button_text_color: "#ffffff" }},
            ready() {{}}, expand() {{}},
            contactAnswer: null, requestContact(f) {{ this.contactAnswer = f; }},
            MainButton: {{ text: "", isVisible: false, handler: null,
                setText(t) {{ this.text = t; }}, show() {{ this.isVisible = true; }},
                hide() {{ this.isVisible = false; }}, onClick(f) {{ this.handler = f; }} }},
            BackButton: {{ isVisible: false, show() {{ this.isVisible = true; }},
                hide() {{ this.isVisible = false; }}, onClick() {{}} }}
        }} }};"##,
        init = serde_json::to_string(init_data).unwrap(),
    )
}

/// The admin gate: the owner is let in.
struct OwnerOnly;

#[async_trait]
impl StaffGate for OwnerOnly {
    async fn actor(&self, user: i64) -> Result<Option<StaffActor>, StoreError> {
        Ok((user == OWNER).then(owner))
    }
}

pub(crate) fn owner() -> StaffActor {
    StaffActor::authenticated(StaffUser::new(OWNER), None, StaffRole::Owner)
}

/// Serves the pages, the customer API and the staff API on a free local
/// port.
pub(crate) async fn serve(engine: Arc<Engine>) -> SocketAddr {
    let api = ClientApi {
        engine: Arc::clone(&engine),
        check: InitDataCheck::new(&SecretString::from(TOKEN.to_owned()), DEFAULT_MAX_AGE),
        dev_user: None,
    };
    let staff = StaffApi {
        engine,
        check: InitDataCheck::new(&SecretString::from(ADMIN_TOKEN.to_owned()), DEFAULT_MAX_AGE),
        gate: Arc::new(OwnerOnly),
        dev_user: None,
    };
    let app = router(Arc::new(api))
        .merge(staff_router(Arc::new(staff)))
        .merge(pages_router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}
