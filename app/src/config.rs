//! Settings: the TOML file (`BOOKING_CONFIG`, default `booking.toml`) and the
//! environment (with `.env` read first when present), parsed into typed,
//! validated values at startup.
//!
//! Every failure is one line that names the setting and what is wrong with
//! it; values with invariants become domain types here, so a bad value stops
//! startup instead of surfacing in the middle of a booking. Tokens are
//! [`SecretString`]s: they never appear in `Debug` or in an error.

use std::collections::BTreeSet;
use std::error::Error;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use std::collections::{BTreeMap, HashMap};

use adapter_telegram::{AdminBotConfig, BusinessInfo, Language, PinHash, StaffChats};
use booking_domain::{
    Currency, DateOverride, LocalTimeRange, Minutes, Money, OverrideHours, PhoneRegion, Policy,
    PolicySettings, Service, ServiceId, ServiceName, ServiceSpec, StaffId, StaffMember, StaffName,
    StaffSpec, WeeklyHours,
};
use booking_ports::{CatalogSnapshot, DispatchSettings, DispatchSettingsParts, EngineSettings};
use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::backups::BackupSchedule;

/// The environment variables we read.
pub mod env {
    pub const CONFIG: &str = "BOOKING_CONFIG";
    pub const CLIENT_BOT_TOKEN: &str = "BOOKING_CLIENT_BOT_TOKEN";
    pub const ADMIN_BOT_TOKEN: &str = "BOOKING_ADMIN_BOT_TOKEN";
    pub const DATABASE_URL: &str = "BOOKING_DATABASE_URL";
    pub const TELEGRAM_API_URL: &str = "BOOKING_TELEGRAM_API_URL";
    pub const PIN_PEPPER: &str = "BOOKING_PIN_PEPPER";
    pub const DATABASE_DURABILITY: &str = "BOOKING_DATABASE_DURABILITY";
    pub const DATABASE_POOL_SIZE: &str = "BOOKING_DATABASE_POOL_SIZE";
    pub const DATABASE_BUSY_TIMEOUT: &str = "BOOKING_DATABASE_BUSY_TIMEOUT_SECONDS";
}

pub const DEFAULT_CONFIG_PATH: &str = "booking.toml";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/booking.db";
pub const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";
pub const DEFAULT_CONVERSATION_EXPIRY_MINUTES: u32 = 30;
pub const DEFAULT_CONNECT_TIMEOUT_SECONDS: u32 = 10;
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u32 = 30;
pub const DEFAULT_POLLING_TIMEOUT_SECONDS: u32 = 20;
/// A request must outlast the long-polling wait by at least this much.
const POLLING_MARGIN_SECONDS: u32 = 5;
pub const DEFAULT_SESSION_HOURS: u32 = 12;
pub const DEFAULT_CUSTOMER_REMINDERS_MINUTES: [i64; 2] = [24 * 60, 2 * 60];

/// Settings could not be loaded. Each variant displays as one line naming
/// the setting (or file) and the problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{setting} is not set: {hint}")]
    Missing {
        setting: &'static str,
        hint: &'static str,
    },
    #[error("{setting} is invalid: {source}")]
    Invalid {
        setting: String,
        #[source]
        source: Box<dyn Error + Send + Sync>,
    },
    #[error("cannot read the config file {path}: {source} (set {var} to another path)", var = env::CONFIG)]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}, line {line}{key}: {message}", key = key.as_ref().map(|k| format!(" ({k})")).unwrap_or_default())]
    Syntax {
        path: PathBuf,
        line: usize,
        key: Option<String>,
        message: String,
    },
    #[error("cannot read .env: {0}")]
    DotEnv(#[source] dotenvy::Error),
}

impl ConfigError {
    pub(crate) fn invalid(
        setting: impl Into<String>,
        source: impl Into<Box<dyn Error + Send + Sync>>,
    ) -> Self {
        Self::Invalid {
            setting: setting.into(),
            source: source.into(),
        }
    }
}

/// A simple reason, for checks that have no domain error of their own.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Reason(pub &'static str);

/// A Telegram bot token. Never printed: `Debug` shows the bot id only.
#[derive(Clone)]
pub struct BotToken(SecretString);

impl BotToken {
    /// Checks the shape `<bot id>:<secret>` that @BotFather hands out, so a
    /// truncated paste fails here rather than at the first request.
    fn parse(raw: &str) -> Result<Self, Reason> {
        let raw = raw.trim();
        let (id, secret) = raw
            .split_once(':')
            .ok_or(Reason("expected <bot id>:<secret> as given by @BotFather"))?;
        let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
        let secret_ok = secret.len() >= 30
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !id_ok || !secret_ok {
            return Err(Reason("expected <bot id>:<secret> as given by @BotFather"));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    /// The token itself, for the one place that hands it to teloxide.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    fn bot_id(&self) -> &str {
        self.expose().split(':').next().unwrap_or_default()
    }
}

impl fmt::Debug for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BotToken(bot {}, secret hidden)", self.bot_id())
    }
}

/// Everything the binary needs to run, validated. Cloned by the config
/// reloader, which keeps the settings in force.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config_path: PathBuf,
    pub business: BusinessInfo,
    pub default_language: Language,
    pub policy: Policy,
    pub catalog: CatalogSnapshot,
    pub conversation_expiry: chrono::Duration,
    /// `[telegram]` timeouts of every request to the Bot API.
    pub telegram_timeouts: TelegramTimeouts,
    pub client_token: BotToken,
    /// The admin bot runs when this is set (it then needs `[admin]`).
    pub admin_token: Option<BotToken>,
    /// `[admin]`: who may use the admin bot, and which chats hear about
    /// which staff member. `None` without the section.
    pub admin: Option<AdminSettings>,
    /// `[reminders]`, as the engine takes them.
    pub engine: EngineSettings,
    /// `[dispatch]`: how the outbox is delivered.
    pub dispatch: DispatchSettings,
    /// `[backup]`: scheduled online backups; `None` when turned off.
    pub backups: Option<BackupSchedule>,
    /// `[shutdown]`: how long stopping may take after SIGINT or SIGTERM.
    pub shutdown_deadline: std::time::Duration,
    pub database_url: String,
    pub telegram_api_url: Url,
    /// `[log]` with its environment overrides: read once, at start.
    pub log: crate::telemetry::LogSettings,
    /// `[http]` and webhook mode (`crate::http::settings`).
    pub http: crate::http::settings::HttpSettings,
}

