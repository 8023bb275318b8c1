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

use adapter_telegram::{BusinessInfo, Language};
use booking_domain::{
    Currency, DateOverride, LocalTimeRange, Minutes, Money, OverrideHours, PhoneRegion, Policy,
    PolicySettings, Service, ServiceId, ServiceName, ServiceSpec, StaffId, StaffMember, StaffName,
    StaffSpec, WeeklyHours,
};
use booking_ports::CatalogSnapshot;
use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

/// The environment variables we read.
pub mod env {
    pub const CONFIG: &str = "BOOKING_CONFIG";
    pub const CLIENT_BOT_TOKEN: &str = "BOOKING_CLIENT_BOT_TOKEN";
    pub const ADMIN_BOT_TOKEN: &str = "BOOKING_ADMIN_BOT_TOKEN";
    pub const DATABASE_URL: &str = "BOOKING_DATABASE_URL";
    pub const TELEGRAM_API_URL: &str = "BOOKING_TELEGRAM_API_URL";
}

pub const DEFAULT_CONFIG_PATH: &str = "booking.toml";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/booking.db";
pub const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";
pub const DEFAULT_CONVERSATION_EXPIRY_MINUTES: u32 = 30;

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
    fn invalid(
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

/// Everything the binary needs to run, validated.
#[derive(Debug)]
pub struct Settings {
    pub config_path: PathBuf,
    pub business: BusinessInfo,
    pub default_language: Language,
    pub policy: Policy,
    pub catalog: CatalogSnapshot,
    pub conversation_expiry: chrono::Duration,
    pub client_token: BotToken,
    /// Not used until the admin bot exists; checked when set.
    pub admin_token: Option<BotToken>,
    pub database_url: String,
    pub telegram_api_url: Url,
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

    let validated = file.validate()?;
    Ok(Settings {
        config_path,
        business: validated.business,
        default_language: validated.default_language,
        policy: validated.policy,
        catalog: validated.catalog,
        conversation_expiry: validated.conversation_expiry,
        client_token,
        admin_token,
        database_url,
        telegram_api_url,
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
}

fn default_expiry() -> u32 {
    DEFAULT_CONVERSATION_EXPIRY_MINUTES
}

impl Default for TelegramSection {
    fn default() -> Self {
        Self {
            conversation_expiry_minutes: DEFAULT_CONVERSATION_EXPIRY_MINUTES,
        }
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
}

fn minutes(setting: &str, value: i64) -> Result<Minutes, ConfigError> {
    Minutes::new(value).map_err(|e| ConfigError::invalid(setting, e))
}

impl ConfigFile {
    fn validate(self) -> Result<Validated, ConfigError> {
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
        })
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
        match file.and_then(ConfigFile::validate) {
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

    #[test]
    fn tokens_do_not_appear_in_debug_output() {
        let settings = load(&environment(&[(env::ADMIN_BOT_TOKEN, TOKEN)])).unwrap();
        let debug = format!("{settings:?}");
        assert!(
            !debug.contains("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_"),
            "{debug}"
        );
        assert!(debug.contains("bot 123456789"));
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
