//! Scheduled online backups while `booking run` serves: a consistent copy
//! of the database (the store's `VACUUM INTO`) every `[backup]
//! interval_hours`, keeping the newest `keep` copies.
//!
//! The schedule is read off the backups themselves: each file is named after
//! the UTC moment it was taken (`booking-20261124T030000Z.db`), and the next
//! one is due an interval after the newest. So a restart neither postpones a
//! backup nor takes an extra one, and a copied or restored backup folder
//! keeps its history. A copy is written under a `.partial` name and renamed
//! when complete: a crash mid-copy never leaves a file that looks like a
//! backup.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use adapter_sqlite::{BackupError, SqliteStore};
use booking_ports::Clock;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::config::{ConfigError, Reason};

pub const DEFAULT_INTERVAL_HOURS: u32 = 24;
pub const DEFAULT_KEEP: u32 = 7;
/// The folder, next to the database file, when `directory` is not set.
pub const DEFAULT_FOLDER_NAME: &str = "backups";
/// After a failed backup, the next attempt is at most this far away.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(60 * 60);

const PREFIX: &str = "booking-";
const SUFFIX: &str = ".db";
const PARTIAL_SUFFIX: &str = ".partial";
const STAMP: &str = "%Y%m%dT%H%M%SZ";

/// `[backup]` as written in the config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackupSection {
    #[serde(default = "enabled_by_default")]
    enabled: bool,
    directory: Option<PathBuf>,
    #[serde(default = "default_interval_hours")]
    interval_hours: u32,
    #[serde(default = "default_keep")]
    keep: u32,
}

fn enabled_by_default() -> bool {
    true
}

fn default_interval_hours() -> u32 {
    DEFAULT_INTERVAL_HOURS
}

fn default_keep() -> u32 {
    DEFAULT_KEEP
}

impl Default for BackupSection {
    fn default() -> Self {
        Self {
            enabled: true,
            directory: None,
            interval_hours: DEFAULT_INTERVAL_HOURS,
            keep: DEFAULT_KEEP,
        }
    }
}

impl BackupSection {
    /// The schedule, or `None` when backups are turned off.
    pub(crate) fn validate(&self) -> Result<Option<BackupSchedule>, ConfigError> {
        if !self.enabled {
            return Ok(None);
        }
        // A year at most: a longer interval is a typo, not a schedule.
        if !(1..=24 * 366).contains(&self.interval_hours) {
            return Err(ConfigError::invalid(
                "backup.interval_hours",
                Reason("expected 1 to 8784 hours (set enabled = false to turn backups off)"),
            ));
        }
        let keep = usize::try_from(self.keep)
            .ok()
            .and_then(NonZeroUsize::new)
            .filter(|keep| keep.get() <= 1000)
            .ok_or_else(|| {
                ConfigError::invalid(
                    "backup.keep",
                    Reason("expected 1 to 1000 backups (set enabled = false to turn backups off)"),
                )
            })?;
        if self
            .directory
            .as_ref()
            .is_some_and(|d| d.as_os_str().is_empty())
        {
            return Err(ConfigError::invalid(
                "backup.directory",
                Reason("the folder must not be empty (leave it out for the default)"),
            ));
        }
        Ok(Some(BackupSchedule {
            directory: self.directory.clone(),
            interval: Duration::from_secs(u64::from(self.interval_hours) * 60 * 60),
            keep,
        }))
    }
}

/// When and where backups are taken, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSchedule {
    /// `None`: a `backups` folder next to the database file.
    pub directory: Option<PathBuf>,
    pub interval: Duration,
    pub keep: NonZeroUsize,
}

impl BackupSchedule {
    /// The folder backups go to, for the database at `database`.
    pub fn directory_for(&self, database: &Path) -> PathBuf {
        self.directory.clone().unwrap_or_else(|| {
            database
                .parent()
                .unwrap_or_else(|| Path::new(""))
                .join(DEFAULT_FOLDER_NAME)
        })
    }
}

/// A backup the schedule took, found in the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFile {
    pub path: PathBuf,
    pub taken_at: DateTime<Utc>,
}

