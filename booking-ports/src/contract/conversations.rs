//! The conversation port (`ConversationStore`): expiry, purge, one
//! conversation per bot and chat, and writes fenced by the version loaded.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Barrier;

use super::ContractStore;
use super::world::*;
use crate::{
    ConversationKey, DeleteConversationError, RecordVersion, SaveConversationError,
    StoredConversation,
};

/// The live state of `key` at `now`, if any.
async fn live<S: ContractStore>(
    store: &S,
    key: &ConversationKey,
    now: DateTime<Utc>,
) -> Option<String> {
    match store
        .load_conversation(key.clone(), now)
        .await
        .unwrap()
        .stored
    {
        Some(StoredConversation::Live(state)) => Some(state),
        _ => None,
    }
}

/// What is stored for `key` at `now`, without its version.
async fn stored<S: ContractStore>(
    store: &S,
    key: &ConversationKey,
    now: DateTime<Utc>,
) -> Option<StoredConversation> {
    store
        .load_conversation(key.clone(), now)
        .await
        .unwrap()
        .stored
}

/// The stored version of `key`.
async fn version<S: ContractStore>(store: &S, key: &ConversationKey) -> RecordVersion {
    let loaded = store.load_conversation(key.clone(), at(10, 0)).await;
    loaded.unwrap().version
}

/// Saves `state` over whatever is stored (reading its version first), as
/// a single writer does.
async fn save<S: ContractStore>(
    store: &S,
    key: &ConversationKey,
    state: &str,
    expires_at: DateTime<Utc>,
) -> RecordVersion {
    let loaded = version(store, key).await;
    store
        .save_conversation(key.clone(), state.to_owned(), expires_at, loaded)
        .await
        .unwrap()
}

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __conversations_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; conversations;
            conversation_state_expires,
            an_expired_conversation_keeps_only_its_mark_until_forgotten,
            bots_never_see_each_others_conversations,
            a_save_from_a_stale_version_is_refused,
            a_first_save_is_refused_when_one_was_created_meanwhile,
            a_delete_from_a_stale_version_is_refused,
            of_two_saves_from_one_version_exactly_one_wins,
        );
    };
}

/// Save replaces; expired state is never returned; delete works.
pub async fn conversation_state_expires<S: ContractStore>(store: S) {
    let key = conversation("client", 42);
    let now = at(10, 0);
    let expiry = now + Duration::minutes(30);
    save(&store, &key, "first", expiry).await;
    save(&store, &key, "second", expiry).await;
    assert_eq!(
        live(&store, &key, now).await.as_deref(),
        Some("second"),
        "save MUST replace"
    );
    assert_eq!(
        stored(&store, &key, expiry).await,
        Some(StoredConversation::Expired),
        "state MUST read as expired once expires_at <= now, before any purge"
    );
    store
        .delete_conversation(key.clone(), version(&store, &key).await)
        .await
        .unwrap();
    store
        .delete_conversation(key.clone(), version(&store, &key).await)
        .await
        .unwrap();
    assert_eq!(stored(&store, &key, now).await, None);
}

/// The purge erases expired states at once but keeps their mark until
/// `forget_before` passes it; live ones are untouched; saving again after
/// expiry starts a live conversation.
pub async fn an_expired_conversation_keeps_only_its_mark_until_forgotten<S: ContractStore>(
    store: S,
) {
    let now = at(10, 0);
    let expired = conversation("client", 42);
    let kept = conversation("client", 43);
    save(&store, &expired, "draft", now + Duration::minutes(30)).await;
    save(&store, &kept, "kept", now + Duration::hours(2)).await;

    let later = now + Duration::minutes(31);
    let day_before = later - Duration::hours(24);
    assert_eq!(
        store
            .purge_expired_conversations(later, day_before)
            .await
            .unwrap(),
        1,
        "one state erased"
    );
    assert_eq!(
        store
            .purge_expired_conversations(later, day_before)
            .await
            .unwrap(),
        0,
        "an erased state is not counted again"
    );
    assert_eq!(
        stored(&store, &expired, later).await,
        Some(StoredConversation::Expired),
        "the mark MUST stay after the state is erased"
    );
    assert_eq!(live(&store, &kept, later).await.as_deref(), Some("kept"));

    let next_day = now + Duration::hours(25);
    assert_eq!(
        store
            .purge_expired_conversations(next_day, next_day - Duration::hours(24))
            .await
            .unwrap(),
        2,
        "the mark forgotten once its expiry is before forget_before, and the other state, \
         expired meanwhile, erased"
    );
    assert_eq!(stored(&store, &expired, next_day).await, None);

    save(&store, &expired, "new", later + Duration::minutes(30)).await;
    assert_eq!(live(&store, &expired, later).await.as_deref(), Some("new"));
}

/// The same chat in two bots is two conversations.
pub async fn bots_never_see_each_others_conversations<S: ContractStore>(store: S) {
    let now = at(10, 0);
    let client = conversation("client", 42);
    let admin = conversation("admin", 42);
    save(&store, &client, "client state", now + Duration::hours(1)).await;
    assert_eq!(stored(&store, &admin, now).await, None);
    save(&store, &admin, "admin state", now + Duration::hours(1)).await;
    assert_eq!(
        live(&store, &client, now).await.as_deref(),
        Some("client state")
    );
    store
        .delete_conversation(admin.clone(), version(&store, &admin).await)
        .await
        .unwrap();
    assert_eq!(
        live(&store, &client, now).await.as_deref(),
        Some("client state"),
        "deleting one bot's state MUST NOT touch another's"
    );
}

