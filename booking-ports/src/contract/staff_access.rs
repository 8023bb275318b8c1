//! The staff access port (`StaffAccessStore`): wrong PINs counted per user,
//! sessions that end and are cleared by a sign-out, refusals remembered once
//! and atomically, and a purge that removes only what has expired.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Barrier;

use super::world::at;
use crate::StaffUser;
use crate::ports::staff_access::{EndSessionError, RecordRefusalError, StaffAccessStore};
use crate::ports::versions::RecordVersion;

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __staff_access_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; staff_access;
            wrong_pins_are_kept_per_user_and_read_after_a_time,
            every_users_wrong_pins_are_read_together,
            a_sign_in_replaces_the_session_and_clears_wrong_pins,
            a_session_is_open_only_with_the_credential_it_was_opened_with,
            a_sign_out_ends_the_session_once_and_keeps_the_rest,
            a_sign_out_ends_only_the_session_it_read,
            a_refusal_is_recorded_once_until_it_is_forgotten,
            the_purge_removes_only_what_has_expired,
            racing_first_refusals_let_exactly_one_record,
        );
    };
}

/// The credentials sessions are opened with: two PIN hash salts.
const PIN_A: &str = "c2FsdC1h";
const PIN_B: &str = "c2FsdC1i";

/// When `user`'s session opened with `credential` ends, if it is open.
async fn until<S: StaffAccessStore>(
    store: &S,
    user: StaffUser,
    now: DateTime<Utc>,
    credential: &str,
) -> Option<DateTime<Utc>> {
    let open = store.session_until(user, now, credential).await.unwrap();
    open.map(|session| session.until)
}

/// The version of `user`'s session opened with [`PIN_A`], open at `now`.
async fn version<S: StaffAccessStore>(
    store: &S,
    user: StaffUser,
    now: DateTime<Utc>,
) -> RecordVersion {
    let open = store.session_until(user, now, PIN_A).await.unwrap();
    open.expect("the session is open").version
}

/// Staff user `n`: 0 and 1 are the two the tests watch, the rest extras.
fn user(n: i64) -> StaffUser {
    StaffUser::new(500 + n)
}

/// `failed_pins`: strictly after the given time, oldest first, duplicates
/// kept, other users left out, expiry ignored until a purge.
pub async fn wrong_pins_are_kept_per_user_and_read_after_a_time<S: StaffAccessStore>(store: S) {
    let forget = at(23, 0);
    for minute in [30, 10, 20, 20] {
        store
            .record_failed_pin(user(0), at(9, minute), forget)
            .await
            .unwrap();
    }
    store
        .record_failed_pin(user(1), at(9, 15), forget)
        .await
        .unwrap();

    assert_eq!(
        store.failed_pins(user(0), at(9, 10)).await.unwrap(),
        vec![at(9, 20), at(9, 20), at(9, 30)],
        "MUST return every one later than `after`, oldest first, and no other user's"
    );
    assert_eq!(
        store.failed_pins(user(1), at(0, 0)).await.unwrap(),
        vec![at(9, 15)]
    );
    assert!(
        store
            .failed_pins(user(2), at(0, 0))
            .await
            .unwrap()
            .is_empty()
    );

    store
        .record_failed_pin(user(0), at(10, 0), at(10, 1))
        .await
        .unwrap();
    assert_eq!(
        store.failed_pins(user(0), at(9, 45)).await.unwrap(),
        vec![at(10, 0)],
        "forget_at only allows the purge to remove it"
    );
}

/// `all_failed_pins`: every user's, strictly after the given time, oldest
/// first, duplicates kept.
pub async fn every_users_wrong_pins_are_read_together<S: StaffAccessStore>(store: S) {
    let forget = at(23, 0);
    for (n, minute) in [(0, 30), (1, 10), (2, 20), (0, 20)] {
        store
            .record_failed_pin(user(n), at(9, minute), forget)
            .await
            .unwrap();
    }

    assert_eq!(
        store.all_failed_pins(at(9, 10)).await.unwrap(),
        vec![at(9, 20), at(9, 20), at(9, 30)],
        "MUST return every user's later than `after`, oldest first, duplicates kept"
    );
    store
        .start_session(user(0), at(17, 0), PIN_A)
        .await
        .unwrap();
    assert_eq!(
        store.all_failed_pins(at(0, 0)).await.unwrap(),
        vec![at(9, 10), at(9, 20)],
        "a sign-in clears that user's wrong PINs from the total too"
    );
}

