//! Turning a driver error into the ports' [`StoreError`], counted.
//!
//! Every sqlx error that becomes a `StoreError` passes through here, so the
//! `booking_database_errors_total` counter sees each failed store operation
//! once, labelled by a small fixed set of kinds an operator can act on.
//! Refusals the adapter maps to domain outcomes (a taken slot, a version
//! conflict) are not failures and never reach this module.

use std::borrow::Borrow;

use booking_ports::{BoxError, StoreError};

use crate::metrics;

/// What kind of failure a driver error is, for the counter's `kind` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// The database was locked by another writer for longer than the busy
    /// timeout, or no pooled connection became free in time.
    Busy,
    /// A constraint refused a write the adapter did not expect to be
    /// refused.
    Constraint,
    /// The file could not be read, written or opened (a full disk, lost
    /// permissions).
    Io,
    /// The file is damaged or is not a database.
    Corrupt,
    Other,
}

impl FailureKind {
    pub(crate) const ALL: [Self; 5] = [
        Self::Busy,
        Self::Constraint,
        Self::Io,
        Self::Corrupt,
        Self::Other,
    ];

    pub(crate) fn of(error: &sqlx::Error) -> Self {
        // SQLite's primary result codes: the low byte of an extended code.
        const BUSY: i32 = 5;
        const LOCKED: i32 = 6;
        const IOERR: i32 = 10;
        const CORRUPT: i32 = 11;
        const FULL: i32 = 13;
        const CANTOPEN: i32 = 14;
        const CONSTRAINT: i32 = 19;
        const NOTADB: i32 = 26;
        match error {
            sqlx::Error::Database(database) => {
                let primary = database
                    .code()
                    .and_then(|code| code.parse::<i32>().ok())
                    .map(|code| code & 0xff);
                match primary {
                    Some(BUSY | LOCKED) => Self::Busy,
                    Some(CONSTRAINT) => Self::Constraint,
                    Some(IOERR | FULL | CANTOPEN) => Self::Io,
                    Some(CORRUPT | NOTADB) => Self::Corrupt,
                    _ => Self::Other,
                }
            }
            sqlx::Error::PoolTimedOut => Self::Busy,
            sqlx::Error::Io(_) => Self::Io,
            _ => Self::Other,
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Busy => "busy",
            Self::Constraint => "constraint",
            Self::Io => "io",
            Self::Corrupt => "corrupt",
            Self::Other => "other",
        }
    }
}

/// `error` (a driver error, or one shared by a batch's requests), counted,
/// as the store error of doing `context`.
pub(crate) fn store_error<E>(context: &'static str, error: E) -> StoreError
where
    E: Borrow<sqlx::Error> + Into<BoxError>,
{
    metrics::database_error(FailureKind::of(error.borrow()));
    StoreError::backend(context, error)
}

/// [`store_error`] for `map_err`: `.map_err(backend("reading a booking"))`.
pub(crate) fn backend(context: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |error| store_error(context, error)
}

#[cfg(test)]
mod tests {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    use sqlx::{Connection, SqliteConnection};

    use super::*;

    /// The driver error of running `sql` on a fresh in-memory database
    /// prepared with `setup`.
    async fn error_of(setup: &str, sql: &str) -> sqlx::Error {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(setup.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap_err()
    }

    #[tokio::test]
    async fn driver_errors_are_sorted_into_a_few_kinds() {
        let unique = error_of(
            "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);",
            "INSERT INTO t VALUES (1)",
        )
        .await;
        let syntax = error_of("", "SELEC 1").await;

        assert_eq!(FailureKind::of(&unique), FailureKind::Constraint);
        assert_eq!(FailureKind::of(&syntax), FailureKind::Other);
        assert_eq!(
            FailureKind::of(&sqlx::Error::PoolTimedOut),
            FailureKind::Busy
        );
        assert_eq!(
            FailureKind::of(&sqlx::Error::Io(std::io::Error::other("disk gone"))),
            FailureKind::Io
        );
    }

    #[test]
    fn each_store_error_is_counted_by_kind() {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();

        let error = ::metrics::with_local_recorder(&recorder, || {
            store_error("reading a booking", sqlx::Error::PoolTimedOut)
        });

        assert!(matches!(
            error,
            StoreError::Backend {
                context: "reading a booking",
                ..
            }
        ));
        let counted: Vec<_> = snapshotter
            .snapshot()
            .into_vec()
            .into_iter()
            .map(|(key, _, _, value)| {
                let key = key.key().clone();
                let labels: Vec<_> = key
                    .labels()
                    .map(|l| (l.key().to_owned(), l.value().to_owned()))
                    .collect();
                (key.name().to_owned(), labels, value)
            })
            .collect();
        assert_eq!(
            counted,
            [(
                metrics::DATABASE_ERRORS.to_owned(),
                vec![("kind".to_owned(), "busy".to_owned())],
                DebugValue::Counter(1)
            )]
        );
    }
}
