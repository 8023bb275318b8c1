//! What can go wrong while handling an update, for the error handler.
//!
//! Expected outcomes (a taken slot, a cutoff, an invalid phone) are not
//! errors here: handlers turn them into messages for the user. What reaches
//! this type is the unexpected: Telegram failing, storage failing, a bug;
//! and one expected outcome every staff handler can meet, a refusal by role
//! ([`HandlerError::Forbidden`]), which the admin bot answers in one place
//! rather than in each handler.

use std::error::Error;
use std::fmt::Write as _;

use booking_ports::Forbidden;
use teloxide::RequestError;

use crate::conversation::ConversationError;

/// An update that could not be handled.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("a Telegram request failed")]
    Telegram(#[from] RequestError),
    #[error("the conversation state could not be stored or loaded")]
    Conversation(#[from] ConversationError),
    #[error("the engine failed to {operation}")]
    Engine {
        operation: &'static str,
        #[source]
        source: Box<dyn Error + Send + Sync>,
    },
    #[error("a handler panicked: {message}")]
    Panicked { message: String },
    /// The engine refused a staff user by role; the admin bot tells them
    /// which role is needed. Not a failure: nothing is logged as one.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
}

impl HandlerError {
    /// An engine error while doing `operation`: a refusal by role found
    /// anywhere in its chain becomes [`HandlerError::Forbidden`], anything
    /// else an unexpected failure.
    pub fn engine(operation: &'static str, source: impl Error + Send + Sync + 'static) -> Self {
        if let Some(refusal) = refusal_in(&source) {
            return Self::Forbidden(refusal);
        }
        Self::Engine {
            operation,
            source: Box::new(source),
        }
    }
}

/// The refusal by role in `error`'s chain, if there is one.
fn refusal_in(error: &(dyn Error + 'static)) -> Option<Forbidden> {
    let mut next = Some(error);
    while let Some(current) = next {
        if let Some(refusal) = current.downcast_ref::<Forbidden>() {
            return Some(*refusal);
        }
        next = current.source();
    }
    None
}

/// `error` and its sources, joined by ": ", for one log line.
///
/// A Telegram response that did not parse is shown without its raw body:
/// a `getUpdates` body holds customers' names and messages.
pub fn chain(error: &(dyn Error + 'static)) -> String {
    let mut text = String::new();
    let mut next = Some(error);
    while let Some(current) = next {
        if !text.is_empty() {
            text.push_str(": ");
        }
        if let Some(RequestError::InvalidJson { source, .. }) =
            current.downcast_ref::<RequestError>()
        {
            let _ = write!(
                text,
                "Telegram sent a response that does not parse: {source}"
            );
            break;
        }
        let _ = write!(text, "{current}");
        next = current.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn the_chain_names_every_cause() {
        let io = std::io::Error::other("disk full");
        let error = HandlerError::engine("make a booking", io);
        assert_eq!(
            chain(&error),
            "the engine failed to make a booking: disk full"
        );
    }

    #[test]
    fn a_refusal_by_role_is_not_an_engine_failure() {
        use booking_ports::engine::{BookingChangeError, Capability};
        let refused = BookingChangeError::Forbidden(Capability::Reports.into());
        assert!(matches!(
            HandlerError::engine("confirm a booking", refused),
            HandlerError::Forbidden(Forbidden {
                capability: Capability::Reports,
                ..
            })
        ));
    }

    #[test]
    fn an_unparsable_telegram_response_is_logged_without_its_body() {
        let raw = r#"{"ok":true,"result":[{"message":{"text":"my phone is +79161234567"}}]}x"#;
        let parse = serde_json::from_str::<serde_json::Value>(raw).unwrap_err();
        let error = HandlerError::from(RequestError::InvalidJson {
            source: Arc::new(parse),
            raw: raw.into(),
        });
        let line = chain(&error);
        assert!(line.starts_with(
            "a Telegram request failed: Telegram sent a response that does not parse"
        ));
        assert!(!line.contains("79161234567"), "{line}");
    }
}