/// A session opened with one credential reads as absent with another (the
/// PIN changed), and a sign-in with the new one replaces it.
pub async fn a_session_is_open_only_with_the_credential_it_was_opened_with<S: StaffAccessStore>(
    store: S,
) {
    store
        .start_session(user(0), at(17, 0), PIN_A)
        .await
        .unwrap();

    assert_eq!(
        until(&store, user(0), at(10, 0), PIN_B).await,
        None,
        "a session MUST read as absent with another credential"
    );
    assert_eq!(
        until(&store, user(0), at(10, 0), PIN_A).await,
        Some(at(17, 0))
    );

    store
        .start_session(user(0), at(18, 0), PIN_B)
        .await
        .unwrap();
    assert_eq!(
        until(&store, user(0), at(10, 0), PIN_B).await,
        Some(at(18, 0))
    );
    assert_eq!(
        until(&store, user(0), at(10, 0), PIN_A).await,
        None,
        "a sign-in MUST replace the credential too"
    );
}

/// `start_session` and `session_until`: open until its end, replaced by the
/// next sign-in, which clears that user's wrong PINs (and only theirs).
pub async fn a_sign_in_replaces_the_session_and_clears_wrong_pins<S: StaffAccessStore>(store: S) {
    let forget = at(23, 0);
    store
        .record_failed_pin(user(0), at(9, 0), forget)
        .await
        .unwrap();
    store
        .record_failed_pin(user(1), at(9, 0), forget)
        .await
        .unwrap();
    assert_eq!(until(&store, user(0), at(9, 0), PIN_A).await, None);

    store
        .start_session(user(0), at(17, 0), PIN_A)
        .await
        .unwrap();

    assert!(
        store
            .failed_pins(user(0), at(0, 0))
            .await
            .unwrap()
            .is_empty(),
        "a sign-in MUST clear the user's wrong PINs"
    );
    assert_eq!(
        store.failed_pins(user(1), at(0, 0)).await.unwrap(),
        vec![at(9, 0)]
    );
    assert_eq!(
        until(&store, user(0), at(16, 59), PIN_A).await,
        Some(at(17, 0))
    );
    assert_eq!(
        until(&store, user(0), at(17, 0), PIN_A).await,
        None,
        "a session MUST read as absent once `until <= now`"
    );
    assert_eq!(until(&store, user(1), at(9, 0), PIN_A).await, None);

    store
        .start_session(user(0), at(12, 0), PIN_A)
        .await
        .unwrap();
    assert_eq!(
        until(&store, user(0), at(11, 0), PIN_A).await,
        Some(at(12, 0)),
        "a sign-in MUST replace the session"
    );
    assert_eq!(until(&store, user(0), at(13, 0), PIN_A).await, None);
}

/// `end_session`: ends an open session once; an ended or missing one is
/// `NotSignedIn`; wrong PINs and refusals stay.
pub async fn a_sign_out_ends_the_session_once_and_keeps_the_rest<S: StaffAccessStore>(store: S) {
    store
        .start_session(user(0), at(17, 0), PIN_A)
        .await
        .unwrap();
    store
        .start_session(user(1), at(17, 0), PIN_A)
        .await
        .unwrap();
    store
        .record_failed_pin(user(0), at(9, 0), at(23, 0))
        .await
        .unwrap();
    store
        .record_refusal(user(0), at(8, 0), at(23, 0))
        .await
        .unwrap();

    let user_0 = version(&store, user(0), at(10, 0)).await;
    let user_1 = version(&store, user(1), at(10, 0)).await;
    store.end_session(user(0), at(10, 0), user_0).await.unwrap();

    assert_eq!(until(&store, user(0), at(10, 0), PIN_A).await, None);
    assert!(matches!(
        store.end_session(user(0), at(10, 0), user_0).await,
        Err(EndSessionError::NotSignedIn)
    ));
    assert_eq!(
        until(&store, user(1), at(10, 0), PIN_A).await,
        Some(at(17, 0)),
        "MUST NOT end another user's session"
    );
    assert_eq!(
        store.failed_pins(user(0), at(0, 0)).await.unwrap(),
        vec![at(9, 0)],
        "a sign-out MUST NOT touch wrong PINs"
    );
    assert!(matches!(
        store.record_refusal(user(0), at(10, 0), at(23, 0)).await,
        Err(RecordRefusalError::AlreadyRefused)
    ));
    assert!(
        matches!(
            store.end_session(user(1), at(17, 0), user_1).await,
            Err(EndSessionError::NotSignedIn)
        ),
        "a session that ended is not open"
    );
    assert!(matches!(
        store
            .end_session(user(2), at(10, 0), RecordVersion::NONE)
            .await,
        Err(EndSessionError::NotSignedIn)
    ));
}

