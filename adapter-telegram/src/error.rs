//! What can go wrong while handling an update, for the error handler.
//!
//! Expected outcomes (a taken slot, a cutoff, an invalid phone) are not
//! errors here: handlers turn them into messages for the user. What reaches
//! this type is the unexpected: Telegram failing, storage failing, a bug.

use std::error::Error;
use std::fmt::Write as _;

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
}

impl HandlerError {
    /// An unexpected engine failure while doing `operation`.
    pub fn engine(operation: &'static str, source: impl Error + Send + Sync + 'static) -> Self {
        Self::Engine {
            operation,
            source: Box::new(source),
        }
    }
}

/// `error` and its sources, joined by ": ", for one log line.
pub fn chain(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}
