//! `[miniapp]`: the Telegram Mini App's API (`adapter-miniapp`) on the HTTP
//! listener: the customer API checked against the client bot's token, and,
//! when the admin bot runs, the staff API checked against the admin bot's
//! token with the admin bot's own gate deciding who is staff. Off unless
//! `enabled`; it needs `[http] listen`, and Telegram opens Mini Apps over
//! HTTPS only, so a TLS proxy in front (docs/OPERATIONS.md).

use std::sync::Arc;

use adapter_miniapp::api::{ClientApi, router};
use adapter_miniapp::init_data::InitDataCheck;
use adapter_miniapp::pages::pages_router;
use adapter_miniapp::staff::{StaffApi, StaffGate, staff_router};
use adapter_telegram::admin::{Access, Gate};
use async_trait::async_trait;
use axum::Router;
use booking_ports::{Engine, StaffActor, StaffUser, StoreError};
use chrono::Duration;
use secrecy::SecretString;
use serde::Deserialize;

use crate::config::{BotToken, ConfigError, Reason};

/// How old init data may be, by default: Telegram's own examples use an
/// hour.
const DEFAULT_MAX_AGE_MINUTES: u32 = 60;

/// The Mini App as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiniAppSettings {
    /// How old init data may be.
    pub max_age: Duration,
    /// Development mode: calls without init data act as this Telegram
    /// user. Only with the HTTP listener on a loopback address.
    pub dev_user: Option<i64>,
    /// The customer page's public HTTPS address (`https://host/app/`):
    /// the bots' menu buttons open it (and `staff/` under it).
    pub public_url: Option<url::Url>,
}

/// `[miniapp]` as written in the config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MiniAppSection {
    #[serde(default)]
    enabled: bool,
    #[serde(default = "default_max_age")]
    init_data_max_age_minutes: u32,
    #[serde(default)]
    dev_user_id: Option<i64>,
    #[serde(default)]
    public_url: Option<String>,
}

fn default_max_age() -> u32 {
    DEFAULT_MAX_AGE_MINUTES
}

impl Default for MiniAppSection {
    fn default() -> Self {
        Self {
            enabled: false,
            init_data_max_age_minutes: DEFAULT_MAX_AGE_MINUTES,
            dev_user_id: None,
            public_url: None,
        }
    }
}

impl MiniAppSection {
    /// The Mini App's settings, when it is on. The development user is
    /// checked against the listener later ([`MiniAppSettings::check_listener`]).
    pub(crate) fn validate(&self) -> Result<Option<MiniAppSettings>, ConfigError> {
        if !(1..=24 * 60).contains(&self.init_data_max_age_minutes) {
            return Err(ConfigError::invalid(
                "miniapp.init_data_max_age_minutes",
                Reason("expected 1 to 1440 minutes"),
            ));
        }
        if self.dev_user_id.is_some_and(|id| id <= 0) {
            return Err(ConfigError::invalid(
                "miniapp.dev_user_id",
                Reason("expected a Telegram user id (a positive number)"),
            ));
        }
        let public_url = self
            .public_url
            .as_deref()
            .map(|text| {
                url::Url::parse(text.trim())
                    .ok()
                    .filter(|u| u.scheme() == "https" && u.path().ends_with('/'))
                    .ok_or(ConfigError::invalid(
                        "miniapp.public_url",
                        Reason(
                            "expected the page's HTTPS address ending in /, such as https://bots.example.com/app/",
                        ),
                    ))
            })
            .transpose()?;
        Ok(self.enabled.then(|| MiniAppSettings {
            max_age: Duration::minutes(i64::from(self.init_data_max_age_minutes)),
            dev_user: self.dev_user_id,
            public_url,
        }))
    }
}

impl MiniAppSettings {
    /// Development mode answers calls nobody signed: only on a loopback
    /// listener, never one a proxy could expose.
    ///
    /// # Errors
    /// [`ConfigError`] for a development user without a loopback listener.
    pub(crate) fn check_listener(
        &self,
        listen: Option<std::net::SocketAddr>,
    ) -> Result<(), ConfigError> {
        match (self.dev_user, listen) {
            (Some(_), Some(address)) if address.ip().is_loopback() => Ok(()),
            (Some(_), _) => Err(ConfigError::invalid(
                "miniapp.dev_user_id",
                Reason("development mode needs [http] listen on a loopback address (127.0.0.1)"),
            )),
            (None, _) => Ok(()),
        }
    }
}

/// The customer pages and API's routes, the API checked against the client
/// bot's `token`. Public so that the Mini App benchmark
/// (`benches/miniapp_http.rs`) serves the very router `booking run` serves.
pub fn api_router(engine: Arc<Engine>, token: &BotToken, settings: &MiniAppSettings) -> Router {
    let token = SecretString::from(token.expose().to_owned());
    router(Arc::new(ClientApi {
        engine,
        check: InitDataCheck::new(&token, settings.max_age),
        dev_user: settings.dev_user,
    }))
    .merge(pages_router())
}

/// The admin bot's access gate, as the staff API asks it: a user it
/// admits now (allow-lists, PIN session, joined staff) acts in the role it
/// gives them.
struct AdminGate(Arc<Access>);

#[async_trait]
impl StaffGate for AdminGate {
    async fn actor(&self, user: i64) -> Result<Option<StaffActor>, StoreError> {
        Ok(match self.0.gate(user).await? {
            Gate::Admitted => Some(StaffActor::authenticated(
                StaffUser::new(user),
                self.0.member_of(user),
                self.0.role_of(user),
            )),
            _ => None,
        })
    }
}