/// A scheduled backup could not be taken or the folder not tidied.
#[derive(Debug, thiserror::Error)]
pub enum ScheduledBackupError {
    #[error("cannot use the backup folder {}", path.display())]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Backup(#[from] BackupError),
    #[error("cannot move the finished backup into place at {}", path.display())]
    Rename {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn file_name(taken_at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", taken_at.format(STAMP))
}

fn taken_at(file_name: &str) -> Option<DateTime<Utc>> {
    let stamp = file_name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    NaiveDateTime::parse_from_str(stamp, STAMP)
        .ok()
        .map(|t| t.and_utc())
}

/// The schedule's backups in `folder`, oldest first. Other files, and
/// copies that never finished, are not backups. A folder that does not
/// exist yet holds none.
///
/// # Errors
/// The folder exists but cannot be read.
pub fn list(folder: &Path) -> Result<Vec<BackupFile>, ScheduledBackupError> {
    let folder_error = |source| ScheduledBackupError::Folder {
        path: folder.to_owned(),
        source,
    };
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(folder_error(e)),
    };
    let mut backups = Vec::new();
    for entry in entries {
        let entry = entry.map_err(folder_error)?;
        let name = entry.file_name();
        if let Some(taken_at) = name.to_str().and_then(taken_at) {
            backups.push(BackupFile {
                path: entry.path(),
                taken_at,
            });
        }
    }
    backups.sort_by_key(|b| b.taken_at);
    Ok(backups)
}

/// When the next backup is due: an interval after the newest, or now when
/// there is none. A newest backup "from the future" (the clock was set
/// back) does not stall the schedule: the wait is never longer than one
/// interval from now.
pub fn next_due(
    newest: Option<DateTime<Utc>>,
    interval: Duration,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let interval = chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::MAX);
    match newest {
        None => now,
        Some(newest) => newest
            .checked_add_signed(interval)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
            .min(now.checked_add_signed(interval).unwrap_or(now)),
    }
}

/// The backups to delete so that the newest `keep` remain.
pub fn beyond_keep(backups: &[BackupFile], keep: NonZeroUsize) -> &[BackupFile] {
    &backups[..backups.len().saturating_sub(keep.get())]
}

/// Takes one backup of `store` into `folder`, named after `now`.
///
/// # Errors
/// The folder cannot be created, SQLite cannot write the copy, or the copy
/// cannot be renamed into place.
pub async fn take(
    store: &SqliteStore,
    folder: &Path,
    now: DateTime<Utc>,
) -> Result<BackupFile, ScheduledBackupError> {
    std::fs::create_dir_all(folder).map_err(|source| ScheduledBackupError::Folder {
        path: folder.to_owned(),
        source,
    })?;
    let name = file_name(now);
    let path = folder.join(&name);
    let partial = folder.join(format!("{name}{PARTIAL_SUFFIX}"));
    // Left by a crash during the same second's attempt: it is incomplete.
    let _ = std::fs::remove_file(&partial);
    store.backup_to(&partial).await?;
    if let Err(source) = std::fs::rename(&partial, &path) {
        // A copy of every customer's data that is no backup: not kept.
        let _ = std::fs::remove_file(&partial);
        return Err(ScheduledBackupError::Rename { path, source });
    }
    Ok(BackupFile {
        path,
        taken_at: now,
    })
}

/// Deletes the copies in `folder` that a crash or a kill interrupted
/// (`booking-*.db.partial`): each holds customer data and is no backup.
/// Called once when the schedule starts; while it runs, [`take`] removes
/// its own failed copy. Files that are not the schedule's are left alone.
pub fn remove_unfinished(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let unfinished = name.to_str().is_some_and(|name| {
            name.strip_suffix(PARTIAL_SUFFIX)
                .is_some_and(|backup| taken_at(backup).is_some())
        });
        if unfinished {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => {
                    tracing::info!(path = %entry.path().display(), "unfinished backup copy deleted");
                }
                Err(e) => {
                    tracing::warn!(path = %entry.path().display(), error = %e, "cannot delete an unfinished backup copy");
                }
            }
        }
    }
}

