//! `booking migrate-store` from a SQLite business into PostgreSQL, as a
//! process: every table arrives with the same cells (bookings with their
//! versions and history, a rescheduled pair, a cancellation, pending
//! notices, a caller without Telegram, a conversation), the id counters
//! carry over (a removed block's id is never handed out again), and it
//! refuses a target that is not empty and a source the bots hold.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Output, Stdio};

use adapter_postgres::testing::PgTestDb;
use booking_domain::{
    CustomerId, Interval, ServiceId, StaffChoice, StaffId, TelegramUserId, TimeOffId, TimeOffSpec,
};
use booking_ports::engine::{BookingForm, StaffBookingForm};
use booking_ports::{
    BookingScope, BookingStore, BotName, CatalogStore, ChatKey, ConversationKey, ConversationStore,
    CustomerStore, EngineSettings, ManualClock, StaffActor, StaffRole, StaffUser,
};
use chrono::{Duration, TimeZone, Utc};

fn migrate_store(from: &str, to: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_booking"))
        .args(["migrate-store", "--from", from, "--to", to])
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn owner() -> StaffActor {
    StaffActor::authenticated(StaffUser::new(1), None, StaffRole::Owner)
}

/// A small salon's SQLite database with a bit of everything.
async fn salon(sqlite_url: &str) -> (CustomerId, TimeOffId) {
    let settings = common::seed::example_settings();
    let app::database::Store::Sqlite(store) =
        app::database::open(&app::database::DatabaseSettings::from_url(sqlite_url).unwrap())
            .await
            .unwrap()
    else {
        panic!("a sqlite:// URL opens SQLite");
    };
    let now = Utc.with_ymd_and_hms(2030, 1, 6, 9, 0, 0).unwrap();
    let engine = booking_ports::Engine::on_store(
        store.clone(),
        ManualClock::new(now),
        settings.policy.clone(),
        EngineSettings::default(),
    );
    engine
        .import_catalog_if_empty(settings.catalog.clone())
        .await
        .unwrap();
    let form = |hour: u32, name: &str| BookingForm {
        service: ServiceId::new(1).unwrap(),
        staff: StaffChoice::Only(StaffId::new(1).unwrap()),
        start: Utc.with_ymd_and_hms(2030, 1, 7, hour, 0, 0).unwrap(),
        name: name.to_owned(),
        phone: format!("+7 916 000-00-{hour:02}"),
        comment: Some("окно, пожалуйста".to_owned()),
        language: None,
    };
    let olga = engine
        .book_as(TelegramUserId::new(7001).unwrap(), form(7, "Olga"))
        .await
        .unwrap()
        .booking;
    let ivan = engine
        .book_as(TelegramUserId::new(7002).unwrap(), form(9, "Ivan"))
        .await
        .unwrap()
        .booking;
    engine
        .reschedule_booking(
            &owner(),
            olga.id(),
            olga.version(),
            StaffChoice::Only(StaffId::new(1).unwrap()),
            Utc.with_ymd_and_hms(2030, 1, 7, 12, 0, 0).unwrap(),
        )
        .await
        .unwrap();
    engine
        .cancel_booking(&owner(), ivan.id(), ivan.version(), None)
        .await
        .unwrap();
    let caller = engine
        .record_customer(&owner(), "Anna Caller", "+7 916 555-01-02", None)
        .await
        .unwrap();
    engine
        .book_for_customer(
            &owner(),
            StaffBookingForm {
                customer: caller.id,
                service: ServiceId::new(1).unwrap(),
                staff: StaffChoice::Only(StaffId::new(1).unwrap()),
                start: Utc.with_ymd_and_hms(2030, 1, 8, 8, 0, 0).unwrap(),
                comment: None,
            },
        )
        .await
        .unwrap();
    // A block made and removed: its id is never handed out again.
    let removed = store
        .add_time_off(TimeOffSpec {
            staff: Some(StaffId::new(2).unwrap()),
            period: Interval::new(now + Duration::days(3), now + Duration::days(4)).unwrap(),
            reason: None,
        })
        .await
        .unwrap()
        .id();
    store.remove_time_off(removed).await.unwrap();
    store
        .save_conversation(
            ConversationKey {
                bot: BotName::new("client").unwrap(),
                chat: ChatKey::new(7001),
            },
            r#"{"at":"idle"}"#.to_owned(),
            now + Duration::days(1),
            booking_ports::RecordVersion::NONE,
        )
        .await
        .unwrap();
    store.close().await;
    (caller.id, removed)
}

#[tokio::test]
async fn on_postgresql_a_sqlite_business_is_copied_whole_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", dir.path().join("booking.db").display());
    let (caller, removed) = salon(&sqlite_url).await;
    let db = PgTestDb::create().await;

    let copied = migrate_store(&sqlite_url, db.url());
    let again = migrate_store(&sqlite_url, db.url());

    let said = String::from_utf8_lossy(&copied.stdout);
    assert_eq!(
        copied.status.code(),
        Some(0),
        "{said}{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    for line in [
        "bookings: 4 rows, sha256 ",
        "customers: 3 rows, sha256 ",
        "conversations: 1 rows, sha256 ",
        "copied and verified",
    ] {
        assert!(said.contains(line), "{line:?} in {said}");
    }
    assert!(!said.contains("DIFFERS"), "{said}");
    assert_eq!(again.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    // The same store, read through the ports from either side.
    let sqlite = adapter_sqlite::SqliteStore::open(&adapter_sqlite::SqliteSettings::new(
        dir.path().join("booking.db"),
    ))
    .await
    .unwrap();
    let pg = db.open().await;
    let from = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2030, 2, 1, 0, 0, 0).unwrap();
    let period = Interval::new(from, to).unwrap();
    let (before, after) = (
        sqlite
            .bookings_overlapping(period, None, BookingScope::AllStatuses)
            .await
            .unwrap(),
        pg.bookings_overlapping(period, None, BookingScope::AllStatuses)
            .await
            .unwrap(),
    );
    assert_eq!(before.len(), 4);
    assert_eq!(before, after, "bookings, versions, history and audit alike");
    assert_eq!(
        sqlite.customer(caller).await.unwrap(),
        pg.customer(caller).await.unwrap()
    );
    // The removed block's id is not handed out again.
    let next = pg
        .add_time_off(TimeOffSpec {
            staff: None,
            period: Interval::new(from, to).unwrap(),
            reason: None,
        })
        .await
        .unwrap();
    assert!(
        next.id().get() > removed.get(),
        "{:?} after {removed:?}",
        next.id()
    );
    sqlite.close().await;
    pg.close().await;
}

#[tokio::test]
async fn on_postgresql_a_source_the_bots_hold_or_a_wrong_pair_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("booking.db");
    let sqlite_url = format!("sqlite://{}", path.display());
    salon(&sqlite_url).await;
    let db = PgTestDb::create().await;
    let running = app::run_lock::RunLock::try_acquire(&path).unwrap();

    let held = migrate_store(&sqlite_url, db.url());
    drop(running);
    let backwards = migrate_store(db.url(), &sqlite_url);
    let missing = migrate_store(
        &format!("sqlite://{}", dir.path().join("none.db").display()),
        db.url(),
    );

    assert_eq!(held.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&held.stderr).contains("another booking process is running"));
    assert_eq!(backwards.status.code(), Some(2));
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("there is no database"));
    assert!(!dir.path().join("none.db").exists());
    // Nothing reached the target.
    let pg = db.open().await;
    assert!(
        pg.customer(CustomerId::new(1).unwrap())
            .await
            .unwrap()
            .is_none()
    );
    pg.close().await;
}
