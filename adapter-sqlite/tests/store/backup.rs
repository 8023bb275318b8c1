//! Online backup while writers keep writing, and the checks a restore makes
//! before it replaces anything.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use adapter_sqlite::{BackupError, OpenError, RestoreError, SqliteStore};
use booking_domain::{BookingId, Interval, StaffId};
use booking_ports::{
    BookingScope, BookingStore, NewNotice, NoticeKind, NotificationOutbox, Recipient,
};
use chrono::Duration;
use futures::StreamExt;
use sqlx::Connection;
use tokio::sync::watch;

use crate::helpers::{Catalog, TestDb, haircut, monday, no_limit, raw_connection, seed_catalog};

fn everything() -> Interval {
    Interval::new(
        monday() - Duration::days(365),
        monday() + Duration::days(3650),
    )
    .unwrap()
}

async fn all_booking_ids(store: &SqliteStore) -> BTreeSet<BookingId> {
    store
        .export_bookings(everything())
        .map(|b| b.unwrap().id())
        .collect()
        .await
}

/// Books `staff` one slot after another with one notice each, recording
/// every committed id, until `stop` says so.
async fn keep_booking(
    store: SqliteStore,
    catalog: Arc<Catalog>,
    staff: StaffId,
    committed: Arc<Mutex<Vec<BookingId>>>,
    progress: watch::Sender<usize>,
    stop: watch::Receiver<bool>,
) {
    let mut start = monday();
    while !*stop.borrow() {
        let notice = NewNotice {
            recipient: Recipient::Staff(staff),
            kind: NoticeKind::NewBooking {
                awaiting_confirmation: false,
            },
            due_at: monday(),
        };
        let booking = store
            .create_booking(haircut(&catalog, staff, 5, start), no_limit(), vec![notice])
            .await
            .unwrap();
        let count = {
            let mut committed = committed.lock().unwrap();
            committed.push(booking.id());
            committed.len()
        };
        progress.send_replace(count);
        start += Duration::hours(2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_restores_to_a_consistent_database() {
    // Arrange: two writers booking as fast as they can.
    let db = TestDb::new();
    let store = db.open().await;
    let catalog = Arc::new(seed_catalog(&store).await);
    let committed = Arc::new(Mutex::new(Vec::new()));
    let (progress_tx, mut progress) = watch::channel(0);
    let (stop_tx, stop) = watch::channel(false);
    let writers: Vec<_> = [catalog.anna, catalog.boris]
        .into_iter()
        .map(|staff| {
            tokio::spawn(keep_booking(
                store.clone(),
                catalog.clone(),
                staff,
                committed.clone(),
                progress_tx.clone(),
                stop.clone(),
            ))
        })
        .collect();
    progress.wait_for(|count| *count >= 40).await.unwrap();

    // Act: back up while they write, then stop them.
    let before: BTreeSet<BookingId> = committed.lock().unwrap().iter().copied().collect();
    let backup = db.sibling("backup.db");
    store.backup_to(&backup).await.unwrap();
    let writes_after_backup = committed.lock().unwrap().len() + 20;
    progress
        .wait_for(|count| *count >= writes_after_backup)
        .await
        .unwrap();
    stop_tx.send_replace(true);
    for writer in writers {
        writer.await.unwrap();
    }
    let all: BTreeSet<BookingId> = committed.lock().unwrap().iter().copied().collect();

    // Assert: restored into a fresh path, the backup is intact, holds every
    // booking committed before it began and none that did not commit, and
    // each of its bookings has its notice (they committed together).
    let restored_db = TestDb::new();
    let report = SqliteStore::restore(&backup, &restored_db.settings())
        .await
        .unwrap();
    assert_eq!(report.schema_level, adapter_sqlite::schema_level());
    assert_eq!(report.replaced_kept_at, None);
    let restored = restored_db.open().await;
    assert_eq!(
        restored.integrity_problems().await.unwrap(),
        Vec::<String>::new()
    );
    let in_backup = all_booking_ids(&restored).await;
    assert!(
        in_backup.is_superset(&before),
        "the backup lost committed bookings"
    );
    assert!(
        in_backup.is_subset(&all),
        "the backup holds bookings that never committed"
    );
    assert!(
        in_backup.len() < all.len(),
        "the writers kept writing during the backup"
    );
    for id in &in_backup {
        let notices = restored.notifications_of_booking(*id).await.unwrap();
        assert_eq!(notices.len(), 1, "booking {id} without its notice");
    }
    // The live database is untouched by the backup and still accepts writes.
    assert_eq!(all_booking_ids(&store).await, all);
}

#[tokio::test]
async fn restore_replaces_the_database_and_keeps_the_replaced_one() {
    // Arrange: a backup with one booking, then a second booking after it.
    let db = TestDb::new();
    let store = db.open().await;
    let catalog = seed_catalog(&store).await;
    let first = store
        .create_booking(
            haircut(&catalog, catalog.anna, 1, monday()),
            no_limit(),
            vec![],
        )
        .await
        .unwrap();
    let backup = db.sibling("backup.db");
    store.backup_to(&backup).await.unwrap();
    let second = store
        .create_booking(
            haircut(&catalog, catalog.anna, 1, monday() + Duration::hours(3)),
            no_limit(),
            vec![],
        )
        .await
        .unwrap();
    store.close().await;

    // Act
    let report = SqliteStore::restore(&backup, &db.settings()).await.unwrap();

    // Assert: the target holds the backup's state; the replaced database,
    // with the booking made after the backup, is kept beside it.
    let restored = db.open().await;
    assert_eq!(
        all_booking_ids(&restored).await,
        BTreeSet::from([first.id()])
    );
    let kept = report.replaced_kept_at.unwrap();
    let kept_store = SqliteStore::open(&adapter_sqlite::SqliteSettings::new(&kept))
        .await
        .unwrap();
    assert_eq!(
        all_booking_ids(&kept_store).await,
        BTreeSet::from([first.id(), second.id()])
    );
    // The restored file carries on: new bookings get fresh ids.
    let third = restored
        .create_booking(
            haircut(&catalog, catalog.boris, 1, monday()),
            no_limit(),
            vec![],
        )
        .await
        .unwrap();
    assert!(third.id() > first.id());
}

#[tokio::test]
async fn a_backup_never_overwrites_a_file() {
    let db = TestDb::new();
    let store = db.open().await;
    let target = db.sibling("exists.db");
    std::fs::write(&target, b"precious").unwrap();
    assert!(matches!(
        store.backup_to(&target).await,
        Err(BackupError::TargetExists { .. })
    ));
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
}

/// A live database with one booking, closed, and its backup.
async fn database_and_backup() -> (TestDb, std::path::PathBuf, BTreeSet<BookingId>) {
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
    let backup = db.sibling("backup.db");
    store.backup_to(&backup).await.unwrap();
    let ids = all_booking_ids(&store).await;
    store.close().await;
    (db, backup, ids)
}

/// The target still opens with the same bookings, and nothing was left
/// beside it.
async fn assert_untouched(db: &TestDb, ids: &BTreeSet<BookingId>) {
    let store = db.open().await;
    assert_eq!(&all_booking_ids(&store).await, ids);
    let leftovers: Vec<_> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("restor"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[tokio::test]
async fn restore_refuses_a_damaged_backup_and_touches_nothing() {
    // Arrange: overwrite a page in the middle of the backup.
    let (db, backup, ids) = database_and_backup().await;
    let mut bytes = std::fs::read(&backup).unwrap();
    let page = 4096;
    assert!(bytes.len() > 4 * page);
    for byte in &mut bytes[2 * page + 8..3 * page] {
        *byte = 0xA5;
    }
    std::fs::write(&backup, &bytes).unwrap();

    // Act
    let refused = SqliteStore::restore(&backup, &db.settings()).await;

    // Assert
    assert!(
        matches!(
            refused,
            Err(RestoreError::Damaged { .. } | RestoreError::Unreadable { .. })
        ),
        "{refused:?}"
    );
    assert_untouched(&db, &ids).await;
}

#[tokio::test]
async fn restore_refuses_a_backup_whose_schema_lost_its_guards() {
    // Arrange: a backup without the trigger that refuses overlapping
    // bookings and with an index of its own: an intact SQLite file at a
    // known schema level, which every other check accepts.
    let (db, backup, ids) = database_and_backup().await;
    let mut raw = raw_connection(&backup).await;
    sqlx::query("DROP TRIGGER bookings_refuse_overlap_on_insert")
        .execute(&mut raw)
        .await
        .unwrap();
    sqlx::query("CREATE INDEX sneaky ON bookings (comment)")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();

    // Act
    let refused = SqliteStore::restore(&backup, &db.settings()).await;

    // Assert: refused, naming what differs, and nothing replaced.
    let Err(RestoreError::Damaged { problems, .. }) = refused else {
        panic!("restored a backup without its overlap trigger: {refused:?}");
    };
    assert!(
        problems.contains(&"trigger bookings_refuse_overlap_on_insert is missing".to_owned()),
        "{problems:?}"
    );
    assert!(
        problems.contains(&"index sneaky is not part of the schema".to_owned()),
        "{problems:?}"
    );
    assert_untouched(&db, &ids).await;
}

#[tokio::test]
async fn restore_refuses_a_backup_from_a_newer_release() {
    // Arrange: the backup claims a migration this release does not ship.
    let (db, backup, ids) = database_and_backup().await;
    let mut raw = raw_connection(&backup).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut raw)
    .await
    .unwrap();
    drop(raw);

    // Act
    let refused = SqliteStore::restore(&backup, &db.settings()).await;

    // Assert
    assert!(
        matches!(
            refused,
            Err(RestoreError::Schema {
                source: OpenError::NewerSchema { found: 9999, .. },
                ..
            })
        ),
        "{refused:?}"
    );
    assert_untouched(&db, &ids).await;
}

#[tokio::test]
async fn restore_refuses_an_sqlite_file_that_is_not_a_booking_database() {
    let (db, _, ids) = database_and_backup().await;
    let foreign = db.sibling("foreign.db");
    let mut raw = {
        use sqlx::ConnectOptions;
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&foreign)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap()
    };
    sqlx::query("CREATE TABLE notes (text TEXT)")
        .execute(&mut raw)
        .await
        .unwrap();
    drop(raw);

    let refused = SqliteStore::restore(&foreign, &db.settings()).await;

    assert!(
        matches!(refused, Err(RestoreError::NotABookingDatabase { .. })),
        "{refused:?}"
    );
    assert_untouched(&db, &ids).await;
}

#[tokio::test]
async fn restore_refuses_a_missing_backup() {
    let (db, _, ids) = database_and_backup().await;
    let refused = SqliteStore::restore(&db.sibling("nowhere.db"), &db.settings()).await;
    assert!(matches!(refused, Err(RestoreError::Unreadable { .. })));
    assert_untouched(&db, &ids).await;
}

#[tokio::test]
async fn the_active_scope_of_a_restored_database_still_refuses_overlaps() {
    // The triggers travel with the backup: a restored file is as strict.
    let (db, backup, _) = database_and_backup().await;
    let restored_db = TestDb::new();
    SqliteStore::restore(&backup, &restored_db.settings())
        .await
        .unwrap();
    drop(db);
    let restored = restored_db.open().await;
    let catalog = Catalog {
        anna: StaffId::new(1).unwrap(),
        boris: StaffId::new(2).unwrap(),
        haircut: booking_domain::ServiceId::new(1).unwrap(),
    };
    let again = restored
        .create_booking(
            haircut(&catalog, catalog.anna, 2, monday() + Duration::minutes(30)),
            no_limit(),
            vec![],
        )
        .await;
    assert!(matches!(
        again,
        Err(booking_ports::CreateBookingError::SlotTaken { .. })
    ));
    let active = restored
        .bookings_overlapping(everything(), Some(catalog.anna), BookingScope::ActiveOnly)
        .await
        .unwrap();
    assert_eq!(active.len(), 1);
}
