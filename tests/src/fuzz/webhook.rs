//! A webhook request's body, past the secret check: anything Telegram (or
//! whoever holds the secret) posts. Unreadable bodies are logged by id and
//! kind only, so the kind must never carry the body's text.

use app::unreadable::{WebhookBody, read_webhook_body};

/// The longest kind Telegram uses is far below this.
const MAX_KIND_CHARS: usize = 32;

pub fn webhook_body(data: &[u8]) {
    match read_webhook_body(data) {
        WebhookBody::Update(_) => {}
        WebhookBody::Unreadable { kind, .. } => {
            assert!(
                kind.len() <= MAX_KIND_CHARS
                    && !kind.is_empty()
                    && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "a logged kind that is not a kind: {kind:?}"
            );
        }
    }
}
