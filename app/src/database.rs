//! Where the database lives and how the store opens it:
//! `BOOKING_DATABASE_URL` names SQLite (the default: a `sqlite:` URL such as
//! `sqlite://data/booking.db`, `sqlite:///var/lib/booking/booking.db`, or a
//! plain path) or PostgreSQL (`postgres://user:password@host/database`),
//! and `BOOKING_DATABASE_*` tune the store; validated once into
//! [`DatabaseSettings`] when the settings load. [`open`] takes that value
//! (creating a SQLite file's folder on first start) and gives a [`Store`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use adapter_postgres::{PgSettings, PgStore};
use adapter_sqlite::{Durability, SqliteSettings, SqliteStore};
use secrecy::{ExposeSecret, SecretString};

use crate::config::{ConfigError, DEFAULT_DATABASE_URL, DatabaseVars, Reason, env};
use crate::run_lock::{HeldLock, InstanceLock, RunLock, RunLockError};
pub use crate::store::Store;

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
    Open(#[from] adapter_sqlite::OpenError),
    #[error("cannot open the database: {0}")]
    OpenPostgres(#[from] adapter_postgres::OpenError),
}

/// Which store, with its settings.
#[derive(Debug, Clone)]
pub enum StoreSettings {
    Sqlite(SqliteSettings),
    Postgres(PgSettings),
}

/// The database's location and the store's settings, validated.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// As configured, with a PostgreSQL password hidden: for the log and
    /// `check-config`.
    url: String,
    store: StoreSettings,
}

impl PartialEq for DatabaseSettings {
    /// The same database with the same tuning.
    fn eq(&self, other: &Self) -> bool {
        self.same_database(other)
            && match (&self.store, &other.store) {
                (StoreSettings::Sqlite(a), StoreSettings::Sqlite(b)) => a == b,
                _ => self.pool_size() == other.pool_size(),
            }
    }
}

impl Eq for DatabaseSettings {}

