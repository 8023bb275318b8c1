//! Claims left by a process that died: the next process on the file (the
//! only one, by the run lock) frees them at start instead of waiting for
//! their lease.

use booking_ports::{BookingStore, NewNotice, NoticeKind, NotificationOutbox, Recipient};
use chrono::Duration;

use crate::helpers::{TestDb, haircut, monday, no_limit, seed_catalog};

#[tokio::test]
async fn a_restart_frees_the_claims_of_a_dead_process_and_only_those_that_are_due() {
    let db = TestDb::new();
    let store = db.open().await;
    let catalog = seed_catalog(&store).await;
    let notice = |due_at| NewNotice {
        recipient: Recipient::Staff(catalog.anna),
        kind: NoticeKind::NewBooking {
            awaiting_confirmation: false,
        },
        due_at,
    };
    store
        .create_booking(
            haircut(&catalog, catalog.anna, 1, monday() + Duration::hours(2)),
            no_limit(),
            vec![notice(monday()), notice(monday() + Duration::hours(1))],
        )
        .await
        .unwrap();
    let lease = monday() + Duration::seconds(60);
    let claimed = store
        .claim_due_notifications(monday(), 10, lease)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // The process dies holding the claim; the next one opens the file.
    store.close().await;
    let store = db.open().await;
    assert!(
        store
            .claim_due_notifications(monday(), 10, lease)
            .await
            .unwrap()
            .is_empty(),
        "a claim holds across a reopen until released"
    );

    assert_eq!(store.release_all_claims(monday()).await.unwrap(), 1);

    let again = store
        .claim_due_notifications(monday(), 10, lease)
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "freed at start, not at the lease's end");
    assert_eq!(again[0].id, claimed[0].id);
    assert_eq!(again[0].claims, 2);
    assert_eq!(again[0].attempts, 0, "a release is not an attempt");
}
