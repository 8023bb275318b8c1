//! The run lock on PostgreSQL: what the lock file is on SQLite. A
//! session-level advisory lock (class 10, key 0) held on a connection of
//! its own, released by the server when that connection ends: at the
//! holder's release, and when the process dies, because the socket closes
//! with it.
//!
//! Two modes, because several `booking run` instances may share one
//! database but nothing may change it under them:
//!
//! - [`RunLock`], exclusive: `booking migrate`, `catalog import`,
//!   `migrate-store`. Granted only while no instance runs.
//! - [`InstanceLock`], shared: each `booking run`. It first tries the
//!   exclusive mode too: an instance that gets it is alone, and only then
//!   migrates the schema (nobody runs an older release on it meanwhile),
//!   before it keeps the shared mode alone.
//!
//! Both only try: a process that cannot have the lock at once is refused
//! rather than left waiting behind a migration or an import of unknown
//! length. Classes 11 and 12 (the roles one instance holds at a time) are
//! `leadership`'s; 1 to 4 are transaction locks (`sql`).

use sqlx::Connection;
use sqlx::postgres::{PgConnection, PgPool};

use crate::db::OpenError;
use crate::failure::DriverFailure;
use crate::sql;

/// Held for as long as the process may use the database alone.
#[derive(Debug)]
pub struct RunLock {
    connection: Option<PgConnection>,
}

impl RunLock {
    /// Lets go: ends the lock's connection, so the next process can start
    /// at once rather than when the server notices the socket closed.
    pub async fn release(mut self) {
        if let Some(connection) = self.connection.take() {
            let _ = connection.close().await;
        }
    }
}

/// The run lock as one `booking run` instance among others holds it
/// (shared), with whether the instance was alone when it started.
#[derive(Debug)]
pub struct InstanceLock {
    pub(crate) connection: PgConnection,
    /// To open another connection when this one is lost (`leadership`).
    pub(crate) pool: PgPool,
    pub(crate) target: String,
    alone: bool,
}

impl InstanceLock {
    /// Whether no other process held the run lock when this instance
    /// started: only then did it migrate the schema, and only then may it
    /// take over what an earlier run left unfinished.
    pub fn alone(&self) -> bool {
        self.alone
    }

    /// Lets go: ends the lock's connection (see [`RunLock::release`]).
    pub async fn release(self) {
        let _ = self.connection.close().await;
    }

    /// Keeps only the shared mode, once the schema is migrated.
    pub(crate) async fn share(mut self) -> Result<Self, OpenError> {
        let target = self.target.clone();
        let failed = |source: sqlx::Error| OpenError::Connect {
            target: target.clone(),
            source: DriverFailure::new(&source).into(),
        };
        // Shared first: between the two statements the session holds both
        // modes, so no command slips in.
        let shared: bool = sqlx::query_scalar(sql::TRY_RUN_LOCK_SHARED)
            .fetch_one(&mut self.connection)
            .await
            .map_err(failed)?;
        let released: bool = sqlx::query_scalar(sql::RUN_UNLOCK)
            .fetch_one(&mut self.connection)
            .await
            .map_err(failed)?;
        debug_assert!(shared && released, "a session's own lock never conflicts");
        Ok(self)
    }
}

/// A connection of its own from `pool`, for a session lock.
async fn dedicated(pool: &PgPool, target: &str) -> Result<PgConnection, OpenError> {
    // Detached: the pool opens another in its place, and the lock's session
    // is never handed to a query that could end it.
    pool.acquire()
        .await
        .map(sqlx::pool::PoolConnection::detach)
        .map_err(|source| connect_error(target, &source))
}

fn connect_error(target: &str, source: &sqlx::Error) -> OpenError {
    OpenError::Connect {
        target: target.to_owned(),
        source: DriverFailure::new(source).into(),
    }
}

/// Takes the run lock exclusively on a connection taken out of `pool`.
pub(crate) async fn try_run_lock(pool: &PgPool, target: &str) -> Result<RunLock, OpenError> {
    let mut connection = dedicated(pool, target).await?;
    let taken = sqlx::query_scalar(sql::TRY_RUN_LOCK)
        .fetch_one(&mut connection)
        .await;
    match taken {
        Ok(true) => Ok(RunLock {
            connection: Some(connection),
        }),
        Ok(false) => {
            let _ = connection.close().await;
            Err(OpenError::InUse {
                target: target.to_owned(),
            })
        }
        Err(e) => Err(connect_error(target, &e)),
    }
}

