//! The dispatcher scenarios of `booking-ports` on the SQLite store: the
//! engine writes the outbox, the dispatcher reads and settles it here, with
//! the store's millisecond instants and its own outbox statements.

use adapter_sqlite::{SqliteSettings, SqliteStore};
use tempfile::TempDir;

async fn fixture() -> (SqliteStore, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&SqliteSettings::new(dir.path().join("dispatch.db")))
        .await
        .unwrap();
    (store, dir)
}

booking_ports::dispatch_tests!(fixture);
