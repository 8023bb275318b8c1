//! The Mini App's staff API through its router: init data of the admin
//! bot, the gate's answer, and the engine's roles, as in the admin bot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;

use adapter_miniapp::init_data::{DEFAULT_MAX_AGE, InitDataCheck};
use adapter_miniapp::staff::{StaffApi, StaffGate, staff_router};
use async_trait::async_trait;
use axum::http::StatusCode;
use booking_domain::{CustomerId, ServiceId, StaffChoice, StaffId};
use booking_ports::engine::BookingForm;
use booking_ports::{Engine, StaffActor, StaffRole, StaffUser, StoreError};
use secrecy::SecretString;
use serde_json::{Value, json};

mod common;
use common::{ANNA, BORIS, Caller, moscow, salon};

const ADMIN_TOKEN: &str = "654321:admin-bot-token";
const CLIENT_TOKEN: &str = "123456:client-bot-token";
const OWNER: i64 = 500;
const ANNA_USER: i64 = 601;
const STRANGER: i64 = 666;

/// The admin gate's answers: who is let in, as whom.
struct Gate(HashMap<i64, StaffActor>);

#[async_trait]
impl StaffGate for Gate {
    async fn actor(&self, user: i64) -> Result<Option<StaffActor>, StoreError> {
        Ok(self.0.get(&user).cloned())
    }
}

async fn book(engine: &Engine, customer: i64, staff: i64, hour: u32) -> Value {
    let booked = engine
        .book(
            CustomerId::new(customer).unwrap(),
            BookingForm {
                service: ServiceId::new(1).unwrap(),
                staff: StaffChoice::Only(StaffId::new(staff).unwrap()),
                start: moscow(4, hour),
                name: "Maria Ivanova".to_owned(),
                phone: "+7 916 555-01-02".to_owned(),
                comment: None,
                language: None,
            },
        )
        .await
        .unwrap();
    json!({"id": booked.booking.id().get(), "version": booked.booking.version().get()})
}

async fn app() -> (Caller, Value, Value) {
    let (engine, clock) = salon().await;
    let annas = book(&engine, 1001, ANNA, 11).await;
    let boris = book(&engine, 1002, BORIS, 12).await;
    let gate = Gate(HashMap::from([
        (
            OWNER,
            StaffActor::authenticated(StaffUser::new(OWNER), None, StaffRole::Owner),
        ),
        (
            ANNA_USER,
            StaffActor::authenticated(
                StaffUser::new(ANNA_USER),
                Some(StaffId::new(ANNA).unwrap()),
                StaffRole::Staff,
            ),
        ),
    ]));
    let api = StaffApi {
        engine,
        check: InitDataCheck::new(&SecretString::from(ADMIN_TOKEN.to_owned()), DEFAULT_MAX_AGE),
        gate: Arc::new(gate),
        dev_user: None,
    };
    (
        Caller::new(staff_router(Arc::new(api)), ADMIN_TOKEN, clock),
        annas,
        boris,
    )
}

