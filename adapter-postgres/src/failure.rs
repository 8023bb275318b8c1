//! Turning a driver error into the ports' [`StoreError`], by SQLSTATE.
//!
//! A PostgreSQL error's `Debug` includes its DETAIL line, and for a unique
//! violation DETAIL holds the key (`Key (phone)=(+4917...) already exists`):
//! a phone in a log. So no sqlx error is kept inside a `StoreError`; it is
//! first reduced to a [`DriverFailure`]: the SQLSTATE, the constraint name
//! and the primary message, which names objects, never values.
//!
//! Every sqlx error that becomes a `StoreError` passes through here, so the
//! `booking_database_errors_total` counter sees each failed operation once.
//!
//! Refusals the adapter maps to domain outcomes (a taken slot, a version
//! conflict) are not failures and never become `StoreError`s here.

use std::fmt;

use booking_ports::StoreError;

/// The overlap constraint of `bookings`: its violation is "slot taken".
// Used by the booking and customer ports (steps S2 and S3).
#[allow(dead_code)]
pub(crate) const NO_OVERLAP: &str = "bookings_no_overlap";

/// What kind of failure a driver error is, for operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// Waiting failed: a lock or statement timeout, a serialization failure
    /// or deadlock after retries, or no pooled connection in time.
    Busy,
    /// A constraint refused a write the adapter did not expect refused.
    Constraint,
    /// The server is unreachable, shutting down or out of resources.
    Io,
    /// The server reports damaged data.
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

    /// The kind of `error`, from its SQLSTATE class or driver variant.
    pub(crate) fn of(error: &sqlx::Error) -> Self {
        match error {
            sqlx::Error::Database(database) => match database.code().as_deref() {
                Some(code) => Self::of_sqlstate(code),
                None => Self::Other,
            },
            sqlx::Error::PoolTimedOut => Self::Busy,
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolClosed => Self::Io,
            _ => Self::Other,
        }
    }

    fn of_sqlstate(code: &str) -> Self {
        match code {
            // Serialization failure and deadlock (retried first, see
            // `is_retryable`), lock not available, query cancelled (the
            // statement or lock timeout).
            "40001" | "40P01" | "55P03" | "57014" => Self::Busy,
            // Admin or crash shutdown, cannot connect now.
            "57P01" | "57P02" | "57P03" => Self::Io,
            "XX001" | "XX002" => Self::Corrupt,
            _ if code.starts_with("23") => Self::Constraint,
            // Connection exceptions and insufficient resources (disk full,
            // too many connections).
            _ if code.starts_with("08") || code.starts_with("53") => Self::Io,
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

/// A driver error reduced to what is safe to log: kind, SQLSTATE,
/// constraint and primary message. `Debug` and `Display` show only those.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverFailure {
    kind: &'static str,
    code: Option<String>,
    constraint: Option<String>,
    message: String,
    /// The connection it happened on is gone (`lender::connection_lost`).
    connection_lost: bool,
}

impl DriverFailure {
    pub(crate) fn new(error: &sqlx::Error) -> Self {
        let kind = FailureKind::of(error).label();
        let connection_lost = crate::lender::connection_lost(error);
        match error {
            sqlx::Error::Database(database) => Self {
                kind,
                code: database.code().map(|c| c.into_owned()),
                constraint: database.constraint().map(str::to_owned),
                // The primary message only (the Display of a PgDatabaseError):
                // "duplicate key value violates unique constraint ...".
                message: database.message().to_owned(),
                connection_lost,
            },
            // Other variants carry no row values; their Display is the
            // driver's short description.
            other => Self {
                kind,
                code: None,
                constraint: None,
                message: other.to_string(),
                connection_lost,
            },
        }
    }

    /// Whether the connection the statement ran on is gone.
    pub(crate) fn connection_lost(&self) -> bool {
        self.connection_lost
    }
}

impl fmt::Display for DriverFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.kind)?;
        if let Some(code) = &self.code {
            write!(f, " [SQLSTATE {code}]")?;
        }
        if let Some(constraint) = &self.constraint {
            write!(f, " on {constraint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DriverFailure {}

/// `error` as the store error of doing `context`, counted by kind.
pub(crate) fn store_error(context: &'static str, error: &sqlx::Error) -> StoreError {
    crate::metrics::database_error(FailureKind::of(error));
    StoreError::backend(context, DriverFailure::new(error))
}

/// [`store_error`] for `map_err`: `.map_err(backend("reading a booking"))`.
pub(crate) fn backend(context: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |error| store_error(context, &error)
}

/// The SQLSTATE of a database error.
// Used by the booking and customer ports (steps S2 and S3).
#[allow(dead_code)]
fn sqlstate(error: &sqlx::Error) -> Option<String> {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned())
}

/// Whether `error` is the overlap constraint's refusal (23P01 on
/// [`NO_OVERLAP`]): "slot taken".
// Used by the booking and customer ports (steps S2 and S3).
#[allow(dead_code)]
pub(crate) fn is_slot_taken(error: &sqlx::Error) -> bool {
    sqlstate(error).as_deref() == Some("23P01")
        && error
            .as_database_error()
            .and_then(|e| e.constraint())
            .is_some_and(|c| c == NO_OVERLAP)
}

/// The unique constraint a 23505 violated, if `error` is one.
// Used by the booking and customer ports (steps S2 and S3).
#[allow(dead_code)]
pub(crate) fn unique_violation(error: &sqlx::Error) -> Option<String> {
    if sqlstate(error).as_deref() != Some("23505") {
        return None;
    }
    error
        .as_database_error()
        .and_then(|e| e.constraint())
        .map(str::to_owned)
}

impl DriverFailure {
    /// Whether the whole transaction may simply be run again: a
    /// serialization failure, or a deadlock. Concurrent inserts that
    /// conflict on the exclusion constraint each wait for the other's
    /// transaction, which the server breaks as a deadlock (40P01); run again,
    /// the loser finds the winner committed and gets 23P01, "slot taken".
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(self.code.as_deref(), Some("40001" | "40P01"))
    }
}