/// Takes a backup if one is due, then deletes the backups beyond `keep`
/// and returns how long to wait before the next
/// call. Failures are logged, never fatal: the bots keep serving.
pub async fn run_due(
    store: &SqliteStore,
    clock: &impl Clock,
    schedule: &BackupSchedule,
    folder: &Path,
) -> Duration {
    let now = clock.now();
    let wait_until = |due: DateTime<Utc>| (due - now).to_std().unwrap_or(Duration::ZERO);
    let backups = match list(folder) {
        Ok(backups) => backups,
        Err(e) => {
            tracing::error!(error = %adapter_telegram::error::chain(&e), "scheduled backup: cannot read the folder");
            return RETRY_AFTER_FAILURE.min(schedule.interval);
        }
    };
    let mut backups = backups;
    let due = next_due(backups.last().map(|b| b.taken_at), schedule.interval, now);
    if due > now {
        return wait_until(due);
    }
    match take(store, folder, now).await {
        Ok(taken) => {
            let size = std::fs::metadata(&taken.path).map_or(0, |m| m.len());
            tracing::info!(path = %taken.path.display(), bytes = size, "scheduled backup written");
            // The newest: taken at `now`, after every listed one.
            backups.push(taken);
        }
        Err(e) => {
            tracing::error!(error = %adapter_telegram::error::chain(&e), "scheduled backup failed; retrying later");
            return RETRY_AFTER_FAILURE.min(schedule.interval);
        }
    }
    prune(&backups, schedule.keep);
    schedule.interval
}

/// Deletes the backups beyond `keep` from `backups` (the folder's, oldest
/// first, as listed before the new one was added); a file that cannot be
/// deleted is logged and tried again after the next backup.
fn prune(backups: &[BackupFile], keep: NonZeroUsize) {
    for old in beyond_keep(backups, keep) {
        match std::fs::remove_file(&old.path) {
            Ok(()) => tracing::info!(path = %old.path.display(), "old backup deleted"),
            Err(e) => {
                tracing::warn!(path = %old.path.display(), error = %e, "cannot delete an old backup");
            }
        }
    }
}

