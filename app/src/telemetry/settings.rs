//! The log settings: format, destination, rotation and filter. They come
//! from the config file's `[log]` section, each overridable from the
//! environment (`BOOKING_LOG_*`, and `RUST_LOG` for the filter), and are
//! validated at load like every other setting: a bad value is one line that
//! names the setting it came from.
//!
//! They are read once at start: logging is installed before anything runs,
//! so changing them takes a restart.

use std::fmt;
use std::num::NonZeroU64;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::str::FromStr;

use serde::Deserialize;
use tracing_subscriber::EnvFilter;

use crate::config::{ConfigError, LogVars, Reason};

/// The environment variables that override `[log]` (read with the others
/// in `config::environment`).
pub mod env {
    pub use crate::config::env::{
        LOG_FILE as FILE, LOG_FILTER as FILTER, LOG_FORMAT as FORMAT,
        LOG_MAX_FILE_SIZE_MB as MAX_FILE_SIZE_MB, LOG_MAX_FILES as MAX_FILES,
    };
}

pub const DEFAULT_LEVEL: &str = "info";
pub const DEFAULT_MAX_FILE_SIZE_MB: u64 = 10;
pub const DEFAULT_MAX_FILES: u16 = 5;
/// A gigabyte per file is already more than a small server wants to read.
const MAX_FILE_SIZE_MB: RangeInclusive<u64> = 1..=1024;
/// One file alone would mean emptying the log at every rotation.
const MAX_FILES: RangeInclusive<u16> = 2..=100;
const BYTES_PER_MB: u64 = 1024 * 1024;

/// `[log]` as written. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    format: Option<String>,
    file: Option<PathBuf>,
    max_file_size_mb: Option<i64>,
    max_files: Option<i64>,
    level: Option<String>,
}

/// How each line is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event, as a person reads it in the journal.
    #[default]
    Human,
    /// One JSON object per line, for log shippers.
    Json,
}

impl FromStr for LogFormat {
    type Err = Reason;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "human" => Ok(Self::Human),
            "json" => Ok(Self::Json),
            _ => Err(Reason("expected human or json")),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Human => "human",
            Self::Json => "json",
        })
    }
}

/// Which events are logged: tracing's `EnvFilter` directives (`info`,
/// `warn,adapter_telegram=debug`), checked when the settings load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFilter(String);

impl LogFilter {
    /// # Errors
    /// The directives do not parse.
    pub fn parse(directives: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let directives = directives.trim();
        if directives.is_empty() {
            return Err(Box::new(Reason(
                "expected a level such as info, or directives such as info,adapter_telegram=debug",
            )));
        }
        EnvFilter::builder().parse(directives)?;
        Ok(Self(directives.to_owned()))
    }

    /// A filter for one layer (`EnvFilter` is not `Clone`; each layer that
    /// filters gets its own, built from the same checked directives).
    pub(super) fn env_filter(&self) -> EnvFilter {
        EnvFilter::builder()
            .parse(&self.0)
            .unwrap_or_else(|_| EnvFilter::new(DEFAULT_LEVEL))
    }
}

impl Default for LogFilter {
    fn default() -> Self {
        Self(DEFAULT_LEVEL.to_owned())
    }
}

impl fmt::Display for LogFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// When the log file is rotated and how many files are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    max_file_size: NonZeroU64,
    max_files: u16,
}

/// A rotation that would keep fewer than two files or empty ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a rotation keeps at least 2 files of at least 1 byte")]
pub struct InvalidRotation;

impl Rotation {
    /// Files of `max_file_size` bytes, at most `max_files` of them (the
    /// current one included). Tests use tiny sizes; the settings give
    /// megabytes.
    ///
    /// # Errors
    /// [`InvalidRotation`] for a zero size or fewer than two files.
    pub fn new(max_file_size: u64, max_files: u16) -> Result<Self, InvalidRotation> {
        let max_file_size = NonZeroU64::new(max_file_size).ok_or(InvalidRotation)?;
        if max_files < 2 {
            return Err(InvalidRotation);
        }
        Ok(Self {
            max_file_size,
            max_files,
        })
    }

    /// The size at which the current file is rotated, in bytes. A file may
    /// exceed it by one line: lines are never split across files.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size.get()
    }

    /// How many files exist at most: the current one and the rotated ones.
    pub fn max_files(&self) -> u16 {
        self.max_files
    }
}

impl Default for Rotation {
    fn default() -> Self {
        const SIZE: NonZeroU64 = match NonZeroU64::new(DEFAULT_MAX_FILE_SIZE_MB * BYTES_PER_MB) {
            Some(size) => size,
            None => NonZeroU64::MIN,
        };
        Self {
            max_file_size: SIZE,
            max_files: DEFAULT_MAX_FILES,
        }
    }
}

/// A log file and its rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    pub path: PathBuf,
    pub rotation: Rotation,
}

