//! Customer data at rest: the files that hold it are the owner's alone, and
//! an erased customer does not linger in the file's free pages.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use booking_domain::{CustomerId, CustomerName, PhoneNumber, PhoneRegion};
use booking_ports::{CustomerProfile, CustomerStore, Language};
use chrono::{TimeZone, Utc};
use sqlx::Connection;

use crate::helpers::{TestDb, raw_connection};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn profile(id: i64, name: &str) -> CustomerProfile {
    CustomerProfile {
        id: CustomerId::new(id).unwrap(),
        name: CustomerName::new(name).unwrap(),
        phone: Some(
            PhoneNumber::parse(
                &format!("+7 916 555 {:04}", id % 10_000),
                PhoneRegion::new("RU").unwrap(),
            )
            .unwrap(),
        ),
        telegram: None,
        language: Some(Language::new("ru").unwrap()),
        consented_at: Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap(),
        notes: String::new(),
    }
}

// The test process runs with the usual umask (022): without the store's
// own care every one of these files would be 0644, readable by anyone on
// the machine.
#[tokio::test]
async fn the_database_its_log_and_its_backups_are_readable_by_the_owner_only() {
    let db = TestDb::new();
    let store = db.open().await;
    store
        .save_customer(profile(1, "Maria Ivanova"))
        .await
        .unwrap();
    assert_eq!(mode(&db.path), 0o600, "the database file");
    assert_eq!(mode(&db.sibling("bookings.db-wal")), 0o600, "its log");
    assert_eq!(mode(&db.sibling("bookings.db-shm")), 0o600, "its index");

    let backup = db.sibling("backup.db");
    store.backup_to(&backup).await.unwrap();
    assert_eq!(mode(&backup), 0o600, "the backup");
}

#[tokio::test]
async fn a_database_made_readable_by_others_is_narrowed_when_opened() {
    let db = TestDb::new();
    db.open().await.close().await;
    std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _store = db.open().await;
    assert_eq!(mode(&db.path), 0o600);
}

#[tokio::test]
async fn an_erased_customer_leaves_no_trace_in_the_file() {
    let db = TestDb::new();
    let store = db.open().await;
    // A neighbour keeps the page in use, as in a real table: the erased row's
    // bytes would otherwise stay in the page's free space.
    store
        .save_customer(profile(1, "Maria Ivanova"))
        .await
        .unwrap();
    store
        .save_customer(profile(2, "Zinaida Quillfeather"))
        .await
        .unwrap();
    store
        .erase_customer(CustomerId::new(2).unwrap())
        .await
        .unwrap();
    store.close().await;

    // Fold the write-ahead log into the file and empty it, so the file is
    // all there is to read.
    let mut raw = raw_connection(&db.path).await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();

    let bytes = std::fs::read(&db.path).unwrap();
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(contains(b"Maria Ivanova"), "the kept customer is stored");
    assert!(
        !contains(b"Quillfeather"),
        "the erased customer's name is still in the file"
    );
}

/// An abandoned booking draft (a conversation state holding the name and
/// phone typed so far) is erased from the file by the purge at its expiry,
/// while the mark that it expired stays.
#[tokio::test]
async fn an_expired_draft_leaves_no_trace_in_the_file_but_its_expiry_is_remembered() {
    use booking_ports::{
        BotName, ChatKey, ConversationKey, ConversationStore, RecordVersion, StoredConversation,
    };

    let db = TestDb::new();
    let store = db.open().await;
    let key = |chat| ConversationKey {
        bot: BotName::new("client").unwrap(),
        chat: ChatKey::new(chat),
    };
    let now = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap();
    let minutes = chrono::Duration::minutes;
    store
        .save_conversation(
            key(1),
            r#"{"draft":"Maria Ivanova +79165550102"}"#.to_owned(),
            now + minutes(60),
            RecordVersion::NONE,
        )
        .await
        .unwrap();
    store
        .save_conversation(
            key(2),
            r#"{"draft":"Zinaida Quillfeather +79165550199"}"#.to_owned(),
            now + minutes(30),
            RecordVersion::NONE,
        )
        .await
        .unwrap();

    let later = now + minutes(31);
    assert_eq!(
        store
            .purge_expired_conversations(later, later - chrono::Duration::hours(24))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.load_conversation(key(2), later).await.unwrap().stored,
        Some(StoredConversation::Expired)
    );
    store.close().await;

    let mut raw = raw_connection(&db.path).await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut raw)
        .await
        .unwrap();
    raw.close().await.unwrap();
    let bytes = std::fs::read(&db.path).unwrap();
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(contains(b"Maria Ivanova"), "the live draft is stored");
    assert!(
        !contains(b"Quillfeather"),
        "the expired draft's name is still in the file"
    );
    assert!(
        !contains(b"+79165550199"),
        "the expired draft's phone is still in the file"
    );
}
