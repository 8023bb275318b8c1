//! The whole adapter contract suite of `booking-ports`, unchanged, against
//! a fresh PostgreSQL database per test (a pool of 5 connections, so the
//! races are real).

use adapter_postgres::PgStore;
use adapter_postgres::testing::PgTestDb;

async fn fixture() -> (PgStore, PgTestDb) {
    let db = PgTestDb::create().await;
    let store = db.open().await;
    (store, db)
}

booking_ports::contract_tests!(fixture);
