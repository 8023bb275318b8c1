//! A polled answer through the inbox: recorded in one step, duplicates and
//! unreadable updates sorted out, the rest handed on in order.

use std::sync::Arc;

use booking_ports::memory::MemoryStore;
use booking_ports::{BotName, ChatKey, ManualClock, Recorded, UpdateId, UpdateInbox};
use chrono::{TimeZone, Utc};
use serde_json::json;
use teloxide::types::{Update, UpdateKind};

use super::BotInbox;

/// Read from text, as teloxide reads an answer (from a `Value` it reads a
/// message as unreadable).
fn update(id: i64, chat: i64) -> Update {
    read(json!({
        "update_id": id,
        "message": {
            "message_id": id,
            "date": 1_900_000_000,
            "chat": { "id": chat, "type": "private", "first_name": "Ivan" },
            "from": { "id": chat, "is_bot": false, "first_name": "Ivan" },
            "text": "hello"
        }
    }))
}

fn read(update: serde_json::Value) -> Update {
    serde_json::from_str(&update.to_string()).unwrap()
}

/// What teloxide makes of an update of a kind it does not know.
fn unreadable(id: i64) -> Update {
    let update = read(json!({
        "update_id": id,
        "kind_from_the_future": { "secret": "+44 7700 900123" }
    }));
    assert!(matches!(update.kind, UpdateKind::Error(_)));
    update
}

fn ids(updates: &[Update]) -> Vec<u32> {
    updates.iter().map(|u| u.id.0).collect()
}

#[tokio::test]
async fn a_polled_answer_is_recorded_whole_and_only_new_readable_updates_go_on() {
    let store = MemoryStore::new();
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap());
    let inbox = BotInbox::new("client", Arc::new(store.clone()), Arc::new(clock)).unwrap();
    let client = BotName::new("client").unwrap();
    store
        .record_update(
            client.clone(),
            UpdateId::new(2).unwrap(),
            ChatKey::new(20),
            "handled before".to_owned(),
            Utc.with_ymd_and_hms(2030, 1, 1, 8, 0, 0).unwrap(),
        )
        .await
        .unwrap();

    let handed = inbox
        .admit_all(vec![
            update(1, 10),
            update(2, 20),
            unreadable(3),
            update(4, 10),
        ])
        .await;

    assert_eq!(
        ids(&handed),
        [1, 3, 4],
        "the duplicate is dropped; the unreadable one goes on to be logged and skipped"
    );
    for (id, recorded) in [(1, true), (3, false), (4, true)] {
        let again = store
            .record_update(
                client.clone(),
                UpdateId::new(id).unwrap(),
                ChatKey::new(10),
                String::new(),
                Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap(),
            )
            .await
            .unwrap();
        let expected = if recorded {
            Recorded::Duplicate
        } else {
            Recorded::New
        };
        assert_eq!(again, expected, "update {id}");
    }
}
