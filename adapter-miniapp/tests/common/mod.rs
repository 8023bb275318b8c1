//! The salon both API test files run against: Anna and Boris work Monday
//! to Wednesday 10:00-14:00 in Moscow, a one-hour haircut both perform;
//! "now" is Monday 3 June 2030, 10:00. And a client that calls a router
//! with init data signed for a bot.
#![allow(dead_code)]

use std::sync::Arc;

use adapter_miniapp::init_data::{DEFAULT_MAX_AGE, InitDataCheck};
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use booking_domain::{
    Currency, LocalTimeRange, Minutes, Money, PhoneRegion, Policy, PolicySettings, Service,
    ServiceId, ServiceName, ServiceSpec, StaffId, StaffMember, StaffName, StaffSpec, WeeklyHours,
};
use booking_ports::{CatalogSnapshot, Clock, Engine, EngineSettings, ManualClock, MemoryStore};
use chrono::{DateTime, TimeZone, Utc, Weekday};
use secrecy::SecretString;
use serde_json::{Value, json};
use tower::ServiceExt;

pub(crate) const ANNA: i64 = 1;
pub(crate) const BORIS: i64 = 2;

/// Monday 3 June 2030, 10:00 in Moscow.
pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 6, 3, 7, 0, 0).unwrap()
}

/// `hour:00` Moscow time on June `day`, 2030.
pub(crate) fn moscow(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 6, day, hour - 3, 0, 0).unwrap()
}

fn member(id: i64, name: &str) -> StaffMember {
    let hours = WeeklyHours::new(
        [Weekday::Mon, Weekday::Tue, Weekday::Wed]
            .map(|d| (d, LocalTimeRange::parse("10:00-14:00").unwrap())),
    )
    .unwrap();
    StaffMember::new(
        StaffId::new(id).unwrap(),
        StaffSpec {
            name: StaffName::new(name).unwrap(),
            hours,
            active: true,
        },
    )
    .unwrap()
}

/// The salon's engine on the in-memory store, and its clock.
pub(crate) async fn salon() -> (Arc<Engine>, ManualClock) {
    let (engine, clock, _) = salon_with_store().await;
    (engine, clock)
}

/// As [`salon`], with the store, to look at the outbox.
pub(crate) async fn salon_with_store() -> (Arc<Engine>, ManualClock, MemoryStore) {
    let store = MemoryStore::default();
    let policy = Policy::new(PolicySettings {
        time_zone: "Europe/Moscow".parse().unwrap(),
        slot_step: Minutes::new(60).unwrap(),
        min_notice: Minutes::new(60).unwrap(),
        horizon_days: 14,
        cancellation_cutoff: Minutes::new(180).unwrap(),
        reschedule_cutoff: Minutes::new(180).unwrap(),
        max_active_bookings_per_customer: 3,
        requires_confirmation: false,
        phone_region: PhoneRegion::new("RU").unwrap(),
    })
    .unwrap();
    let clock = ManualClock::new(now());
    let engine = Arc::new(Engine::on_store(
        store.clone(),
        clock.clone(),
        policy,
        EngineSettings::default(),
    ));
    let staff = vec![member(ANNA, "Anna"), member(BORIS, "Boris")];
    let performers = staff.iter().map(StaffMember::id).collect();
    engine
        .import_catalog_if_empty(CatalogSnapshot {
            staff,
            services: vec![
                Service::new(
                    ServiceId::new(1).unwrap(),
                    ServiceSpec {
                        name: ServiceName::new("Haircut").unwrap(),
                        duration: Minutes::new(60).unwrap(),
                        price: Money::new(250_000, Currency::new("RUB").unwrap()).unwrap(),
                        buffer_before: Minutes::ZERO,
                        buffer_after: Minutes::ZERO,
                        active: true,
                        performers,
                    },
                )
                .unwrap(),
            ],
            date_overrides: Vec::new(),
            time_off: Vec::new(),
        })
        .await
        .unwrap();
    (engine, clock, store)
}

/// Calls a router as Telegram users of one bot.
pub(crate) struct Caller {
    pub(crate) router: axum::Router,
    pub(crate) check: InitDataCheck,
    pub(crate) clock: ManualClock,
}

impl Caller {
    pub(crate) fn new(router: axum::Router, token: &str, clock: ManualClock) -> Self {
        Self {
            router,
            check: InitDataCheck::new(&SecretString::from(token.to_owned()), DEFAULT_MAX_AGE),
            clock,
        }
    }

    /// Init data for `user` reading `language`, signed now.
    pub(crate) fn init_data(&self, user: i64, language: &str) -> String {
        let user_json = json!({"id": user, "first_name": "Someone", "language_code": language});
        self.check.sign(&[
            ("auth_date", &self.clock.now().timestamp().to_string()),
            ("user", &user_json.to_string()),
        ])
    }

    pub(crate) async fn call(
        &self,
        method: &str,
        uri: &str,
        auth: Option<String>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(auth) = auth {
            request = request.header(header::AUTHORIZATION, format!("tma {auth}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }

    pub(crate) async fn as_user(
        &self,
        user: i64,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call(method, uri, Some(self.init_data(user, "en")), body)
            .await
    }
}
