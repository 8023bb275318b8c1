//! Keeping one failing update from taking the bot down.
//!
//! teloxide runs each chat's updates on a worker task. When a handler
//! panics, that worker dies, and the chat's next update makes the whole
//! dispatcher panic on a closed channel ("TX is dead", teloxide issue #1435,
//! open in 0.17). [`catch_panics`] sits at the root of a handler tree and
//! turns a panic anywhere below it into an ordinary handler error, so the
//! worker survives and the error handler logs it like any other failure.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::ops::ControlFlow;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use teloxide::dispatching::{DpHandlerDescription, UpdateHandler};
use teloxide::dptree::{self, HandlerDescription, HandlerSignature};
use teloxide::error_handlers::ErrorHandler;
use teloxide::prelude::*;
use teloxide::types::{Update, UpdateKind};

use crate::conversation::ConversationError;
use crate::error::HandlerError;

/// A handler that runs the rest of the tree and converts a panic into
/// [`HandlerError::Panicked`]. Put it first: `catch_panics().branch(...)`.
///
/// A pressed button whose handler panicked still gets its callback answered
/// (without text), so the customer's client stops showing a spinner.
pub fn catch_panics() -> UpdateHandler<HandlerError> {
    dptree::from_fn_with_description(
        DpHandlerDescription::entry(),
        |deps: DependencyMap, cont| {
            let bot = deps.try_get::<Bot>();
            let update = deps.try_get::<Update>();
            async move {
                match AssertUnwindSafe(cont(deps)).catch_unwind().await {
                    Ok(flow) => flow,
                    Err(payload) => {
                        if let (Some(bot), Some(update)) = (bot, update) {
                            answer_pressed_button(&bot, &update).await;
                        }
                        ControlFlow::Break(Err(HandlerError::Panicked {
                            message: panic_message(payload.as_ref()),
                        }))
                    }
                }
            }
        },
        wrapping_signature(),
    )
}

/// The type-checking signature of a handler that wraps the rest of the
/// tree (this guard, the metrics): it neither needs nor provides any type,
/// and always continues.
pub fn wrapping_signature() -> HandlerSignature {
    HandlerSignature::Other {
        obligations: BTreeMap::new(),
        guaranteed_outcomes: BTreeSet::new(),
        conditional_outcomes: BTreeSet::new(),
        continues: true,
    }
}

async fn answer_pressed_button(bot: &Bot, update: &Update) {
    if let UpdateKind::CallbackQuery(query) = &update.kind {
        // Best effort: the panic is what gets reported, not this.
        let _ = crate::telegram::send(bot.answer_callback_query(query.id.clone())).await;
    }
}

/// Runs `future`, converting a panic into [`HandlerError::Panicked`]. For
/// work that runs outside a handler tree (background tasks).
///
/// # Errors
/// Whatever `future` returns, or [`HandlerError::Panicked`].
pub async fn guarded<T, F>(future: F) -> Result<T, HandlerError>
where
    F: Future<Output = Result<T, HandlerError>>,
{
    AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .unwrap_or_else(|payload| {
            Err(HandlerError::Panicked {
                message: panic_message(payload.as_ref()),
            })
        })
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// The production error handler: logs each failure once, with its cause
/// chain, and counts it (`booking_update_errors_total`). Errors carry no
/// tokens (teloxide strips them from request errors) and no personal data
/// (our errors carry ids and masked values only).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogErrors {
    /// Which bot, for the log line and the counter.
    pub bot: &'static str,
}

impl ErrorHandler<HandlerError> for LogErrors {
    fn handle_error(self: Arc<Self>, error: HandlerError) -> BoxFuture<'static, ()> {
        crate::metrics::update_failed(self.bot, &error);
        Box::pin(async move {
            if let HandlerError::Conversation(ConversationError::Conflict { .. }) = &error {
                // Another instance handled the chat meanwhile: expected with
                // several instances, and the chat's next update reloads.
                tracing::warn!(bot = self.bot, error = %crate::error::chain(&error), "update ended on a conversation conflict; nothing was saved");
                return;
            }
            tracing::error!(bot = self.bot, error = %crate::error::chain(&error), "update failed");
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn guarded_turns_a_panic_into_an_error() {
        let result: Result<(), HandlerError> = guarded(async { panic!("boom") }).await;
        assert!(matches!(result, Err(HandlerError::Panicked { message }) if message == "boom"));
    }

    #[tokio::test]
    async fn guarded_passes_results_through() {
        let result = guarded(async { Ok::<_, HandlerError>(7) }).await;
        assert!(matches!(result, Ok(7)));
    }
}