/// A save with the version loaded before another writer saved is refused
/// and changes nothing; each save bumps the version by one.
pub async fn a_save_from_a_stale_version_is_refused<S: ContractStore>(store: S) {
    let key = conversation("client", 42);
    let expiry = at(10, 0) + Duration::minutes(30);
    assert_eq!(
        version(&store, &key).await,
        RecordVersion::NONE,
        "nothing stored MUST load as version NONE"
    );
    let first = save(&store, &key, "first", expiry).await;
    assert_eq!(
        first,
        RecordVersion::NONE.next(),
        "a first save MUST store NONE + 1"
    );
    assert_eq!(
        version(&store, &key).await,
        first,
        "load MUST return the stored version"
    );
    let second = store
        .save_conversation(key.clone(), "second".to_owned(), expiry, first)
        .await
        .unwrap();
    assert_eq!(second, first.next(), "a save MUST bump the version by one");

    let stale = store
        .save_conversation(key.clone(), "stale".to_owned(), expiry, first)
        .await;

    assert!(
        matches!(stale, Err(SaveConversationError::Conflict { expected }) if expected == first),
        "a save from a stale version MUST be a conflict, got {stale:?}"
    );
    assert_eq!(
        live(&store, &key, at(10, 0)).await.as_deref(),
        Some("second")
    );
    assert_eq!(
        version(&store, &key).await,
        second,
        "a refused save MUST change nothing"
    );
}

/// A first save (version NONE) is refused when a conversation was stored
/// meanwhile, and a save from a version whose conversation was deleted
/// since is refused too: neither may overwrite or resurrect.
pub async fn a_first_save_is_refused_when_one_was_created_meanwhile<S: ContractStore>(store: S) {
    let key = conversation("client", 42);
    let expiry = at(10, 0) + Duration::minutes(30);
    let other = save(&store, &key, "other instance", expiry).await;

    let first = store
        .save_conversation(key.clone(), "mine".to_owned(), expiry, RecordVersion::NONE)
        .await;

    assert!(
        matches!(first, Err(SaveConversationError::Conflict { .. })),
        "a first save over a stored conversation MUST be a conflict, got {first:?}"
    );
    assert_eq!(
        live(&store, &key, at(10, 0)).await.as_deref(),
        Some("other instance")
    );

    store.delete_conversation(key.clone(), other).await.unwrap();
    let after_delete = store
        .save_conversation(key.clone(), "stale".to_owned(), expiry, other)
        .await;
    assert!(
        matches!(after_delete, Err(SaveConversationError::Conflict { .. })),
        "a save from the version of a deleted conversation MUST be a conflict, got {after_delete:?}"
    );
    assert_eq!(stored(&store, &key, at(10, 0)).await, None);
}

/// A delete with a stale version leaves the newer state; a delete of what
/// is absent succeeds; an expired conversation is deleted with the version
/// it loads with.
pub async fn a_delete_from_a_stale_version_is_refused<S: ContractStore>(store: S) {
    let key = conversation("client", 42);
    let now = at(10, 0);
    let first = save(&store, &key, "first", now + Duration::minutes(30)).await;
    let second = save(&store, &key, "second", now + Duration::minutes(30)).await;

    let stale = store.delete_conversation(key.clone(), first).await;

    assert!(
        matches!(stale, Err(DeleteConversationError::Conflict { expected }) if expected == first),
        "a delete from a stale version MUST be a conflict, got {stale:?}"
    );
    assert_eq!(live(&store, &key, now).await.as_deref(), Some("second"));

    let expired = store
        .load_conversation(key.clone(), now + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(expired.stored, Some(StoredConversation::Expired));
    assert_eq!(
        expired.version, second,
        "an expired conversation MUST keep its version"
    );
    store
        .delete_conversation(key.clone(), expired.version)
        .await
        .unwrap();
    assert_eq!(stored(&store, &key, now).await, None);
    store
        .delete_conversation(key.clone(), second)
        .await
        .expect("deleting an absent conversation MUST succeed");
}

/// Ten tasks save from the same loaded version at once: exactly one wins,
/// the others are conflicts, and the stored state is the winner's.
pub async fn of_two_saves_from_one_version_exactly_one_wins<S: ContractStore>(store: S) {
    const RACERS: usize = 10;
    let key = conversation("client", 42);
    let expiry = at(10, 0) + Duration::minutes(30);
    let loaded = save(&store, &key, "start", expiry).await;
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for i in 0..RACERS {
        let (store, barrier, key) = (store.clone(), Arc::clone(&barrier), key.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let state = format!("racer {i}");
            let saved = store
                .save_conversation(key, state.clone(), expiry, loaded)
                .await;
            (state, saved)
        }));
    }

    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (state, Ok(version)) => winners.push((state, version)),
            (_, Err(SaveConversationError::Conflict { .. })) => {}
            (_, Err(other)) => panic!("unexpected {other}"),
        }
    }

    assert_eq!(winners.len(), 1, "exactly one save MUST win");
    let (state, saved) = &winners[0];
    assert_eq!(*saved, loaded.next());
    assert_eq!(
        live(&store, &key, at(10, 0)).await.as_deref(),
        Some(state.as_str())
    );
    assert_eq!(version(&store, &key).await, loaded.next());
}