/// The staff API's routes, checked against the admin bot's `token`, with
/// the admin bot's `access` gate.
pub(crate) fn staff_api_router(
    engine: Arc<Engine>,
    token: &BotToken,
    access: Arc<Access>,
    settings: &MiniAppSettings,
) -> Router {
    let token = SecretString::from(token.expose().to_owned());
    staff_router(Arc::new(StaffApi {
        engine,
        check: InitDataCheck::new(&token, settings.max_age),
        gate: Arc::new(AdminGate(access)),
        dev_user: settings.dev_user,
    }))
}

/// Points the bots' menu buttons at the pages: the client bot's at the
/// booking page, the admin bot's at the staff grid. A failure is logged:
/// the buttons can also be set with @BotFather.
pub(crate) async fn set_menu_buttons(
    public_url: &url::Url,
    client: &teloxide::Bot,
    admin: Option<&teloxide::Bot>,
    language: adapter_telegram::Language,
) {
    use teloxide::payloads::SetChatMenuButtonSetters;
    use teloxide::prelude::Requester;
    use teloxide::requests::Request;
    use teloxide::types::{MenuButton, WebAppInfo};
    let russian = language == adapter_telegram::Language::Russian;
    let mut buttons = vec![(
        client,
        if russian {
            "Записаться"
        } else {
            "Book"
        },
        public_url.clone(),
    )];
    if let (Some(admin), Ok(staff)) = (admin, public_url.join("staff/")) {
        buttons.push((
            admin,
            if russian {
                "Расписание"
            } else {
                "Schedule"
            },
            staff,
        ));
    }
    for (bot, text, url) in buttons {
        let button = MenuButton::WebApp {
            text: text.to_owned(),
            web_app: WebAppInfo { url },
        };
        if let Err(e) = bot.set_chat_menu_button().menu_button(button).send().await {
            tracing::warn!(error = %adapter_telegram::error::chain(&e), "setting a menu button to the Mini App failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use booking_ports::{EngineSettings, MemoryStore, SystemClock};
    use tower::ServiceExt;

    use super::*;

    const TOKEN: &str = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    async fn services(router: Router, auth: Option<String>) -> StatusCode {
        let mut request = Request::get("/app/api/services");
        if let Some(auth) = auth {
            request = request.header(header::AUTHORIZATION, format!("tma {auth}"));
        }
        router
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap()
            .status()
    }

    #[tokio::test]
    async fn the_api_answers_only_init_data_signed_with_the_client_bots_token() {
        let engine = Arc::new(Engine::on_store(
            MemoryStore::default(),
            SystemClock,
            booking_domain::Policy::new(booking_domain::PolicySettings {
                time_zone: chrono_tz::Europe::Moscow,
                slot_step: booking_domain::Minutes::new(30).unwrap(),
                min_notice: booking_domain::Minutes::new(60).unwrap(),
                horizon_days: 14,
                cancellation_cutoff: booking_domain::Minutes::new(120).unwrap(),
                reschedule_cutoff: booking_domain::Minutes::new(120).unwrap(),
                max_active_bookings_per_customer: 3,
                requires_confirmation: false,
                phone_region: booking_domain::PhoneRegion::new("RU").unwrap(),
            })
            .unwrap(),
            EngineSettings::default(),
        ));
        let token = BotToken::parse(TOKEN).unwrap();
        let settings = MiniAppSettings {
            max_age: Duration::hours(1),
            dev_user: None,
            public_url: None,
        };
        let router = api_router(engine, &token, &settings);
        assert_eq!(
            services(router.clone(), None).await,
            StatusCode::UNAUTHORIZED
        );
        let check = InitDataCheck::new(&SecretString::from(TOKEN.to_owned()), Duration::hours(1));
        let signed = check.sign(&[
            ("auth_date", &chrono::Utc::now().timestamp().to_string()),
            ("user", r#"{"id":42,"first_name":"Maria"}"#),
        ]);
        assert_eq!(services(router, Some(signed)).await, StatusCode::OK);
    }

    #[test]
    fn the_mini_app_is_off_unless_enabled_and_its_age_limit_is_checked() {
        let off = MiniAppSection::default();
        assert_eq!(off.validate().unwrap(), None);
        let on = MiniAppSection {
            enabled: true,
            init_data_max_age_minutes: 30,
            dev_user_id: None,
            public_url: Some("https://bots.example.com/app/".to_owned()),
        };
        let not_https = MiniAppSection {
            public_url: Some("http://bots.example.com/app/".to_owned()),
            ..MiniAppSection::default()
        };
        assert!(not_https.validate().is_err(), "Telegram opens HTTPS only");
        assert_eq!(
            on.validate().unwrap().unwrap().max_age,
            Duration::minutes(30)
        );
        let zero = MiniAppSection {
            init_data_max_age_minutes: 0,
            public_url: None,
            ..on
        };
        assert!(zero.validate().is_err());
    }

    #[test]
    fn development_mode_is_refused_unless_the_listener_is_loopback() {
        let dev = MiniAppSettings {
            max_age: Duration::hours(1),
            dev_user: Some(42),
            public_url: None,
        };
        assert!(
            dev.check_listener(Some("127.0.0.1:9090".parse().unwrap()))
                .is_ok()
        );
        assert!(
            dev.check_listener(Some("0.0.0.0:9090".parse().unwrap()))
                .is_err()
        );
        assert!(
            dev.check_listener(Some("192.168.1.5:9090".parse().unwrap()))
                .is_err()
        );
        assert!(dev.check_listener(None).is_err());
    }
}