/// How long requests to the Bot API may take. The request timeout is
/// longer than the long-polling wait by a margin, or every quiet poll would
/// time out as a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelegramTimeouts {
    pub connect: std::time::Duration,
    pub request: std::time::Duration,
    pub polling: std::time::Duration,
}

impl Default for TelegramTimeouts {
    fn default() -> Self {
        Self {
            connect: std::time::Duration::from_secs(u64::from(DEFAULT_CONNECT_TIMEOUT_SECONDS)),
            request: std::time::Duration::from_secs(u64::from(DEFAULT_REQUEST_TIMEOUT_SECONDS)),
            polling: std::time::Duration::from_secs(u64::from(DEFAULT_POLLING_TIMEOUT_SECONDS)),
        }
    }
}

/// The admin bot's settings: access (with the pepper from the environment)
/// and where staff notices go.
#[derive(Debug, Clone)]
pub struct AdminSettings {
    pub access: AdminBotConfig,
    pub staff_chats: StaffChats,
}

/// Where settings come from: the process environment, or a fixed map in
/// tests.
pub trait Environment {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

/// Reads `.env` from the working directory when it exists, without
/// overriding variables that are already set.
///
/// # Errors
/// [`ConfigError::DotEnv`] for a `.env` that exists but does not parse.
pub fn load_dotenv() -> Result<(), ConfigError> {
    match dotenvy::dotenv() {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(ConfigError::DotEnv(e)),
    }
}

/// Loads and validates the settings.
///
/// # Errors
/// The first [`ConfigError`] found.
pub fn load(environment: &impl Environment) -> Result<Settings, ConfigError> {
    let config_path = PathBuf::from(
        environment
            .var(env::CONFIG)
            .unwrap_or_else(|| DEFAULT_CONFIG_PATH.to_owned()),
    );
    let text = std::fs::read_to_string(&config_path).map_err(|source| ConfigError::Read {
        path: config_path.clone(),
        source,
    })?;
    let file = parse_file(&config_path, &text)?;
    let log = crate::telemetry::LogSettings::load(&file.log, environment)?;

    let client_token = environment
        .var(env::CLIENT_BOT_TOKEN)
        .ok_or(ConfigError::Missing {
            setting: env::CLIENT_BOT_TOKEN,
            hint: "put the client bot's token from @BotFather in the environment or in .env",
        })
        .and_then(|raw| {
            BotToken::parse(&raw).map_err(|e| ConfigError::invalid(env::CLIENT_BOT_TOKEN, e))
        })?;
    let admin_token = environment
        .var(env::ADMIN_BOT_TOKEN)
        .map(|raw| BotToken::parse(&raw).map_err(|e| ConfigError::invalid(env::ADMIN_BOT_TOKEN, e)))
        .transpose()?;
    let database_url = environment
        .var(env::DATABASE_URL)
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    // Checked here so a bad value stops startup with the other settings;
    // `database::open` applies them.
    crate::database::store_settings(PathBuf::new(), environment)?;
    let telegram_api_url = environment
        .var(env::TELEGRAM_API_URL)
        .unwrap_or_else(|| DEFAULT_TELEGRAM_API_URL.to_owned());
    let telegram_api_url = Url::parse(telegram_api_url.trim())
        .map_err(|e| ConfigError::invalid(env::TELEGRAM_API_URL, e))
        .and_then(|url| match url.scheme() {
            "http" | "https" => Ok(url),
            _ => Err(ConfigError::invalid(
                env::TELEGRAM_API_URL,
                Reason("the URL must start with http:// or https://"),
            )),
        })?;

    let http = crate::http::settings::HttpSettings::load(&file.http, environment)?;
    let pepper = environment.var(env::PIN_PEPPER).map(SecretString::from);
    let validated = file.validate(pepper)?;
    if admin_token.is_some() && validated.admin.is_none() {
        return Err(ConfigError::Missing {
            setting: "admin",
            hint: "BOOKING_ADMIN_BOT_TOKEN is set: add an [admin] section with allowed_user_ids and/or pin_hash",
        });
    }
    Ok(Settings {
        config_path,
        business: validated.business,
        default_language: validated.default_language,
        policy: validated.policy,
        catalog: validated.catalog,
        conversation_expiry: validated.conversation_expiry,
        telegram_timeouts: validated.telegram_timeouts,
        client_token,
        admin_token,
        admin: validated.admin,
        engine: validated.engine,
        dispatch: validated.dispatch,
        backups: validated.backups,
        shutdown_deadline: validated.shutdown_deadline,
        database_url,
        telegram_api_url,
        log,
        http,
    })
}

fn parse_file(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let line = text[..offset.min(text.len())].matches('\n').count() + 1;
        let key = text
            .lines()
            .nth(line - 1)
            .and_then(|l| l.split_once('='))
            .map(|(k, _)| k.trim().to_owned())
            .filter(|k| !k.is_empty() && !k.starts_with('['));
        ConfigError::Syntax {
            path: path.to_owned(),
            line,
            key,
            message: e.message().trim().to_owned(),
        }
    })
}

