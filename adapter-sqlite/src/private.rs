//! Files that hold customer data are readable by their owner only (mode
//! 0600), whatever the process's umask: the database, its write-ahead log
//! and shared-memory index, backups and restore copies.
//!
//! SQLite gives a database's `-wal` and `-shm` files the permissions of the
//! database file itself, so creating the database private is enough for
//! them; a database created by an earlier release (umask-wide) is narrowed
//! when the store opens it.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::Path;

/// Owner read and write, nobody else.
#[cfg(unix)]
const PRIVATE_MODE: u32 = 0o600;

/// Creates `path` as an empty file readable by its owner only. Fails with
/// [`io::ErrorKind::AlreadyExists`] when something is there already, so a
/// check-then-create race cannot widen an existing file.
pub(crate) fn create_new_private(path: &Path) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, PRIVATE_MODE);
    options.open(path).map(drop)
}

/// Creates the database file private if it does not exist yet, so SQLite
/// never creates it with the umask's permissions; narrows it (and its
/// `-wal`/`-shm` companions) to the owner if it exists with wider ones.
pub(crate) fn prepare_database_file(path: &Path) -> io::Result<()> {
    match create_new_private(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            for file in [
                path.to_owned(),
                crate::backup::sibling(path, "-wal"),
                crate::backup::sibling(path, "-shm"),
            ] {
                restrict_to_owner(&file)?;
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Removes group and other permissions from `path`, if it exists.
#[cfg(unix)]
pub(crate) fn restrict_to_owner(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mode = metadata.permissions().mode();
    if mode & 0o077 != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o700))?;
    }
    Ok(())
}

/// Elsewhere, permissions are the platform's ACLs, set by the operator.
#[cfg(not(unix))]
pub(crate) fn restrict_to_owner(_path: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_file_is_private_whatever_the_umask_allows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        create_new_private(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        let again = create_new_private(&path).unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
    }

    #[test]
    fn an_existing_world_readable_database_and_its_log_are_narrowed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let wal = dir.path().join("old.db-wal");
        for file in [&path, &wal] {
            fs::write(file, b"").unwrap();
            fs::set_permissions(file, fs::Permissions::from_mode(0o644)).unwrap();
        }
        prepare_database_file(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&wal), 0o600);
    }
}
