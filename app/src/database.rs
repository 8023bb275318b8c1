//! Where the database lives: `BOOKING_DATABASE_URL` as a SQLite URL
//! (`sqlite://data/booking.db`, `sqlite:///var/lib/booking/booking.db`,
//! `sqlite:booking.db`) or a plain path, and its folder created on first
//! start.

use std::path::PathBuf;

use adapter_sqlite::{OpenError, SqliteSettings, SqliteStore};

use crate::config::env;

/// The database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("{var} is invalid: {reason}", var = env::DATABASE_URL)]
    Url { reason: &'static str },
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Open(#[from] OpenError),
}

/// The file a database URL names.
///
/// # Errors
/// [`DatabaseError::Url`] for another scheme, an in-memory database (each
/// pooled connection would get its own) or an empty path.
pub fn path_of(url: &str) -> Result<PathBuf, DatabaseError> {
    let url = url.trim();
    let path = if let Some(rest) = url.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        rest
    } else if url.contains("://") {
        return Err(DatabaseError::Url {
            reason: "only SQLite is supported: use sqlite://<path> or a file path",
        });
    } else {
        url
    };
    // Connection options (`?mode=rwc`) are the store's business.
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() {
        return Err(DatabaseError::Url {
            reason: "the URL names no file",
        });
    }
    if path == ":memory:" {
        return Err(DatabaseError::Url {
            reason: "an in-memory database would lose every booking at exit; name a file",
        });
    }
    Ok(PathBuf::from(path))
}

/// Opens the store at `url`, creating the file's folder when missing.
///
/// # Errors
/// [`DatabaseError`] naming what failed.
pub async fn open(url: &str) -> Result<SqliteStore, DatabaseError> {
    let path = path_of(url)?;
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|source| DatabaseError::Folder {
            path: folder.to_owned(),
            source,
        })?;
    }
    Ok(SqliteStore::open(&SqliteSettings::new(path)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_name_files() {
        assert_eq!(
            path_of("sqlite://data/booking.db").unwrap(),
            PathBuf::from("data/booking.db")
        );
        assert_eq!(
            path_of("sqlite:///var/lib/b.db").unwrap(),
            PathBuf::from("/var/lib/b.db")
        );
        assert_eq!(
            path_of("sqlite:b.db?mode=rwc").unwrap(),
            PathBuf::from("b.db")
        );
        assert_eq!(
            path_of("./data/b.db").unwrap(),
            PathBuf::from("./data/b.db")
        );
        assert!(path_of("postgres://db/x").is_err());
        assert!(path_of("sqlite::memory:").is_err());
        assert!(path_of("sqlite://").is_err());
    }

    #[tokio::test]
    async fn the_folder_of_a_new_database_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/data/booking.db");
        let store = open(&format!("sqlite://{}", path.display())).await.unwrap();
        store.close().await;
        assert!(path.exists());
    }
}