// ---------------------------------------------------------------------------
// The file as written. Unknown keys are refused so a typo is not silently
// ignored.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    business: BusinessSection,
    policy: PolicySection,
    #[serde(default)]
    telegram: TelegramSection,
    #[serde(default)]
    staff: Vec<StaffEntry>,
    #[serde(default)]
    services: Vec<ServiceEntry>,
    #[serde(default)]
    date_overrides: Vec<OverrideEntry>,
    admin: Option<AdminSection>,
    #[serde(default)]
    reminders: RemindersSection,
    #[serde(default)]
    dispatch: DispatchSection,
    #[serde(default)]
    backup: crate::backups::BackupSection,
    #[serde(default)]
    shutdown: crate::shutdown::ShutdownSection,
    #[serde(default)]
    log: crate::telemetry::LogSection,
    #[serde(default)]
    http: crate::http::settings::HttpSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdminSection {
    #[serde(default)]
    allowed_user_ids: Vec<i64>,
    pin_hash: Option<String>,
    #[serde(default = "default_session_hours")]
    session_hours: u32,
    /// Chats (owner, managers, a staff group) told about every staff member.
    #[serde(default)]
    notify_chat_ids: Vec<i64>,
    /// Staff id (as a key) = that staff member's Telegram user id.
    #[serde(default)]
    staff_telegram_ids: BTreeMap<String, i64>,
}

