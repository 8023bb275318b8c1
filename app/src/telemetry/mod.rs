//! Logs through tracing, as [`LogSettings`] say: human-readable lines or
//! JSON objects (one per line), on standard error or in a file rotated by
//! size. With a file, warnings and errors also go to standard error, so the
//! journal (or `docker logs`) still shows what went wrong. teloxide logs
//! through the `log` crate; those records are forwarded into the same
//! subscriber.
//!
//! What is logged never holds personal data or secrets: domain values mask
//! themselves, tokens and the PIN pepper are secret types that never print,
//! teloxide strips tokens from request errors, and updates the bots do not
//! handle are dropped without being logged (`app/tests/privacy_logs.rs` checks it
//! over a whole booking, at TRACE, in both formats and across rotations).
//!
//! Lines are written synchronously, one `write` per event on a file opened
//! for appending: nothing is buffered, so nothing is lost at exit or in a
//! crash, and the volume here (a few lines per update) does not call for a
//! background writer.

mod settings;

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::sync::Mutex;

use rolling_file::{RollingConditionBasic, RollingFileAppender};
use tracing_subscriber::filter::{FilterExt, LevelFilter};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::{SubscriberInitExt, TryInitError};
use tracing_subscriber::{Layer, Registry, fmt};

pub use settings::{
    DEFAULT_LEVEL, DEFAULT_MAX_FILE_SIZE_MB, DEFAULT_MAX_FILES, InvalidRotation, LogFile,
    LogFilter, LogFormat, LogSection, LogSettings, Rotation, env,
};

/// A layer of the process's subscriber.
pub type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("cannot open the log file {path} (log.file or {var}): {source}", var = env::FILE)]
    OpenFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("logging is already set up in this process")]
    AlreadyInstalled(#[source] TryInitError),
}

/// Installs the process's subscriber.
///
/// # Errors
/// [`InitError::OpenFile`] when the log file (or its folder) cannot be
/// created or opened; [`InitError::AlreadyInstalled`] when called twice.
pub fn init(settings: &LogSettings) -> Result<(), InitError> {
    tracing_subscriber::registry()
        .with(layer(settings)?)
        .try_init()
        .map_err(InitError::AlreadyInstalled)
}

/// The layer [`init`] installs, for tests that compose several.
///
/// # Errors
/// [`InitError::OpenFile`], as for [`init`].
pub fn layer(settings: &LogSettings) -> Result<BoxedLayer, InitError> {
    let Some(file) = &settings.file else {
        let colours = io::stderr().is_terminal();
        return Ok(formatted(settings.format, io::stderr, colours)
            .with_filter(settings.filter.env_filter())
            .boxed());
    };
    let to_file = formatted(settings.format, open(file)?, false)
        .with_filter(settings.filter.env_filter())
        .boxed();
    // Human lines whatever the file's format: these are for a person
    // reading the journal, and a log shipper reads the file.
    let warnings = formatted(LogFormat::Human, io::stderr, io::stderr().is_terminal())
        .with_filter(settings.filter.env_filter().and(LevelFilter::WARN))
        .boxed();
    Ok(vec![to_file, warnings].boxed())
}

fn formatted<W>(format: LogFormat, writer: W, colours: bool) -> BoxedLayer
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    match format {
        LogFormat::Human => fmt::layer()
            .with_writer(writer)
            // Colours only for a person at a terminal, not in journald or files.
            .with_ansi(colours)
            .with_target(false)
            .boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .with_writer(writer)
            .with_current_span(true)
            .with_span_list(true)
            .boxed(),
    }
}

