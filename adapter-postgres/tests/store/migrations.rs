//! Opening migrates an empty database to the latest level, again is a
//! no-op, and a schema from a newer release or an edited migration is
//! refused.

use adapter_postgres::testing::PgTestDb;
use adapter_postgres::{OpenError, PgStore, schema_level};

async fn applied_levels(db: &PgTestDb) -> Vec<i64> {
    let mut conn = db.raw_connection().await;
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(&mut conn)
        .await
        .unwrap()
}

/// Every level up to this release's, each applied once.
fn every_level() -> Vec<i64> {
    (1..=schema_level()).collect()
}

#[tokio::test]
async fn opening_an_empty_database_migrates_it_to_the_latest_level() {
    let db = PgTestDb::create().await;

    let store = db.open().await;

    assert_eq!(applied_levels(&db).await, every_level());
    store.ping().await.unwrap();
    let mut conn = db.raw_connection().await;
    let constraint: String = sqlx::query_scalar(
        "SELECT conname::text FROM pg_constraint WHERE conname = 'bookings_no_overlap'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(constraint, "bookings_no_overlap");
    store.close().await;
}

#[tokio::test]
async fn opening_twice_is_a_no_op() {
    let db = PgTestDb::create().await;
    db.open().await.close().await;

    let store = db.open().await;

    assert_eq!(applied_levels(&db).await, every_level());
    store.close().await;
}

#[tokio::test]
async fn a_schema_from_a_newer_release_is_refused() {
    let db = PgTestDb::create().await;
    db.open().await.close().await;
    let mut conn = db.raw_connection().await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', true, '\\x00'::bytea, 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();

    let error = PgStore::open(&db.settings()).await.unwrap_err();

    assert!(
        matches!(error, OpenError::NewerSchema { found: 9999, known, .. } if known == schema_level()),
        "{error}"
    );
}

#[tokio::test]
async fn an_edited_migration_is_refused() {
    let db = PgTestDb::create().await;
    db.open().await.close().await;
    let mut conn = db.raw_connection().await;
    sqlx::query("UPDATE _sqlx_migrations SET checksum = '\\x00'::bytea WHERE version = 1")
        .execute(&mut conn)
        .await
        .unwrap();

    let error = PgStore::open(&db.settings()).await.unwrap_err();

    assert!(
        matches!(error, OpenError::ModifiedMigration { version: 1, .. }),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_concurrent_opens_of_a_new_database_all_succeed() {
    let db = PgTestDb::create().await;
    let settings = db.settings();

    let opens: Vec<_> = (0..4)
        .map(|_| {
            let settings = settings.clone();
            tokio::spawn(async move { PgStore::open(&settings).await })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opens {
        stores.push(open.await.unwrap().unwrap());
    }

    assert_eq!(applied_levels(&db).await, every_level());
    for store in stores {
        store.close().await;
    }
}

#[tokio::test]
async fn an_unreachable_server_is_an_error_without_the_password() {
    let settings =
        adapter_postgres::PgSettings::new("postgres://booking:hunter2@127.0.0.1:1/booking".into());

    let error = PgStore::open(&settings).await.unwrap_err();

    let shown = format!("{error} {error:?}");
    assert!(matches!(error, OpenError::Connect { .. }));
    assert!(!shown.contains("hunter2"), "{shown}");
}
