//! Online backup of the live database to a file, and restore of such a file
//! in place of a database that is not in use.
//!
//! A backup is `VACUUM INTO`: one read transaction, so it is a consistent
//! snapshot, and in WAL mode writers keep committing while it runs. A restore
//! first verifies a private copy of the backup (`integrity_check`,
//! `foreign_key_check`, and that its schema level is one this release knows),
//! brings the copy up to the current schema, and only then swaps it in with
//! one atomic rename, keeping the replaced database beside it.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use booking_ports::BoxError;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use crate::SqliteStore;
use crate::db::{self, OpenError};
use crate::private;
use crate::settings::SqliteSettings;
use crate::sql;

/// Why a backup was not written.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Backups never overwrite: pick a new name (a timestamp in it, say).
    #[error("the backup target {} already exists", path.display())]
    TargetExists { path: PathBuf },
    /// SQLite takes the target as a UTF-8 string.
    #[error("the backup target {} is not valid UTF-8", path.display())]
    NonUtf8Path { path: PathBuf },
    /// SQLite failed to write the copy (no space, no permission).
    #[error("writing the backup {} failed", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// The schema level the backup had.
    pub backup_schema_level: i64,
    /// The schema level of the restored database (this release's).
    pub schema_level: i64,
    /// Where the replaced database was kept (`<db>.before-restore`, with
    /// `<db>.before-restore-wal` when it had a write-ahead log), if there was
    /// one.
    pub replaced_kept_at: Option<PathBuf>,
}

/// Why a restore was refused or failed. In every case but [`RestoreError::Io`]
/// during the final swap, the database at the target path is untouched.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("cannot read the backup {}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
    /// `integrity_check` or `foreign_key_check` found problems; the first few
    /// are listed (they name tables and pages, never row contents).
    #[error("the backup {} is damaged: {}", path.display(), problems.join("; "))]
    Damaged {
        path: PathBuf,
        problems: Vec<String>,
    },
    /// The file is an SQLite database but not one this store wrote.
    #[error("the backup {} is not a booking database (it has no schema level)", path.display())]
    NotABookingDatabase { path: PathBuf },
    /// The backup comes from a newer release, or its migrations differ.
    #[error("the backup {} cannot be used by this release", path.display())]
    Schema {
        path: PathBuf,
        #[source]
        source: OpenError,
    },
    #[error("{action} {} failed", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl SqliteStore {
    /// Writes a consistent copy of the live database to `target`, which must
    /// not exist, while other connections (and processes) keep writing. The
    /// copy is compact (vacuumed), fsynced, and restorable with
    /// [`SqliteStore::restore`].
    ///
    /// # Errors
    /// [`BackupError`] saying why; a partial file is removed.
    pub async fn backup_to(&self, target: &Path) -> Result<(), BackupError> {
        let target_text = target.to_str().ok_or_else(|| BackupError::NonUtf8Path {
            path: target.to_owned(),
        })?;
        let write_error = |source: BoxError| BackupError::Write {
            path: target.to_owned(),
            source,
        };
        // Created empty and private first (VACUUM INTO fills an empty file),
        // so the copy of every customer's data is never readable by others,
        // whatever the umask, and an existing file is never overwritten.
        match private::create_new_private(target) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(BackupError::TargetExists {
                    path: target.to_owned(),
                });
            }
            Err(e) => return Err(write_error(e.into())),
        }
        if let Err(e) = sqlx::query(sql::VACUUM_INTO)
            .bind(target_text)
            .execute(&self.pool)
            .await
        {
            // VACUUM INTO may leave a partial file behind on failure.
            let _ = fs::remove_file(target);
            return Err(write_error(e.into()));
        }
        // VACUUM INTO does not promise the output reached the disk; a backup
        // that vanishes with the power is no backup.
        sync_file_and_directory(target).map_err(|e| write_error(e.into()))
    }

    /// Replaces the database at `settings.path` with the backup at `backup`.
    ///
    /// The database at `settings.path` MUST NOT be open in any process: stop
    /// the app first. The backup itself is never modified. Steps:
    /// 1. copy the backup to `<db>.restoring` beside the target;
    /// 2. verify the copy: `integrity_check` and `foreign_key_check` clean,
    ///    and its applied migrations all known to this release, unmodified;
    /// 3. migrate the copy to this release's schema level, check that its
    ///    tables, indexes, triggers and views are exactly those this
    ///    release creates, fsync it;
    /// 4. keep the current database as `<db>.before-restore` (its
    ///    write-ahead log, if any, as `<db>.before-restore-wal`, so the
    ///    stale log can never be replayed onto the restored file);
    /// 5. rename the copy over the target (atomic) and fsync the directory.
    ///
    /// A refusal in steps 1 to 3 leaves the target untouched. The copies
    /// are blocking file I/O on the calling thread: this is a maintenance
    /// command for a stopped app, not something to run beside live traffic.
    ///
    /// # Errors
    /// [`RestoreError`] saying which step refused or failed.
    pub async fn restore(
        backup: &Path,
        settings: &SqliteSettings,
    ) -> Result<RestoreReport, RestoreError> {
        let target = settings.path.as_path();
        let staging = sibling(target, ".restoring");
        let io_error = |action: &'static str, path: &Path| {
            let path = path.to_owned();
            move |source: io::Error| RestoreError::Io {
                action,
                path,
                source,
            }
        };

        if !backup.is_file() {
            return Err(RestoreError::Unreadable {
                path: backup.to_owned(),
                source: "no such file".into(),
            });
        }
        remove_if_exists(&staging).map_err(io_error("removing the stale", &staging))?;
        remove_if_exists(&sibling(&staging, "-wal"))
            .map_err(io_error("removing the stale", &staging))?;
        remove_if_exists(&sibling(&staging, "-shm"))
            .map_err(io_error("removing the stale", &staging))?;
        fs::copy(backup, &staging).map_err(io_error("copying the backup to", &staging))?;
        // `fs::copy` carries the backup's permissions over; the database
        // that replaces the live one is private whatever they were.
        private::restrict_to_owner(&staging).map_err(io_error("restricting", &staging))?;

        let verified = verify_and_migrate(&staging, backup, settings).await;
        let backup_schema_level = match verified {
            Ok(level) => level,
            Err(e) => {
                let _ = fs::remove_file(&staging);
                let _ = fs::remove_file(sibling(&staging, "-wal"));
                let _ = fs::remove_file(sibling(&staging, "-shm"));
                return Err(e);
            }
        };
        sync_file_and_directory(&staging).map_err(io_error("syncing", &staging))?;

        let replaced_kept_at = if target.exists() {
            let kept = sibling(target, ".before-restore");
            let kept_wal = sibling(target, ".before-restore-wal");
            remove_if_exists(&kept).map_err(io_error("removing the old", &kept))?;
            remove_if_exists(&kept_wal).map_err(io_error("removing the old", &kept_wal))?;
            // A hard link keeps the current file reachable under the new name
            // while the target path keeps pointing at it until the rename, so
            // there is no moment without a database at the target path.
            if fs::hard_link(target, &kept).is_err() {
                fs::copy(target, &kept).map_err(io_error("keeping a copy of", target))?;
            }
            let wal = sibling(target, "-wal");
            if wal.exists() {
                fs::rename(&wal, &kept_wal).map_err(io_error("moving aside", &wal))?;
            }
            remove_if_exists(&sibling(target, "-shm"))
                .map_err(io_error("removing", &sibling(target, "-shm")))?;
            Some(kept)
        } else {
            None
        };
        fs::rename(&staging, target)
            .map_err(io_error("moving the restored database to", target))?;
        sync_file_and_directory(target).map_err(io_error("syncing", target))?;
        Ok(RestoreReport {
            backup_schema_level,
            schema_level: db::schema_level(),
            replaced_kept_at,
        })
    }
}

