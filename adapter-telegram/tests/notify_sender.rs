//! The Telegram notification sender against a fake Bot API on 127.0.0.1:
//! what it sends (text, buttons, which bot, which chat), how Telegram's
//! errors become the dispatcher's `SendError`s, and, through the real
//! `Dispatcher` on the in-memory store with a stopped clock, that a reminder
//! ends as sent and a blocked customer's as failed. No network beyond
//! loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use adapter_telegram::notify::Audience;
use adapter_telegram::test_support::{
    ANNA, MENS_HAIRCUT, catalog, local, monday_morning, policy, tz,
};
use adapter_telegram::{Language, Locales, StaffChats, TelegramSender};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::routing::post;
use booking_domain::{CustomerId, ServiceId, StaffChoice, StaffId, TelegramUserId};
use booking_ports::engine::BookingForm;
use booking_ports::{
    Addressee, BookingDetails, Clock, DeliveryState, Destination, DispatchSettings, Dispatcher,
    Engine, EngineSettings, ManualClock, MemoryStore, NoticeKind, NotificationOutbox,
    NotificationSender, OutgoingMessage, SendError, StaffAccessStore,
};
use chrono::Duration;
use serde_json::{Value, json};
use teloxide::Bot;
use tokio::sync::mpsc;

const CLIENT_TOKEN: &str = "111:client-token";
const ADMIN_TOKEN: &str = "222:admin-token";
/// Chats the fake answers with an error instead of a message.
const FLOODED: i64 = 4290;
const BLOCKED: i64 = 4030;
const BROKEN: i64 = 5000;
const ANNAS_CHAT: i64 = 7001;
const OWNERS_CHAT: i64 = 7002;

/// One request the fake Bot API received: which bot, which method, the body.
type Request = (String, String, Value);

async fn api(
    State(requests): State<mpsc::UnboundedSender<Request>>,
    UrlPath((bot, method)): UrlPath<(String, String)>,
    body: Bytes,
) -> (StatusCode, String) {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let chat = body["chat_id"].as_i64().unwrap_or(0);
    let error = |status: StatusCode, description: &str, parameters: Value| {
        let mut answer = json!({
            "ok": false, "error_code": status.as_u16(), "description": description
        });
        if !parameters.is_null() {
            answer["parameters"] = parameters;
        }
        (status, answer.to_string())
    };
    match chat {
        FLOODED => error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests: retry after 7",
            json!({ "retry_after": 7 }),
        ),
        BLOCKED => error(
            StatusCode::FORBIDDEN,
            "Forbidden: bot was blocked by the user",
            Value::Null,
        ),
        BROKEN => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            Value::Null,
        ),
        _ => {
            let text = body["text"].clone();
            requests
                .send((bot, method.to_ascii_lowercase(), body))
                .unwrap();
            let message = json!({
                "message_id": 100, "date": 1_900_000_000,
                "chat": { "id": chat, "type": "private", "first_name": "Ivan" },
                "text": text
            });
            (
                StatusCode::OK,
                json!({ "ok": true, "result": message }).to_string(),
            )
        }
    }
}

async fn fake_telegram() -> (SocketAddr, mpsc::UnboundedReceiver<Request>) {
    let (requests, received) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/{bot}/{method}", post(api))
        .with_state(requests);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, received)
}

fn sender(address: SocketAddr) -> TelegramSender {
    let url = reqwest_url(address);
    let staff_chats = StaffChats {
        all: vec![OWNERS_CHAT],
        by_staff: HashMap::from([(StaffId::new(ANNA).unwrap(), vec![ANNAS_CHAT])]),
    };
    TelegramSender::new(
        Bot::new(CLIENT_TOKEN).set_api_url(url.clone()),
        Some(Bot::new(ADMIN_TOKEN).set_api_url(url)),
        Arc::new(Locales::load(Language::English).unwrap()),
        tz(),
        staff_chats,
    )
    .unwrap()
}

fn reqwest_url(address: SocketAddr) -> url::Url {
    format!("http://{address}").parse().unwrap()
}

struct Salon {
    store: MemoryStore,
    clock: ManualClock,
    engine: Engine,
}

async fn salon() -> Salon {
    let store = MemoryStore::default();
    let clock = ManualClock::new(monday_morning());
    let engine = Engine::on_store(
        store.clone(),
        clock.clone(),
        policy(),
        EngineSettings::default(),
    );
    assert!(engine.import_catalog_if_empty(catalog()).await.unwrap());
    Salon {
        store,
        clock,
        engine,
    }
}

