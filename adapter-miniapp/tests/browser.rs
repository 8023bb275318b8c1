//! The customer's Mini App page in a real browser: headless Chromium driven
//! through chromedriver (W3C WebDriver), with Telegram's
//! `window.Telegram.WebApp` provided by the test. A customer books from the
//! page; the booking is in the store with its staff notice in the outbox.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs
//! them). With `BOOKING_SCREENSHOTS=1` it also writes the screenshots in
//! docs/img/ (360×740, light and dark).
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
use booking_domain::{
    BookingId, BookingStatus, CustomerId, PolicyChange, ServiceId, StaffChoice, StaffId,
};
use booking_ports::engine::BookingForm;
use booking_ports::{
    DeliveryState, Engine, NoticeKind, NotificationOutbox, Recipient, StaffActor, StaffRole,
    StaffUser, StoreError,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

mod common;
use common::{ANNA, BORIS, Caller, salon_with_store};

const TOKEN: &str = "123456:client-bot-token";
const ADMIN_TOKEN: &str = "654321:admin-bot-token";
const OWNER: i64 = 500;
const MARIA: i64 = 1001;
/// How long a page step may take before the test gives up.
const GIVE_UP: Duration = Duration::from_secs(30);

/// A chromedriver process and one browser session in it. End it with
/// [`Browser::quit`]: a headless Chromium left behind (chromedriver killed
/// without closing it) holds inotify instances that other tests on the
/// machine need.
struct Browser {
    http: reqwest::Client,
    session: String,
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
    async fn start() -> Self {
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
    async fn quit(self) {
        let _ = self.http.delete(&self.session).send().await;
    }

    async fn post(&self, path: &str, body: Value) -> Value {
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
    async fn before_pages(&self, source: &str) {
        self.post(
            "goog/cdp/execute",
            json!({"cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {"source": source}}),
        )
        .await;
    }

    async fn open(&self, url: &str) {
        self.post("url", json!({"url": url})).await;
    }

    /// The element `css` selects, once it is there.
    async fn find(&self, css: &str) -> String {
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

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.post(&format!("element/{id}/click"), json!({})).await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.post(&format!("element/{id}/clear"), json!({})).await;
        self.post(&format!("element/{id}/value"), json!({"text": text}))
            .await;
    }

    async fn script(&self, source: &str) -> Value {
        self.post("execute/sync", json!({"script": source, "args": []}))
            .await
    }

    /// Saves a screenshot as docs/img/`name`.png when asked to.
    async fn screenshot(&self, name: &str) {
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

/// Telegram's `WebApp` object as the page sees it inside Telegram, with a
/// main button the test presses.
fn telegram(init_data: &str, scheme: &str) -> String {
    telegram_as(init_data, scheme, MARIA)
}

fn telegram_as(init_data: &str, scheme: &str, user: i64) -> String {
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

fn owner() -> StaffActor {
    StaffActor::authenticated(StaffUser::new(OWNER), None, StaffRole::Owner)
}

/// Serves the pages, the customer API and the staff API on a free local
/// port.
async fn serve(engine: Arc<Engine>) -> SocketAddr {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_books_from_the_page_and_staff_are_told() {
    let (engine, clock, store) = salon_with_store().await;
    let address = serve(Arc::clone(&engine)).await;
    let signer = Caller::new(axum::Router::new(), TOKEN, clock.clone());
    let init_data = signer.init_data(MARIA, "en");

    for scheme in ["dark", "light"] {
        let browser = Browser::start().await;
        browser.before_pages(&telegram(&init_data, scheme)).await;
        browser.open(&format!("http://{address}/app/")).await;
        browser.click("[data-service='1']").await;
        browser.click(&format!("[data-staff='{ANNA}']")).await;
        browser.find("[data-day='2030-06-04']").await;
        browser
            .screenshot(&format!("miniapp-calendar-{scheme}"))
            .await;
        browser.click("[data-day='2030-06-04']").await;
        browser.find("[data-start='2030-06-04T08:00:00Z']").await;
        browser.screenshot(&format!("miniapp-times-{scheme}")).await;
        if scheme == "dark" {
            browser.quit().await;
            continue;
        }
        browser.click("[data-start='2030-06-04T08:00:00Z']").await;
        browser.type_into("#name", "Maria Ivanova").await;
        browser.type_into("#phone", "+7 916 555-01-02").await;
        let main_button = browser
            .script("return window.Telegram.WebApp.MainButton.isVisible && window.Telegram.WebApp.MainButton.text")
            .await;
        assert_eq!(
            main_button,
            json!("Book"),
            "Telegram's main button confirms"
        );
        browser
            .script("window.Telegram.WebApp.MainButton.handler()")
            .await;
        browser.find("#booked").await;
        let id: i64 = browser
            .script("return Number(document.getElementById('booked').dataset.booking)")
            .await
            .as_i64()
            .unwrap();

        // The booking is a booking like any other: in the store, with the
        // staff member's notice in the outbox.
        let details = engine
            .booking_details(&owner(), BookingId::new(id).unwrap())
            .await
            .unwrap();
        assert_eq!(
            details.booking.start().to_rfc3339(),
            "2030-06-04T08:00:00+00:00"
        );
        assert_eq!(details.booking.staff().get(), ANNA);
        let notices = store
            .notifications_of_booking(details.booking.id())
            .await
            .unwrap();
        assert!(
            notices.iter().any(|n| n.booking == details.booking.id()
                && n.recipient == Recipient::Staff(details.booking.staff())
                && matches!(n.kind, NoticeKind::NewBooking { .. })
                && n.state == DeliveryState::Pending),
            "{notices:?}"
        );

        // "My bookings" moves it an hour later; the old booking is closed
        // as moved to the new one.
        browser.click("#mine").await;
        browser.click(&format!("[data-move='{id}']")).await;
        browser.click("[data-day='2030-06-04']").await;
        browser.click("[data-start='2030-06-04T09:00:00Z']").await;
        let moved: i64 = tokio::time::timeout(GIVE_UP, async {
            loop {
                let now = browser
                    .script("const b = document.getElementById('booked'); return b ? Number(b.dataset.booking) : 0")
                    .await
                    .as_i64()
                    .unwrap();
                if now != 0 && now != id {
                    break now;
                }
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the move never showed");
        let old = engine
            .booking_details(&owner(), details.booking.id())
            .await
            .unwrap();
        assert_eq!(
            *old.booking.status(),
            BookingStatus::Rescheduled {
                to: BookingId::new(moved).unwrap()
            }
        );
        browser.quit().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_staff_grid_shows_a_request_and_the_owner_confirms_it() {
    let (engine, clock, _store) = salon_with_store().await;
    engine
        .change_policy(&owner(), PolicyChange::RequiresConfirmation(true))
        .await
        .unwrap();
    let request = engine
        .book(
            CustomerId::new(MARIA).unwrap(),
            BookingForm {
                service: ServiceId::new(1).unwrap(),
                staff: StaffChoice::Only(StaffId::new(ANNA).unwrap()),
                start: common::moscow(4, 11),
                name: "Maria Ivanova".to_owned(),
                phone: "+7 916 555-01-02".to_owned(),
                comment: None,
                language: None,
            },
        )
        .await
        .unwrap()
        .booking;
    assert_eq!(*request.status(), BookingStatus::Pending);
    let address = serve(Arc::clone(&engine)).await;
    let signer = Caller::new(axum::Router::new(), ADMIN_TOKEN, clock);
    let init_data = signer.init_data(OWNER, "en");
    let id = request.id().get();

    for scheme in ["dark", "light"] {
        let browser = Browser::start().await;
        browser
            .before_pages(&telegram_as(&init_data, scheme, OWNER))
            .await;
        browser
            .open(&format!("http://{address}/app/staff/#day=2030-06-04"))
            .await;
        browser
            .find(&format!(".booking.pending[data-booking='{id}']"))
            .await;
        // Free cells only inside working time: Anna works 10:00-14:00.
        browser.find("[data-staff='1'][data-time='10:00']").await;
        let outside = browser
            .script(
                "return document.querySelector(\"[data-staff='1'][data-time='08:00']\") === null",
            )
            .await;
        assert_eq!(outside, json!(true), "no free cell before work");
        browser
            .screenshot(&format!("miniapp-staff-grid-{scheme}"))
            .await;
        if scheme == "dark" {
            browser.quit().await;
            continue;
        }
        browser.click(&format!("[data-booking='{id}']")).await;
        browser.click("[data-action='confirm']").await;
        browser
            .find(&format!(".booking.confirmed[data-booking='{id}']"))
            .await;
        // The owner moves it to Boris at 13:00 from the grid.
        browser.click(&format!("[data-booking='{id}']")).await;
        browser.click("[data-action='move']").await;
        browser.find("#moving").await;
        browser
            .click(&format!("[data-staff='{BORIS}'][data-time='13:00']"))
            .await;
        browser.find(".booking.confirmed").await;
        let panel_hidden = browser
            .script("return getComputedStyle(document.getElementById('panel')).display === 'none'")
            .await;
        assert_eq!(panel_hidden, json!(true), "the panel closes after the move");
        // Boris's week, days as columns.
        browser.click("#mode").await;
        browser.click(&format!("[data-member='{BORIS}']")).await;
        browser
            .find("[data-date='2030-06-10'][data-time='10:00']")
            .await;
        browser
            .screenshot(&format!("miniapp-staff-week-{scheme}"))
            .await;
        browser.quit().await;
    }
    let confirmed = engine
        .booking_details(&owner(), request.id())
        .await
        .unwrap();
    let BookingStatus::Rescheduled { to } = *confirmed.booking.status() else {
        panic!("confirmed, then moved: {:?}", confirmed.booking.status());
    };
    let moved = engine.booking_details(&owner(), to).await.unwrap();
    assert_eq!(moved.booking.staff().get(), BORIS);
    assert_eq!(moved.booking.start(), common::moscow(4, 13));
    let trail = confirmed.booking.audit();
    assert!(
        matches!(trail.confirmed.map(|s| s.by), Some(booking_domain::Actor::Staff { user, .. }) if user == StaffUser::new(OWNER)),
        "{trail:?}"
    );
}

/// Inside Telegram without Telegram's script (which the page does not load
/// from Telegram's host), the launch data is in the URL's fragment: the
/// page reads the init data and the theme there, and confirms with its own
/// button.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_reads_its_launch_data_from_the_fragment_as_telegram_sends_it() {
    let (engine, clock, _store) = salon_with_store().await;
    let address = serve(Arc::clone(&engine)).await;
    let signer = Caller::new(axum::Router::new(), TOKEN, clock);
    let fragment: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("tgWebAppData", &signer.init_data(MARIA, "ru"))
        .append_pair(
            "tgWebAppThemeParams",
            r##"{"bg_color":"#000000","text_color":"#ffffff"}"##,
        )
        .append_pair("tgWebAppColorScheme", "dark")
        .finish();
    let browser = Browser::start().await;
    browser
        .open(&format!("http://{address}/app/#{fragment}"))
        .await;
    browser.find("[data-service='1']").await;
    let page = browser
        .script(
            "return [document.documentElement.classList.contains('dark'), \
             getComputedStyle(document.documentElement).getPropertyValue('--tg-bg').trim(), \
             document.getElementById('title').textContent]",
        )
        .await;
    assert_eq!(
        page,
        json!([true, "#000000", "Услуга"]),
        "dark, Telegram's colour, Russian"
    );
    browser.click("[data-service='1']").await;
    // Without Telegram's back button, the page has its own.
    browser.click("#back").await;
    browser.click("[data-service='1']").await;
    browser.click(&format!("[data-staff='{ANNA}']")).await;
    browser.click("[data-day='2030-06-04']").await;
    browser.click("[data-start='2030-06-04T08:00:00Z']").await;
    browser.type_into("#phone", "+7 916 555-01-02").await;
    browser.click("#confirm").await;
    browser.find("#booked").await;
    browser.quit().await;
}

/// In Telegram's apps without Telegram's script, the page drives the main
/// and back buttons over Telegram's web events (`TelegramWebviewProxy`) and
/// books when the app reports the main button pressed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_telegrams_apps_the_page_drives_the_main_button_over_web_events() {
    let (engine, clock, _store) = salon_with_store().await;
    let address = serve(Arc::clone(&engine)).await;
    let signer = Caller::new(axum::Router::new(), TOKEN, clock);
    let fragment: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("tgWebAppData", &signer.init_data(MARIA, "en"))
        .finish();
    let browser = Browser::start().await;
    // What Telegram's apps provide: a proxy that takes the page's events.
    browser
        .before_pages(
            "window.TelegramWebviewProxy = { events: [], \
               postEvent(type, data) { this.events.push([type, JSON.parse(data)]); } };",
        )
        .await;
    browser
        .open(&format!("http://{address}/app/#{fragment}"))
        .await;
    browser.click("[data-service='1']").await;
    browser.click(&format!("[data-staff='{ANNA}']")).await;
    browser.click("[data-day='2030-06-04']").await;
    browser.click("[data-start='2030-06-04T08:00:00Z']").await;
    browser.type_into("#phone", "+7 916 555-01-02").await;
    let events = browser
        .script("return window.TelegramWebviewProxy.events")
        .await;
    let events = events.as_array().unwrap();
    assert!(events.iter().any(|e| e[0] == "web_app_ready"), "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| e[0] == "web_app_setup_back_button" && e[1]["is_visible"] == json!(true)),
        "{events:?}"
    );
    let main = events
        .iter()
        .rev()
        .find(|e| e[0] == "web_app_setup_main_button")
        .unwrap();
    assert_eq!(main[1]["is_visible"], json!(true), "{events:?}");
    assert_eq!(main[1]["text"], "Book");
    let own_button_hidden = browser
        .script("return document.getElementById('confirm').hidden")
        .await;
    assert_eq!(
        own_button_hidden,
        json!(true),
        "Telegram's button, not the page's"
    );
    browser
        .script("window.Telegram.WebView.receiveEvent('main_button_pressed', null)")
        .await;
    browser.find("#booked").await;
    browser.quit().await;
}
