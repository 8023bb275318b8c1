//! Opening the database: connection options, the pool, the server version
//! check and the embedded migrations, refusing a schema from a newer release.

use std::collections::BTreeMap;
use std::str::FromStr;

use booking_ports::BoxError;
use secrecy::ExposeSecret;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::failure::DriverFailure;
use crate::locks::{self, InstanceLock, RunLock};
use crate::settings::PgSettings;
use crate::sql;

/// The schema, embedded in the binary: `migrations/NNNN_name.sql`.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The oldest server this store runs on: 13 (the schema needs nothing newer
/// than generated columns, identities and `WITH (FORCE)` in the tests).
pub(crate) const OLDEST_SERVER: i64 = 130_000;

/// The schema level this build creates and understands: the version of its
/// newest migration.
pub fn schema_level() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Why the database could not be opened. Each variant names the database by
/// its URL with the password hidden; driver errors are reduced to their
/// primary message (see `failure`).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL is malformed, or the server could not be reached or refused
    /// the connection.
    #[error("cannot connect to the database {target}")]
    Connect {
        target: String,
        #[source]
        source: BoxError,
    },
    /// The server is older than this store supports.
    #[error("the database server {target} runs PostgreSQL {found}; 13 or newer is needed")]
    ServerTooOld { target: String, found: i64 },
    /// The database was migrated by a newer release. Running an older
    /// release on it could misread rows, so it is refused.
    #[error(
        "the database {target} has schema level {found}, newer than the {known} this release knows"
    )]
    NewerSchema {
        target: String,
        found: i64,
        known: i64,
    },
    /// The schema is older than this release's and other instances run
    /// on it: migrating it under them could break their older release, so
    /// this instance does not start.
    #[error(
        "the database {target} has schema level {found}, older than the {known} this release \
         needs, and other booking instances are running on it: stop them, run `booking migrate`, \
         then start the instances of this release"
    )]
    OlderSchema {
        target: String,
        found: i64,
        known: i64,
    },
    /// A migration this release ships differs from the one applied: a
    /// released migration was edited, which must never happen.
    #[error("migration {version} applied to {target} differs from this release's")]
    ModifiedMigration { target: String, version: i64 },
    /// Another `booking` process holds the database's run lock
    /// ([`crate::locks::RunLock`]).
    #[error("another booking process is using the database {target}")]
    InUse { target: String },
    /// Applying a migration failed; the database keeps its previous level.
    #[error("cannot bring the schema of {target} up to date")]
    Migrate {
        target: String,
        #[source]
        source: BoxError,
    },
}

/// The options every connection of the store is made with.
pub(crate) fn connect_options(settings: &PgSettings) -> Result<PgConnectOptions, OpenError> {
    let mut options = PgConnectOptions::from_str(settings.url.expose_secret())
        .map_err(|e| OpenError::Connect {
            target: settings.redacted_url(),
            source: DriverFailure::new(&e).into(),
        })?
        .application_name(&settings.application_name);
    // Session settings sent at start-up, so every pooled connection has them
    // without a round trip of its own.
    let mut startup = Vec::new();
    if let Some(timeout) = settings.statement_timeout {
        startup.push(("statement_timeout", format!("{}ms", timeout.as_millis())));
    }
    if let Some(timeout) = settings.lock_timeout {
        startup.push(("lock_timeout", format!("{}ms", timeout.as_millis())));
    }
    if !startup.is_empty() {
        options = options.options(startup);
    }
    Ok(options)
}

/// Opens the pool, checks the server and migrates the schema.
///
/// sqlx's migrator holds an advisory lock while it runs, so several
/// processes opening one database at once take turns. It runs on the pool
/// (it holds one connection throughout): the future of a migration on a
/// borrowed connection is not `Send`, and the store must open inside spawned
/// tasks.
pub(crate) async fn open_pool(settings: &PgSettings) -> Result<PgPool, OpenError> {
    let pool = connect(settings).await?;
    migrated(pool, &settings.redacted_url()).await
}

/// As [`open_pool`], taking the run lock first (before migrating).
pub(crate) async fn open_pool_alone(settings: &PgSettings) -> Result<(PgPool, RunLock), OpenError> {
    let target = settings.redacted_url();
    let pool = connect(settings).await?;
    let lock = match locks::try_run_lock(&pool, &target).await {
        Ok(lock) => lock,
        Err(e) => {
            pool.close().await;
            return Err(e);
        }
    };
    Ok((migrated(pool, &target).await?, lock))
}

/// As [`open_pool`] for a `booking run` instance: takes the run lock
/// ([`locks::try_instance_lock`]) and migrates only when the instance is
/// alone; beside others it refuses a schema older than this release's.
pub(crate) async fn open_pool_instance(
    settings: &PgSettings,
) -> Result<(PgPool, InstanceLock), OpenError> {
    let target = settings.redacted_url();
    let pool = connect(settings).await?;
    let lock = match locks::try_instance_lock(&pool, &target).await {
        Ok(lock) => lock,
        Err(e) => {
            pool.close().await;
            return Err(e);
        }
    };
    let ready = if lock.alone() {
        match migrate(&pool, &target).await {
            Ok(()) => lock.share().await,
            Err(e) => {
                lock.release().await;
                Err(e)
            }
        }
    } else {
        match check_current(&pool, &target).await {
            Ok(()) => Ok(lock),
            Err(e) => {
                lock.release().await;
                Err(e)
            }
        }
    };
    match ready {
        Ok(lock) => Ok((pool, lock)),
        Err(e) => {
            pool.close().await;
            Err(e)
        }
    }
}