/// `end_session` is fenced by the version `session_until` read: a sign-in
/// that happened since (another instance, another chat) survives the
/// sign-out, and each sign-in has a higher version than the one it replaced.
pub async fn a_sign_out_ends_only_the_session_it_read<S: StaffAccessStore>(store: S) {
    store
        .start_session(user(0), at(17, 0), PIN_A)
        .await
        .unwrap();
    let read = version(&store, user(0), at(10, 0)).await;
    assert_ne!(
        read,
        RecordVersion::NONE,
        "a stored session MUST have a version"
    );
    store
        .start_session(user(0), at(18, 0), PIN_A)
        .await
        .unwrap();
    let newer = version(&store, user(0), at(10, 0)).await;
    assert_eq!(newer, read.next(), "a sign-in MUST bump the version by one");

    let outcome = store.end_session(user(0), at(10, 0), read).await;

    assert!(
        matches!(outcome, Err(EndSessionError::Superseded { read: r }) if r == read),
        "a sign-out with an old version MUST be refused, got {outcome:?}"
    );
    assert_eq!(
        until(&store, user(0), at(10, 0), PIN_A).await,
        Some(at(18, 0)),
        "the newer sign-in MUST survive"
    );
    store.end_session(user(0), at(10, 0), newer).await.unwrap();
    assert_eq!(until(&store, user(0), at(10, 0), PIN_A).await, None);
}

/// `record_refusal`: once per user while remembered; a forgotten one is
/// replaced.
pub async fn a_refusal_is_recorded_once_until_it_is_forgotten<S: StaffAccessStore>(store: S) {
    store
        .record_refusal(user(0), at(9, 0), at(12, 0))
        .await
        .unwrap();

    assert!(matches!(
        store.record_refusal(user(0), at(11, 59), at(20, 0)).await,
        Err(RecordRefusalError::AlreadyRefused)
    ));
    store
        .record_refusal(user(1), at(10, 0), at(12, 0))
        .await
        .unwrap();
    store
        .record_refusal(user(0), at(12, 0), at(18, 0))
        .await
        .expect("a forgotten refusal MUST be replaced");
    assert!(
        matches!(
            store.record_refusal(user(0), at(17, 0), at(20, 0)).await,
            Err(RecordRefusalError::AlreadyRefused)
        ),
        "the replacement MUST be remembered until its own forget_at"
    );
}

/// `purge_expired_staff_access`: wrong PINs and refusals by `forget_at`,
/// sessions by their end, of every user; nothing later.
pub async fn the_purge_removes_only_what_has_expired<S: StaffAccessStore>(store: S) {
    store
        .record_failed_pin(user(0), at(9, 0), at(10, 0))
        .await
        .unwrap();
    store
        .record_failed_pin(user(0), at(9, 30), at(10, 30))
        .await
        .unwrap();
    store
        .record_failed_pin(user(1), at(9, 0), at(10, 0))
        .await
        .unwrap();
    store
        .start_session(user(2), at(10, 0), PIN_A)
        .await
        .unwrap();
    store
        .start_session(user(3), at(11, 0), PIN_A)
        .await
        .unwrap();
    store
        .record_refusal(user(4), at(9, 0), at(10, 0))
        .await
        .unwrap();
    store
        .record_refusal(user(5), at(9, 0), at(11, 0))
        .await
        .unwrap();

    assert_eq!(
        store.purge_expired_staff_access(at(9, 59)).await.unwrap(),
        0
    );
    assert_eq!(
        store.purge_expired_staff_access(at(10, 0)).await.unwrap(),
        4,
        "MUST remove two wrong PINs, one session and one refusal ending at or before now"
    );

    assert_eq!(
        store.failed_pins(user(0), at(0, 0)).await.unwrap(),
        vec![at(9, 30)]
    );
    assert!(
        store
            .failed_pins(user(1), at(0, 0))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        until(&store, user(3), at(10, 0), PIN_A).await,
        Some(at(11, 0))
    );
    assert!(matches!(
        store.record_refusal(user(5), at(10, 0), at(20, 0)).await,
        Err(RecordRefusalError::AlreadyRefused)
    ));
    store
        .record_refusal(user(4), at(10, 0), at(20, 0))
        .await
        .expect("the purged refusal is gone");
}

/// 20 tasks record the first refusal of one user at once: exactly one
/// succeeds, so a stranger hears the refusal once however fast they write.
pub async fn racing_first_refusals_let_exactly_one_record<S: StaffAccessStore + Clone + 'static>(
    store: S,
) {
    const RACERS: usize = 20;
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for i in 0..RACERS {
        let (store, barrier) = (store.clone(), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let at = at(9, 0) + Duration::milliseconds(i as i64);
            store
                .record_refusal(user(0), at, at + Duration::days(365))
                .await
        }));
    }
    let mut recorded = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => recorded += 1,
            Err(RecordRefusalError::AlreadyRefused) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(recorded, 1, "exactly one first refusal MUST be recorded");
}
