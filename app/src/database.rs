//! Where the database lives and how the store opens it: `BOOKING_DATABASE_URL`
//! as a SQLite URL (`sqlite://data/booking.db`,
//! `sqlite:///var/lib/booking/booking.db`, `sqlite:booking.db`) or a plain
//! path, and the store's tuning from `BOOKING_DATABASE_*`, validated once
//! into [`DatabaseSettings`] when the settings load; [`open`] takes that
//! value and creates the file's folder on first start.

use std::path::{Path, PathBuf};
use std::time::Duration;

use adapter_sqlite::{Durability, OpenError, SqliteSettings, SqliteStore};

use crate::config::{ConfigError, DEFAULT_DATABASE_URL, DatabaseVars, Reason, env};

/// The database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Open(#[from] OpenError),
}

/// The database's location and the store's settings, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSettings {
    /// As configured, for the log and `check-config`.
    url: String,
    store: SqliteSettings,
}

impl DatabaseSettings {
    /// The database `url` names, with the adapter's defaults (durability
    /// `full`, 4 connections, 5 s busy timeout).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `BOOKING_DATABASE_URL`: see [`path_of`].
    pub fn from_url(url: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            url: url.trim().to_owned(),
            store: SqliteSettings::new(path_of(url)?),
        })
    }

    /// The database and the store's settings from the environment, each
    /// optional (docs/CONFIG.md).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the variable that is wrong.
    pub fn from_environment(vars: &DatabaseVars) -> Result<Self, ConfigError> {
        let mut settings = Self::from_url(vars.url.as_deref().unwrap_or(DEFAULT_DATABASE_URL))?;
        let store = &mut settings.store;
        if let Some(raw) = &vars.durability {
            store.durability = raw
                .trim()
                .parse::<Durability>()
                .map_err(|e| ConfigError::invalid(env::DATABASE_DURABILITY, e))?;
        }
        if let Some(raw) = &vars.pool_size {
            store.max_connections = whole_number(env::DATABASE_POOL_SIZE, raw, 2..=64, "")?;
        }
        if let Some(raw) = &vars.busy_timeout_seconds {
            let seconds = whole_number(env::DATABASE_BUSY_TIMEOUT, raw, 1..=600, " of seconds")?;
            store.busy_timeout = Duration::from_secs(u64::from(seconds));
        }
        Ok(settings)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.store.path
    }

    /// What the store opens with.
    pub fn store(&self) -> &SqliteSettings {
        &self.store
    }
}

fn whole_number(
    var: &'static str,
    raw: &str,
    range: std::ops::RangeInclusive<u32>,
    unit: &str,
) -> Result<u32, ConfigError> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            ConfigError::invalid(
                var,
                format!(
                    "expected a whole number{unit} from {} to {}, got {raw:?}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

/// The file a database URL names.
///
/// # Errors
/// [`ConfigError::Invalid`] naming `BOOKING_DATABASE_URL` for another
/// scheme, an in-memory database (each pooled connection would get its
/// own) or an empty path.
pub fn path_of(url: &str) -> Result<PathBuf, ConfigError> {
    let invalid = |reason| ConfigError::invalid(env::DATABASE_URL, Reason(reason));
    let url = url.trim();
    let path = if let Some(rest) = url.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        rest
    } else if url.contains("://") {
        return Err(invalid(
            "only SQLite is supported: use sqlite://<path> or a file path",
        ));
    } else {
        url
    };
    // Connection options (`?mode=rwc`) are the store's business.
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() {
        return Err(invalid("the URL names no file"));
    }
    if path == ":memory:" {
        return Err(invalid(
            "an in-memory database would lose every booking at exit; name a file",
        ));
    }
    Ok(PathBuf::from(path))
}

/// Opens the store `settings` describe, creating the file's folder when
/// missing.
///
/// # Errors
/// [`DatabaseError`] naming what failed.
pub async fn open(settings: &DatabaseSettings) -> Result<SqliteStore, DatabaseError> {
    if let Some(folder) = settings
        .path()
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder).map_err(|source| DatabaseError::Folder {
            path: folder.to_owned(),
            source,
        })?;
    }
    Ok(SqliteStore::open(settings.store()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;

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

    fn store_settings(vars: &Vars) -> Result<SqliteSettings, ConfigError> {
        DatabaseSettings::from_environment(&DatabaseVars::read(vars)).map(|s| s.store)
    }

    #[test]
    fn store_settings_default_to_full_durability_and_read_the_environment() {
        let defaults = store_settings(&Vars(&[])).unwrap();
        assert_eq!(defaults.durability, Durability::SurvivesPowerLoss);
        assert_eq!(defaults.path, PathBuf::from("data/booking.db"));

        let tuned = store_settings(&Vars(&[
            (env::DATABASE_DURABILITY, "normal"),
            (env::DATABASE_POOL_SIZE, "8"),
            (env::DATABASE_BUSY_TIMEOUT, "30"),
        ]))
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
            (env::DATABASE_URL, "postgres://db/x"),
        ] {
            let vars: &'static [(&'static str, &'static str)] =
                Box::leak(vec![(var, value)].into_boxed_slice());
            let error = store_settings(&Vars(vars)).unwrap_err();
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
        let settings = DatabaseSettings::from_url(&format!("sqlite://{}", path.display())).unwrap();
        let store = open(&settings).await.unwrap();
        store.close().await;
        assert!(path.exists());
    }
}
