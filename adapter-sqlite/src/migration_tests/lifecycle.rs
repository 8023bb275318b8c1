//! Level 7 rebuilds `notifications` to widen its kind CHECK: every row, every
//! index and the id counter survive, and the new kinds can be stored.
//! It starts from level 6 and its fixture.

use booking_domain::{BookingId, Minutes};
use booking_ports::{NoticeKind, NotificationOutbox};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, SqliteConnection};

use crate::db::{self, MIGRATOR};
use crate::{SqliteSettings, SqliteStore};

/// The level this test starts from.
const FROM_LEVEL: i64 = 6;

/// The indexes of `notifications`, by name, with their SQL.
async fn notification_indexes(conn: &mut SqliteConnection) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT name, sql FROM sqlite_schema \
         WHERE type = 'index' AND tbl_name = 'notifications' AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_rebuilt_outbox_keeps_its_rows_indexes_and_id_counter_and_takes_the_new_kinds() {
    // Arrange: a level-6 file with the canonical data, whose counter says
    // notifications up to id 20 existed (13 of them erased since).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let settings = SqliteSettings::new(&path);
    let mut conn = db::connect_options(&path, &settings)
        .connect()
        .await
        .unwrap();
    MIGRATOR.run_to(FROM_LEVEL, &mut conn).await.unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/schema_level_{FROM_LEVEL:04}.sql"));
    let data = std::fs::read_to_string(fixture).unwrap();
    sqlx::raw_sql(AssertSqlSafe(data))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE sqlite_sequence SET seq = 20 WHERE name = 'notifications'")
        .execute(&mut conn)
        .await
        .unwrap();
    let indexes_before = notification_indexes(&mut conn).await;
    let rows_before: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, kind, state FROM notifications ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    conn.close().await.unwrap();

    // Act
    let store = SqliteStore::open(&settings).await.unwrap();

    // Assert: the same rows and indexes, nothing left of the rebuild.
    let mut conn = store.pool.acquire().await.unwrap();
    assert_eq!(
        db::applied_migrations(&mut conn)
            .await
            .unwrap()
            .keys()
            .max(),
        Some(&db::schema_level())
    );
    assert_eq!(notification_indexes(&mut conn).await, indexes_before);
    assert_eq!(indexes_before.len(), 4, "levels 1 and 2 made four indexes");
    let rows_after: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, kind, state FROM notifications ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(rows_after, rows_before);
    let leftovers: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_schema WHERE name LIKE 'notifications_new%' \
         UNION ALL SELECT name FROM sqlite_sequence WHERE name = 'notifications_new'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The new kinds are stored, after the highest id ever used.
    sqlx::query(
        "INSERT INTO notifications (booking_id, recipient_kind, recipient_id, kind, \
         awaiting_confirmation, before_min, due_at_ms, state, attempts, next_attempt_at_ms) \
         VALUES (4, 'staff', 1, 'confirmation_reminder', NULL, 120, 1893580000000, 'pending', 0, \
                 1893580000000), \
                (4, 'customer', 43, 'expired', NULL, NULL, 1893590000000, 'pending', 0, \
                 1893590000000)",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let stored = store
        .notifications_of_booking(BookingId::new(4).unwrap())
        .await
        .unwrap();
    let added: Vec<(i64, NoticeKind)> = stored
        .iter()
        .filter(|n| n.id.get() > 20)
        .map(|n| (n.id.get(), n.kind))
        .collect();
    assert_eq!(
        added,
        [
            (
                21,
                NoticeKind::ConfirmationReminder {
                    before: Minutes::new(120).unwrap()
                }
            ),
            (22, NoticeKind::Expired),
        ]
    );
}
