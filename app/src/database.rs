//! Where the database lives: `BOOKING_DATABASE_URL` as a SQLite URL
//! (`sqlite://data/booking.db`, `sqlite:///var/lib/booking/booking.db`,
//! `sqlite:booking.db`) or a plain path, and its folder created on first
//! start.

use std::path::PathBuf;

use std::time::Duration;

use adapter_sqlite::{Durability, OpenError, SqliteSettings, SqliteStore};

use crate::config::{ConfigError, Environment, ProcessEnvironment, env};

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
    #[error(transparent)]
    Setting(#[from] ConfigError),
}

/// The store's settings for the file at `path`, with the durability, pool
/// size and busy timeout from the environment (each optional; the
/// adapter's defaults are `full`, 4 and 5 s). See docs/CONFIG.md.
///
/// # Errors
/// [`ConfigError::Invalid`] naming the variable that is wrong.
pub fn store_settings(
    path: PathBuf,
    environment: &impl Environment,
) -> Result<SqliteSettings, ConfigError> {
    let mut settings = SqliteSettings::new(path);
    if let Some(raw) = environment.var(env::DATABASE_DURABILITY) {
        settings.durability = raw
            .trim()
            .parse::<Durability>()
            .map_err(|e| ConfigError::invalid(env::DATABASE_DURABILITY, e))?;
    }
    if let Some(raw) = environment.var(env::DATABASE_POOL_SIZE) {
        settings.max_connections = raw
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (2..=64).contains(n))
            .ok_or_else(|| {
                ConfigError::invalid(
                    env::DATABASE_POOL_SIZE,
                    format!("expected a whole number from 2 to 64, got {raw:?}"),
                )
            })?;
    }
    if let Some(raw) = environment.var(env::DATABASE_BUSY_TIMEOUT) {
        let seconds = raw
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=600).contains(n))
            .ok_or_else(|| {
                ConfigError::invalid(
                    env::DATABASE_BUSY_TIMEOUT,
                    format!("expected a whole number of seconds from 1 to 600, got {raw:?}"),
                )
            })?;
        settings.busy_timeout = Duration::from_secs(seconds);
    }
    Ok(settings)
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
    let settings = store_settings(path, &ProcessEnvironment)?;
    Ok(SqliteStore::open(&settings).await?)
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

    struct Vars(&'static [(&'static str, &'static str)]);

    impl Environment for Vars {
        fn var(&self, name: &str) -> Option<String> {
            self.0
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn store_settings_default_to_full_durability_and_read_the_environment() {
        let defaults = store_settings(PathBuf::from("b.db"), &Vars(&[])).unwrap();
        assert_eq!(defaults.durability, Durability::SurvivesPowerLoss);

        let tuned = store_settings(
            PathBuf::from("b.db"),
            &Vars(&[
                (env::DATABASE_DURABILITY, "normal"),
                (env::DATABASE_POOL_SIZE, "8"),
                (env::DATABASE_BUSY_TIMEOUT, "30"),
            ]),
        )
        .unwrap();
        assert_eq!(tuned.durability, Durability::SurvivesProcessCrash);
        assert_eq!(tuned.max_connections, 8);
        assert_eq!(tuned.busy_timeout, Duration::from_secs(30));
    }

    #[test]
    fn bad_store_settings_name_the_variable() {
        for (var, value) in [
            (env::DATABASE_DURABILITY, "fast"),
            (env::DATABASE_POOL_SIZE, "1"),
            (env::DATABASE_BUSY_TIMEOUT, "0"),
        ] {
            let vars: &'static [(&'static str, &'static str)] =
                Box::leak(vec![(var, value)].into_boxed_slice());
            let error = store_settings(PathBuf::from("b.db"), &Vars(vars)).unwrap_err();
            assert!(
                error.to_string().starts_with(&format!("{var} is invalid")),
                "{error}"
            );
        }
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