fn default_session_hours() -> u32 {
    DEFAULT_SESSION_HOURS
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemindersSection {
    #[serde(default = "default_customer_reminders")]
    customer_offsets_minutes: Vec<i64>,
    staff_offset_minutes: Option<i64>,
}

fn default_customer_reminders() -> Vec<i64> {
    DEFAULT_CUSTOMER_REMINDERS_MINUTES.to_vec()
}

impl Default for RemindersSection {
    fn default() -> Self {
        Self {
            customer_offsets_minutes: default_customer_reminders(),
            staff_offset_minutes: None,
        }
    }
}

/// Every field optional: an absent one keeps `DispatchSettings::default()`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DispatchSection {
    batch_size: Option<usize>,
    concurrency: Option<usize>,
    per_chat_interval_ms: Option<u32>,
    per_bot_per_second: Option<u32>,
    first_retry_seconds: Option<u32>,
    max_retry_delay_seconds: Option<u32>,
    max_attempts: Option<u32>,
    poll_interval_seconds: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BusinessSection {
    name: String,
    address: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    website: Option<String>,
    time_zone: String,
    currency: String,
    #[serde(default = "default_language")]
    default_language: String,
}

fn default_language() -> String {
    "en".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySection {
    #[serde(default = "defaults::slot_step")]
    slot_step_minutes: i64,
    #[serde(default = "defaults::min_notice")]
    min_notice_minutes: i64,
    #[serde(default = "defaults::horizon")]
    horizon_days: u16,
    #[serde(default = "defaults::cutoff")]
    cancellation_cutoff_minutes: i64,
    #[serde(default = "defaults::cutoff")]
    reschedule_cutoff_minutes: i64,
    #[serde(default = "defaults::max_active")]
    max_active_bookings_per_customer: u16,
    #[serde(default)]
    requires_confirmation: bool,
    phone_region: String,
}

mod defaults {
    pub(super) fn slot_step() -> i64 {
        15
    }
    pub(super) fn min_notice() -> i64 {
        60
    }
    pub(super) fn horizon() -> u16 {
        30
    }
    pub(super) fn cutoff() -> i64 {
        120
    }
    pub(super) fn max_active() -> u16 {
        3
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TelegramSection {
    #[serde(default = "default_expiry")]
    conversation_expiry_minutes: u32,
    #[serde(default = "default_connect_timeout")]
    connect_timeout_seconds: u32,
    #[serde(default = "default_request_timeout")]
    request_timeout_seconds: u32,
    #[serde(default = "default_polling_timeout")]
    polling_timeout_seconds: u32,
}

fn default_connect_timeout() -> u32 {
    DEFAULT_CONNECT_TIMEOUT_SECONDS
}

fn default_request_timeout() -> u32 {
    DEFAULT_REQUEST_TIMEOUT_SECONDS
}

fn default_polling_timeout() -> u32 {
    DEFAULT_POLLING_TIMEOUT_SECONDS
}

fn default_expiry() -> u32 {
    DEFAULT_CONVERSATION_EXPIRY_MINUTES
}

impl Default for TelegramSection {
    fn default() -> Self {
        Self {
            conversation_expiry_minutes: DEFAULT_CONVERSATION_EXPIRY_MINUTES,
            connect_timeout_seconds: DEFAULT_CONNECT_TIMEOUT_SECONDS,
            request_timeout_seconds: DEFAULT_REQUEST_TIMEOUT_SECONDS,
            polling_timeout_seconds: DEFAULT_POLLING_TIMEOUT_SECONDS,
        }
    }
}

impl TelegramSection {
    fn timeouts(&self) -> Result<TelegramTimeouts, ConfigError> {
        let seconds = |n: u32| std::time::Duration::from_secs(u64::from(n));
        if !(1..=60).contains(&self.connect_timeout_seconds) {
            return Err(ConfigError::invalid(
                "telegram.connect_timeout_seconds",
                Reason("expected 1 to 60 seconds"),
            ));
        }
        // Telegram holds a long poll for at most 50 seconds.
        if self.polling_timeout_seconds > 50 {
            return Err(ConfigError::invalid(
                "telegram.polling_timeout_seconds",
                Reason("expected 0 to 50 seconds"),
            ));
        }
        let least = self.polling_timeout_seconds + POLLING_MARGIN_SECONDS;
        if !(least..=300).contains(&self.request_timeout_seconds) {
            return Err(ConfigError::invalid(
                "telegram.request_timeout_seconds",
                format!(
                    "expected {least} to 300 seconds: at least {POLLING_MARGIN_SECONDS} more than \
                     polling_timeout_seconds ({}), or every quiet long poll would time out",
                    self.polling_timeout_seconds
                ),
            ));
        }
        Ok(TelegramTimeouts {
            connect: seconds(self.connect_timeout_seconds),
            request: seconds(self.request_timeout_seconds),
            polling: seconds(self.polling_timeout_seconds),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffEntry {
    id: i64,
    name: String,
    #[serde(default)]
    hours: HoursEntry,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursEntry {
    #[serde(default)]
    mon: Vec<String>,
    #[serde(default)]
    tue: Vec<String>,
    #[serde(default)]
    wed: Vec<String>,
    #[serde(default)]
    thu: Vec<String>,
    #[serde(default)]
    fri: Vec<String>,
    #[serde(default)]
    sat: Vec<String>,
    #[serde(default)]
    sun: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceEntry {
    id: i64,
    name: String,
    duration_minutes: i64,
    price: PriceEntry,
    #[serde(default)]
    buffer_before_minutes: i64,
    #[serde(default)]
    buffer_after_minutes: i64,
    staff: Vec<i64>,
    #[serde(default = "yes")]
    active: bool,
}

/// A price as written: a whole number or a decimal string. Floats are not
/// accepted: 0.1 + 0.2 is not money.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum PriceEntry {
    Whole(i64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideEntry {
    date: String,
    staff: Option<i64>,
    #[serde(default)]
    closed: bool,
    #[serde(default)]
    hours: Vec<String>,
}

// ---------------------------------------------------------------------------
// Validation into domain types.

struct Validated {
    business: BusinessInfo,
    default_language: Language,
    policy: Policy,
    catalog: CatalogSnapshot,
    conversation_expiry: chrono::Duration,
    telegram_timeouts: TelegramTimeouts,
    admin: Option<AdminSettings>,
    engine: EngineSettings,
    dispatch: DispatchSettings,
    backups: Option<BackupSchedule>,
    shutdown_deadline: std::time::Duration,
}

fn minutes(setting: &str, value: i64) -> Result<Minutes, ConfigError> {
    Minutes::new(value).map_err(|e| ConfigError::invalid(setting, e))
}

impl ConfigFile {
    fn validate(self, pepper: Option<SecretString>) -> Result<Validated, ConfigError> {
        let business = &self.business;
        let time_zone = Tz::from_str(business.time_zone.trim()).map_err(|_| {
            ConfigError::invalid(
                "business.time_zone",
                Reason("expected an IANA time zone such as Europe/Moscow"),
            )
        })?;
        let currency = Currency::new(&business.currency)
            .map_err(|e| ConfigError::invalid("business.currency", e))?;
        let default_language = Language::from_str(&business.default_language)
            .map_err(|e| ConfigError::invalid("business.default_language", e))?;
        if business.name.trim().is_empty() {
            return Err(ConfigError::invalid(
                "business.name",
                Reason("the business name must not be empty"),
            ));
        }

        let p = &self.policy;
        let policy = Policy::new(PolicySettings {
            time_zone,
            slot_step: minutes("policy.slot_step_minutes", p.slot_step_minutes)?,
            min_notice: minutes("policy.min_notice_minutes", p.min_notice_minutes)?,
            horizon_days: p.horizon_days,
            cancellation_cutoff: minutes(
                "policy.cancellation_cutoff_minutes",
                p.cancellation_cutoff_minutes,
            )?,
            reschedule_cutoff: minutes(
                "policy.reschedule_cutoff_minutes",
                p.reschedule_cutoff_minutes,
            )?,
            max_active_bookings_per_customer: p.max_active_bookings_per_customer,
            requires_confirmation: p.requires_confirmation,
            phone_region: PhoneRegion::new(&p.phone_region)
                .map_err(|e| ConfigError::invalid("policy.phone_region", e))?,
        })
        .map_err(|e| ConfigError::invalid("policy", e))?;

        let expiry = self.telegram.conversation_expiry_minutes;
        if !(1..=7 * 24 * 60).contains(&expiry) {
            return Err(ConfigError::invalid(
                "telegram.conversation_expiry_minutes",
                Reason("expected 1 to 10080 minutes (a week)"),
            ));
        }

        let telegram_timeouts = self.telegram.timeouts()?;

        let staff = self
            .staff
            .iter()
            .enumerate()
            .map(|(i, entry)| entry.validate(i))
            .collect::<Result<Vec<_>, _>>()?;
        let staff_ids: BTreeSet<StaffId> = staff.iter().map(StaffMember::id).collect();
        if staff_ids.len() != staff.len() {
            return Err(ConfigError::invalid(
                "staff.id",
                Reason("two staff members have the same id"),
            ));
        }
        let services = self
            .services
            .iter()
            .enumerate()
            .map(|(i, entry)| entry.validate(i, currency, &staff_ids))
            .collect::<Result<Vec<_>, _>>()?;
        let service_ids: BTreeSet<ServiceId> = services.iter().map(Service::id).collect();
        if service_ids.len() != services.len() {
            return Err(ConfigError::invalid(
                "services.id",
                Reason("two services have the same id"),
            ));
        }
        let date_overrides = self
            .date_overrides
            .iter()
            .enumerate()
            .map(|(i, entry)| entry.validate(i, &staff_ids))
            .collect::<Result<Vec<_>, _>>()?;

        let admin = self
            .admin
            .as_ref()
            .map(|a| a.validate(pepper, &staff_ids))
            .transpose()?;
        let engine = self.reminders.validate()?;
        let dispatch = self.dispatch.validate()?;

        let optional = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(Validated {
            business: BusinessInfo {
                name: business.name.trim().to_owned(),
                address: optional(&business.address),
                phone: optional(&business.phone),
                email: optional(&business.email),
                website: optional(&business.website),
            },
            default_language,
            policy,
            catalog: CatalogSnapshot {
                staff,
                services,
                date_overrides,
                time_off: Vec::new(),
            },
            conversation_expiry: chrono::Duration::minutes(i64::from(expiry)),
            telegram_timeouts,
            admin,
            engine,
            dispatch,
            backups: self.backup.validate()?,
            shutdown_deadline: self.shutdown.deadline()?,
        })
    }
}

impl AdminSection {
    fn validate(
        &self,
        pepper: Option<SecretString>,
        staff_ids: &BTreeSet<StaffId>,
    ) -> Result<AdminSettings, ConfigError> {
        if let Some(bad) = self.allowed_user_ids.iter().find(|id| **id <= 0) {
            return Err(ConfigError::invalid(
                "admin.allowed_user_ids",
                format!(
                    "{bad} is not a Telegram user id (they are positive; /whoami in the admin bot shows yours)"
                ),
            ));
        }
        let pin = self
            .pin_hash
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| PinHash::parse(h).map_err(|e| ConfigError::invalid("admin.pin_hash", e)))
            .transpose()?;
        if !(1..=24 * 30).contains(&self.session_hours) {
            return Err(ConfigError::invalid(
                "admin.session_hours",
                Reason("expected 1 to 720 hours (30 days)"),
            ));
        }
        if self.notify_chat_ids.contains(&0) {
            return Err(ConfigError::invalid(
                "admin.notify_chat_ids",
                Reason("0 is not a Telegram chat id"),
            ));
        }
        let mut staff_members = BTreeMap::new();
        let mut by_staff: HashMap<StaffId, Vec<i64>> = HashMap::new();
        for (key, user) in &self.staff_telegram_ids {
            let setting = format!("admin.staff_telegram_ids.{key}");
            let staff = key
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|id| StaffId::new(id).ok())
                .filter(|id| staff_ids.contains(id))
                .ok_or_else(|| {
                    ConfigError::invalid(
                        &setting,
                        Reason("the key must be the id of a staff member in [[staff]]"),
                    )
                })?;
            if *user <= 0 {
                return Err(ConfigError::invalid(
                    &setting,
                    Reason("expected the staff member's Telegram user id (a positive number)"),
                ));
            }
            staff_members.insert(*user, staff);
            // A user's private chat id is their user id.
            by_staff.entry(staff).or_default().push(*user);
        }
        let mut access = AdminBotConfig::new(self.allowed_user_ids.iter().copied(), pin)
            .map_err(|e| ConfigError::invalid("admin", e))?;
        access.pepper = pepper;
        access.session_lifetime = chrono::Duration::hours(i64::from(self.session_hours));
        access.staff_members = staff_members;
        Ok(AdminSettings {
            access,
            staff_chats: StaffChats {
                all: self.notify_chat_ids.clone(),
                by_staff,
            },
        })
    }
}

impl RemindersSection {
    fn validate(&self) -> Result<EngineSettings, ConfigError> {
        let customer = self
            .customer_offsets_minutes
            .iter()
            .map(|m| minutes("reminders.customer_offsets_minutes", *m))
            .collect::<Result<Vec<_>, _>>()?;
        let staff = self
            .staff_offset_minutes
            .map(|m| minutes("reminders.staff_offset_minutes", m))
            .transpose()?;
        EngineSettings::new(customer, staff).map_err(|e| ConfigError::invalid("reminders", e))
    }
}

impl DispatchSection {
    fn validate(&self) -> Result<DispatchSettings, ConfigError> {
        let defaults = DispatchSettingsParts::default();
        let seconds = |value: Option<u32>, default: chrono::Duration| {
            value.map_or(default, |s| chrono::Duration::seconds(i64::from(s)))
        };
        let parts = DispatchSettingsParts {
            batch_size: self.batch_size.unwrap_or(defaults.batch_size),
            concurrency: self.concurrency.unwrap_or(defaults.concurrency),
            per_chat_interval: self
                .per_chat_interval_ms
                .map_or(defaults.per_chat_interval, |ms| {
                    chrono::Duration::milliseconds(i64::from(ms))
                }),
            per_bot_per_second: self
                .per_bot_per_second
                .unwrap_or(defaults.per_bot_per_second),
            first_retry: seconds(self.first_retry_seconds, defaults.first_retry),
            max_retry_delay: seconds(self.max_retry_delay_seconds, defaults.max_retry_delay),
            max_attempts: self.max_attempts.unwrap_or(defaults.max_attempts),
            poll_interval: seconds(self.poll_interval_seconds, defaults.poll_interval),
        };
        DispatchSettings::new(parts).map_err(|e| ConfigError::invalid("dispatch", e))
    }
}

fn periods(setting: &str, texts: &[String]) -> Result<Vec<LocalTimeRange>, ConfigError> {
    texts
        .iter()
        .map(|t| LocalTimeRange::parse(t).map_err(|e| ConfigError::invalid(setting, e)))
        .collect()
}

impl StaffEntry {
    fn validate(&self, index: usize) -> Result<StaffMember, ConfigError> {
        let at = |field: &str| format!("staff[{index}].{field}");
        let id = StaffId::new(self.id).map_err(|e| ConfigError::invalid(at("id"), e))?;
        let name = StaffName::new(&self.name).map_err(|e| ConfigError::invalid(at("name"), e))?;
        let h = &self.hours;
        let mut all = Vec::new();
        for (weekday, key, texts) in [
            (Weekday::Mon, "mon", &h.mon),
            (Weekday::Tue, "tue", &h.tue),
            (Weekday::Wed, "wed", &h.wed),
            (Weekday::Thu, "thu", &h.thu),
            (Weekday::Fri, "fri", &h.fri),
            (Weekday::Sat, "sat", &h.sat),
            (Weekday::Sun, "sun", &h.sun),
        ] {
            for period in periods(&at(&format!("hours.{key}")), texts)? {
                all.push((weekday, period));
            }
        }
        let hours = WeeklyHours::new(all).map_err(|e| ConfigError::invalid(at("hours"), e))?;
        StaffMember::new(
            id,
            StaffSpec {
                name,
                hours,
                active: self.active,
            },
        )
        .map_err(|e| ConfigError::invalid(at("id"), e))
    }
}

/// Parses "1500", "1500.5" or "1500.50" into minor units of `currency`.
fn parse_price(
    entry: &PriceEntry,
    currency: Currency,
) -> Result<Money, Box<dyn Error + Send + Sync>> {
    let digits = currency.minor_digits();
    let scale = 10_i64.pow(digits);
    let minor = match entry {
        PriceEntry::Whole(whole) => whole
            .checked_mul(scale)
            .ok_or(Reason("the price is too large"))?,
        PriceEntry::Text(text) => {
            let text = text.trim();
            let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
            let bad = Reason("expected a price such as \"1500\" or \"1500.50\"");
            if whole.is_empty()
                || !whole.bytes().all(|b| b.is_ascii_digit())
                || !fraction.bytes().all(|b| b.is_ascii_digit())
                || fraction.len() > digits as usize
            {
                return Err(Box::new(bad));
            }
            let whole: i64 = whole
                .parse()
                .map_err(|_| Reason("the price is too large"))?;
            let fraction_value: i64 = if fraction.is_empty() {
                0
            } else {
                let padded = format!("{fraction:0<width$}", width = digits as usize);
                padded
                    .parse()
                    .map_err(|_| Reason("the price is too large"))?
            };
            whole
                .checked_mul(scale)
                .and_then(|w| w.checked_add(fraction_value))
                .ok_or(Reason("the price is too large"))?
        }
    };
    Ok(Money::new(minor, currency)?)
}

impl ServiceEntry {
    fn validate(
        &self,
        index: usize,
        currency: Currency,
        staff: &BTreeSet<StaffId>,
    ) -> Result<Service, ConfigError> {
        let at = |field: &str| format!("services[{index}].{field}");
        let id = ServiceId::new(self.id).map_err(|e| ConfigError::invalid(at("id"), e))?;
        let name = ServiceName::new(&self.name).map_err(|e| ConfigError::invalid(at("name"), e))?;
        let price =
            parse_price(&self.price, currency).map_err(|e| ConfigError::invalid(at("price"), e))?;
        let mut performers = Vec::new();
        for raw in &self.staff {
            let member = StaffId::new(*raw).map_err(|e| ConfigError::invalid(at("staff"), e))?;
            if !staff.contains(&member) {
                return Err(ConfigError::invalid(
                    at("staff"),
                    Reason("names a staff id that no [[staff]] entry has"),
                ));
            }
            performers.push(member);
        }
        Service::new(
            id,
            ServiceSpec {
                name,
                duration: minutes(&at("duration_minutes"), self.duration_minutes)?,
                price,
                buffer_before: minutes(&at("buffer_before_minutes"), self.buffer_before_minutes)?,
                buffer_after: minutes(&at("buffer_after_minutes"), self.buffer_after_minutes)?,
                active: self.active,
                performers,
            },
        )
        .map_err(|e| ConfigError::invalid(at("duration_minutes"), e))
    }
}

impl OverrideEntry {
    fn validate(
        &self,
        index: usize,
        staff: &BTreeSet<StaffId>,
    ) -> Result<DateOverride, ConfigError> {
        let at = |field: &str| format!("date_overrides[{index}].{field}");
        let date = NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d")
            .map_err(|e| ConfigError::invalid(at("date"), e))?;
        let member = self
            .staff
            .map(|raw| {
                let id = StaffId::new(raw).map_err(|e| ConfigError::invalid(at("staff"), e))?;
                if staff.contains(&id) {
                    Ok(id)
                } else {
                    Err(ConfigError::invalid(
                        at("staff"),
                        Reason("names a staff id that no [[staff]] entry has"),
                    ))
                }
            })
            .transpose()?;
        let hours = match (self.closed, self.hours.is_empty()) {
            (true, true) => OverrideHours::Closed,
            (false, false) => OverrideHours::Open(periods(&at("hours"), &self.hours)?),
            (true, false) => {
                return Err(ConfigError::invalid(
                    at("closed"),
                    Reason("a closed day cannot also have hours"),
                ));
            }
            (false, true) => {
                return Err(ConfigError::invalid(
                    at("hours"),
                    Reason("give either closed = true or the day's hours"),
                ));
            }
        };
        DateOverride::new(date, member, hours).map_err(|e| ConfigError::invalid(at("hours"), e))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";

    struct FakeEnvironment(HashMap<&'static str, String>);

    impl Environment for FakeEnvironment {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).cloned()
        }
    }

    fn example_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../booking.example.toml")
    }

    fn environment(pairs: &[(&'static str, &str)]) -> FakeEnvironment {
        let mut map: HashMap<&'static str, String> = HashMap::new();
        map.insert(env::CONFIG, example_path().display().to_string());
        map.insert(env::CLIENT_BOT_TOKEN, TOKEN.to_owned());
        for (k, v) in pairs {
            map.insert(k, (*v).to_owned());
        }
        FakeEnvironment(map)
    }

    fn file_error(text: &str) -> String {
        let file = parse_file(Path::new("booking.toml"), text);
        match file.and_then(|f| f.validate(None)) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    }

    fn example_with(from: &str, to: &str) -> String {
        let text = std::fs::read_to_string(example_path()).unwrap();
        assert!(text.contains(from), "the example has no {from:?}");
        text.replacen(from, to, 1)
    }

    #[test]
    fn the_example_configuration_loads() {
        let settings = load(&environment(&[])).unwrap();
        assert_eq!(settings.business.name, "Studio Lotos");
        assert_eq!(settings.default_language, Language::Russian);
        assert_eq!(settings.catalog.services.len(), 3);
        assert_eq!(settings.catalog.staff.len(), 2);
        assert_eq!(settings.catalog.date_overrides.len(), 2);
        assert_eq!(settings.conversation_expiry, chrono::Duration::minutes(30));
        assert_eq!(settings.database_url, DEFAULT_DATABASE_URL);
        let timeouts = settings.telegram_timeouts;
        assert_eq!(timeouts, TelegramTimeouts::default());
        assert!(
            timeouts.request > timeouts.polling,
            "a quiet poll must not time out"
        );
        assert_eq!(
            settings.telegram_api_url.as_str(),
            "https://api.telegram.org/"
        );
        let haircut = &settings.catalog.services[0];
        assert_eq!(haircut.price().minor(), 250_000);
        assert!(haircut.is_performed_by(StaffId::new(2).unwrap()));
    }

    #[test]
    fn a_missing_token_names_the_variable() {
        let mut env = environment(&[]);
        env.0.remove(env::CLIENT_BOT_TOKEN);
        let error = load(&env).unwrap_err().to_string();
        assert!(
            error.starts_with("BOOKING_CLIENT_BOT_TOKEN is not set"),
            "{error}"
        );
    }

    #[test]
    fn a_malformed_token_is_refused_without_being_printed() {
        let bad = "123456789:short-secret";
        let error = load(&environment(&[(env::CLIENT_BOT_TOKEN, bad)]))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("BOOKING_CLIENT_BOT_TOKEN is invalid"),
            "{error}"
        );
        assert!(!error.contains("short-secret"), "{error}");
    }

    const ADMIN: &str = "
[admin]
allowed_user_ids = [1001, 1002]
session_hours = 8
notify_chat_ids = [-100200300]
[admin.staff_telegram_ids]
1 = 1001
2 = 2002
";

    /// The example with `extra` appended, written to a temporary file.
    fn example_plus(extra: &str) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("booking.toml");
        let text = std::fs::read_to_string(example_path()).unwrap();
        std::fs::write(&path, format!("{text}{extra}")).unwrap();
        (dir, path.display().to_string())
    }

    #[test]
    fn tokens_do_not_appear_in_debug_output() {
        let (_dir, config) = example_plus(ADMIN);
        let settings = load(&environment(&[
            (env::ADMIN_BOT_TOKEN, TOKEN),
            (env::CONFIG, &config),
            (env::PIN_PEPPER, "pepper-secret-value"),
        ]))
        .unwrap();
        let debug = format!("{settings:?}");
        assert!(
            !debug.contains("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_"),
            "{debug}"
        );
        assert!(debug.contains("bot 123456789"));
        assert!(!debug.contains("pepper-secret-value"), "{debug}");
    }

    #[test]
    fn the_admin_section_gives_access_and_staff_chats() {
        let (_dir, config) = example_plus(ADMIN);
        let settings = load(&environment(&[
            (env::CONFIG, &config),
            (env::PIN_PEPPER, "pepper"),
        ]))
        .unwrap();
        let admin = settings.admin.unwrap();
        assert_eq!(admin.access.allowed_users, BTreeSet::from([1001, 1002]));
        assert_eq!(admin.access.session_lifetime, chrono::Duration::hours(8));
        assert!(admin.access.pepper.is_some());
        let anna = StaffId::new(1).unwrap();
        let maria = StaffId::new(2).unwrap();
        assert_eq!(admin.access.staff_members.get(&2002), Some(&maria));
        assert_eq!(admin.staff_chats.chats_for(anna), [-100_200_300, 1001]);
        assert_eq!(admin.staff_chats.chats_for(maria), [-100_200_300, 2002]);
    }

    #[test]
    fn reminders_and_dispatch_have_defaults_and_can_be_set() {
        let settings = load(&environment(&[])).unwrap();
        let minutes = |m: i64| Minutes::new(m).unwrap();
        assert_eq!(
            settings.engine.customer_reminders(),
            [minutes(1440), minutes(120)]
        );
        assert_eq!(settings.engine.staff_reminder(), None);
        assert_eq!(settings.dispatch, DispatchSettings::default());
        assert!(settings.admin.is_none());

        let (_dir, config) = example_plus(
            "\n[dispatch]\nconcurrency = 2\nper_bot_per_second = 20\npoll_interval_seconds = 5\n",
        );
        let text = std::fs::read_to_string(&config).unwrap().replacen(
            "customer_offsets_minutes = [1440, 120]\n# staff_offset_minutes = 60",
            "customer_offsets_minutes = [180]\nstaff_offset_minutes = 30",
            1,
        );
        std::fs::write(&config, text).unwrap();
        let settings = load(&environment(&[(env::CONFIG, &config)])).unwrap();
        assert_eq!(settings.engine.customer_reminders(), [minutes(180)]);
        assert_eq!(settings.engine.staff_reminder(), Some(minutes(30)));
        let parts = settings.dispatch.parts();
        assert_eq!(parts.concurrency, 2);
        assert_eq!(parts.per_bot_per_second, 20);
        assert_eq!(parts.poll_interval, chrono::Duration::seconds(5));
        assert_eq!(
            parts.batch_size,
            DispatchSettingsParts::default().batch_size
        );
    }

    #[test]
    fn an_admin_token_without_an_admin_section_is_refused() {
        let error = load(&environment(&[(env::ADMIN_BOT_TOKEN, TOKEN)]))
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("admin is not set"), "{error}");
        assert!(error.contains("[admin]"), "{error}");
    }

    #[test]
    fn bad_admin_reminder_and_dispatch_settings_name_the_setting_in_one_line() {
        let admin = |body: &str| format!("\n[admin]\n{body}\n");
        let cases = [
            (
                admin("allowed_user_ids = []"),
                "admin is invalid: the admin bot needs",
            ),
            (
                admin("allowed_user_ids = [-5]"),
                "admin.allowed_user_ids is invalid",
            ),
            (
                admin("allowed_user_ids = [1]\nsession_hours = 0"),
                "admin.session_hours is invalid",
            ),
            (admin("pin_hash = \"1234\""), "admin.pin_hash is invalid"),
            (
                admin("allowed_user_ids = [1]\n[admin.staff_telegram_ids]\n9 = 1001"),
                "admin.staff_telegram_ids.9 is invalid",
            ),
            (
                admin("allowed_user_ids = [1]\n[admin.staff_telegram_ids]\n1 = -3"),
                "admin.staff_telegram_ids.1 is invalid",
            ),
            (
                admin("allowed_user_ids = [1]\nnotify_chat_ids = [0]"),
                "admin.notify_chat_ids is invalid",
            ),
            (
                "\n[dispatch]\nconcurrency = 0\n".to_owned(),
                "dispatch is invalid",
            ),
            (
                "\n[dispatch]\nbatch_size = 0\n".to_owned(),
                "dispatch is invalid",
            ),
        ];
        for (extra, expected) in cases {
            let text = format!(
                "{}{extra}",
                std::fs::read_to_string(example_path()).unwrap()
            );
            let error = file_error(&text);
            assert!(error.contains(expected), "{error:?} lacks {expected:?}");
            assert!(!error.contains('\n'), "{error:?} is not one line");
        }
        for (from, to, expected) in [
            (
                "customer_offsets_minutes = [1440, 120]",
                "customer_offsets_minutes = [0]",
                "reminders is invalid",
            ),
            (
                "customer_offsets_minutes = [1440, 120]",
                "customer_offsets_minutes = [-60]",
                "reminders.customer_offsets_minutes is invalid",
            ),
            (
                "# staff_offset_minutes = 60",
                "staff_offset_minutes = 0",
                "reminders is invalid",
            ),
        ] {
            let error = file_error(&example_with(from, to));
            assert!(error.contains(expected), "{error:?} lacks {expected:?}");
            assert!(!error.contains('\n'), "{error:?} is not one line");
        }
    }

    #[test]
    fn environment_overrides_take_effect() {
        let settings = load(&environment(&[
            (env::DATABASE_URL, "sqlite:///tmp/x.db"),
            (env::TELEGRAM_API_URL, "http://127.0.0.1:8081"),
        ]))
        .unwrap();
        assert_eq!(settings.database_url, "sqlite:///tmp/x.db");
        assert_eq!(settings.telegram_api_url.as_str(), "http://127.0.0.1:8081/");
    }

    #[test]
    fn a_bad_api_url_names_the_variable() {
        let error = load(&environment(&[(env::TELEGRAM_API_URL, "ftp://x")]))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("BOOKING_TELEGRAM_API_URL is invalid"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_config_file_says_which_and_how_to_change_it() {
        let error = load(&environment(&[(env::CONFIG, "/nonexistent/booking.toml")]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("/nonexistent/booking.toml"), "{error}");
        assert!(error.contains("BOOKING_CONFIG"), "{error}");
    }

    #[test]
    fn file_errors_name_the_setting_in_one_line() {
        let cases = [
            (
                example_with(
                    "time_zone = \"Europe/Moscow\"",
                    "time_zone = \"Mars/Olympus\"",
                ),
                "business.time_zone is invalid",
            ),
            (
                example_with("horizon_days = 30", "horizon_days = \"soon\""),
                "line 34 (horizon_days)",
            ),
            (
                example_with("horizon_days = 30", "horizon_day = 30"),
                "horizon_day",
            ),
            (
                example_with("slot_step_minutes = 15", "slot_step_minutes = 7"),
                "policy is invalid: the slot step",
            ),
            (
                example_with("price = \"1500\"", "price = \"15,00\""),
                "services[1].price is invalid",
            ),
            (
                example_with("staff = [1]\n", "staff = [9]\n"),
                "services[1].staff is invalid",
            ),
            (
                example_with("mon = [\"10:00-14:00\"", "mon = [\"10:00-24:30\""),
                "staff[0].hours.mon is invalid",
            ),
            (
                example_with("default_language = \"ru\"", "default_language = \"xx\""),
                "business.default_language is invalid",
            ),
            (
                example_with(
                    "conversation_expiry_minutes = 30",
                    "conversation_expiry_minutes = 0",
                ),
                "telegram.conversation_expiry_minutes is invalid",
            ),
            (
                example_with(
                    "conversation_expiry_minutes = 30",
                    "conversation_expiry_minutes = 30\npolling_timeout_seconds = 40\nrequest_timeout_seconds = 30",
                ),
                "telegram.request_timeout_seconds is invalid: expected 45 to 300 seconds",
            ),
            (
                example_with(
                    "conversation_expiry_minutes = 30",
                    "conversation_expiry_minutes = 30\npolling_timeout_seconds = 51",
                ),
                "telegram.polling_timeout_seconds is invalid",
            ),
            (
                example_with(
                    "conversation_expiry_minutes = 30",
                    "conversation_expiry_minutes = 30\nconnect_timeout_seconds = 0",
                ),
                "telegram.connect_timeout_seconds is invalid",
            ),
        ];
        for (text, expected) in cases {
            let error = file_error(&text);
            assert!(error.contains(expected), "{error:?} lacks {expected:?}");
            assert!(!error.contains('\n'), "{error:?} is not one line");
        }
    }

    #[test]
    fn prices_are_read_exactly_in_minor_units() {
        let rub = Currency::new("RUB").unwrap();
        let jpy = Currency::new("JPY").unwrap();
        let minor = |p: PriceEntry, c| parse_price(&p, c).map(|m| m.minor()).ok();
        assert_eq!(minor(PriceEntry::Whole(1500), rub), Some(150_000));
        assert_eq!(minor(PriceEntry::Text("1500.5".into()), rub), Some(150_050));
        assert_eq!(minor(PriceEntry::Text("0.05".into()), rub), Some(5));
        assert_eq!(minor(PriceEntry::Text("1500.505".into()), rub), None);
        assert_eq!(minor(PriceEntry::Text("-5".into()), rub), None);
        assert_eq!(minor(PriceEntry::Text("1500".into()), jpy), Some(1500));
        assert_eq!(minor(PriceEntry::Text("1500.5".into()), jpy), None);
    }
}
