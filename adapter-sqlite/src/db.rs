//! Opening the database: connection settings, the pool, and the embedded
//! migrations that bring any earlier schema up to date.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use booking_ports::BoxError;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use crate::settings::{Durability, SqliteSettings};
use crate::sql;

/// The schema, embedded in the binary: `migrations/NNNN_name.sql`.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The schema level this build creates and understands: the version of its
/// newest migration.
pub fn schema_level() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// SQLite could not open or configure the file (missing directory, no
    /// permission, not a database).
    #[error("cannot open the database {}", path.display())]
    Connect {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
    /// The file was migrated by a newer release. Running an older release on
    /// it could misread rows, so it is refused; upgrade the binary instead.
    #[error(
        "the database {} has schema level {found}, newer than the {known} this release knows",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// A migration this release ships differs from the one applied to the
    /// file: a released migration was edited, which must never happen.
    #[error("migration {version} applied to {} differs from this release's", path.display())]
    ModifiedMigration { path: PathBuf, version: i64 },
    /// Applying a migration failed; the file keeps its previous level.
    #[error("cannot bring the schema of {} up to date", path.display())]
    Migrate {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
}

/// Connection settings shared by the pool and by one-off connections.
pub(crate) fn connect_options(path: &Path, settings: &SqliteSettings) -> SqliteConnectOptions {
    let synchronous = match settings.durability {
        Durability::SurvivesPowerLoss => SqliteSynchronous::Full,
        Durability::SurvivesProcessCrash => SqliteSynchronous::Normal,
    };
    // No journal mode here: WAL is set once per file by `enable_wal`, which
    // copes with other processes doing the same at the same moment, and then
    // stays (it is a property of the file, not of the connection).
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .synchronous(synchronous)
        // sqlx turns this on by default; said here because the schema's
        // cascades and references rely on it.
        .foreign_keys(true)
        .busy_timeout(settings.busy_timeout)
        // Deleted rows are overwritten with zeros instead of lingering in
        // free pages: an erased customer's name and phone must not stay
        // readable in the file (or in a backup vacuumed from it).
        .pragma("secure_delete", "ON")
}

/// Switches the file to WAL (readers never block the writer, and a commit
/// appends to the log instead of rewriting pages, so one fsync per commit
/// suffices) and checks that it took.
///
/// Changing the journal mode needs an exclusive lock that SQLite does not
/// wait for: the busy timeout does not apply, and two processes opening a
/// new file at the same moment would see "database is locked". So this
/// retries, with short growing pauses, until the busy timeout has passed.
/// On a file already in WAL it is a no-op that needs no such lock.
pub(crate) async fn enable_wal(
    connection: &mut SqliteConnection,
    busy_timeout: Duration,
) -> Result<(), sqlx::Error> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        match sqlx::query_scalar::<_, String>(sql::ENABLE_WAL)
            .fetch_one(&mut *connection)
            .await
        {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(mode) => {
                return Err(sqlx::Error::Configuration(
                    format!("SQLite kept journal mode {mode:?} instead of WAL").into(),
                ));
            }
            Err(e) if is_busy(&e) && started.elapsed() < busy_timeout => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(e) => return Err(e),
        }
    }
}

/// `SQLITE_BUSY` and its extended codes (the low byte is the primary code).
fn is_busy(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == 5)
}

