//! Updates that teloxide cannot read never reach the logs whole.
//!
//! teloxide reads an update it does not understand (a kind newer than the
//! library, a malformed field) into `UpdateKind::Error` holding the raw JSON,
//! and its dispatcher then logs that JSON at ERROR: the customer's name,
//! phone, message text or typed PIN, past every mask of ours. Its webhook
//! route does the same with a body it cannot parse at all. So both update
//! sources pass through here first: an unreadable update is logged with its
//! id and kind only, and skipped (Telegram has its id, so it is not sent
//! again).

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use futures::stream::BoxStream;
use serde_json::Value;
use teloxide::RequestError;
use teloxide::types::{Update, UpdateKind};

/// The largest webhook body read. Telegram's updates are a few kilobytes
/// (a message is at most 4,096 characters); anything near this is not one.
pub const MAX_WEBHOOK_BODY: usize = 1024 * 1024;

/// `updates` without those teloxide could not read, each logged by id and
/// kind for `bot`.
pub fn skip_unreadable<'a>(
    bot: &'static str,
    updates: BoxStream<'a, Result<Update, RequestError>>,
) -> BoxStream<'a, Result<Update, RequestError>> {
    updates
        .filter(move |update| {
            let readable = match update {
                Ok(Update {
                    id,
                    kind: UpdateKind::Error(raw),
                }) => {
                    log_unreadable(bot, Some(i64::from(id.0)), kind_of(raw));
                    false
                }
                _ => true,
            };
            std::future::ready(readable)
        })
        .boxed()
}

/// The update's kind: the one key of its JSON object besides `update_id`
/// (`message`, `callback_query`...), when it looks like one.
pub(crate) fn kind_of(raw: &Value) -> &str {
    let key = raw
        .as_object()
        .and_then(|object| object.keys().find(|key| *key != "update_id"));
    match key {
        // Telegram's kinds are short snake_case words; anything else is not
        // worth repeating in a log.
        Some(key)
            if !key.is_empty()
                && key.len() <= 32
                && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
        {
            key
        }
        _ => "unknown",
    }
}

pub(crate) fn log_unreadable(bot: &'static str, update_id: Option<i64>, kind: &str) {
    tracing::warn!(
        bot,
        update_id,
        kind,
        "skipped an update that could not be read (its contents are not logged)"
    );
}

/// A layer for a bot's webhook route (after the secret check): a body
/// larger than [`MAX_WEBHOOK_BODY`] gets 413, and one that is not an
/// update teloxide can parse is answered 200 (Telegram would only send it
/// again) and logged by id and kind, before teloxide's route, which would
/// log it whole.
pub async fn require_readable(bot: &'static str, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_WEBHOOK_BODY).await else {
        tracing::warn!(bot, "webhook request over {MAX_WEBHOOK_BODY} bytes refused");
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if let WebhookBody::Unreadable { update_id, kind } = read_webhook_body(&bytes) {
        log_unreadable(bot, update_id, &kind);
        return StatusCode::OK.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// A webhook body as far as a log may know it.
#[derive(Debug)]
pub enum WebhookBody {
    /// An update teloxide reads.
    Update(Box<Update>),
    /// Not one: only its id (when it has one) and kind may be logged.
    Unreadable {
        update_id: Option<i64>,
        /// `[a-z_]{1,32}` taken from the body's keys, or `unknown`:
        /// nothing else of the body, which may hold names, phones and PINs.
        kind: String,
    },
}

/// Reads a webhook body. Any bytes at all: a fuzz target feeds this.
pub fn read_webhook_body(bytes: &[u8]) -> WebhookBody {
    match serde_json::from_slice::<Update>(bytes) {
        Ok(update) => WebhookBody::Update(Box::new(update)),
        Err(_) => {
            let raw = serde_json::from_slice::<Value>(bytes).unwrap_or_default();
            WebhookBody::Unreadable {
                update_id: raw.get("update_id").and_then(Value::as_i64),
                kind: kind_of(&raw).to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_kind_is_the_key_beside_the_id_when_it_looks_like_one() {
        assert_eq!(kind_of(&json!({"update_id": 1, "message": {}})), "message");
        assert_eq!(
            kind_of(&json!({"update_id": 1, "Ivan +79161234567": {}})),
            "unknown"
        );
        assert_eq!(kind_of(&json!({"update_id": 1})), "unknown");
        // Found by fuzzing: an empty key is no kind either.
        assert_eq!(kind_of(&json!({"update_id": 1, "": 6})), "unknown");
        assert_eq!(kind_of(&json!("text")), "unknown");
    }
}
