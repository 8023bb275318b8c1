//! The conversation port (`ConversationStore`): expiry, purge, and one
//! conversation per bot and chat.

use chrono::{DateTime, Duration, Utc};

use super::ContractStore;
use super::world::*;
use crate::{ConversationKey, StoredConversation};

/// The live state of `key` at `now`, if any.
async fn live<S: ContractStore>(
    store: &S,
    key: &ConversationKey,
    now: DateTime<Utc>,
) -> Option<String> {
    match store.load_conversation(key.clone(), now).await.unwrap() {
        Some(StoredConversation::Live(state)) => Some(state),
        _ => None,
    }
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
        );
    };
}

/// Save replaces; expired state is never returned; delete works.
pub async fn conversation_state_expires<S: ContractStore>(store: S) {
    let key = conversation("client", 42);
    let now = at(10, 0);
    let expiry = now + Duration::minutes(30);
    store
        .save_conversation(key.clone(), "first".to_owned(), expiry)
        .await
        .unwrap();
    store
        .save_conversation(key.clone(), "second".to_owned(), expiry)
        .await
        .unwrap();
    assert_eq!(
        live(&store, &key, now).await.as_deref(),
        Some("second"),
        "save MUST replace"
    );
    assert_eq!(
        store.load_conversation(key.clone(), expiry).await.unwrap(),
        Some(StoredConversation::Expired),
        "state MUST read as expired once expires_at <= now, before any purge"
    );
    store.delete_conversation(key.clone()).await.unwrap();
    store.delete_conversation(key.clone()).await.unwrap();
    assert_eq!(store.load_conversation(key, now).await.unwrap(), None);
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
    store
        .save_conversation(
            expired.clone(),
            "draft".to_owned(),
            now + Duration::minutes(30),
        )
        .await
        .unwrap();
    store
        .save_conversation(kept.clone(), "kept".to_owned(), now + Duration::hours(2))
        .await
        .unwrap();

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
        store
            .load_conversation(expired.clone(), later)
            .await
            .unwrap(),
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
    assert_eq!(
        store
            .load_conversation(expired.clone(), next_day)
            .await
            .unwrap(),
        None
    );

    store
        .save_conversation(
            expired.clone(),
            "new".to_owned(),
            later + Duration::minutes(30),
        )
        .await
        .unwrap();
    assert_eq!(live(&store, &expired, later).await.as_deref(), Some("new"));
}

/// The same chat in two bots is two conversations.
pub async fn bots_never_see_each_others_conversations<S: ContractStore>(store: S) {
    let now = at(10, 0);
    let client = conversation("client", 42);
    let admin = conversation("admin", 42);
    store
        .save_conversation(
            client.clone(),
            "client state".to_owned(),
            now + Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(
        store.load_conversation(admin.clone(), now).await.unwrap(),
        None
    );
    store
        .save_conversation(
            admin.clone(),
            "admin state".to_owned(),
            now + Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(
        live(&store, &client, now).await.as_deref(),
        Some("client state")
    );
    store.delete_conversation(admin.clone()).await.unwrap();
    assert_eq!(
        live(&store, &client, now).await.as_deref(),
        Some("client state"),
        "deleting one bot's state MUST NOT touch another's"
    );
}