/// Opens the pool on `settings.path` and migrates the schema.
///
/// A first connection of its own switches the file to WAL and migrates it,
/// so that the pool's connections only ever meet a ready file.
pub(crate) async fn open_pool(settings: &SqliteSettings) -> Result<SqlitePool, OpenError> {
    let path = settings.path.clone();
    let connect_error = |source: sqlx::Error| OpenError::Connect {
        path: path.clone(),
        source: source.into(),
    };
    crate::private::prepare_database_file(&settings.path).map_err(|source| OpenError::Connect {
        path: path.clone(),
        source: source.into(),
    })?;
    let options = connect_options(&settings.path, settings);
    let mut bootstrap = options.connect().await.map_err(connect_error)?;
    enable_wal(&mut bootstrap, settings.busy_timeout)
        .await
        .map_err(connect_error)?;
    migrate(&mut bootstrap, &settings.path).await?;
    bootstrap.close().await.map_err(connect_error)?;
    SqlitePoolOptions::new()
        .max_connections(settings.max_connections.max(1))
        // Keep one connection open for the pool's lifetime: while any
        // connection is open, SQLite keeps the WAL index, and the first query
        // after an idle period does not pay to open the file again.
        .min_connections(1)
        // sqlx pings an idle connection before lending it, by default: one
        // more round trip to the connection's worker thread per query, which
        // costs as much as the query. A SQLite connection is a handle on a
        // local file: there is no peer that could have hung up, and a broken
        // file fails the query itself just as it would fail the ping.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(connect_error)
}

/// Connections of a dialogue's steps (`conversations`): the file's settings
/// with `synchronous=NORMAL` whatever the durability.
///
/// Why: at `synchronous=FULL` every update of the bots fsynced the write-ahead
/// log for its conversation's step, one fsync after the other under SQLite's
/// write lock: a burst of 1,000 chats waited about a second for them
/// (docs/BENCHMARKS.md, figure 4). A step is shown before it is saved, so a
/// step lost to a power cut is the case the bots already handle after a
/// crash between the two (the screen is on display, the next press is
/// checked against the stored step). In WAL mode the setting is per
/// connection: the next commit at `FULL` (a booking, a cancellation) fsyncs
/// the log with every frame before it, and the file stays consistent.
/// Bookings, customers and every other write keep the configured
/// durability.
pub(crate) async fn open_conversation_pool(
    settings: &SqliteSettings,
) -> Result<SqlitePool, OpenError> {
    let options = connect_options(&settings.path, settings).synchronous(SqliteSynchronous::Normal);
    SqlitePoolOptions::new()
        // Steps are one short statement each; two connections let a read
        // and a write of different chats run at once (WAL).
        .max_connections(CONVERSATION_CONNECTIONS)
        .min_connections(0)
        // As in `open_pool`: a local file has no peer to hang up.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(|source| OpenError::Connect {
            path: settings.path.clone(),
            source: source.into(),
        })
}

/// The connections of [`open_conversation_pool`].
pub(crate) const CONVERSATION_CONNECTIONS: u32 = 2;

/// Brings the schema of the open database up to date.
///
/// Runs inside one `BEGIN IMMEDIATE` transaction: two processes opening a new
/// file at once take turns (the second finds the schema in place), and a
/// failed migration leaves the previous level untouched. sqlx's migrator
/// nests its per-migration transactions as savepoints inside it.
pub(crate) async fn migrate(
    connection: &mut SqliteConnection,
    path: &Path,
) -> Result<(), OpenError> {
    let migrate_error = |source: BoxError| OpenError::Migrate {
        path: path.to_owned(),
        source,
    };
    let mut tx = connection
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(|e| migrate_error(e.into()))?;
    let applied = applied_migrations(&mut tx)
        .await
        .map_err(|e| migrate_error(e.into()))?;
    check_applied(&applied, path)?;
    MIGRATOR
        .run(&mut *tx)
        .await
        .map_err(|e| migrate_error(e.into()))?;
    tx.commit().await.map_err(|e| migrate_error(e.into()))
}

