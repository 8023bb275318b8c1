//! The run lock on PostgreSQL: what the lock file is on SQLite. A
//! session-level advisory lock (class 10) held on a connection of its own,
//! taken before migrating, so `booking migrate` or a catalog import never
//! changes the database under a running `booking run`, and two `booking run`
//! processes never both poll Telegram.
//!
//! The server releases it when its connection ends: at [`RunLock`]'s drop,
//! and when the process dies, because the socket closes with it.
//!
//! Today it is exclusive: one process at a time per database, as on SQLite.
//! Several instances on one database (issue 17's leader election) will hold
//! it shared and elect a poller with locks of their own.

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

/// Takes the run lock on a connection taken out of `pool`.
pub(crate) async fn try_run_lock(pool: &PgPool, target: &str) -> Result<RunLock, OpenError> {
    let connect_error = |source: sqlx::Error| OpenError::Connect {
        target: target.to_owned(),
        source: DriverFailure::new(&source).into(),
    };
    // Detached: the pool opens another in its place, and the lock's session
    // is never handed to a query that could end it.
    let mut connection = pool.acquire().await.map_err(connect_error)?.detach();
    let taken: bool = sqlx::query_scalar(sql::TRY_RUN_LOCK)
        .fetch_one(&mut connection)
        .await
        .map_err(connect_error)?;
    if taken {
        Ok(RunLock {
            connection: Some(connection),
        })
    } else {
        let _ = connection.close().await;
        Err(OpenError::InUse {
            target: target.to_owned(),
        })
    }
}

#[cfg(all(test, feature = "test-db"))]
mod tests {
    use crate::testing::PgTestDb;
    use crate::{OpenError, PgStore};

    #[tokio::test]
    async fn one_process_at_a_time_holds_the_database_and_readers_still_open_it() {
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
}
