//! Settings: the TOML file (`BOOKING_CONFIG`, default `booking.toml`) and
//! the environment (with `.env` read first when present), parsed into typed,
//! validated values at startup, by concern:
//!
//! - `file.rs`: the file's schema, serde structs with their defaults;
//!   `catalog.rs`: the catalog sections' schema, shared with the catalog
//!   file of `booking catalog export|import`;
//! - `environment.rs`: the environment overlay, every variable read once;
//! - `validate.rs`: both into domain types (`token.rs`: the bot tokens);
//! - `error.rs`: the one-line errors.
//!
//! Every failure is one line that names the setting and what is wrong with
//! it; values with invariants become domain types here, so a bad value stops
//! startup instead of surfacing in the middle of a booking. Tokens are
//! [`SecretString`](secrecy::SecretString)s: they never appear in `Debug` or
//! in an error.
//!
//! No layered configuration crate (figment, config), decided with numbers:
//! figment 0.10 with only its `env` feature (its `toml` feature would bring
//! toml 0.8 beside our 0.9) adds seven crates (pear and its proc macro,
//! proc-macro2-diagnostics, yansi, uncased, inlinable_string) and about
//! 10 s of compile time here, and would replace only the five `[log]` and
//! `[http]` overrides' env-or-file choice, about 50 lines, against about 40
//! of glue: the other variables set values the file does not have, the
//! names do not follow the keys (`RUST_LOG`, `BOOKING_HTTP_LISTEN=off`),
//! merging before type-checking loses the line numbers of
//! `booking.toml, line 34 (horizon_days): ...`, and an override's bad value
//! must be named by its variable, which takes provenance lookups. `config`
//! merges the same way (a prefix and a separator mapped to keys).

use std::path::{Path, PathBuf};

use adapter_telegram::{AdminBotConfig, BusinessInfo, Language, StaffChats};
use booking_domain::{Currency, Policy};
use booking_ports::{CatalogSnapshot, DispatchSettings, EngineSettings};
use url::Url;

use crate::backups::BackupSchedule;
use crate::database::DatabaseSettings;

mod catalog;
mod environment;
mod error;
mod file;
mod token;
mod validate;

pub use catalog::{CatalogFile, HoursEntry, OverrideEntry, PriceEntry, ServiceEntry, StaffEntry};
pub use environment::{
    DatabaseVars, Environment, FromEnvironment, HttpVars, LogVars, ProcessEnvironment, env,
    load_dotenv,
};
pub use error::{ConfigError, Reason};
pub(crate) use file::parse as parse_toml;
pub use file::{
    DEFAULT_CONNECT_TIMEOUT_SECONDS, DEFAULT_CONVERSATION_EXPIRY_MINUTES,
    DEFAULT_CUSTOMER_REMINDERS_MINUTES, DEFAULT_POLLING_TIMEOUT_SECONDS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS, DEFAULT_SESSION_HOURS,
};
pub use token::BotToken;

pub const DEFAULT_CONFIG_PATH: &str = "booking.toml";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/booking.db";
pub const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";

/// Everything the binary needs to run, validated. Cloned by the config
/// reloader, which keeps the settings in force.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config_path: PathBuf,
    pub business: BusinessInfo,
    /// `business.currency`: the catalog's prices are in it.
    pub currency: Currency,
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
    /// `[miniapp]`; `None` when the Mini App is off.
    pub miniapp: Option<crate::miniapp::MiniAppSettings>,
    /// `BOOKING_DATABASE_*`: the store opens with exactly this.
    pub database: DatabaseSettings,
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
        let seconds = |n: u32| std::time::Duration::from_secs(u64::from(n));
        Self {
            connect: seconds(DEFAULT_CONNECT_TIMEOUT_SECONDS),
            request: seconds(DEFAULT_REQUEST_TIMEOUT_SECONDS),
            polling: seconds(DEFAULT_POLLING_TIMEOUT_SECONDS),
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

/// Loads and validates the settings.
///
/// # Errors
/// The first [`ConfigError`] found.
pub fn load(environment: &impl Environment) -> Result<Settings, ConfigError> {
    let vars = FromEnvironment::read(environment);
    let config_path = PathBuf::from(vars.config.as_deref().unwrap_or(DEFAULT_CONFIG_PATH));
    let text = std::fs::read_to_string(&config_path).map_err(|source| ConfigError::Read {
        path: config_path.clone(),
        source,
    })?;
    let file: file::ConfigFile = file::parse(&config_path, &text)?;
    let log = crate::telemetry::LogSettings::load(&file.log, &vars.log)?;
    let client_token = validate::client_token(vars.client_token.as_ref())?;
    let admin_token = validate::admin_token(vars.admin_token.as_ref())?;
    validate::distinct_bots(&client_token, admin_token.as_ref())?;
    let database = DatabaseSettings::from_environment(&vars.database)?;
    let telegram_api_url = validate::telegram_api_url(vars.telegram_api_url.as_deref())?;
    let http = crate::http::settings::HttpSettings::load(&file.http, &vars.http)?;
    let validated = file.validate(vars.pin_pepper)?;
    if let Some(miniapp) = &validated.miniapp {
        miniapp.check_listener(http.listen)?;
    }
    if admin_token.is_some() && validated.admin.is_none() {
        return Err(ConfigError::Missing {
            setting: "admin",
            hint: "BOOKING_ADMIN_BOT_TOKEN is set: add an [admin] section with allowed_user_ids and/or pin_hash",
        });
    }
    Ok(Settings {
        config_path,
        business: validated.business,
        currency: validated.currency,
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
        miniapp: validated.miniapp,
        database,
        telegram_api_url,
        log,
        http,
    })
}

/// Checks the text of a config file as [`load`] reads it, without the
/// environment (no tokens, no overrides): every section and the catalog.
/// For the config file's fuzz target and for tools that check a file
/// before installing it.
///
/// # Errors
/// The first [`ConfigError`] found, one line naming the setting.
pub fn check_file(path: &Path, text: &str) -> Result<(), ConfigError> {
    let file: file::ConfigFile = file::parse(path, text)?;
    crate::telemetry::LogSettings::load(&file.log, &LogVars::default())?;
    crate::http::settings::HttpSettings::load(&file.http, &HttpVars::default())?;
    file.validate(None)?;
    Ok(())
}

/// The database settings alone, for the commands that need no bot token.
///
/// # Errors
/// [`ConfigError::Invalid`] naming the variable that is wrong.
pub fn database(environment: &impl Environment) -> Result<DatabaseSettings, ConfigError> {
    DatabaseSettings::from_environment(&DatabaseVars::read(environment))
}

#[cfg(test)]
mod tests;