/// The migrations applied to a database, version to checksum; empty for a
/// database sqlx never migrated.
pub(crate) async fn applied_migrations(
    connection: &mut SqliteConnection,
) -> Result<BTreeMap<i64, Vec<u8>>, sqlx::Error> {
    let table: Option<String> = sqlx::query_scalar(sql::MIGRATIONS_TABLE_EXISTS)
        .fetch_optional(&mut *connection)
        .await?;
    if table.is_none() {
        return Ok(BTreeMap::new());
    }
    let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(sql::APPLIED_MIGRATIONS)
        .fetch_all(&mut *connection)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Refuses a database with migrations this build does not ship (a newer
/// release's) or with a shipped migration applied in a different form.
pub(crate) fn check_applied(
    applied: &BTreeMap<i64, Vec<u8>>,
    path: &Path,
) -> Result<(), OpenError> {
    for (&version, checksum) in applied {
        match MIGRATOR.iter().find(|m| m.version == version) {
            None => {
                return Err(OpenError::NewerSchema {
                    path: path.to_owned(),
                    found: applied.keys().max().copied().unwrap_or(version),
                    known: schema_level(),
                });
            }
            Some(known) if known.checksum.as_ref() != checksum.as_slice() => {
                return Err(OpenError::ModifiedMigration {
                    path: path.to_owned(),
                    version,
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Whether `error` is the overlap trigger's refusal (`RAISE(ABORT,
/// 'slot_taken')`, extended code 1811, `SQLITE_CONSTRAINT_TRIGGER`).
pub(crate) fn is_slot_taken(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.code().as_deref() == Some("1811") && e.message() == "slot_taken")
}

/// What `integrity_check` and `foreign_key_check` find wrong, at most 20 of
/// each; empty for a healthy database. The messages name tables, pages and
/// row ids, never row contents.
pub(crate) async fn integrity_problems(
    connection: &mut SqliteConnection,
) -> Result<Vec<String>, sqlx::Error> {
    let mut problems: Vec<String> = sqlx::query_scalar(sql::INTEGRITY_CHECK)
        .fetch_all(&mut *connection)
        .await?;
    problems.retain(|p| p != "ok");
    let foreign_key_problems: Vec<(String, Option<i64>, String)> =
        sqlx::query_as(sql::FOREIGN_KEY_PROBLEMS)
            .fetch_all(&mut *connection)
            .await?;
    problems.extend(
        foreign_key_problems
            .into_iter()
            .map(|(table, rowid, parent)| match rowid {
                Some(rowid) => format!("row {rowid} of {table} refers to a missing {parent}"),
                None => format!("a row of {table} refers to a missing {parent}"),
            }),
    );
    Ok(problems)
}

/// What differs between the schema objects of `connection` (tables,
/// indexes, triggers and views, with their SQL) and those this release's
/// migrations create on an empty database: a backup whose overlap triggers,
/// checks or indexes were dropped or edited would otherwise pass every
/// other check and then accept what the schema exists to refuse.
pub(crate) async fn schema_differences(
    connection: &mut SqliteConnection,
) -> Result<Vec<String>, sqlx::Error> {
    let found = schema_objects(connection).await?;
    let mut reference = SqliteConnectOptions::new()
        .in_memory(true)
        .connect()
        .await?;
    MIGRATOR
        .run(&mut reference)
        .await
        .map_err(|e| sqlx::Error::Migrate(Box::new(e)))?;
    let expected = schema_objects(&mut reference).await?;
    reference.close().await?;

    let mut problems = Vec::new();
    for ((kind, name), sql) in &expected {
        match found.get(&(kind.clone(), name.clone())) {
            None => problems.push(format!("{kind} {name} is missing")),
            Some(other) if other != sql => problems.push(format!("{kind} {name} was changed")),
            Some(_) => {}
        }
    }
    problems.extend(
        found
            .keys()
            .filter(|key| !expected.contains_key(*key))
            .map(|(kind, name)| format!("{kind} {name} is not part of the schema")),
    );
    Ok(problems)
}

/// The schema objects by kind and name, their SQL with runs of whitespace
/// folded (SQLite keeps the text as written).
async fn schema_objects(
    connection: &mut SqliteConnection,
) -> Result<BTreeMap<(String, String), String>, sqlx::Error> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(sql::SCHEMA_OBJECTS)
        .fetch_all(&mut *connection)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(kind, name, sql)| {
            let folded = sql.split_whitespace().collect::<Vec<_>>().join(" ");
            ((kind, name), folded)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use sqlx::pool::PoolConnection;
    use sqlx::{AssertSqlSafe, Sqlite};

    use super::*;

    async fn pragma(conn: &mut PoolConnection<Sqlite>, name: &str) -> String {
        let value: sqlx::sqlite::SqliteRow = sqlx::query(AssertSqlSafe(format!("PRAGMA {name}")))
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        use sqlx::Row;
        value
            .try_get::<String, _>(0)
            .or_else(|_| value.try_get::<i64, _>(0).map(|v| v.to_string()))
            .unwrap()
    }

    /// Every connection of the pool, held at once so none is reused.
    async fn every_connection(settings: &SqliteSettings) -> Vec<PoolConnection<Sqlite>> {
        let pool = open_pool(settings).await.unwrap();
        let mut connections = Vec::new();
        for _ in 0..settings.max_connections {
            connections.push(pool.acquire().await.unwrap());
        }
        connections
    }

    #[tokio::test]
    async fn every_connection_gets_wal_foreign_keys_busy_timeout_and_full_sync_by_default() {
        let dir = tempfile::tempdir().unwrap();
        let settings = SqliteSettings::new(dir.path().join("pragmas.db"));
        for mut conn in every_connection(&settings).await {
            assert_eq!(pragma(&mut conn, "journal_mode").await, "wal");
            assert_eq!(pragma(&mut conn, "foreign_keys").await, "1");
            assert_eq!(pragma(&mut conn, "busy_timeout").await, "5000");
            // 2 is FULL.
            assert_eq!(pragma(&mut conn, "synchronous").await, "2");
            assert_eq!(pragma(&mut conn, "secure_delete").await, "1");
        }
    }

    #[tokio::test]
    async fn durability_and_busy_timeout_follow_the_settings() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = SqliteSettings::new(dir.path().join("pragmas.db"));
        settings.durability = Durability::SurvivesProcessCrash;
        settings.busy_timeout = Duration::from_millis(1500);
        settings.max_connections = 2;
        let connections = every_connection(&settings).await;
        assert_eq!(connections.len(), 2);
        for mut conn in connections {
            // 1 is NORMAL.
            assert_eq!(pragma(&mut conn, "synchronous").await, "1");
            assert_eq!(pragma(&mut conn, "busy_timeout").await, "1500");
        }
    }

    #[tokio::test]
    async fn the_conversation_connections_do_not_fsync_each_step_whatever_the_durability() {
        let dir = tempfile::tempdir().unwrap();
        let settings = SqliteSettings::new(dir.path().join("pragmas.db"));
        assert_eq!(settings.durability, Durability::SurvivesPowerLoss);
        // The file is made and migrated by the main pool first.
        let _main = open_pool(&settings).await.unwrap();
        let pool = open_conversation_pool(&settings).await.unwrap();
        let mut connections = Vec::new();
        for _ in 0..CONVERSATION_CONNECTIONS {
            connections.push(pool.acquire().await.unwrap());
        }
        for mut conn in connections {
            // 1 is NORMAL; everything else as the main pool's.
            assert_eq!(pragma(&mut conn, "synchronous").await, "1");
            assert_eq!(pragma(&mut conn, "journal_mode").await, "wal");
            assert_eq!(pragma(&mut conn, "foreign_keys").await, "1");
            assert_eq!(pragma(&mut conn, "busy_timeout").await, "5000");
            assert_eq!(pragma(&mut conn, "secure_delete").await, "1");
        }
    }

    #[tokio::test]
    async fn opening_a_file_in_a_missing_directory_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/bookings.db");
        let error = open_pool(&SqliteSettings::new(&path)).await.unwrap_err();
        assert!(matches!(&error, OpenError::Connect { path: p, .. } if *p == path));
        assert!(error.to_string().contains("no/such/dir"));
    }
}