/// How many times a write transaction runs at most when it keeps meeting
/// serialization failures or deadlocks.
pub(crate) const ATTEMPTS: u32 = 3;

/// Whether `error` is a [`DriverFailure`] worth running the transaction
/// again for.
pub(crate) fn is_retryable(error: &StoreError) -> bool {
    match error {
        StoreError::Backend { source, .. } => source
            .downcast_ref::<DriverFailure>()
            .is_some_and(DriverFailure::is_retryable),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_are_sorted_into_a_few_kinds() {
        assert_eq!(FailureKind::of_sqlstate("23505"), FailureKind::Constraint);
        assert_eq!(FailureKind::of_sqlstate("23P01"), FailureKind::Constraint);
        assert_eq!(FailureKind::of_sqlstate("40P01"), FailureKind::Busy);
        assert_eq!(FailureKind::of_sqlstate("57014"), FailureKind::Busy);
        assert_eq!(FailureKind::of_sqlstate("08006"), FailureKind::Io);
        assert_eq!(FailureKind::of_sqlstate("53100"), FailureKind::Io);
        assert_eq!(FailureKind::of_sqlstate("57P01"), FailureKind::Io);
        assert_eq!(FailureKind::of_sqlstate("XX001"), FailureKind::Corrupt);
        assert_eq!(FailureKind::of_sqlstate("42601"), FailureKind::Other);
        assert_eq!(
            FailureKind::of(&sqlx::Error::PoolTimedOut),
            FailureKind::Busy
        );
        assert_eq!(
            FailureKind::of(&sqlx::Error::Io(std::io::Error::other("gone"))),
            FailureKind::Io
        );
    }

    #[test]
    fn deadlocks_and_serialization_failures_are_retried_and_nothing_else() {
        let failure = |code: &str| {
            StoreError::backend(
                "creating a booking",
                DriverFailure {
                    kind: "busy",
                    code: Some(code.to_owned()),
                    constraint: None,
                    message: "deadlock detected".to_owned(),
                    connection_lost: false,
                },
            )
        };

        assert!(is_retryable(&failure("40P01")));
        assert!(is_retryable(&failure("40001")));
        assert!(!is_retryable(&failure("23P01")));
        assert!(!is_retryable(&store_error(
            "creating a booking",
            &sqlx::Error::PoolTimedOut
        )));
    }

    #[test]
    fn a_store_error_names_the_context_and_the_kind() {
        let error = store_error("reading a booking", &sqlx::Error::PoolTimedOut);
        assert!(matches!(
            error,
            StoreError::Backend {
                context: "reading a booking",
                ..
            }
        ));
        let source = std::error::Error::source(&error).map(ToString::to_string);
        assert!(source.is_some_and(|s| s.contains("(busy)")));
    }

    #[test]
    fn each_store_error_is_counted_by_kind() {
        use metrics_util::debugging::{DebugValue, DebuggingRecorder};

        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();

        ::metrics::with_local_recorder(&recorder, || {
            store_error("reading a booking", &sqlx::Error::PoolTimedOut)
        });

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
                crate::metrics::DATABASE_ERRORS.to_owned(),
                vec![("kind".to_owned(), "busy".to_owned())],
                DebugValue::Counter(1)
            )]
        );
    }

    /// The driver errors of real statements on a migrated test database.
    #[cfg(feature = "test-db")]
    mod on_a_server {
        use sqlx::PgConnection;

        use super::*;
        use crate::testing::PgTestDb;

        async fn error_of(conn: &mut PgConnection, sql: &'static str) -> sqlx::Error {
            sqlx::raw_sql(sql).execute(conn).await.unwrap_err()
        }

        const SEED: &str = "INSERT INTO staff (id, name, active) VALUES (1, 'Anna', true); \
            INSERT INTO services (id, name, duration_min, price_minor, currency, \
                buffer_before_min, buffer_after_min, active) \
                VALUES (1, 'Cut', 60, 0, 'EUR', 10, 5, true); \
            INSERT INTO customers (id, name, phone, consented_at_ms) \
                VALUES (1, 'Olga', '+4915112345678', 0); \
            INSERT INTO bookings (customer_id, service_id, staff_id, start_ms, end_ms, \
                buffer_before_min, buffer_after_min, status, version, created_at_ms) \
                VALUES (1, 1, 1, 3600000, 7200000, 10, 5, 'confirmed', 1, 0)";

        #[tokio::test]
        async fn an_overlapping_active_booking_is_slot_taken() {
            let db = PgTestDb::create().await;
            let store = db.open().await;
            let mut conn = db.raw_connection().await;
            sqlx::raw_sql(SEED).execute(&mut conn).await.unwrap();

            // Starts 5 minutes after the first ends: inside its 5-minute
            // buffer plus this one's 10 minutes before.
            let error = error_of(
                &mut conn,
                "INSERT INTO bookings (customer_id, service_id, staff_id, start_ms, end_ms, \
                 buffer_before_min, buffer_after_min, status, version, created_at_ms) \
                 VALUES (1, 1, 1, 7500000, 9000000, 10, 5, 'pending', 1, 0)",
            )
            .await;

            assert!(is_slot_taken(&error));
            assert_eq!(FailureKind::of(&error), FailureKind::Constraint);
            store.close().await;
        }

        #[tokio::test]
        async fn a_unique_violation_names_its_constraint_and_never_the_phone() {
            let db = PgTestDb::create().await;
            let store = db.open().await;
            let mut conn = db.raw_connection().await;
            sqlx::raw_sql(SEED).execute(&mut conn).await.unwrap();

            let error = error_of(
                &mut conn,
                "INSERT INTO customers (id, name, phone, consented_at_ms) \
                 VALUES (2, 'Olga', '+4915112345678', 0)",
            )
            .await;

            assert_eq!(
                unique_violation(&error).as_deref(),
                Some("customers_phone_key")
            );
            assert!(!is_slot_taken(&error));
            // The raw driver error does carry the phone in its DETAIL...
            assert!(format!("{error:?}").contains("12345678"));
            // ...the store error made of it never does.
            let store_error = store_error("creating a customer", &error);
            let mut shown = format!("{store_error} {store_error:?}");
            let mut source = std::error::Error::source(&store_error);
            while let Some(cause) = source {
                shown.push_str(&format!(" {cause} {cause:?}"));
                source = cause.source();
            }
            assert!(!shown.contains("12345678"), "{shown}");
            assert!(shown.contains("customers_phone_key"), "{shown}");
            store.close().await;
        }
    }
}