/// Refuses a schema this release cannot run on without migrating it: a
/// newer or edited one, or one missing a migration of this release.
async fn check_current(pool: &PgPool, target: &str) -> Result<(), OpenError> {
    let applied = applied_migrations(pool)
        .await
        .map_err(|e| OpenError::Connect {
            target: target.to_owned(),
            source: DriverFailure::new(&e).into(),
        })?;
    check_applied(&applied, target)?;
    if MIGRATOR.iter().any(|m| !applied.contains_key(&m.version)) {
        return Err(OpenError::OlderSchema {
            target: target.to_owned(),
            found: applied.keys().max().copied().unwrap_or(0),
            known: schema_level(),
        });
    }
    Ok(())
}

/// The pool, once the server is known to be new enough.
async fn connect(settings: &PgSettings) -> Result<PgPool, OpenError> {
    let target = settings.redacted_url();
    let connect_error = |source: sqlx::Error| OpenError::Connect {
        target: target.clone(),
        source: DriverFailure::new(&source).into(),
    };
    let options = connect_options(settings)?;
    let pool = PgPoolOptions::new()
        .max_connections(settings.max_connections.max(1))
        .acquire_timeout(settings.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(connect_error)?;
    let version: String = sqlx::query_scalar(sql::SERVER_VERSION)
        .fetch_one(&pool)
        .await
        .map_err(connect_error)?;
    let found = version.trim().parse::<i64>().unwrap_or(0);
    if found < OLDEST_SERVER {
        pool.close().await;
        return Err(OpenError::ServerTooOld { target, found });
    }
    Ok(pool)
}

/// `pool` after migrating its database; closed when that fails.
async fn migrated(pool: PgPool, target: &str) -> Result<PgPool, OpenError> {
    match migrate(&pool, target).await {
        Ok(()) => Ok(pool),
        Err(e) => {
            pool.close().await;
            Err(e)
        }
    }
}

/// Brings the schema of the database up to date, after refusing a newer or
/// edited one.
pub(crate) async fn migrate(pool: &PgPool, target: &str) -> Result<(), OpenError> {
    let migrate_error = |source: BoxError| OpenError::Migrate {
        target: target.to_owned(),
        source,
    };
    let applied = applied_migrations(pool)
        .await
        .map_err(|e| migrate_error(DriverFailure::new(&e).into()))?;
    check_applied(&applied, target)?;
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| migrate_error(migrate_failure(&e)))
}

/// A migration error without the driver's `Debug` (see `failure`).
fn migrate_failure(error: &sqlx::migrate::MigrateError) -> BoxError {
    match error {
        sqlx::migrate::MigrateError::Execute(e)
        | sqlx::migrate::MigrateError::ExecuteMigration(e, _) => DriverFailure::new(e).into(),
        other => other.to_string().into(),
    }
}

/// The migrations applied to a database, version to checksum; empty for a
/// database sqlx never migrated.
pub(crate) async fn applied_migrations(
    pool: &PgPool,
) -> Result<BTreeMap<i64, Vec<u8>>, sqlx::Error> {
    let exists: bool = sqlx::query_scalar(sql::MIGRATIONS_TABLE_EXISTS)
        .fetch_one(pool)
        .await?;
    if !exists {
        return Ok(BTreeMap::new());
    }
    let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(sql::APPLIED_MIGRATIONS)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Refuses a database with migrations this build does not ship (a newer
/// release's) or with a shipped migration applied in a different form.
pub(crate) fn check_applied(
    applied: &BTreeMap<i64, Vec<u8>>,
    target: &str,
) -> Result<(), OpenError> {
    for (&version, checksum) in applied {
        match MIGRATOR.iter().find(|m| m.version == version) {
            None => {
                return Err(OpenError::NewerSchema {
                    target: target.to_owned(),
                    found: applied.keys().max().copied().unwrap_or(version),
                    known: schema_level(),
                });
            }
            Some(known) if known.checksum.as_ref() != checksum.as_slice() => {
                return Err(OpenError::ModifiedMigration {
                    target: target.to_owned(),
                    version,
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(all(test, feature = "test-db"))]
mod tests {
    use std::time::Duration;

    use crate::testing::PgTestDb;

    use super::open_pool;

    #[tokio::test]
    async fn every_connection_starts_with_the_timeouts_and_name_of_the_settings() {
        let db = PgTestDb::create().await;
        let mut settings = db.settings();
        settings.statement_timeout = Some(Duration::from_secs(7));
        settings.lock_timeout = Some(Duration::from_millis(1500));
        let pool = open_pool(&settings).await.unwrap();

        let mut connections = Vec::new();
        for _ in 0..settings.max_connections {
            connections.push(pool.acquire().await.unwrap());
        }
        for mut conn in connections {
            let shown: (String, String, String) = sqlx::query_as(
                "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'), \
                 current_setting('application_name')",
            )
            .fetch_one(&mut *conn)
            .await
            .unwrap();
            assert_eq!(
                shown,
                ("7s".to_owned(), "1500ms".to_owned(), "booking".to_owned())
            );
        }
        pool.close().await;
    }
}