/// The log file, rotated by size: `booking.log` is written, then renamed
/// `booking.log.1` when it reaches the size (older ones shift to `.2`...),
/// and the oldest beyond the count is deleted.
fn open(file: &LogFile) -> Result<Mutex<RollingFileAppender<RollingConditionBasic>>, InitError> {
    let failed = |source| InitError::OpenFile {
        path: file.path.clone(),
        source,
    };
    if let Some(folder) = file.path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(failed)?;
    }
    let rotation = file.rotation;
    let appender = RollingFileAppender::new_with_buffer_capacity(
        &file.path,
        RollingConditionBasic::new().max_size(rotation.max_file_size()),
        // The appender counts the rotated files; the setting counts all.
        usize::from(rotation.max_files() - 1),
        // Unbuffered: each event is one `write`, so a line is never split
        // between two files and none is lost at exit.
        0,
    )
    .map_err(failed)?;
    Ok(Mutex::new(appender))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::Path;

    use serde_json::Value;

    use super::*;

    fn lines_in(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Every file the rotation left, the current one first.
    fn log_files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        files
    }

    fn settings(dir: &Path, format: LogFormat, rotation: Rotation) -> LogSettings {
        LogSettings {
            format,
            filter: LogFilter::parse("trace").unwrap(),
            file: Some(LogFile {
                path: dir.join("logs/booking.log"),
                rotation,
            }),
        }
    }

    #[test]
    fn rotation_keeps_at_most_the_set_number_of_files_each_about_the_set_size() {
        let dir = tempfile::tempdir().unwrap();
        let rotation = Rotation::new(300, 4).unwrap();
        let layer = layer(&settings(dir.path(), LogFormat::Human, rotation)).unwrap();
        let subscriber = tracing_subscriber::registry().with(layer);
        let line = "x".repeat(40);
        tracing::subscriber::with_default(subscriber, || {
            for n in 0..200 {
                tracing::info!(n, "{line}");
            }
        });

        let files = log_files(&dir.path().join("logs"));
        let names: Vec<_> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "booking.log",
                "booking.log.1",
                "booking.log.2",
                "booking.log.3"
            ]
        );
        let longest = files
            .iter()
            .flat_map(|f| lines_in(f))
            .map(|l| l.len() + 1)
            .max()
            .unwrap();
        for file in &files {
            let size = std::fs::metadata(file).unwrap().len();
            assert!(size <= 300 + longest as u64, "{file:?} has {size} bytes");
        }
        // The newest lines are kept, whole, in order.
        let kept: Vec<String> = files.iter().rev().flat_map(|f| lines_in(f)).collect();
        assert!(kept.last().unwrap().ends_with("n=199"), "{kept:#?}");
        assert!(kept.iter().all(|l| l.contains(&line)), "{kept:#?}");
    }

    #[test]
    fn json_lines_carry_time_level_target_message_fields_and_spans() {
        let dir = tempfile::tempdir().unwrap();
        let layer = layer(&settings(dir.path(), LogFormat::Json, Rotation::default())).unwrap();
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("update", bot = "client");
            let _entered = span.enter();
            tracing::warn!(booking = 42, "booking made");
        });

        let lines = lines_in(&dir.path().join("logs/booking.log"));
        assert_eq!(lines.len(), 1, "{lines:#?}");
        let event: Value = serde_json::from_str(&lines[0]).unwrap();
        assert!(
            event["timestamp"].as_str().unwrap().ends_with('Z'),
            "{event}"
        );
        assert_eq!(event["level"], "WARN");
        assert_eq!(event["target"], "app::telemetry::tests");
        assert_eq!(event["fields"]["message"], "booking made");
        assert_eq!(event["fields"]["booking"], 42);
        assert_eq!(event["span"]["name"], "update");
        assert_eq!(event["span"]["bot"], "client");
        assert_eq!(event["spans"][0]["name"], "update");
    }

    #[test]
    fn the_filter_applies_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = settings(dir.path(), LogFormat::Human, Rotation::default());
        settings.filter = LogFilter::parse("warn").unwrap();
        let subscriber = tracing_subscriber::registry().with(layer(&settings).unwrap());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("quiet");
            tracing::warn!("loud");
        });
        let lines = lines_in(&dir.path().join("logs/booking.log"));
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(
            lines[0].contains("WARN") && lines[0].ends_with("loud"),
            "{lines:#?}"
        );
    }

    #[test]
    fn a_log_file_that_cannot_be_created_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-folder");
        std::fs::write(&blocker, "").unwrap();
        let mut settings = settings(dir.path(), LogFormat::Human, Rotation::default());
        settings.file.as_mut().unwrap().path = blocker.join("booking.log");
        let error = layer(&settings).err().unwrap().to_string();
        assert!(error.starts_with("cannot open the log file"), "{error}");
        assert!(error.contains("not-a-folder/booking.log"), "{error}");
        assert!(error.contains("BOOKING_LOG_FILE"), "{error}");
    }
}
