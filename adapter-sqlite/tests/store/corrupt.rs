//! Rows the domain refuses, written behind the adapter's back: each read
//! gives `StoreError::Corrupt` naming the record, never a panic and never an
//! invalid value. Also what the schema itself refuses.

use adapter_sqlite::OpenError;
use booking_domain::{BookingId, CustomerId};
use booking_ports::{
    BookingStore, CatalogStore, CustomerStore, NewNotice, NoticeKind, NotificationOutbox,
    Recipient, StoreError,
};
use chrono::Duration;

use crate::helpers::{TestDb, haircut, monday, no_limit, raw_connection, seed_catalog};

fn corrupt_record(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(StoreError::Corrupt { record, .. }) => record,
        other => panic!("expected a corrupt record, got {other:?}"),
    }
}

#[tokio::test]
async fn a_stored_phone_that_no_longer_parses_is_reported_as_corrupt() {
    let db = TestDb::new();
    let store = db.open().await;
    let mut raw = raw_connection(&db.path).await;
    sqlx::query(
        "INSERT INTO customers (id, name, phone, language, consented_at_ms) \
         VALUES (7, 'Anna', 'call me', NULL, 0)",
    )
    .execute(&mut raw)
    .await
    .unwrap();

    let record = corrupt_record(store.customer(CustomerId::new(7).unwrap()).await);

    assert_eq!(record, "customer 7");
}

#[tokio::test]
async fn a_booking_comment_with_control_characters_is_reported_as_corrupt() {
    let db = TestDb::new();
    let store = db.open().await;
    let catalog = seed_catalog(&store).await;
    let booking = store
        .create_booking(
            haircut(&catalog, catalog.anna, 1, monday()),
            no_limit(),
            vec![],
        )
        .await
        .unwrap();
    let mut raw = raw_connection(&db.path).await;
    sqlx::query("UPDATE bookings SET comment = 'bell' || char(7) WHERE id = ?")
        .bind(booking.id().get())
        .execute(&mut raw)
        .await
        .unwrap();

    let record = corrupt_record(store.booking(booking.id()).await);

    assert_eq!(record, format!("booking {}", booking.id()));
    // The other reads that meet the row say the same, without panicking.
    corrupt_record(
        store
            .bookings_of_customer(CustomerId::new(1).unwrap())
            .await,
    );
}

#[tokio::test]
async fn a_staff_name_the_domain_refuses_is_reported_as_corrupt() {
    let db = TestDb::new();
    let store = db.open().await;
    seed_catalog(&store).await;
    let mut raw = raw_connection(&db.path).await;
    sqlx::query("UPDATE staff SET name = 'A' || char(0) || 'nna' WHERE id = 1")
        .execute(&mut raw)
        .await
        .unwrap();

    let record = corrupt_record(store.staff().await);

    assert_eq!(record, "staff member 1");
}

#[tokio::test]
async fn the_schema_refuses_an_overlapping_active_booking_whoever_writes_it() {
    // Arrange: a booking made through the adapter.
    let db = TestDb::new();
    let store = db.open().await;
    let catalog = seed_catalog(&store).await;
    store
        .create_booking(
            haircut(&catalog, catalog.anna, 1, monday()),
            no_limit(),
            vec![],
        )
        .await
        .unwrap();
    let mut raw = raw_connection(&db.path).await;
    let insert = "INSERT INTO bookings (customer_id, service_id, staff_id, start_ms, end_ms, \
                  buffer_before_min, buffer_after_min, status, version, created_at_ms) \
                  VALUES (2, 1, 1, ?, ?, 0, 0, ?, 1, 0)";
    let start = (monday() + Duration::minutes(61)).timestamp_millis();
    let end = start + 3_600_000;

    // Act and assert: raw SQL hits the trigger too (the first booking's
    // 5-minute buffer after covers 10:00 to 10:05).
    let overlapping = sqlx::query(insert)
        .bind(start)
        .bind(end)
        .bind("pending")
        .execute(&mut raw)
        .await;
    let error = overlapping.unwrap_err();
    let error = error.as_database_error().unwrap();
    assert_eq!(
        (error.code().as_deref(), error.message()),
        (Some("1811"), "slot_taken")
    );
    // A completed booking at that time is history, not occupation.
    sqlx::query(insert)
        .bind(start)
        .bind(end)
        .bind("completed")
        .execute(&mut raw)
        .await
        .unwrap();
    // Touching the occupied interval is free.
    let touching = (monday() + Duration::minutes(65)).timestamp_millis();
    sqlx::query(insert)
        .bind(touching)
        .bind(touching + 3_600_000)
        .bind("confirmed")
        .execute(&mut raw)
        .await
        .unwrap();
    // Reactivating the completed one would overlap: the update trigger.
    let reactivate =
        sqlx::query("UPDATE bookings SET status = 'pending' WHERE status = 'completed'")
            .execute(&mut raw)
            .await;
    assert_eq!(
        reactivate
            .unwrap_err()
            .as_database_error()
            .unwrap()
            .message(),
        "slot_taken"
    );
}

