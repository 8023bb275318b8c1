//! The customer's Mini App page in a real browser: headless Chromium driven
//! through chromedriver (W3C WebDriver), with Telegram's
//! `window.Telegram.WebApp` provided by the test. A customer books from the
//! page; the booking is in the store with its staff notice in the outbox.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs
//! them). With `BOOKING_SCREENSHOTS=1` it also writes the screenshots in
//! docs/img/ (360×740, light and dark).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use booking_domain::{
    BookingId, BookingStatus, CustomerId, PolicyChange, ServiceId, StaffChoice, StaffId,
    TelegramUserId,
};
use booking_ports::engine::{BookingForm, SharedContact};
use booking_ports::{DeliveryState, NoticeKind, NotificationOutbox, Recipient, StaffUser};
use serde_json::json;

mod common;
#[path = "browser/harness.rs"]
mod harness;
use common::{ANNA, BORIS, Caller, salon_with_store};
use harness::{ADMIN_TOKEN, Browser, MARIA, OWNER, TOKEN, owner, serve, telegram, telegram_as};

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
        let moved = browser
            .wait_for(
                &format!(
                    "const b = document.getElementById('booked'); \
                 return b && Number(b.dataset.booking) !== {id} && Number(b.dataset.booking)"
                ),
                "the move",
            )
            .await
            .as_i64()
            .unwrap();
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
        // The booking still shown at Anna's 11:00 until the move returns: wait
        // for the panel to close, which the page does once the move is done.
        browser
            .wait_for(
                "return getComputedStyle(document.getElementById('panel')).display === 'none'",
                "the panel closing after the move",
            )
            .await;
        browser.find(".booking.confirmed").await;
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

/// The customer page as Telegram's apps open it without Telegram's script
/// (launch data in the fragment, a `TelegramWebviewProxy` recording the
/// page's events), at the details step of Anna's 08:00 on 4 June.
async fn details_step_in_telegrams_app() -> (Arc<booking_ports::Engine>, Browser) {
    let (engine, clock, _store) = salon_with_store().await;
    let address = serve(Arc::clone(&engine)).await;
    let signer = Caller::new(axum::Router::new(), TOKEN, clock);
    let fragment: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("tgWebAppData", &signer.init_data(MARIA, "en"))
        .finish();
    let browser = Browser::start().await;
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
    (engine, browser)
}

/// In Telegram's apps without Telegram's script, the page drives the main
/// and back buttons over Telegram's web events (`TelegramWebviewProxy`) and
/// books when the app reports the main button pressed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_telegrams_apps_the_page_drives_the_main_button_over_web_events() {
    let (engine, browser) = details_step_in_telegrams_app().await;
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
    let customer = engine
        .customer_of_account(TelegramUserId::new(MARIA).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(engine.my_bookings(customer).await.unwrap().len(), 1);
}

/// "Use my Telegram number": the page asks Telegram for the contact over
/// web events; Telegram sends it to the bot, which keeps it on the record;
/// the page then reads it from `GET me` and books with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customers_telegram_number_arrives_through_the_bot_and_fills_the_form() {
    let (engine, browser) = details_step_in_telegrams_app().await;
    browser.type_into("#name", "Maria Ivanova").await;

    browser.click("#share-phone").await;
    browser
        .wait_for(
            "return window.TelegramWebviewProxy.events.some(e => e[0] === 'web_app_request_phone')",
            "the contact request",
        )
        .await;
    // What the client bot does with the contact Telegram sends it.
    engine
        .save_shared_contact(
            TelegramUserId::new(MARIA).unwrap(),
            SharedContact {
                phone: "79161234567".to_owned(),
                name: "Maria".to_owned(),
                language: None,
            },
        )
        .await
        .unwrap();
    browser
        .script("window.Telegram.WebView.receiveEvent('phone_requested', {status: 'sent'})")
        .await;
    let filled = browser
        .wait_for(
            "const v = document.getElementById('phone').value; return v !== '' && v",
            "the phone filled in",
        )
        .await;
    assert_eq!(filled, json!("+79161234567"));
    browser
        .script("window.Telegram.WebView.receiveEvent('main_button_pressed', null)")
        .await;
    browser.find("#booked").await;
    browser.quit().await;

    let customer = engine
        .customer_of_account(TelegramUserId::new(MARIA).unwrap())
        .await
        .unwrap()
        .unwrap();
    let mine = engine.my_bookings(customer).await.unwrap();
    assert_eq!(mine.len(), 1);
    let booked_for = mine[0].booking.booked_for().unwrap();
    assert_eq!(booked_for.phone.as_ref().unwrap().expose(), "+79161234567");
    assert_eq!(booked_for.name.expose(), "Maria Ivanova");
}

/// A customer who declines Telegram's contact request types the number:
/// the share button comes back and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_the_contact_request_leaves_the_number_to_type() {
    let (engine, clock, _store) = salon_with_store().await;
    let address = serve(Arc::clone(&engine)).await;
    let signer = Caller::new(axum::Router::new(), TOKEN, clock);
    let init_data = signer.init_data(MARIA, "en");
    let browser = Browser::start().await;
    browser.before_pages(&telegram(&init_data, "light")).await;
    browser.open(&format!("http://{address}/app/")).await;
    browser.click("[data-service='1']").await;
    browser.click(&format!("[data-staff='{ANNA}']")).await;
    browser.click("[data-day='2030-06-04']").await;
    browser.click("[data-start='2030-06-04T08:00:00Z']").await;

    browser.click("#share-phone").await;
    browser
        .wait_for(
            "return typeof window.Telegram.WebApp.contactAnswer === 'function'",
            "the contact request",
        )
        .await;
    browser
        .script("window.Telegram.WebApp.contactAnswer(false)")
        .await;

    browser
        .wait_for(
            "return !document.getElementById('share-phone').disabled",
            "the share button back",
        )
        .await;
    let phone = browser
        .script("return document.getElementById('phone').value")
        .await;
    assert_eq!(phone, json!(""));
    assert_eq!(
        engine
            .account(TelegramUserId::new(MARIA).unwrap())
            .await
            .unwrap(),
        None
    );
    browser.quit().await;
}
