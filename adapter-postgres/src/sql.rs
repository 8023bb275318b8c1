//! Every SQL statement the adapter runs, in one place, as in adapter-sqlite:
//! declared through [`statements!`], which also lists them in `ALL` so that
//! a test can prepare (and later plan-check) each one.
//!
//! Parameters are `$n`. PostgreSQL infers a parameter's type from its use;
//! where it cannot (`$1 - $2`), the statement casts it (`$1::bigint`).

/// Declares statements as `pub(crate) const`s and lists them in `ALL`.
macro_rules! statements {
    ($( $(#[$doc:meta])* $name:ident = $sql:expr; )*) => {
        $( $(#[$doc])* pub(crate) const $name: &str = $sql; )*

        /// Every statement, by name, for the tests.
        #[cfg(test)]
        pub(crate) const ALL: &[(&str, &str)] = &[ $( (stringify!($name), $name) ),* ];
    };
}

statements! {
    // ----- Opening and maintenance -------------------------------------

    /// `server_version_num`: 150020 for 15.20.
    SERVER_VERSION = "SHOW server_version_num";
    MIGRATIONS_TABLE_EXISTS = "SELECT to_regclass('_sqlx_migrations') IS NOT NULL";
    APPLIED_MIGRATIONS =
        "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version";
    /// A round trip through a pooled connection, for readiness checks.
    PING = "SELECT 1::bigint";
}

#[cfg(all(test, feature = "test-db"))]
mod tests {
    use sqlx::{Executor, SqlSafeStr};

    use super::ALL;
    use crate::testing::PgTestDb;

    /// Every statement parses and its tables and columns exist: the server
    /// prepares each against the migrated schema.
    #[tokio::test]
    async fn every_statement_prepares_on_the_migrated_schema() {
        let db = PgTestDb::create().await;
        let store = db.open().await;
        let mut conn = db.raw_connection().await;
        let mut refused = Vec::new();
        for (name, sql) in ALL {
            if let Err(e) = conn.prepare(sql.into_sql_str()).await {
                refused.push(format!(
                    "{name}: {}",
                    crate::failure::DriverFailure::new(&e)
                ));
            }
        }
        assert!(refused.is_empty(), "{refused:#?}");
        store.close().await;
    }
}
