//! The Mini App's customer API through its router, on the in-memory store:
//! each endpoint, and its refusals (no or forged init data, someone else's
//! booking, a taken slot, past the cutoff, a body too large).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use adapter_miniapp::api::{ClientApi, MAX_BODY_BYTES, router};
use adapter_miniapp::init_data::{DEFAULT_MAX_AGE, InitDataCheck};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::{Value, json};

mod common;
use common::{Caller, moscow, now, salon};

const TOKEN: &str = "123456:client-bot-token";
const MARIA: i64 = 1001;
const IVAN: i64 = 1002;

type App = Caller;

async fn app() -> App {
    let (engine, clock) = salon().await;
    let api = ClientApi {
        engine,
        check: InitDataCheck::new(&SecretString::from(TOKEN.to_owned()), DEFAULT_MAX_AGE),
        dev_user: None,
    };
    Caller::new(router(Arc::new(api)), TOKEN, clock)
}

/// Booking as a customer.
trait Books {
    async fn book(&self, user: i64, start: DateTime<Utc>) -> (StatusCode, Value);
}

impl Books for App {
    async fn book(&self, user: i64, start: DateTime<Utc>) -> (StatusCode, Value) {
        self.as_user(
            user,
            "POST",
            "/app/api/bookings",
            Some(json!({
                "service": 1, "staff": 1, "start": start,
                "name": "Maria Ivanova", "phone": "+7 916 555-01-02", "comment": "Short"
            })),
        )
        .await
    }
}

#[tokio::test]
async fn a_customer_sees_services_free_days_and_times_books_and_sees_the_booking() {
    let app = app().await;
    let (status, services) = app.as_user(MARIA, "GET", "/app/api/services", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(services[0]["name"], "Haircut");
    assert_eq!(services[0]["price_minor"], 250_000);
    assert_eq!(services[0]["staff"][0]["name"], "Anna");

    let (status, days) = app
        .as_user(
            MARIA,
            "GET",
            "/app/api/days?service=1&from=2030-06-03&to=2030-06-09",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        days["days"],
        json!(["2030-06-03", "2030-06-04", "2030-06-05"])
    );
    let (_, ahead) = app
        .as_user(MARIA, "GET", "/app/api/days?service=1", None)
        .await;
    assert_eq!(
        ahead["days"],
        json!([
            "2030-06-03",
            "2030-06-04",
            "2030-06-05",
            "2030-06-10",
            "2030-06-11",
            "2030-06-12",
            "2030-06-17"
        ]),
        "from today to the horizon without from and to"
    );

    let (_, times) = app
        .as_user(
            MARIA,
            "GET",
            "/app/api/times?service=1&staff=1&day=2030-06-04",
            None,
        )
        .await;
    let starts: Vec<&str> = times["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2030-06-04T07:00:00Z",
            "2030-06-04T08:00:00Z",
            "2030-06-04T09:00:00Z",
            "2030-06-04T10:00:00Z"
        ]
    );

    let (status, booked) = app.book(MARIA, moscow(4, 11)).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    assert_eq!(booked["status"], "confirmed");
    assert_eq!(booked["staff"]["name"], "Anna");
    let (_, mine) = app.as_user(MARIA, "GET", "/app/api/bookings", None).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    // Her next form is prefilled from the record her booking made.
    let (_, me) = app.as_user(MARIA, "GET", "/app/api/me", None).await;
    assert_eq!(
        me,
        json!({"telegram_id": MARIA, "name": "Maria Ivanova", "phone": "+79165550102", "time_zone": "Europe/Moscow"})
    );
    let (_, ivan) = app.as_user(IVAN, "GET", "/app/api/me", None).await;
    assert_eq!(
        ivan,
        json!({"telegram_id": IVAN, "name": null, "phone": null, "time_zone": "Europe/Moscow"})
    );
    assert_eq!(mine[0]["id"], booked["id"]);
    // Ivan has nothing, and Maria's booking is not in his list.
    let (_, his) = app.as_user(IVAN, "GET", "/app/api/bookings", None).await;
    assert_eq!(his, json!([]));
}