impl Salon {
    /// A men's haircut with Anna on Tuesday 4 June at 11:00, booked by the
    /// Telegram user `customer` on Monday at 10:00.
    async fn book(&self, customer: i64) -> BookingDetails {
        self.book_at(customer, local(4, 11, 0)).await
    }

    /// A men's haircut with Anna at `start`, booked by `customer`.
    async fn book_at(&self, customer: i64, start: chrono::DateTime<chrono::Utc>) -> BookingDetails {
        self.engine
            .book(
                CustomerId::new(customer).unwrap(),
                BookingForm {
                    service: ServiceId::new(MENS_HAIRCUT).unwrap(),
                    staff: StaffChoice::Only(StaffId::new(ANNA).unwrap()),
                    start,
                    name: "Ivan".to_owned(),
                    phone: "+79161234567".to_owned(),
                    comment: None,
                    language: None,
                },
            )
            .await
            .unwrap()
    }

    /// The booking's notification of `kind`, as the dispatcher would hand
    /// it to the sender.
    async fn outgoing(&self, booked: &BookingDetails, kind: NoticeKind) -> OutgoingMessage {
        let notification = self
            .store
            .notifications_of_booking(booked.booking.id())
            .await
            .unwrap()
            .into_iter()
            .find(|n| n.kind == kind)
            .unwrap();
        OutgoingMessage {
            notification,
            booking: booked.booking.clone(),
            service: booked.service.clone(),
            staff: booked.staff.clone(),
            customer: None,
            replaced: None,
        }
    }
}

fn two_hours() -> NoticeKind {
    NoticeKind::CustomerReminder {
        before: booking_domain::Minutes::new(120).unwrap(),
    }
}

fn customer_destination(sender: &TelegramSender, customer: i64) -> Destination {
    let mut destinations =
        sender.destinations(&Addressee::Customer(TelegramUserId::new(customer).unwrap()));
    assert_eq!(destinations.len(), 1);
    destinations.remove(0)
}