/// Everything that decides what is logged and where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: LogFilter,
    /// `None`: standard error only. `Some`: the file, and warnings and
    /// errors also on standard error.
    pub file: Option<LogFile>,
}

impl fmt::Display for LogSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            None => write!(f, "{} to standard error", self.format)?,
            Some(file) => {
                let size = file.rotation.max_file_size();
                let size = if size % BYTES_PER_MB == 0 {
                    format!("{} MB", size / BYTES_PER_MB)
                } else {
                    format!("{size} bytes")
                };
                write!(
                    f,
                    "{} to {} (rotated at {size}, {} files kept; warnings also to standard error)",
                    self.format,
                    file.path.display(),
                    file.rotation.max_files(),
                )?;
            }
        }
        write!(f, ", filter {}", self.filter)
    }
}

impl LogSettings {
    /// Reads `[log]` with the environment's overrides.
    ///
    /// # Errors
    /// The first bad value, naming the variable or key it came from.
    pub fn load(section: &LogSection, overrides: &LogVars) -> Result<Self, ConfigError> {
        let format = match &overrides.format {
            Some(raw) => parse(env::FORMAT, raw)?,
            None => section
                .format
                .as_deref()
                .map(|raw| parse("log.format", raw))
                .transpose()?
                .unwrap_or_default(),
        };
        let filter = match &overrides.filter {
            Some(raw) => LogFilter::parse(raw).map_err(|e| ConfigError::invalid(env::FILTER, e))?,
            None => section
                .level
                .as_deref()
                .map(|raw| LogFilter::parse(raw).map_err(|e| ConfigError::invalid("log.level", e)))
                .transpose()?
                .unwrap_or_default(),
        };
        let max_file_size_mb = number(
            (env::MAX_FILE_SIZE_MB, overrides.max_file_size_mb.as_deref()),
            section.max_file_size_mb,
            "log.max_file_size_mb",
            DEFAULT_MAX_FILE_SIZE_MB,
            &MAX_FILE_SIZE_MB,
        )?;
        let max_files = number(
            (env::MAX_FILES, overrides.max_files.as_deref()),
            section.max_files,
            "log.max_files",
            DEFAULT_MAX_FILES,
            &MAX_FILES,
        )?;
        let path = overrides
            .file
            .as_ref()
            .map(|raw| (env::FILE, PathBuf::from(raw.trim())))
            .or_else(|| section.file.clone().map(|path| ("log.file", path)));
        let file = path
            .map(|(setting, path)| {
                let names_a_directory = path.to_string_lossy().ends_with(std::path::MAIN_SEPARATOR);
                if names_a_directory || path.file_name().is_none() {
                    return Err(ConfigError::invalid(
                        setting,
                        Reason("expected the path of a file, such as /var/log/booking/booking.log"),
                    ));
                }
                let rotation = Rotation::new(max_file_size_mb * BYTES_PER_MB, max_files)
                    .map_err(|e| ConfigError::invalid(setting, e))?;
                Ok(LogFile { path, rotation })
            })
            .transpose()?;
        Ok(Self {
            format,
            filter,
            file,
        })
    }
}

fn parse<T: FromStr>(setting: &str, raw: &str) -> Result<T, ConfigError>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    raw.parse().map_err(|e| ConfigError::invalid(setting, e))
}