#[tokio::test]
async fn without_valid_init_data_nothing_is_answered() {
    let app = app().await;
    let (status, problem) = app.call("GET", "/app/api/services", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["code"], "unauthorized");

    let forged = app.init_data(MARIA, "en").replace("1001", "1002");
    let (status, _) = app
        .call("GET", "/app/api/services", Some(forged), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let other_bot = InitDataCheck::new(
        &SecretString::from("999:admin-bot".to_owned()),
        DEFAULT_MAX_AGE,
    );
    let user = json!({"id": MARIA, "first_name": "M"}).to_string();
    let signed_by_other = other_bot.sign(&[
        ("auth_date", &now().timestamp().to_string()),
        ("user", &user),
    ]);
    let (status, _) = app
        .call("GET", "/app/api/services", Some(signed_by_other), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let fresh = app.init_data(MARIA, "en");
    app.clock
        .advance(DEFAULT_MAX_AGE + chrono::Duration::seconds(1));
    let (status, _) = app
        .call("GET", "/app/api/services", Some(fresh), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "expired init data");
}

#[tokio::test]
async fn refusals_come_as_problems_with_stable_codes_in_the_customers_language() {
    let app = app().await;
    let (_, booked) = app.book(MARIA, moscow(4, 11)).await;
    let id = booked["id"].as_i64().unwrap();
    let version = booked["version"].as_i64().unwrap();

    // The slot is taken for Ivan, in Russian for a Russian reader.
    let (status, problem) = app
        .call(
            "POST",
            "/app/api/bookings",
            Some(app.init_data(IVAN, "ru")),
            Some(json!({"service": 1, "staff": 1, "start": moscow(4, 11), "name": "Ivan", "phone": "+79161112233"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["code"], "slot_taken");
    assert_eq!(
        problem["title"],
        "Это время только что заняли. Выберите другое."
    );

    // Maria's booking is not Ivan's to cancel or move: not found.
    let cancel = format!("/app/api/bookings/{id}/cancel");
    let (status, problem) = app
        .as_user(IVAN, "POST", &cancel, Some(json!({"version": version})))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, _) = app
        .as_user(
            IVAN,
            "POST",
            &format!("/app/api/bookings/{id}/move"),
            Some(json!({"version": version, "start": moscow(5, 11)})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A wrong phone, and a body too large.
    let (status, problem) = app
        .as_user(
            MARIA,
            "POST",
            "/app/api/bookings",
            Some(json!({"service": 1, "start": moscow(5, 12), "name": "Maria", "phone": "12"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_phone"))
    );
    let huge = json!({"service": 1, "start": moscow(5, 12), "name": "x".repeat(MAX_BODY_BYTES), "phone": "+79161112233"});
    let (status, _) = app
        .as_user(MARIA, "POST", "/app/api/bookings", Some(huge))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // Past the cutoff (three hours before), Maria cannot cancel online.
    app.clock.set(moscow(4, 9));
    let (status, problem) = app
        .call(
            "POST",
            &cancel,
            Some(app.init_data(MARIA, "en")),
            Some(json!({"version": version})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("too_late_to_cancel"))
    );
}

#[tokio::test]
async fn a_customer_moves_and_cancels_her_own_booking() {
    let app = app().await;
    let (_, booked) = app.book(MARIA, moscow(4, 11)).await;
    let id = booked["id"].as_i64().unwrap();
    let version = booked["version"].as_i64().unwrap();
    // Her own 11:00 is offered for the move (the booking does not block
    // itself); Ivan cannot even ask about her booking.
    let (status, times) = app
        .as_user(
            MARIA,
            "GET",
            &format!("/app/api/bookings/{id}/times?staff=1&day=2030-06-04"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{times}");
    let starts: Vec<&str> = times["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["start"].as_str().unwrap())
        .collect();
    assert!(starts.contains(&"2030-06-04T08:00:00Z"), "{starts:?}");
    let (_, days) = app
        .as_user(
            MARIA,
            "GET",
            &format!("/app/api/bookings/{id}/days?staff=1"),
            None,
        )
        .await;
    assert_eq!(days["days"][0], "2030-06-03");
    let (status, _) = app
        .as_user(IVAN, "GET", &format!("/app/api/bookings/{id}/days"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, moved) = app
        .as_user(
            MARIA,
            "POST",
            &format!("/app/api/bookings/{id}/move"),
            Some(json!({"version": version, "start": moscow(4, 12)})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["start"], "2030-06-04T09:00:00Z");
    let new_id = moved["id"].as_i64().unwrap();
    assert_ne!(new_id, id);
    // The old version is stale now.
    let (status, problem) = app
        .as_user(
            MARIA,
            "POST",
            &format!("/app/api/bookings/{id}/cancel"),
            Some(json!({"version": version})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (status, cancelled) = app
        .as_user(
            MARIA,
            "POST",
            &format!("/app/api/bookings/{new_id}/cancel"),
            Some(json!({"version": moved["version"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cancelled["status"], "cancelled");
    let (_, mine) = app.as_user(MARIA, "GET", "/app/api/bookings", None).await;
    assert_eq!(mine, json!([]));
}

#[tokio::test]
async fn development_mode_answers_unsigned_calls_as_its_user_and_still_checks_signed_ones() {
    let (engine, clock) = salon().await;
    let api = ClientApi {
        engine,
        check: InitDataCheck::new(&SecretString::from(TOKEN.to_owned()), DEFAULT_MAX_AGE),
        dev_user: Some(MARIA),
    };
    let app = Caller::new(router(Arc::new(api)), TOKEN, clock);
    let (status, me) = app.call("GET", "/app/api/me", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["telegram_id"], MARIA);
    let (status, _) = app
        .call("GET", "/app/api/me", Some("hash=forged".to_owned()), None)
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a header is always checked"
    );
}
