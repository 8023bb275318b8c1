//! Staff invitations and accounts (`StaffAccessStore`): an invitation links
//! one user once, before it expires; racing uses let exactly one through;
//! accounts keep their staff member and language; the purge removes expired
//! invitations only.

use std::sync::Arc;

use booking_domain::StaffId;
use chrono::Duration;
use tokio::sync::Barrier;

use super::world::at;
use crate::StaffUser;
use crate::ports::staff_access::{RedeemInvitationError, StaffAccessStore, StaffAccount};

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __staff_accounts_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; staff_accounts;
            an_invitation_links_one_user_once_before_it_expires,
            racing_uses_of_one_invitation_let_exactly_one_through,
            accounts_keep_their_member_and_language,
        );
    };
}

fn user(n: i64) -> StaffUser {
    StaffUser::new(700 + n)
}

fn member(n: i64) -> StaffId {
    StaffId::new(n).unwrap()
}

/// Used once, by the first user; an expired or unknown code links nobody;
/// the purge removes the expired invitation and keeps the live one.
pub async fn an_invitation_links_one_user_once_before_it_expires<S: StaffAccessStore>(store: S) {
    store
        .add_staff_invitation("hash-a", member(1), at(10, 0))
        .await
        .unwrap();
    store
        .add_staff_invitation("hash-b", member(2), at(9, 0))
        .await
        .unwrap();
    store
        .add_staff_invitation("hash-c", member(2), at(12, 0))
        .await
        .unwrap();
    assert!(
        store
            .add_staff_invitation("hash-a", member(2), at(11, 0))
            .await
            .is_err(),
        "a code hash MUST NOT be stored twice"
    );

    assert!(matches!(
        store
            .redeem_staff_invitation("hash-b", user(0), None, at(9, 0))
            .await,
        Err(RedeemInvitationError::NotFound)
    ));
    assert!(matches!(
        store
            .redeem_staff_invitation("nothing", user(0), None, at(8, 0))
            .await,
        Err(RedeemInvitationError::NotFound)
    ));
    assert!(store.staff_accounts().await.unwrap().is_empty());

    let linked = store
        .redeem_staff_invitation("hash-a", user(0), Some("ru".to_owned()), at(9, 59))
        .await
        .unwrap();
    assert_eq!(linked, member(1));
    assert!(matches!(
        store
            .redeem_staff_invitation("hash-a", user(1), None, at(9, 59))
            .await,
        Err(RedeemInvitationError::NotFound)
    ));
    assert_eq!(
        store.staff_accounts().await.unwrap(),
        vec![StaffAccount {
            user: user(0),
            member: Some(member(1)),
            language: Some("ru".to_owned()),
        }]
    );

    assert_eq!(
        store.purge_expired_staff_access(at(10, 0)).await.unwrap(),
        1
    );
    store
        .redeem_staff_invitation("hash-c", user(1), None, at(10, 0))
        .await
        .expect("the live invitation MUST survive the purge");
}

/// Ten users use one code at once: exactly one is linked.
pub async fn racing_uses_of_one_invitation_let_exactly_one_through<
    S: StaffAccessStore + Clone + 'static,
>(
    store: S,
) {
    const RACERS: i64 = 10;
    store
        .add_staff_invitation("shared", member(3), at(12, 0))
        .await
        .unwrap();
    let barrier = Arc::new(Barrier::new(RACERS as usize));
    let mut tasks = Vec::new();
    for n in 0..RACERS {
        let (store, barrier) = (store.clone(), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .redeem_staff_invitation("shared", user(n), None, at(9, 0))
                .await
        }));
    }
    let mut linked = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(staff) => {
                assert_eq!(staff, member(3));
                linked += 1;
            }
            Err(RedeemInvitationError::NotFound) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(linked, 1, "an invitation MUST link exactly one user");
    assert_eq!(store.staff_accounts().await.unwrap().len(), 1);
}

/// A language is recorded with or without a link; a later link keeps it
/// unless it brings its own; a new invitation moves a user to another
/// member.
pub async fn accounts_keep_their_member_and_language<S: StaffAccessStore>(store: S) {
    store.set_staff_language(user(0), "en").await.unwrap();
    store.set_staff_language(user(1), "en").await.unwrap();
    store.set_staff_language(user(1), "ru").await.unwrap();
    store
        .add_staff_invitation("first", member(1), at(12, 0))
        .await
        .unwrap();
    store
        .redeem_staff_invitation("first", user(0), None, at(9, 0))
        .await
        .unwrap();
    store
        .add_staff_invitation("second", member(2), at(12, 0))
        .await
        .unwrap();
    store
        .redeem_staff_invitation("second", user(0), None, at(9, 0) + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        store.staff_accounts().await.unwrap(),
        vec![
            StaffAccount {
                user: user(0),
                member: Some(member(2)),
                language: Some("en".to_owned()),
            },
            StaffAccount {
                user: user(1),
                member: None,
                language: Some("ru".to_owned()),
            },
        ]
    );
}