/// Whether `url` names a PostgreSQL database.
fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl DatabaseSettings {
    /// The database `url` names, with the adapter's defaults (SQLite:
    /// durability `full`, 4 connections, 5 s busy timeout; PostgreSQL: 10
    /// connections, 30 s statement timeout).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `BOOKING_DATABASE_URL`: see [`path_of`].
    pub fn from_url(url: &str) -> Result<Self, ConfigError> {
        let url = url.trim();
        if is_postgres(url) {
            let settings = PgSettings::new(SecretString::from(url.to_owned()));
            return Ok(Self {
                url: settings.redacted_url(),
                store: StoreSettings::Postgres(settings),
            });
        }
        Ok(Self {
            url: url.to_owned(),
            store: StoreSettings::Sqlite(SqliteSettings::new(path_of(url)?)),
        })
    }

    /// The database and the store's settings from the environment, each
    /// optional (docs/CONFIG.md).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the variable that is wrong, or a
    /// SQLite-only one set for PostgreSQL.
    pub fn from_environment(vars: &DatabaseVars) -> Result<Self, ConfigError> {
        let mut settings = Self::from_url(vars.url.as_deref().unwrap_or(DEFAULT_DATABASE_URL))?;
        let pool_size = match &vars.pool_size {
            Some(raw) => Some(whole_number(env::DATABASE_POOL_SIZE, raw, 2..=64, "")?),
            None => None,
        };
        match &mut settings.store {
            StoreSettings::Sqlite(store) => {
                if let Some(raw) = &vars.durability {
                    store.durability = raw
                        .trim()
                        .parse::<Durability>()
                        .map_err(|e| ConfigError::invalid(env::DATABASE_DURABILITY, e))?;
                }
                if let Some(size) = pool_size {
                    store.max_connections = size;
                }
                if let Some(raw) = &vars.busy_timeout_seconds {
                    let seconds =
                        whole_number(env::DATABASE_BUSY_TIMEOUT, raw, 1..=600, " of seconds")?;
                    store.busy_timeout = Duration::from_secs(u64::from(seconds));
                }
            }
            StoreSettings::Postgres(store) => {
                // The server's own settings decide these on PostgreSQL.
                for (var, value) in [
                    (env::DATABASE_DURABILITY, &vars.durability),
                    (env::DATABASE_BUSY_TIMEOUT, &vars.busy_timeout_seconds),
                ] {
                    if value.is_some() {
                        return Err(ConfigError::invalid(
                            var,
                            Reason("applies to SQLite only; unset it for PostgreSQL"),
                        ));
                    }
                }
                if let Some(size) = pool_size {
                    store.max_connections = size;
                }
            }
        }
        Ok(settings)
    }

    /// The URL, with a PostgreSQL password hidden.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database file, on SQLite.
    pub fn path(&self) -> Option<&Path> {
        match &self.store {
            StoreSettings::Sqlite(store) => Some(&store.path),
            StoreSettings::Postgres(_) => None,
        }
    }

    /// What the store opens with.
    pub fn store(&self) -> &StoreSettings {
        &self.store
    }

    /// Whether `other` names the same database the same way (a changed
    /// PostgreSQL user or password counts as another).
    pub fn same_database(&self, other: &Self) -> bool {
        match (&self.store, &other.store) {
            (StoreSettings::Sqlite(a), StoreSettings::Sqlite(b)) => {
                self.url == other.url && a.path == b.path
            }
            (StoreSettings::Postgres(a), StoreSettings::Postgres(b)) => {
                a.url.expose_secret() == b.url.expose_secret()
            }
            _ => false,
        }
    }

    /// The most connections the store opens.
    pub fn pool_size(&self) -> u32 {
        match &self.store {
            StoreSettings::Sqlite(store) => store.max_connections,
            StoreSettings::Postgres(store) => store.max_connections,
        }
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
            "use sqlite://<path>, a file path, or postgres://<user>@<host>/<database>",
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

/// Opens the store `settings` describe, creating a SQLite file's folder
/// when missing.
///
/// # Errors
/// [`DatabaseError`] naming what failed.
pub async fn open(settings: &DatabaseSettings) -> Result<Store, DatabaseError> {
    match &settings.store {
        StoreSettings::Sqlite(store) => {
            if let Some(folder) = store.path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(folder).map_err(|source| DatabaseError::Folder {
                    path: folder.to_owned(),
                    source,
                })?;
            }
            Ok(Store::Sqlite(SqliteStore::open(store).await?))
        }
        StoreSettings::Postgres(store) => Ok(Store::Postgres(PgStore::open(store).await?)),
    }
}

/// The database could not be opened for one process alone.
#[derive(Debug, thiserror::Error)]
pub enum OpenAloneError {
    /// Another `booking` process (the bots, or a command) holds the run
    /// lock; `what` names the lock file or the database.
    #[error("another booking process is running on this database (it holds {what})")]
    InUse { what: String },
    #[error(transparent)]
    Lock(RunLockError),
    #[error(transparent)]
    Open(#[from] DatabaseError),
}

/// Opens the store as [`open`] does, holding its run lock exclusively,
/// taken before the schema is migrated: for the commands that must not run
/// beside `booking run` (see [`open_instance`]).
///
/// # Errors
/// [`OpenAloneError::InUse`] when another process holds the lock; else why
/// the lock or the database could not be had.
pub async fn open_alone(settings: &DatabaseSettings) -> Result<(Store, HeldLock), OpenAloneError> {
    match &settings.store {
        StoreSettings::Sqlite(store) => {
            let lock = file_lock(store)?;
            Ok((open(settings).await?, HeldLock::File(lock)))
        }
        StoreSettings::Postgres(store) => match PgStore::open_alone(store).await {
            Ok((store, lock)) => Ok((Store::Postgres(store), HeldLock::Postgres(lock))),
            Err(adapter_postgres::OpenError::InUse { .. }) => Err(OpenAloneError::InUse {
                what: "its run lock".to_owned(),
            }),
            Err(e) => Err(DatabaseError::OpenPostgres(e).into()),
        },
    }
}

/// The lock file of a SQLite database, taken.
fn file_lock(store: &SqliteSettings) -> Result<RunLock, OpenAloneError> {
    RunLock::try_acquire(&store.path).map_err(|e| match e {
        RunLockError::Held { path } => OpenAloneError::InUse {
            what: path.display().to_string(),
        },
        other => OpenAloneError::Lock(other),
    })
}

/// Opens the store for one `booking run` instance, holding the run lock
/// for its life: on SQLite exclusively, as [`open_alone`]; on PostgreSQL
/// shared with other instances, migrating the schema only when no other
/// process holds the lock (`adapter_postgres::PgStore::open_instance`).
///
/// # Errors
/// [`OpenAloneError::InUse`] when another process holds the lock (on
/// PostgreSQL: a command, exclusively); else why the lock or the database
/// could not be had, such as a schema that other instances keep from being
/// migrated.
pub async fn open_instance(
    settings: &DatabaseSettings,
) -> Result<(Store, InstanceLock), OpenAloneError> {
    match &settings.store {
        StoreSettings::Sqlite(store) => {
            let lock = file_lock(store)?;
            Ok((open(settings).await?, InstanceLock::File(lock)))
        }
        StoreSettings::Postgres(store) => match PgStore::open_instance(store).await {
            Ok((store, lock)) => Ok((Store::Postgres(store), InstanceLock::Postgres(lock))),
            Err(adapter_postgres::OpenError::InUse { .. }) => Err(OpenAloneError::InUse {
                what: "its run lock exclusively: `booking migrate`, `catalog import` or \
                       `migrate-store` is running"
                    .to_owned(),
            }),
            Err(e) => Err(DatabaseError::OpenPostgres(e).into()),
        },
    }
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
        assert!(path_of("mysql://db/x").is_err());
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
        DatabaseSettings::from_environment(&DatabaseVars::read(vars)).map(|s| match s.store {
            StoreSettings::Sqlite(store) => store,
            StoreSettings::Postgres(_) => panic!("not SQLite"),
        })
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
            (env::DATABASE_URL, "mysql://db/x"),
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

    #[test]
    fn a_postgres_url_selects_postgresql_and_hides_its_password() {
        let vars = Vars(&[
            (
                env::DATABASE_URL,
                "postgres://booking:s3cret@db.internal:5432/salon",
            ),
            (env::DATABASE_POOL_SIZE, "20"),
        ]);
        let settings = DatabaseSettings::from_environment(&DatabaseVars::read(&vars)).unwrap();

        assert_eq!(
            settings.url(),
            "postgres://booking:***@db.internal:5432/salon"
        );
        assert!(!format!("{settings:?}").contains("s3cret"));
        assert_eq!(settings.path(), None);
        assert_eq!(settings.pool_size(), 20);
        let StoreSettings::Postgres(store) = settings.store() else {
            panic!("not PostgreSQL");
        };
        assert_eq!(
            store.url.expose_secret(),
            "postgres://booking:s3cret@db.internal:5432/salon"
        );
    }

    #[test]
    fn sqlite_only_settings_are_refused_for_postgresql() {
        for var in [env::DATABASE_DURABILITY, env::DATABASE_BUSY_TIMEOUT] {
            let vars: &'static [(&'static str, &'static str)] = Box::leak(
                vec![
                    (env::DATABASE_URL, "postgresql://localhost/salon"),
                    (var, "normal"),
                ]
                .into_boxed_slice(),
            );
            let error =
                DatabaseSettings::from_environment(&DatabaseVars::read(&Vars(vars))).unwrap_err();
            assert!(error.to_string().contains(var), "{error}");
            assert!(error.to_string().contains("SQLite only"), "{error}");
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