fn buttons(body: &Value) -> Vec<(String, String)> {
    body["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["text"].as_str().unwrap().to_owned(),
                b["callback_data"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_reminder_reaches_the_customer_through_the_client_bot_with_its_buttons() {
    let (address, mut requests) = fake_telegram().await;
    let sender = sender(address);
    let salon = salon().await;
    let booked = salon.book(1001).await;
    let message = salon.outgoing(&booked, two_hours()).await;

    let to = customer_destination(&sender, 1001);
    sender.send(&to, &message).await.unwrap();

    let (bot, method, body) = requests.recv().await.unwrap();
    assert_eq!(bot, format!("bot{CLIENT_TOKEN}"));
    assert_eq!(method, "sendmessage");
    assert_eq!(body["chat_id"], json!(1001));
    assert_eq!(
        body["text"],
        json!("⏰ Reminder: Men's haircut with Anna, Tue 4 Jun, 11:00.")
    );
    let id = booked.booking.id().get();
    assert_eq!(
        buttons(&body),
        [
            ("✅ I'll come".to_owned(), format!("ra:{id}")),
            ("Cancel booking".to_owned(), format!("rc:{id}")),
        ]
    );
}

#[tokio::test]
async fn staff_notices_go_to_the_admin_bot_in_the_configured_chats() {
    let (address, mut requests) = fake_telegram().await;
    let sender = sender(address);
    let salon = salon().await;
    let booked = salon.book(1001).await;
    let message = salon
        .outgoing(
            &booked,
            NoticeKind::NewBooking {
                awaiting_confirmation: false,
            },
        )
        .await;

    let destinations = sender.destinations(&Addressee::Staff(StaffId::new(ANNA).unwrap()));
    let chats: Vec<i64> = destinations.iter().map(|d| d.chat.get()).collect();
    assert_eq!(chats, [ANNAS_CHAT, OWNERS_CHAT]);
    // Maria has no chat of her own: only the owner hears about her.
    let marias = sender.destinations(&Addressee::Staff(StaffId::new(2).unwrap()));
    assert_eq!(
        marias.iter().map(|d| d.chat.get()).collect::<Vec<_>>(),
        [OWNERS_CHAT]
    );
    sender.send(&destinations[0], &message).await.unwrap();

    let (bot, _, body) = requests.recv().await.unwrap();
    assert_eq!(bot, format!("bot{ADMIN_TOKEN}"));
    assert_eq!(body["chat_id"], json!(ANNAS_CHAT));
    let text = body["text"].as_str().unwrap();
    let id = booked.booking.id().get();
    assert!(
        text.starts_with(&format!(
            "🆕 New booking #{id}: Men's haircut, Tue 4 Jun, 11:00, Anna."
        )),
        "{text}"
    );
    // The admin bot's own card callback.
    assert_eq!(
        buttons(&body),
        [("Open booking".to_owned(), format!("b:{id}"))]
    );
}

/// A stylist who joined with an invitation hears about her bookings in her
/// private chat, in the language she uses the admin bot in; the configured
/// chats still hear, in the business's language.
#[tokio::test]
async fn a_staff_member_who_joined_is_told_in_her_own_language() {
    let (address, mut requests) = fake_telegram().await;
    let salon = salon().await;
    let joined_user = 9090;
    // What `/join` records: the link and her language.
    salon
        .store
        .add_staff_invitation(
            "hash-of-code",
            StaffId::new(2).unwrap(),
            salon.clock.now() + Duration::hours(1),
        )
        .await
        .unwrap();
    salon
        .store
        .redeem_staff_invitation(
            "hash-of-code",
            booking_ports::StaffUser::new(joined_user),
            Some("ru".to_owned()),
            salon.clock.now(),
        )
        .await
        .unwrap();
    let directory = adapter_telegram::admin::directory::StaffDirectory::default();
    directory.load(&salon.store).await.unwrap();
    let sender = sender(address).with_directory(directory);

    let marias = sender.destinations(&Addressee::Staff(StaffId::new(2).unwrap()));
    assert_eq!(
        marias.iter().map(|d| d.chat.get()).collect::<Vec<_>>(),
        [OWNERS_CHAT, joined_user]
    );
    let booked = salon.book(1001).await;
    let message = salon
        .outgoing(
            &booked,
            NoticeKind::NewBooking {
                awaiting_confirmation: false,
            },
        )
        .await;
    sender.send(&marias[1], &message).await.unwrap();
    let (_, _, body) = requests.recv().await.unwrap();
    assert_eq!(body["chat_id"], json!(joined_user));
    let text = body["text"].as_str().unwrap();
    assert!(text.starts_with("🆕 Новая запись"), "{text}");
    sender.send(&marias[0], &message).await.unwrap();
    let (_, _, body) = requests.recv().await.unwrap();
    let text = body["text"].as_str().unwrap();
    assert!(text.starts_with("🆕 New booking"), "{text}");
}

#[tokio::test]
async fn without_an_admin_bot_staff_have_no_destination() {
    let (address, _requests) = fake_telegram().await;
    let sender = TelegramSender::new(
        Bot::new(CLIENT_TOKEN).set_api_url(reqwest_url(address)),
        None,
        Arc::new(Locales::load(Language::English).unwrap()),
        tz(),
        StaffChats {
            all: vec![OWNERS_CHAT],
            by_staff: HashMap::new(),
        },
    )
    .unwrap();
    assert!(
        sender
            .destinations(&Addressee::Staff(StaffId::new(ANNA).unwrap()))
            .is_empty()
    );
}

#[tokio::test]
async fn flood_control_becomes_a_temporary_failure_with_its_wait() {
    let (address, _requests) = fake_telegram().await;
    let sender = sender(address);
    let salon = salon().await;
    let booked = salon.book(FLOODED).await;
    let message = salon.outgoing(&booked, two_hours()).await;

    let error = sender
        .send(&customer_destination(&sender, FLOODED), &message)
        .await
        .unwrap_err();

    assert!(
        matches!(error, SendError::Temporary { retry_after: Some(wait), .. } if wait == Duration::seconds(7)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_blocked_bot_is_a_permanent_failure_with_telegrams_reason() {
    let (address, _requests) = fake_telegram().await;
    let sender = sender(address);
    let salon = salon().await;
    let booked = salon.book(BLOCKED).await;
    let message = salon.outgoing(&booked, two_hours()).await;

    let error = sender
        .send(&customer_destination(&sender, BLOCKED), &message)
        .await
        .unwrap_err();

    match error {
        SendError::Permanent { reason } => {
            assert_eq!(reason.as_str(), "Forbidden: bot was blocked by the user");
        }
        other => panic!("expected a permanent failure, got {other:?}"),
    }
}

#[tokio::test]
async fn failed_requests_are_counted_by_method_and_kind() {
    let (address, _requests) = fake_telegram().await;
    let sender = sender(address);
    let salon = salon().await;
    let mut messages = Vec::new();
    for (customer, start) in [(FLOODED, 11), (BLOCKED, 12), (1001, 13)] {
        let booked = salon.book_at(customer, local(4, start, 0)).await;
        messages.push((customer, salon.outgoing(&booked, two_hours()).await));
    }
    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    // The sender runs on this test's thread, which the local recorder covers.
    let _recording = metrics::set_default_local_recorder(&recorder);

    for (customer, message) in &messages {
        let _ = sender
            .send(&customer_destination(&sender, *customer), message)
            .await;
    }

    let mut counted: Vec<(Vec<String>, u64)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter_map(|(key, _, _, value)| match value {
            metrics_util::debugging::DebugValue::Counter(n) => Some((
                key.key()
                    .labels()
                    .map(|l| format!("{}={}", l.key(), l.value()))
                    .collect(),
                n,
            )),
            _ => None,
        })
        .collect();
    counted.sort();
    assert_eq!(
        counted,
        [
            (
                vec![
                    "method=sendMessage".to_owned(),
                    "error=rate_limited".to_owned()
                ],
                1
            ),
            (
                vec![
                    "method=sendMessage".to_owned(),
                    "error=recipient_gone".to_owned()
                ],
                1
            ),
        ],
        "a delivered message counts nothing"
    );
}

#[tokio::test]
async fn a_server_error_is_temporary_without_a_wait() {
    let (address, _requests) = fake_telegram().await;
    let sender = sender(address);
    let salon = salon().await;
    let booked = salon.book(BROKEN).await;
    let message = salon.outgoing(&booked, two_hours()).await;

    let error = sender
        .send(&customer_destination(&sender, BROKEN), &message)
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            SendError::Temporary {
                retry_after: None,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_network_failure_is_temporary() {
    // Nothing listens on this port once the listener is dropped.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let sender = sender(address);
    let salon = salon().await;
    let booked = salon.book(1001).await;
    let message = salon.outgoing(&booked, two_hours()).await;

    let error = sender
        .send(&customer_destination(&sender, 1001), &message)
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            SendError::Temporary {
                retry_after: None,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn through_the_dispatcher_a_reminder_is_sent_and_a_blocked_customers_fails() {
    let (address, mut requests) = fake_telegram().await;
    let salon = salon().await;
    let ivan = salon.book(1001).await;
    let blocked = salon.book_at(BLOCKED, local(4, 12, 0)).await;
    let mut dispatcher = Dispatcher::on_store(
        salon.store.clone(),
        sender(address),
        salon.clock.clone(),
        DispatchSettings::default(),
    );

    // Tuesday 10:00, after downtime since Monday: Ivan's 24-hour reminder is
    // superseded by his 2-hour one (due at 9:00, still ahead of the visit);
    // the blocked customer's 2-hour reminder is due now.
    salon.clock.set(local(4, 10, 0));
    let report = dispatcher.dispatch_due().await.unwrap();

    let state = |details: &BookingDetails| {
        let store = salon.store.clone();
        let id = details.booking.id();
        async move {
            store
                .notifications_of_booking(id)
                .await
                .unwrap()
                .into_iter()
                .find(|n| n.kind == two_hours())
                .unwrap()
                .state
        }
    };
    assert!(
        matches!(state(&ivan).await, DeliveryState::Sent { .. }),
        "{report:?}"
    );
    match state(&blocked).await {
        DeliveryState::Failed { reason, .. } => {
            assert_eq!(reason.as_str(), "Forbidden: bot was blocked by the user");
        }
        other => panic!("expected failed, got {other:?}"),
    }
    let mut to_customers = Vec::new();
    while let Ok((bot, _, body)) = requests.try_recv() {
        if bot == format!("bot{CLIENT_TOKEN}") {
            to_customers.push(body);
        }
    }
    assert_eq!(to_customers.len(), 1);
    assert_eq!(to_customers[0]["chat_id"], json!(1001));
    assert_eq!(
        to_customers[0]["text"],
        json!("⏰ Reminder: Men's haircut with Anna, Tue 4 Jun, 11:00.")
    );
}

/// The rendered text of `booking`'s notification of `kind` (the last one),
/// with `replaced` for a move.
async fn rendered(
    salon: &Salon,
    booking: &BookingDetails,
    kind: NoticeKind,
    replaced: Option<booking_domain::Booking>,
    language: Language,
) -> adapter_telegram::notify::Rendered {
    use booking_ports::BookingStore;
    let mut message = salon.outgoing(booking, kind).await;
    message.booking = salon
        .store
        .booking(booking.booking.id())
        .await
        .unwrap()
        .unwrap();
    message.replaced = replaced;
    message.customer = salon
        .engine
        .profile(CustomerId::new(1001).unwrap())
        .await
        .unwrap();
    adapter_telegram::notify::render(
        &Locales::load(language).unwrap(),
        tz(),
        &message,
        Audience::Private,
    )
}

#[tokio::test]
async fn moves_cancellations_and_attendance_are_told_as_they_are() {
    let salon = salon().await;
    let ivan = CustomerId::new(1001).unwrap();
    let booked = salon.book(1001).await;

    // "I'll come", then the staff reminder says so.
    salon
        .engine
        .confirm_attendance(ivan, booked.booking.id())
        .await
        .unwrap();
    let staff_kind = NoticeKind::NewBooking {
        awaiting_confirmation: false,
    };
    let new = rendered(&salon, &booked, staff_kind, None, Language::English).await;
    assert!(new.text.contains("Customer: Ivan, +7"), "{}", new.text);
    // A staff group reads the name only: the phone is on the card.
    let mut to_staff = salon.outgoing(&booked, staff_kind).await;
    to_staff.customer = salon.engine.profile(ivan).await.unwrap();
    let to_group = adapter_telegram::notify::render(
        &Locales::load(Language::English).unwrap(),
        tz(),
        &to_staff,
        Audience::Group,
    );
    assert!(
        to_group.text.contains("Customer: Ivan."),
        "{}",
        to_group.text
    );
    assert!(!to_group.text.contains("+7"), "{}", to_group.text);
    assert!(to_group.keyboard.is_some(), "the card is one press away");
    let mut reminder = salon.outgoing(&booked, staff_kind).await;
    reminder.notification.kind = NoticeKind::StaffReminder {
        before: booking_domain::Minutes::new(60).unwrap(),
    };
    reminder.booking = salon
        .engine
        .my_booking(ivan, booked.booking.id())
        .await
        .unwrap()
        .booking;
    let text = adapter_telegram::notify::render(
        &Locales::load(Language::English).unwrap(),
        tz(),
        &reminder,
        Audience::Private,
    )
    .text;
    assert!(text.ends_with("The customer said they'll come."), "{text}");

    // The customer moves it to 12:00: staff hear the old and new time.
    let moved = salon
        .engine
        .reschedule_my_booking(
            ivan,
            booked.booking.id(),
            salon
                .engine
                .my_booking(ivan, booked.booking.id())
                .await
                .unwrap()
                .booking
                .version(),
            StaffChoice::Only(StaffId::new(ANNA).unwrap()),
            local(4, 12, 0),
        )
        .await
        .unwrap();
    let notice = rendered(
        &salon,
        &moved.new,
        NoticeKind::Rescheduled,
        Some(moved.old.clone()),
        Language::English,
    )
    .await;
    let id = moved.new.booking.id().get();
    assert_eq!(
        notice.text,
        format!(
            "🔁 Booking #{id} moved: Men's haircut, now Tue 4 Jun, 12:00, Anna. Customer: Ivan, +79161234567.\nIt was at Tue 4 Jun, 11:00."
        )
    );

    // Then cancels it: staff are told, with the button to the card.
    let current = salon
        .engine
        .my_booking(ivan, moved.new.booking.id())
        .await
        .unwrap();
    salon
        .engine
        .cancel_my_booking(ivan, current.booking.id(), current.booking.version())
        .await
        .unwrap();
    let cancelled = rendered(
        &salon,
        &moved.new,
        NoticeKind::Cancelled,
        None,
        Language::Russian,
    )
    .await;
    assert!(
        cancelled
            .text
            .starts_with(&format!("❌ Запись #{id} отменена")),
        "{}",
        cancelled.text
    );
    assert!(cancelled.keyboard.is_some());
}
