//! The run lock: `booking run` holds it for its whole life, so `booking
//! restore`, `migrate`, `catalog import` and `migrate-store` can tell for
//! certain that no bot is using the database. On SQLite it is an exclusive lock on
//! `<database>.lock`, released by the operating system when the process
//! ends, even on a crash; on PostgreSQL a session advisory lock
//! (`adapter_postgres::RunLock`), released by the server when the
//! connection ends. [`HeldLock`] is either, for the commands that change
//! the database; [`InstanceLock`] is what `booking run` holds: on
//! PostgreSQL the same lock shared, so several instances run side by side
//! while the commands still wait for all of them to stop.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum RunLockError {
    #[error("another booking process is running on this database (it holds {})", path.display())]
    Held { path: PathBuf },
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// An exclusive lock on a database's lock file; released when dropped.
#[derive(Debug)]
pub struct RunLock {
    // Held only for its lock.
    _file: File,
    path: PathBuf,
}

/// The lock file of the database at `database`: `<database>.lock`.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl RunLock {
    /// Takes the lock for the database at `database` without waiting,
    /// creating the database's folder when missing (first start).
    ///
    /// # Errors
    /// [`RunLockError::Held`] when another process holds it.
    pub fn try_acquire(database: &Path) -> Result<Self, RunLockError> {
        let path = lock_path(database);
        let io = |source| RunLockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(io)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(RunLockError::Held { path }),
            Err(TryLockError::Error(source)) => Err(io(source)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The run lock of either store; released when dropped.
#[derive(Debug)]
pub enum HeldLock {
    File(RunLock),
    Postgres(adapter_postgres::RunLock),
}

impl HeldLock {
    /// Lets go now (on PostgreSQL, without waiting for the server to
    /// notice a dropped connection).
    pub async fn release(self) {
        match self {
            Self::File(lock) => drop(lock),
            Self::Postgres(lock) => lock.release().await,
        }
    }
}

/// What `booking run` holds for its whole life: the lock file on SQLite
/// (one instance, always alone), the run lock shared with the other
/// instances on PostgreSQL.
#[derive(Debug)]
pub enum InstanceLock {
    File(RunLock),
    Postgres(adapter_postgres::InstanceLock),
}

impl InstanceLock {
    /// Whether no other `booking` process held the database when this one
    /// started: only then may it take over what an earlier run left
    /// unfinished (another instance could be handling it).
    pub fn alone(&self) -> bool {
        match self {
            Self::File(_) => true,
            Self::Postgres(lock) => lock.alone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("data/booking.db");
        let first = RunLock::try_acquire(&db).unwrap();
        assert_eq!(first.path(), dir.path().join("data/booking.db.lock"));
        assert!(matches!(
            RunLock::try_acquire(&db),
            Err(RunLockError::Held { .. })
        ));
        drop(first);
        RunLock::try_acquire(&db).unwrap();
    }
}
