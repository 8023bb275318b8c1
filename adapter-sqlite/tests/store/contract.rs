//! The whole adapter contract suite of `booking-ports`, run against a file
//! database in a temporary directory with a pool of several connections (a
//! pooled `sqlite::memory:` would give each connection its own empty
//! database and prove nothing about concurrency).

use adapter_sqlite::{SqliteSettings, SqliteStore};
use tempfile::TempDir;

async fn fixture() -> (SqliteStore, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = SqliteSettings::new(dir.path().join("contract.db"));
    settings.max_connections = 4;
    let store = SqliteStore::open(&settings).await.unwrap();
    (store, dir)
}

booking_ports::contract_tests!(fixture);