/// A whole number in `range`, from the environment variable `var` if set,
/// else from the file's `key`, else `default`.
fn number<T>(
    (var, from_environment): (&'static str, Option<&str>),
    from_file: Option<i64>,
    key: &'static str,
    default: T,
    range: &RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: Copy + PartialOrd + fmt::Display + TryFrom<i64>,
{
    let (setting, value) = match from_environment {
        Some(raw) => (var, raw.trim().parse::<i64>().ok()),
        None => match from_file {
            Some(value) => (key, Some(value)),
            None => return Ok(default),
        },
    };
    value
        .and_then(|v| T::try_from(v).ok())
        .filter(|v| range.contains(v))
        .ok_or_else(|| {
            ConfigError::invalid(
                setting,
                format!(
                    "expected a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashMap;

    use super::*;

    use crate::config::{Environment, FromEnvironment};

    struct FakeEnvironment(HashMap<&'static str, &'static str>);

    impl Environment for FakeEnvironment {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| (*v).to_owned())
        }
    }

    fn environment(pairs: &[(&'static str, &'static str)]) -> FakeEnvironment {
        FakeEnvironment(pairs.iter().copied().collect())
    }

    fn section(toml: &str) -> LogSection {
        toml::from_str(toml).unwrap()
    }

    fn load(toml: &str, pairs: &[(&'static str, &'static str)]) -> Result<LogSettings, String> {
        let overrides = FromEnvironment::read(&environment(pairs)).log;
        LogSettings::load(&section(toml), &overrides).map_err(|e| e.to_string())
    }

    #[test]
    fn without_settings_logs_are_human_lines_on_standard_error_at_info() {
        let settings = load("", &[]).unwrap();
        assert_eq!(settings, LogSettings::default());
        assert_eq!(settings.format, LogFormat::Human);
        assert_eq!(settings.filter.to_string(), "info");
        assert_eq!(settings.file, None);
        assert_eq!(settings.to_string(), "human to standard error, filter info");
    }

    #[test]
    fn a_log_file_rotates_at_ten_megabytes_keeping_five_files_by_default() {
        let settings = load("file = \"/var/log/booking/booking.log\"", &[]).unwrap();
        let file = settings.file.unwrap();
        assert_eq!(file.path, PathBuf::from("/var/log/booking/booking.log"));
        assert_eq!(file.rotation.max_file_size(), 10 * 1024 * 1024);
        assert_eq!(file.rotation.max_files(), 5);
        assert_eq!(file.rotation, Rotation::default());
    }

    #[test]
    fn the_section_sets_every_key() {
        let settings = load(
            "format = \"json\"\nfile = \"logs/b.log\"\nmax_file_size_mb = 50\nmax_files = 3\nlevel = \"warn,app=debug\"",
            &[],
        )
        .unwrap();
        assert_eq!(settings.format, LogFormat::Json);
        assert_eq!(settings.filter.to_string(), "warn,app=debug");
        let file = settings.file.clone().unwrap();
        assert_eq!(file.rotation.max_file_size(), 50 * 1024 * 1024);
        assert_eq!(file.rotation.max_files(), 3);
        assert_eq!(
            settings.to_string(),
            "json to logs/b.log (rotated at 50 MB, 3 files kept; warnings also to standard error), filter warn,app=debug"
        );
    }

    #[test]
    fn the_environment_wins_over_the_file_and_rust_log_over_the_level() {
        let settings = load(
            "format = \"human\"\nfile = \"a.log\"\nmax_file_size_mb = 50\nmax_files = 3\nlevel = \"warn\"",
            &[
                (env::FORMAT, "JSON"),
                (env::FILE, "/tmp/b.log"),
                (env::MAX_FILE_SIZE_MB, "2"),
                (env::MAX_FILES, "10"),
                (env::FILTER, "debug"),
            ],
        )
        .unwrap();
        assert_eq!(settings.format, LogFormat::Json);
        assert_eq!(settings.filter.to_string(), "debug");
        let file = settings.file.unwrap();
        assert_eq!(file.path, PathBuf::from("/tmp/b.log"));
        assert_eq!(file.rotation.max_file_size(), 2 * 1024 * 1024);
        assert_eq!(file.rotation.max_files(), 10);
    }

    #[test]
    fn bad_values_name_the_setting_they_came_from_in_one_line() {
        type Case = (
            &'static str,
            &'static [(&'static str, &'static str)],
            &'static str,
        );
        let cases: [Case; 12] = [
            (
                "format = \"xml\"",
                &[],
                "log.format is invalid: expected human or json",
            ),
            (
                "",
                &[(env::FORMAT, "text")],
                "BOOKING_LOG_FORMAT is invalid",
            ),
            ("level = \"info,x=loud\"", &[], "log.level is invalid"),
            ("level = \" \"", &[], "log.level is invalid"),
            ("", &[(env::FILTER, "x=[")], "RUST_LOG is invalid"),
            (
                "max_file_size_mb = 0",
                &[],
                "log.max_file_size_mb is invalid: expected a whole number from 1 to 1024",
            ),
            (
                "max_file_size_mb = 4096",
                &[],
                "log.max_file_size_mb is invalid",
            ),
            (
                "",
                &[(env::MAX_FILE_SIZE_MB, "ten")],
                "BOOKING_LOG_MAX_FILE_SIZE_MB is invalid",
            ),
            (
                "max_files = 1",
                &[],
                "log.max_files is invalid: expected a whole number from 2 to 100",
            ),
            ("max_files = -5", &[], "log.max_files is invalid"),
            (
                "",
                &[(env::MAX_FILES, "0")],
                "BOOKING_LOG_MAX_FILES is invalid",
            ),
            (
                "file = \"/var/log/booking/\"",
                &[],
                "log.file is invalid: expected the path of a file",
            ),
        ];
        for (toml, pairs, expected) in cases {
            let error = load(toml, pairs).unwrap_err();
            assert!(error.starts_with(expected), "{error:?} is not {expected:?}");
            assert!(!error.contains('\n'), "{error:?} is not one line");
        }
    }

    #[test]
    fn rotation_needs_two_files_of_at_least_a_byte() {
        assert_eq!(Rotation::new(0, 5), Err(InvalidRotation));
        assert_eq!(Rotation::new(100, 1), Err(InvalidRotation));
        let rotation = Rotation::new(100, 2).unwrap();
        assert_eq!((rotation.max_file_size(), rotation.max_files()), (100, 2));
    }
}
