//! The dispatcher scenarios of `booking-ports` on the PostgreSQL store: the
//! engine writes the outbox, the dispatcher reads and settles it here.

use adapter_postgres::PgStore;
use adapter_postgres::testing::PgTestDb;

async fn fixture() -> (PgStore, PgTestDb) {
    let db = PgTestDb::create().await;
    let store = db.open().await;
    (store, db)
}

booking_ports::dispatch_tests!(fixture);
