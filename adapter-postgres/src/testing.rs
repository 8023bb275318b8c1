//! Throwaway databases for tests (feature `test-db`): each [`PgTestDb`] is a
//! fresh database on a real server, dropped when the value is.
//!
//! The server is `BOOKING_TEST_POSTGRES_URL`, by default
//! `postgres://postgres@127.0.0.1:5432/postgres`. When it cannot be reached
//! the test fails with one line saying what to do: tests never skip
//! themselves, since a skipped suite would pass CI without PostgreSQL.
#![allow(clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU32, Ordering};

use secrecy::SecretString;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::{PgSettings, PgStore};

/// The variable naming the server tests use.
pub const URL_VARIABLE: &str = "BOOKING_TEST_POSTGRES_URL";

/// The server tests use when [`URL_VARIABLE`] is unset.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Numbers the databases of one test process.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// A database of its own for one test: `booking_test_<pid>_<n>`, created
/// empty (not migrated) and dropped `WITH (FORCE)` on drop, even while
/// connections to it are still open.
#[derive(Debug)]
pub struct PgTestDb {
    name: String,
    server_url: String,
    url: String,
}

impl PgTestDb {
    /// Creates the database.
    ///
    /// # Panics
    /// When the server cannot be reached or refuses to create it: the
    /// message names [`URL_VARIABLE`] and how to start a local server.
    pub async fn create() -> Self {
        let server_url = std::env::var(URL_VARIABLE).unwrap_or_else(|_| DEFAULT_URL.to_owned());
        let name = format!(
            "booking_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::connect(&server_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is needed by this test and is not reachable at {} ({}): set {URL_VARIABLE} \
                 or start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`",
                crate::settings::redact(&server_url),
                crate::failure::DriverFailure::new(&e),
            )
        });
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot create the test database {name}: {}",
                    crate::failure::DriverFailure::new(&e)
                )
            });
        // Best effort: the database is made either way.
        let _ = admin.close().await;
        let url = with_database(&server_url, &name);
        Self {
            name,
            server_url,
            url,
        }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL of the database (the server's URL with its name).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Settings for the database: a pool of 5 connections, so that two
    /// tests at once stay far below the server's connection limit.
    pub fn settings(&self) -> PgSettings {
        let mut settings = PgSettings::new(SecretString::from(self.url.clone()));
        settings.max_connections = 5;
        settings
    }

    /// The store on this database, migrated.
    ///
    /// # Panics
    /// When it cannot be opened.
    pub async fn open(&self) -> PgStore {
        PgStore::open(&self.settings())
            .await
            .unwrap_or_else(|e| panic!("cannot open the test database {}: {e}", self.name))
    }

    /// A connection of its own to the database, for writing what the
    /// adapter never would.
    ///
    /// # Panics
    /// When it cannot connect.
    pub async fn raw_connection(&self) -> PgConnection {
        PgConnection::connect(&self.url)
            .await
            .expect("connecting to the test database")
    }
}

impl Drop for PgTestDb {
    /// Drops the database from a thread of its own with its own runtime:
    /// `Drop` may run inside the test's runtime, where it cannot block on a
    /// future. `WITH (FORCE)` ends the store's connections still open.
    fn drop(&mut self) {
        let server_url = self.server_url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&server_url)
                    .await
                    .map_err(|e| crate::failure::DriverFailure::new(&e).to_string())?;
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .map_err(|e| crate::failure::DriverFailure::new(&e).to_string())?;
                let _ = admin.close().await;
                Ok::<(), String>(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop the test database {}: {e}", self.name),
            Err(_) => eprintln!("dropping the test database {} panicked", self.name),
        }
    }
}

/// `server_url` with its database (the path) replaced by `name`, query kept.
fn with_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let mut url = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_test_database_replaces_the_servers_database_only() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "t2"),
            "postgres://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t3"), "postgres://h/t3");
    }
}