fn ids(day: &Value) -> Vec<i64> {
    day["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_owner_sees_the_whole_day_and_a_stylist_only_her_own() {
    let (app, annas, boris) = app().await;
    let (status, day) = app
        .as_user(OWNER, "GET", "/app/api/staff/day?day=2030-06-04", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{day}");
    assert_eq!(
        ids(&day),
        [annas["id"].as_i64().unwrap(), boris["id"].as_i64().unwrap()]
    );
    assert_eq!(day["bookings"][0]["customer"]["phone"], "+79165550102");
    // Anna works 10:00-14:00 with Maria at 11:00: free 10-11 and 12-14.
    let annas_free: Vec<(&str, &str)> = day["free"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["staff"] == ANNA)
        .map(|w| (w["start"].as_str().unwrap(), w["end"].as_str().unwrap()))
        .collect();
    assert_eq!(
        annas_free,
        [
            ("2030-06-04T07:00:00Z", "2030-06-04T08:00:00Z"),
            ("2030-06-04T09:00:00Z", "2030-06-04T11:00:00Z")
        ]
    );

    let (_, hers) = app
        .as_user(ANNA_USER, "GET", "/app/api/staff/day?day=2030-06-04", None)
        .await;
    assert_eq!(ids(&hers), [annas["id"].as_i64().unwrap()]);
    let (status, problem) = app
        .as_user(
            ANNA_USER,
            "GET",
            &format!("/app/api/staff/day?day=2030-06-04&staff={BORIS}"),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
}

#[tokio::test]
async fn a_stylist_acts_on_her_own_bookings_only() {
    let (app, annas, boris) = app().await;
    let cancel = |b: &Value| format!("/app/api/staff/bookings/{}/cancel", b["id"]);
    let (status, problem) = app
        .as_user(
            ANNA_USER,
            "POST",
            &cancel(&boris),
            Some(json!({"version": boris["version"]})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );

    let (status, cancelled) = app
        .as_user(
            ANNA_USER,
            "POST",
            &cancel(&annas),
            Some(json!({"version": annas["version"], "reason": "Anna is ill"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    // The version she saw is stale now.
    let (status, problem) = app
        .as_user(
            ANNA_USER,
            "POST",
            &cancel(&annas),
            Some(json!({"version": annas["version"]})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("version_conflict"))
    );
    let (status, _) = app
        .as_user(
            ANNA_USER,
            "POST",
            &format!("/app/api/staff/bookings/{}/explode", annas["id"]),
            Some(json!({"version": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_staff_with_the_admin_bots_init_data_get_in() {
    let (app, _, _) = app().await;
    let (status, problem) = app
        .as_user(STRANGER, "GET", "/app/api/staff/day?day=2030-06-04", None)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_staff"))
    );
    // The owner's own id, signed by the client bot: not the admin side's.
    let client = InitDataCheck::new(
        &SecretString::from(CLIENT_TOKEN.to_owned()),
        DEFAULT_MAX_AGE,
    );
    let user = json!({"id": OWNER, "first_name": "Owner"}).to_string();
    let signed = client.sign(&[
        ("auth_date", &common::now().timestamp().to_string()),
        ("user", &user),
    ]);
    let (status, _) = app
        .call(
            "GET",
            "/app/api/staff/day?day=2030-06-04",
            Some(signed),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .call("GET", "/app/api/staff/day?day=2030-06-04", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_stylist_books_a_caller_into_her_own_free_time() {
    let (app, _, _) = app().await;
    let caller = json!({
        "phone": "+7 903 111-22-33", "name": "Olga Petrova",
        "service": 1, "start": moscow(5, 13), "comment": "By phone"
    });
    let (status, booked) = app
        .as_user(
            ANNA_USER,
            "POST",
            "/app/api/staff/bookings",
            Some(caller.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    assert_eq!(booked["staff"]["id"], ANNA, "her 'anyone' is herself");
    assert_eq!(booked["status"], "confirmed");
    assert_eq!(booked["customer"]["name"], "Olga Petrova");
    // The same time again is taken; Boris's schedule is not hers.
    let (status, problem) = app
        .as_user(
            ANNA_USER,
            "POST",
            "/app/api/staff/bookings",
            Some(caller.clone()),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("slot_taken"))
    );
    let mut to_boris = caller.clone();
    to_boris["staff"] = json!(BORIS);
    let (status, _) = app
        .as_user(ANNA_USER, "POST", "/app/api/staff/bookings", Some(to_boris))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A new number without a name, and a wrong number, are refused.
    let mut nameless = caller.clone();
    nameless["phone"] = json!("+7 903 999-88-77");
    nameless["name"] = Value::Null;
    let (status, problem) = app
        .as_user(OWNER, "POST", "/app/api/staff/bookings", Some(nameless))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_name"))
    );
    let mut wrong = caller;
    wrong["phone"] = json!("12");
    let (status, problem) = app
        .as_user(OWNER, "POST", "/app/api/staff/bookings", Some(wrong))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_phone"))
    );
}
