//! The update inbox (`UpdateInbox`): one record per bot and update id,
//! finishing, the hand-back of unfinished updates after a crash with its
//! attempt count, and the purge; chat leases are in `leases`.

use chrono::Duration;

use super::ContractStore;
use super::world::*;
use crate::ports::conversations::{BotName, ChatKey};
use crate::ports::inbox::{NewInboxUpdate, Recorded, UpdateId};

mod leases;

pub use leases::*;

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __inbox_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; inbox;
            an_update_is_recorded_once_and_a_redelivery_is_a_duplicate,
            finished_updates_stay_duplicates_and_are_not_handed_back,
            a_batch_of_updates_is_recorded_with_the_outcome_of_each,
            a_batch_of_updates_is_finished_together,
            unfinished_updates_come_back_in_id_order_with_their_attempts_counted,
            an_update_that_keeps_failing_is_given_up_after_its_attempts,
            each_bot_has_its_own_inbox,
            the_purge_removes_only_updates_finished_before_the_cutoff,
            concurrent_records_of_one_update_make_one_new,
            a_chat_lease_is_exclusive_until_it_runs_out,
            a_holder_reclaims_and_renews_its_leases,
            a_chat_is_released_only_when_drained,
            chat_updates_come_in_id_order_apart_from_other_chats_and_bots,
            a_chat_handed_over_counts_attempts_and_gives_up,
            chats_to_take_over_skip_live_leases_and_fresh_updates,
            concurrent_claims_of_one_chat_have_one_winner,
            a_record_racing_a_release_is_seen_or_claimed,
            leases_run_out_by_the_cutoff_are_forgotten_and_their_chats_free,
        );
    };
}

fn bot(name: &str) -> BotName {
    BotName::new(name).unwrap()
}

fn id(value: i64) -> UpdateId {
    UpdateId::new(value).unwrap()
}

fn chat(value: i64) -> ChatKey {
    ChatKey::new(value)
}

/// The first record is new; another record of the same id, with any text,
/// is a duplicate and changes nothing.
pub async fn an_update_is_recorded_once_and_a_redelivery_is_a_duplicate<S: ContractStore>(
    store: S,
) {
    let now = at(10, 0);
    let first = store
        .record_update(bot("client"), id(7), chat(1), "first".to_owned(), now)
        .await
        .unwrap();
    assert_eq!(first, Recorded::New);
    let again = store
        .record_update(bot("client"), id(7), chat(1), "second".to_owned(), now)
        .await
        .unwrap();
    assert_eq!(
        again,
        Recorded::Duplicate,
        "a stored id MUST be a duplicate"
    );

    let unfinished = store
        .take_unfinished_updates(bot("client"), 3, now)
        .await
        .unwrap();
    assert_eq!(unfinished.replay.len(), 1, "{unfinished:?}");
    let update = &unfinished.replay[0];
    assert_eq!(update.update_id, id(7));
    assert_eq!(update.raw, "first", "a duplicate MUST change nothing");
    assert_eq!(update.received_at, now);
    assert_eq!(
        update.attempts, 2,
        "recorded with one attempt, one more now"
    );
}

/// A finished update is not handed back, and its id stays a duplicate;
/// finishing twice, or finishing an unknown id, is harmless.
pub async fn finished_updates_stay_duplicates_and_are_not_handed_back<S: ContractStore>(store: S) {
    let now = at(10, 0);
    for n in [1, 2] {
        store
            .record_update(bot("client"), id(n), chat(1), format!("update {n}"), now)
            .await
            .unwrap();
    }
    store
        .finish_update(bot("client"), id(1), now)
        .await
        .unwrap();
    store
        .finish_update(bot("client"), id(1), now + Duration::minutes(1))
        .await
        .unwrap();
    store
        .finish_update(bot("client"), id(99), now)
        .await
        .unwrap();

    assert_eq!(
        store
            .record_update(bot("client"), id(1), chat(1), "again".to_owned(), now)
            .await
            .unwrap(),
        Recorded::Duplicate,
        "a finished id MUST stay a duplicate until purged"
    );
    let unfinished = store
        .take_unfinished_updates(bot("client"), 3, now)
        .await
        .unwrap();
    let ids: Vec<UpdateId> = unfinished.replay.iter().map(|u| u.update_id).collect();
    assert_eq!(ids, [id(2)], "a finished update MUST NOT come back");
    assert!(unfinished.given_up.is_empty());
}

fn new_update(value: i64, raw: &str) -> NewInboxUpdate {
    NewInboxUpdate {
        update_id: id(value),
        chat: chat(1),
        raw: raw.to_owned(),
    }
}

