//! Why settings could not be loaded. Every variant displays as one line
//! that names the setting (a file key such as `business.time_zone`, or an
//! environment variable) and what is wrong with it: that line is all an
//! operator sees before `booking` exits with code 2.

use std::error::Error;
use std::path::PathBuf;

use super::env;

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
