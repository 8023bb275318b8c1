//! The conversation port (`ConversationStore`): expiry, purge, and one
//! conversation per bot and chat.

use chrono::Duration;

use super::ContractStore;
use super::world::*;

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __conversations_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; conversations;
            conversation_state_expires,
            bots_never_see_each_others_conversations,
        );
    };
}

/// Expired state reads as absent and is purged; save replaces; delete works.
pub async fn conversation_state_expires<S: ContractStore>(store: S) {
    let key = conversation("client", 42);
    let now = at(10, 0);
    store
        .save_conversation(key.clone(), "first".to_owned(), now + Duration::minutes(30))
        .await
        .unwrap();
    store
        .save_conversation(
            key.clone(),
            "second".to_owned(),
            now + Duration::minutes(30),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .load_conversation(key.clone(), now)
            .await
            .unwrap()
            .as_deref(),
        Some("second"),
        "save MUST replace"
    );
    assert_eq!(
        store
            .load_conversation(key.clone(), now + Duration::minutes(30))
            .await
            .unwrap(),
        None,
        "state MUST read as absent once expires_at <= now"
    );
    let other = conversation("client", 43);
    store
        .save_conversation(other.clone(), "kept".to_owned(), now + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(
        store
            .purge_expired_conversations(now + Duration::minutes(31))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .load_conversation(other.clone(), now)
            .await
            .unwrap()
            .as_deref(),
        Some("kept")
    );
    store.delete_conversation(other.clone()).await.unwrap();
    store.delete_conversation(other.clone()).await.unwrap();
    assert_eq!(store.load_conversation(other, now).await.unwrap(), None);
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
        store
            .load_conversation(client.clone(), now)
            .await
            .unwrap()
            .as_deref(),
        Some("client state")
    );
    store.delete_conversation(admin.clone()).await.unwrap();
    assert_eq!(
        store
            .load_conversation(client, now)
            .await
            .unwrap()
            .as_deref(),
        Some("client state"),
        "deleting one bot's state MUST NOT touch another's"
    );
}