/// `record_updates`: each update of the batch is new or a duplicate exactly
/// as one `record_update` after the other would make it (an id already
/// stored, or given twice, is a duplicate and changes nothing), in the
/// order given.
pub async fn a_batch_of_updates_is_recorded_with_the_outcome_of_each<S: ContractStore>(store: S) {
    let now = at(10, 0);
    store
        .record_update(bot("client"), id(5), chat(1), "first 5".to_owned(), now)
        .await
        .unwrap();

    let outcomes = store
        .record_updates(
            bot("client"),
            vec![
                new_update(5, "second 5"),
                new_update(6, "first 6"),
                new_update(7, "first 7"),
                new_update(6, "second 6"),
            ],
            now,
        )
        .await
        .unwrap();
    let nothing = store
        .record_updates(bot("client"), Vec::new(), now)
        .await
        .unwrap();

    assert_eq!(
        outcomes,
        [
            Recorded::Duplicate,
            Recorded::New,
            Recorded::New,
            Recorded::Duplicate
        ],
        "each outcome MUST be the one a record of its own would give"
    );
    assert!(nothing.is_empty());
    let unfinished = store
        .take_unfinished_updates(bot("client"), 3, now)
        .await
        .unwrap();
    let stored: Vec<(UpdateId, &str)> = unfinished
        .replay
        .iter()
        .map(|u| (u.update_id, u.raw.as_str()))
        .collect();
    assert_eq!(
        stored,
        [(id(5), "first 5"), (id(6), "first 6"), (id(7), "first 7")],
        "a duplicate in a batch MUST change nothing"
    );
    assert!(
        unfinished.replay.iter().all(|u| u.received_at == now),
        "{unfinished:?}"
    );
}

/// `finish_updates`: every id of the batch is finished as `finish_update`
/// finishes one; unknown and finished ids, and an empty batch, are
/// harmless.
pub async fn a_batch_of_updates_is_finished_together<S: ContractStore>(store: S) {
    let now = at(10, 0);
    for n in 1..=4 {
        store
            .record_update(bot("client"), id(n), chat(1), format!("update {n}"), now)
            .await
            .unwrap();
    }
    store
        .finish_update(bot("client"), id(3), now)
        .await
        .unwrap();

    store
        .finish_updates(bot("client"), vec![id(1), id(3), id(99)], now)
        .await
        .unwrap();
    store
        .finish_updates(bot("admin"), vec![id(2)], now)
        .await
        .unwrap();
    store
        .finish_updates(bot("client"), Vec::new(), now)
        .await
        .unwrap();

    let unfinished = store
        .take_unfinished_updates(bot("client"), 3, now)
        .await
        .unwrap();
    let ids: Vec<UpdateId> = unfinished.replay.iter().map(|u| u.update_id).collect();
    assert_eq!(
        ids,
        [id(2), id(4)],
        "the batch's updates MUST be finished, no other bot's id MUST be"
    );
    assert_eq!(
        store
            .record_update(bot("client"), id(1), chat(1), "again".to_owned(), now)
            .await
            .unwrap(),
        Recorded::Duplicate,
        "a finished id MUST stay a duplicate"
    );
}

/// Unfinished updates come back in id order, whatever order they were
/// recorded in, each time with one more attempt.
pub async fn unfinished_updates_come_back_in_id_order_with_their_attempts_counted<
    S: ContractStore,
>(
    store: S,
) {
    let now = at(10, 0);
    for n in [30, 10, 20] {
        store
            .record_update(bot("client"), id(n), chat(1), format!("update {n}"), now)
            .await
            .unwrap();
    }
    let first = store
        .take_unfinished_updates(bot("client"), 5, now)
        .await
        .unwrap();
    let seen: Vec<(i64, &str, u32)> = first
        .replay
        .iter()
        .map(|u| (u.update_id.get(), u.raw.as_str(), u.attempts))
        .collect();
    assert_eq!(
        seen,
        [
            (10, "update 10", 2),
            (20, "update 20", 2),
            (30, "update 30", 2)
        ]
    );
    let second = store
        .take_unfinished_updates(bot("client"), 5, now)
        .await
        .unwrap();
    let attempts: Vec<u32> = second.replay.iter().map(|u| u.attempts).collect();
    assert_eq!(attempts, [3, 3, 3], "each hand-back MUST count an attempt");
}

