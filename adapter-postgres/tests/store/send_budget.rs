//! The shared sending budget's contracts against a fresh PostgreSQL
//! database per test: the one store here that several processes share.

use adapter_postgres::PgStore;
use adapter_postgres::testing::PgTestDb;

async fn fixture() -> (PgStore, PgTestDb) {
    let db = PgTestDb::create().await;
    let store = db.open().await;
    (store, db)
}

booking_ports::send_budget_tests!(fixture);