/// Runs the schedule until `stop` resolves. A backup in progress finishes
/// before this returns, so the store can then be closed.
pub async fn run(
    store: SqliteStore,
    clock: impl Clock,
    schedule: BackupSchedule,
    folder: PathBuf,
    stop: impl std::future::Future<Output = ()>,
) {
    tracing::info!(
        folder = %folder.display(),
        interval_hours = schedule.interval.as_secs() / 3600,
        keep = schedule.keep.get(),
        "scheduled backups on"
    );
    remove_unfinished(&folder);
    tokio::pin!(stop);
    loop {
        let wait = run_due(&store, &clock, &schedule, &folder).await;
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use booking_ports::ManualClock;
    use chrono::TimeZone;

    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 60 * 60);

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, hour, 0, 0).unwrap()
    }

    fn section(text: &str) -> BackupSection {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn defaults_are_daily_keeping_seven_next_to_the_database() {
        let schedule = section("").validate().unwrap().unwrap();
        assert_eq!(schedule.interval, DAY);
        assert_eq!(schedule.keep.get(), 7);
        assert_eq!(
            schedule.directory_for(Path::new("data/booking.db")),
            Path::new("data/backups")
        );
    }

    #[test]
    fn turned_off_is_no_schedule_and_bad_values_name_the_setting() {
        assert_eq!(section("enabled = false").validate().unwrap(), None);
        for (text, setting) in [
            ("interval_hours = 0", "backup.interval_hours"),
            ("interval_hours = 9000", "backup.interval_hours"),
            ("keep = 0", "backup.keep"),
            ("directory = \"\"", "backup.directory"),
        ] {
            let error = section(text).validate().unwrap_err().to_string();
            assert!(error.starts_with(setting), "{text}: {error}");
        }
    }

    #[test]
    fn names_carry_the_moment_and_round_trip() {
        let moment = Utc.with_ymd_and_hms(2026, 11, 24, 3, 4, 5).unwrap();
        assert_eq!(file_name(moment), "booking-20261124T030405Z.db");
        assert_eq!(taken_at(&file_name(moment)), Some(moment));
        assert_eq!(taken_at("booking-20261124T030405Z.db.partial"), None);
        assert_eq!(taken_at("booking.db"), None);
    }

    #[test]
    fn the_next_backup_is_an_interval_after_the_newest_and_never_further_than_one_from_now() {
        assert_eq!(next_due(None, DAY, at(9)), at(9));
        assert_eq!(
            next_due(Some(at(1)), Duration::from_secs(3600), at(9)),
            at(2)
        );
        let five_hours = Duration::from_secs(5 * 3600);
        assert_eq!(next_due(Some(at(3)), five_hours, at(4)), at(8));
        // The newest is "in the future": the clock went back.
        assert_eq!(next_due(Some(at(20)), five_hours, at(4)), at(9));
    }

    #[test]
    fn listing_keeps_only_finished_backups_oldest_first() {
        let folder = tempfile::tempdir().unwrap();
        for name in [
            "booking-20300101T050000Z.db",
            "booking-20300101T010000Z.db",
            "booking-20300101T090000Z.db.partial",
            "notes.txt",
            "booking.db",
        ] {
            std::fs::write(folder.path().join(name), b"x").unwrap();
        }
        let found: Vec<_> = list(folder.path())
            .unwrap()
            .into_iter()
            .map(|b| b.taken_at)
            .collect();
        assert_eq!(found, [at(1), at(5)]);
        assert!(list(&folder.path().join("missing")).unwrap().is_empty());
    }

    #[test]
    fn copies_a_crash_interrupted_are_deleted_and_nothing_else() {
        let folder = tempfile::tempdir().unwrap();
        let kept = [
            "booking-20300101T050000Z.db",
            "notes.txt.partial",
            "booking.db",
        ];
        for name in kept.iter().chain(&["booking-20300101T090000Z.db.partial"]) {
            std::fs::write(folder.path().join(name), b"x").unwrap();
        }
        remove_unfinished(folder.path());
        let mut left: Vec<_> = std::fs::read_dir(folder.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut expected = kept.map(str::to_owned).to_vec();
        expected.sort();
        assert_eq!(left, expected);
        // A folder not made yet is no error.
        remove_unfinished(&folder.path().join("missing"));
    }

    async fn store_in(folder: &Path) -> SqliteStore {
        let settings = adapter_sqlite::SqliteSettings::new(folder.join("booking.db"));
        SqliteStore::open(&settings).await.unwrap()
    }

    #[tokio::test]
    async fn a_due_backup_is_taken_the_schedule_waits_and_only_the_newest_are_kept() {
        let root = tempfile::tempdir().unwrap();
        let store = store_in(root.path()).await;
        let backups = root.path().join("backups");
        let clock = ManualClock::new(at(0));
        let schedule = BackupSchedule {
            directory: None,
            interval: Duration::from_secs(3600),
            keep: NonZeroUsize::new(2).unwrap(),
        };

        // No backup yet: one now, then an interval's wait.
        assert_eq!(
            run_due(&store, &clock, &schedule, &backups).await,
            schedule.interval
        );
        assert_eq!(list(&backups).unwrap().len(), 1);

        // Twenty minutes later (a restart, say): nothing is due yet.
        clock.advance(chrono::Duration::minutes(20));
        assert_eq!(
            run_due(&store, &clock, &schedule, &backups).await,
            Duration::from_secs(40 * 60)
        );
        assert_eq!(list(&backups).unwrap().len(), 1);

        for hour in 1..=3 {
            clock.set(at(hour));
            run_due(&store, &clock, &schedule, &backups).await;
        }
        let kept: Vec<_> = list(&backups)
            .unwrap()
            .into_iter()
            .map(|b| b.taken_at)
            .collect();
        assert_eq!(kept, [at(2), at(3)]);
        store.close().await;
    }

    #[tokio::test]
    async fn a_backup_is_a_complete_database_that_restores() {
        let root = tempfile::tempdir().unwrap();
        let store = store_in(root.path()).await;
        let folder = root.path().join("backups");
        // An unfinished copy from a crash in the same second is replaced.
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join(format!("{}{PARTIAL_SUFFIX}", file_name(at(6)))),
            b"torn",
        )
        .unwrap();

        let taken = take(&store, &folder, at(6)).await.unwrap();
        store.close().await;
        assert_eq!(taken.path, folder.join("booking-20300101T060000Z.db"));
        assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 1);

        let restored = adapter_sqlite::SqliteSettings::new(root.path().join("restored.db"));
        let report = SqliteStore::restore(&taken.path, &restored).await.unwrap();
        assert_eq!(report.backup_schema_level, report.schema_level);
    }

    #[tokio::test]
    async fn a_backup_that_cannot_be_written_is_retried_within_the_hour() {
        let root = tempfile::tempdir().unwrap();
        let store = store_in(root.path()).await;
        // A file where the folder should be.
        let folder = root.path().join("not-a-folder");
        std::fs::write(&folder, b"x").unwrap();
        let schedule = BackupSchedule {
            directory: None,
            interval: DAY,
            keep: NonZeroUsize::new(3).unwrap(),
        };
        let wait = run_due(&store, &ManualClock::new(at(0)), &schedule, &folder).await;
        assert_eq!(wait, RETRY_AFTER_FAILURE);
        store.close().await;
    }
}