/// An update attempted `max_attempts` times is finished as given up, not
/// handed back again; the others are.
pub async fn an_update_that_keeps_failing_is_given_up_after_its_attempts<S: ContractStore>(
    store: S,
) {
    let now = at(10, 0);
    store
        .record_update(bot("client"), id(1), chat(1), "poison".to_owned(), now)
        .await
        .unwrap();
    // Attempts 2 and 3: handed back, never finished (the process crashed).
    for attempts in [2, 3] {
        let unfinished = store
            .take_unfinished_updates(bot("client"), 3, now)
            .await
            .unwrap();
        assert_eq!(unfinished.replay.len(), 1);
        assert_eq!(unfinished.replay[0].attempts, attempts);
    }
    store
        .record_update(bot("client"), id(2), chat(1), "fresh".to_owned(), now)
        .await
        .unwrap();

    let unfinished = store
        .take_unfinished_updates(bot("client"), 3, now)
        .await
        .unwrap();
    assert_eq!(
        unfinished.given_up,
        [id(1)],
        "three attempts MUST be the end"
    );
    let ids: Vec<UpdateId> = unfinished.replay.iter().map(|u| u.update_id).collect();
    assert_eq!(ids, [id(2)]);
    let after = store
        .take_unfinished_updates(bot("client"), 3, now)
        .await
        .unwrap();
    assert!(
        after.given_up.is_empty() && after.replay.iter().all(|u| u.update_id != id(1)),
        "a given-up update MUST be finished: {after:?}"
    );
    assert_eq!(
        store
            .record_update(bot("client"), id(1), chat(1), "poison".to_owned(), now)
            .await
            .unwrap(),
        Recorded::Duplicate
    );
}

/// The same id in two bots is two updates: recorded, finished and handed
/// back separately.
pub async fn each_bot_has_its_own_inbox<S: ContractStore>(store: S) {
    let now = at(10, 0);
    for name in ["client", "admin"] {
        assert_eq!(
            store
                .record_update(bot(name), id(5), chat(1), format!("{name} update"), now)
                .await
                .unwrap(),
            Recorded::New,
            "another bot's id MUST NOT be a duplicate"
        );
    }
    store.finish_update(bot("admin"), id(5), now).await.unwrap();
    let client = store
        .take_unfinished_updates(bot("client"), 3, now)
        .await
        .unwrap();
    assert_eq!(
        client.replay.len(),
        1,
        "finishing one bot's update MUST NOT finish another's"
    );
    assert_eq!(client.replay[0].raw, "client update");
    let admin = store
        .take_unfinished_updates(bot("admin"), 3, now)
        .await
        .unwrap();
    assert!(
        admin.replay.is_empty() && admin.given_up.is_empty(),
        "{admin:?}"
    );
}

/// The purge removes finished updates up to the cutoff, of every bot, and
/// never an unfinished one; a purged id can be recorded anew.
pub async fn the_purge_removes_only_updates_finished_before_the_cutoff<S: ContractStore>(store: S) {
    let long_ago = at(8, 0);
    let now = at(10, 0);
    for (name, n) in [("client", 1), ("admin", 1), ("client", 2), ("client", 3)] {
        store
            .record_update(bot(name), id(n), chat(1), "raw".to_owned(), long_ago)
            .await
            .unwrap();
    }
    store
        .finish_update(bot("client"), id(1), long_ago)
        .await
        .unwrap();
    store
        .finish_update(bot("admin"), id(1), long_ago)
        .await
        .unwrap();
    store
        .finish_update(bot("client"), id(2), now)
        .await
        .unwrap();

    let purged = store
        .purge_finished_updates(now - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(purged, 2, "both bots' old finished updates MUST go");
    assert_eq!(
        store
            .record_update(bot("client"), id(2), chat(1), "raw".to_owned(), now)
            .await
            .unwrap(),
        Recorded::Duplicate,
        "one finished after the cutoff MUST stay"
    );
    assert_eq!(
        store
            .record_update(bot("client"), id(1), chat(1), "raw".to_owned(), now)
            .await
            .unwrap(),
        Recorded::New
    );
    let unfinished = store
        .take_unfinished_updates(bot("client"), 3, now)
        .await
        .unwrap();
    let ids: Vec<UpdateId> = unfinished.replay.iter().map(|u| u.update_id).collect();
    assert_eq!(
        ids,
        [id(1), id(3)],
        "an unfinished update MUST never be purged"
    );
}

/// Eight concurrent records of one update: exactly one is new.
pub async fn concurrent_records_of_one_update_make_one_new<S: ContractStore>(store: S) {
    let now = at(10, 0);
    let records = (0..8).map(|n| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .record_update(bot("client"), id(42), chat(1), format!("copy {n}"), now)
                .await
                .unwrap()
        })
    });
    let outcomes = futures::future::join_all(records).await;
    let new = outcomes
        .into_iter()
        .map(Result::unwrap)
        .filter(|r| *r == Recorded::New)
        .count();
    assert_eq!(new, 1, "exactly one concurrent record MUST be new");
}
