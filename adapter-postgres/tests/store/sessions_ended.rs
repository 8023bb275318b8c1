//! The store after the server ends its sessions, as a restart or a
//! failover of the primary does: connections kept between statements
//! (the lender) must not keep failing once the server is back.

use adapter_postgres::testing::PgTestDb;
use booking_domain::CustomerId;
use booking_ports::{
    BotName, ChatKey, ConversationKey, ConversationStore, CustomerStore, RecordVersion,
};
use chrono::{Duration, Utc};
use sqlx::Connection;

/// Ends every session of the test's database but the caller's, and waits
/// until each is gone.
async fn end_every_session(db: &PgTestDb) -> i64 {
    let mut admin = db.raw_connection().await;
    let ended: i64 = sqlx::query_scalar(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&mut admin)
    .await
    .unwrap();
    admin.close().await.unwrap();
    ended
}

#[tokio::test]
async fn after_the_server_ends_every_session_at_most_one_statement_fails() {
    let db = PgTestDb::create().await;
    let store = db.open().await;
    let key = ConversationKey {
        bot: BotName::new("client").unwrap(),
        chat: ChatKey::new(7),
    };
    let now = Utc::now();
    // Several statements at once, so several connections are kept.
    let saves = (0..4).map(|chat| {
        let key = ConversationKey {
            chat: ChatKey::new(chat),
            ..key.clone()
        };
        store.save_conversation(
            key,
            "{}".to_owned(),
            now + Duration::hours(1),
            RecordVersion::NONE,
        )
    });
    for saved in futures::future::join_all(saves).await {
        saved.unwrap();
    }
    assert!(end_every_session(&db).await >= 1, "the store had sessions");

    // The first statement may meet a kept connection to an ended session
    // and fail, as a statement in flight during a failover does; it gives
    // every kept connection back to the pool, which tests them.
    let mut failures = 0;
    for _ in 0..5 {
        if store.load_conversation(key.clone(), now).await.is_err() {
            failures += 1;
        }
    }
    assert!(
        failures <= 1,
        "{failures} statements failed after the restart"
    );
    let loaded = store.load_conversation(key, now).await.unwrap();
    assert!(loaded.stored.is_none(), "chat 7 was never saved");
    store.close().await;
}

/// The same through the reads whose errors are the store's own (a
/// customer's record): they too give every kept connection back when the
/// first one is found lost.
#[tokio::test]
async fn a_lost_connection_met_by_a_record_read_gives_back_every_kept_one() {
    let db = PgTestDb::create().await;
    let store = db.open().await;
    let customer = CustomerId::new(1).unwrap();
    // Two reads held up together on a table lock, so that each has a
    // connection of its own and both are kept when they end (a connection
    // is not kept while another reader waits for one).
    let mut blocker = db.raw_connection().await;
    let mut lock = blocker.begin().await.unwrap();
    sqlx::query("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let reads = async { tokio::join!(store.customer(customer), store.customer(customer)) };
    let release = async {
        let mut watcher = db.raw_connection().await;
        loop {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_locks WHERE NOT granted \
                 AND relation = 'customers'::regclass",
            )
            .fetch_one(&mut watcher)
            .await
            .unwrap();
            if waiting == 2 {
                break;
            }
            tokio::task::yield_now().await;
        }
        lock.commit().await.unwrap();
    };
    let ((first, second), ()) = tokio::join!(reads, release);
    assert!(first.unwrap().is_none() && second.unwrap().is_none());
    assert!(end_every_session(&db).await >= 1, "the store had sessions");

    let mut failures = 0;
    for _ in 0..5 {
        if store.customer(customer).await.is_err() {
            failures += 1;
        }
    }
    assert!(failures <= 1, "{failures} reads failed after the restart");
    store.close().await;
}