/// Takes the run lock for a `booking run` instance: exclusively when no
/// other process holds it (the instance is alone and must call
/// [`InstanceLock::share`] once it migrated), else shared.
///
/// # Errors
/// [`OpenError::InUse`] when a command holds it exclusively.
pub(crate) async fn try_instance_lock(
    pool: &PgPool,
    target: &str,
) -> Result<InstanceLock, OpenError> {
    let mut connection = dedicated(pool, target).await?;
    match instance_mode(&mut connection).await {
        Ok(Some(alone)) => Ok(InstanceLock {
            connection,
            pool: pool.clone(),
            target: target.to_owned(),
            alone,
        }),
        Ok(None) => {
            let _ = connection.close().await;
            Err(OpenError::InUse {
                target: target.to_owned(),
            })
        }
        Err(e) => Err(connect_error(target, &e)),
    }
}

/// Asks the server to probe this connection's peer (see
/// `sql::SET_KEEPALIVES`): an instance's roles go with it.
pub(crate) async fn keep_alive(connection: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query(sql::SET_KEEPALIVES)
        .fetch_one(connection)
        .await
        .map(drop)
}

/// `Some(true)` with the run lock taken exclusively, `Some(false)` shared,
/// `None` when a command holds it.
async fn instance_mode(connection: &mut PgConnection) -> Result<Option<bool>, sqlx::Error> {
    keep_alive(connection).await?;
    let exclusive: bool = sqlx::query_scalar(sql::TRY_RUN_LOCK)
        .fetch_one(&mut *connection)
        .await?;
    if exclusive {
        return Ok(Some(true));
    }
    let shared: bool = sqlx::query_scalar(sql::TRY_RUN_LOCK_SHARED)
        .fetch_one(&mut *connection)
        .await?;
    Ok(shared.then_some(false))
}

#[cfg(all(test, feature = "test-db"))]
mod tests {
    use crate::testing::PgTestDb;
    use crate::{OpenError, PgStore};

    #[tokio::test]
    async fn one_command_at_a_time_holds_the_database_and_readers_still_open_it() {
        let db = PgTestDb::create().await;
        let (first, lock) = PgStore::open_alone(&db.settings()).await.unwrap();

        let second = PgStore::open_alone(&db.settings()).await;
        let reader = PgStore::open(&db.settings()).await.unwrap();

        assert!(matches!(second, Err(OpenError::InUse { .. })), "{second:?}");
        reader.ping().await.unwrap();
        lock.release().await;
        let (third, lock) = PgStore::open_alone(&db.settings()).await.unwrap();
        lock.release().await;
        for store in [first, reader, third] {
            store.close().await;
        }
    }

    #[tokio::test]
    async fn instances_share_the_database_and_keep_commands_off_it() {
        let db = PgTestDb::create().await;
        let (first, first_lock) = PgStore::open_instance(&db.settings()).await.unwrap();

        let (second, second_lock) = PgStore::open_instance(&db.settings()).await.unwrap();
        let command = PgStore::open_alone(&db.settings()).await;

        assert!(first_lock.alone(), "the first instance is alone");
        assert!(!second_lock.alone(), "the second is not");
        assert!(
            matches!(command, Err(OpenError::InUse { .. })),
            "{command:?}"
        );
        first_lock.release().await;
        let still = PgStore::open_alone(&db.settings()).await;
        assert!(matches!(still, Err(OpenError::InUse { .. })), "{still:?}");
        second_lock.release().await;
        let (third, lock) = PgStore::open_alone(&db.settings()).await.unwrap();
        let instance = PgStore::open_instance(&db.settings()).await;
        assert!(
            matches!(instance, Err(OpenError::InUse { .. })),
            "an instance does not start under a command: {instance:?}"
        );
        lock.release().await;
        for store in [first, second, third] {
            store.close().await;
        }
    }

    #[tokio::test]
    async fn beside_another_instance_a_schema_to_migrate_is_refused_and_left_alone() {
        let db = PgTestDb::create().await;
        let (store, lock) = PgStore::open_instance(&db.settings()).await.unwrap();
        // As if this release shipped one migration more than was applied.
        let mut raw = db.raw_connection().await;
        sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
            .bind(crate::schema_level())
            .execute(&mut raw)
            .await
            .unwrap();

        let second = PgStore::open_instance(&db.settings()).await;

        let Err(refusal @ OpenError::OlderSchema { known, .. }) = second else {
            panic!("{second:?}");
        };
        assert_eq!(known, crate::schema_level());
        assert!(
            refusal.to_string().contains("run `booking migrate`"),
            "{refusal}"
        );
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
            .fetch_one(&mut raw)
            .await
            .unwrap();
        // Counted, not taken from the level: released levels may have gaps
        // while parallel work lands.
        let known = i64::try_from(crate::db::MIGRATOR.iter().count()).unwrap();
        assert_eq!(
            left,
            known - 1,
            "nothing was migrated under the running instance"
        );
        lock.release().await;
        store.close().await;
    }
}