#[tokio::test]
async fn an_unknown_booking_reads_as_absent() {
    let db = TestDb::new();
    let store = db.open().await;
    assert_eq!(
        store.booking(BookingId::new(99).unwrap()).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_database_from_a_newer_release_is_refused_at_open() {
    let db = TestDb::new();
    db.open().await.close().await;
    let mut raw = raw_connection(&db.path).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut raw)
    .await
    .unwrap();
    drop(raw);

    let refused = adapter_sqlite::SqliteStore::open(&db.settings()).await;

    assert!(
        matches!(
            refused,
            Err(OpenError::NewerSchema {
                found: 9999,
                known,
                ..
            }) if known == adapter_sqlite::schema_level()
        ),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_database_whose_applied_migration_was_edited_is_refused_at_open() {
    let db = TestDb::new();
    db.open().await.close().await;
    let mut raw = raw_connection(&db.path).await;
    sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1")
        .execute(&mut raw)
        .await
        .unwrap();
    drop(raw);

    let refused = adapter_sqlite::SqliteStore::open(&db.settings()).await;

    assert!(
        matches!(
            refused,
            Err(OpenError::ModifiedMigration { version: 1, .. })
        ),
        "{refused:?}"
    );
}

#[tokio::test]
async fn an_unreadable_notice_is_set_aside_and_the_others_are_still_delivered() {
    let db = TestDb::new();
    let store = db.open().await;
    let catalog = seed_catalog(&store).await;
    let notice = |staff| NewNotice {
        recipient: Recipient::Staff(staff),
        kind: NoticeKind::NewBooking {
            awaiting_confirmation: false,
        },
        due_at: monday() - Duration::days(1),
    };
    for (hours, staff) in [(0, catalog.anna), (3, catalog.boris)] {
        store
            .create_booking(
                haircut(&catalog, staff, 1, monday() + Duration::hours(hours)),
                no_limit(),
                vec![notice(staff)],
            )
            .await
            .unwrap();
    }
    // The first notice (due first) gets a kind no release knows, behind the
    // schema's back.
    let mut raw = raw_connection(&db.path).await;
    sqlx::query("PRAGMA ignore_check_constraints = ON")
        .execute(&mut raw)
        .await
        .unwrap();
    let first: i64 = sqlx::query_scalar("SELECT min(id) FROM notifications")
        .fetch_one(&mut raw)
        .await
        .unwrap();
    sqlx::query("UPDATE notifications SET kind = 'from_the_future' WHERE id = ?")
        .bind(first)
        .execute(&mut raw)
        .await
        .unwrap();

    // Before the fix this read failed, every time, for every notice.
    let due = store.due_notifications(monday(), 10).await.unwrap();

    assert_eq!(due.len(), 1, "the readable notice is still delivered");
    assert_ne!(due[0].id.get(), first);
    let (state, reason): (String, String) =
        sqlx::query_as("SELECT state, failure_reason FROM notifications WHERE id = ?")
            .bind(first)
            .fetch_one(&mut raw)
            .await
            .unwrap();
    assert_eq!(state, "failed");
    assert!(reason.starts_with("unreadable"), "{reason}");
    // Set aside once: the next read neither fails nor meets it again.
    assert_eq!(
        store.due_notifications(monday(), 10).await.unwrap().len(),
        1
    );
}
