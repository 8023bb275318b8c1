//! Updates as Telegram sends them, for this crate's unit tests.

use serde_json::json;
use teloxide::types::Update;

/// A text message from `chat` (a private chat with the same id as its
/// user), read from text as polling reads it: teloxide's message type
/// does not deserialise from an already parsed `serde_json::Value`.
pub(crate) fn text_message(chat: i64, update_id: i64) -> Update {
    let raw = json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_900_000_000,
            "chat": { "id": chat, "type": "private", "first_name": "Ivan" },
            "from": { "id": chat, "is_bot": false, "first_name": "Ivan" },
            "text": "hello"
        }
    });
    match serde_json::from_str(&raw.to_string()) {
        Ok(update) => update,
        Err(e) => panic!("a well-formed update: {e}"),
    }
}
