//! The environment overlay: every variable `booking` reads, read in one
//! place ([`FromEnvironment::read`]) and handed, as written, to the
//! validation of the settings it sets or overrides. Nothing else in the
//! binary consults the environment for a setting, so docs/CONFIG.md's
//! table of variables is this file.
//!
//! Most variables are settings the file does not have (tokens, the
//! database, the Bot API address); five override a file key (`[log]`'s and
//! `[http] listen`). Their names do not follow the file's keys
//! (`RUST_LOG` sets `log.level`; `BOOKING_HTTP_LISTEN=off` turns a
//! listener off), which is why a generic prefix-to-key mapping (figment's
//! or config's `Env` provider) would not replace this table; see
//! `config/mod.rs` for that decision.

use secrecy::SecretString;

use super::ConfigError;

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
    pub const HTTP_LISTEN: &str = "BOOKING_HTTP_LISTEN";
    pub const WEBHOOK_URL: &str = "BOOKING_WEBHOOK_URL";
    pub const WEBHOOK_SECRET: &str = "BOOKING_WEBHOOK_SECRET";
    pub const LOG_FORMAT: &str = "BOOKING_LOG_FORMAT";
    pub const LOG_FILE: &str = "BOOKING_LOG_FILE";
    pub const LOG_MAX_FILE_SIZE_MB: &str = "BOOKING_LOG_MAX_FILE_SIZE_MB";
    pub const LOG_MAX_FILES: &str = "BOOKING_LOG_MAX_FILES";
    /// tracing's own variable; it wins over `[log] level`, so an operator
    /// can turn on debugging for one run without editing the file.
    pub const LOG_FILTER: &str = "RUST_LOG";
}

/// Where settings come from: the process environment, or a fixed map in
/// tests.
pub trait Environment {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment. A variable set to blanks counts as unset.
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
/// Only the working directory: `dotenvy::dotenv()` would also climb to
/// every parent directory, so a `.env` anyone could write higher up (a
/// shared `/srv`, `/tmp` as the working directory's parent) could set the
/// tokens or point the bots at another Bot API server.
///
/// # Errors
/// [`ConfigError::DotEnv`] for a `.env` that exists but does not parse.
pub fn load_dotenv() -> Result<(), ConfigError> {
    match dotenvy::from_path(".env") {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(ConfigError::DotEnv(e)),
    }
}

/// Every variable we read, as written (unset ones `None`). Secrets are
/// wrapped as soon as they are read, so this can be logged by mistake
/// without leaking them.
#[derive(Debug, Default)]
pub struct FromEnvironment {
    /// `BOOKING_CONFIG`.
    pub config: Option<String>,
    pub client_token: Option<SecretString>,
    pub admin_token: Option<SecretString>,
    pub pin_pepper: Option<SecretString>,
    pub telegram_api_url: Option<String>,
    pub database: DatabaseVars,
    pub http: HttpVars,
    pub log: LogVars,
}

/// The store's variables (`BOOKING_DATABASE_*`).
#[derive(Debug, Default)]
pub struct DatabaseVars {
    pub url: Option<String>,
    pub durability: Option<String>,
    pub pool_size: Option<String>,
    pub busy_timeout_seconds: Option<String>,
}

/// The HTTP listener's and webhook mode's variables.
#[derive(Debug, Default)]
pub struct HttpVars {
    /// Overrides `[http] listen`; `off` turns the listener off.
    pub listen: Option<String>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<SecretString>,
}

/// The overrides of `[log]`.
#[derive(Debug, Default)]
pub struct LogVars {
    pub format: Option<String>,
    pub file: Option<String>,
    pub max_file_size_mb: Option<String>,
    pub max_files: Option<String>,
    /// `RUST_LOG`, over `log.level`.
    pub filter: Option<String>,
}

impl FromEnvironment {
    /// Reads every variable once.
    pub fn read(environment: &impl Environment) -> Self {
        let var = |name| environment.var(name);
        let secret = |name| environment.var(name).map(SecretString::from);
        Self {
            config: var(env::CONFIG),
            client_token: secret(env::CLIENT_BOT_TOKEN),
            admin_token: secret(env::ADMIN_BOT_TOKEN),
            pin_pepper: secret(env::PIN_PEPPER),
            telegram_api_url: var(env::TELEGRAM_API_URL),
            database: DatabaseVars::read(environment),
            http: HttpVars {
                listen: var(env::HTTP_LISTEN),
                webhook_url: var(env::WEBHOOK_URL),
                webhook_secret: secret(env::WEBHOOK_SECRET),
            },
            log: LogVars {
                format: var(env::LOG_FORMAT),
                file: var(env::LOG_FILE),
                max_file_size_mb: var(env::LOG_MAX_FILE_SIZE_MB),
                max_files: var(env::LOG_MAX_FILES),
                filter: var(env::LOG_FILTER),
            },
        }
    }
}

impl DatabaseVars {
    /// The store's variables alone: the database commands need no token.
    pub fn read(environment: &impl Environment) -> Self {
        Self {
            url: environment.var(env::DATABASE_URL),
            durability: environment.var(env::DATABASE_DURABILITY),
            pool_size: environment.var(env::DATABASE_POOL_SIZE),
            busy_timeout_seconds: environment.var(env::DATABASE_BUSY_TIMEOUT),
        }
    }
}