/// Verifies the staged copy and migrates it; returns the backup's schema
/// level. Leaves the copy closed, checkpointed and in WAL mode.
async fn verify_and_migrate(
    staging: &Path,
    backup: &Path,
    settings: &SqliteSettings,
) -> Result<i64, RestoreError> {
    let unreadable = |source: sqlx::Error| RestoreError::Unreadable {
        path: backup.to_owned(),
        source: source.into(),
    };
    let mut connection: SqliteConnection = db::connect_options(staging, settings)
        .create_if_missing(false)
        .connect()
        .await
        .map_err(unreadable)?;
    db::enable_wal(&mut connection, settings.busy_timeout)
        .await
        .map_err(unreadable)?;

    let problems = db::integrity_problems(&mut connection)
        .await
        .map_err(unreadable)?;
    if !problems.is_empty() {
        return Err(RestoreError::Damaged {
            path: backup.to_owned(),
            problems,
        });
    }

    let applied = db::applied_migrations(&mut connection)
        .await
        .map_err(unreadable)?;
    let Some(&backup_level) = applied.keys().max() else {
        return Err(RestoreError::NotABookingDatabase {
            path: backup.to_owned(),
        });
    };
    let schema_error = |source: OpenError| RestoreError::Schema {
        path: backup.to_owned(),
        source,
    };
    db::check_applied(&applied, backup).map_err(schema_error)?;
    db::migrate(&mut connection, staging)
        .await
        .map_err(schema_error)?;
    // Brought to this release's level, the copy must have exactly the
    // schema a fresh database has: the overlap triggers, checks and indexes
    // are what keep bookings consistent.
    let differences = db::schema_differences(&mut connection)
        .await
        .map_err(unreadable)?;
    if !differences.is_empty() {
        return Err(RestoreError::Damaged {
            path: backup.to_owned(),
            problems: differences,
        });
    }
    // Closing the last connection checkpoints the log into the file and
    // deletes it, so the renamed file is complete on its own.
    connection.close().await.map_err(unreadable)?;
    Ok(backup_level)
}

/// `<path><suffix>`: `bookings.db` and `-wal` give `bookings.db-wal`.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_exists(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Makes a file's content and its directory entry durable.
fn sync_file_and_directory(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()?;
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // Directories can be opened and synced on Unix; elsewhere the rename is
    // as durable as the platform makes it.
    if cfg!(unix) {
        File::open(directory)?.sync_all()?;
    }
    Ok(())
}
