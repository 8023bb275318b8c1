//! Running a bot: a teloxide dispatcher with long polling, our error
//! handler, and a stop on SIGINT or SIGTERM that lets updates in flight
//! finish.

use std::sync::Arc;
use std::time::Duration;

use adapter_telegram::HandlerError;
use adapter_telegram::guard::LogErrors;
use futures::future::BoxFuture;
use teloxide::RequestError;
use teloxide::dispatching::{DefaultKey, Dispatcher, UpdateHandler};
use teloxide::error_handlers::ErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;

use crate::shutdown;

/// Logs failures of the update listener (polling) without the update or the
/// token; teloxide retries polling with a backoff by itself.
struct ListenerErrors {
    bot: &'static str,
}

impl ErrorHandler<RequestError> for ListenerErrors {
    fn handle_error(self: Arc<Self>, error: RequestError) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            tracing::warn!(bot = self.bot, error = %adapter_telegram::error::chain(&error), "getting updates failed");
        })
    }
}

/// The bot could not start.
#[derive(Debug, thiserror::Error)]
#[error("the {bot} bot could not reach Telegram (is the token right?): {source}")]
pub struct StartError {
    pub bot: &'static str,
    #[source]
    pub source: RequestError,
}

/// The dispatcher of the bot called `name`: `tree` with `dependencies`,
/// errors logged without the update, unhandled updates dropped. What
/// [`run`] feeds from long polling; the bot-latency benchmark feeds the
/// same from a channel.
pub fn dispatcher(
    name: &'static str,
    bot: Bot,
    tree: UpdateHandler<HandlerError>,
    dependencies: DependencyMap,
) -> Dispatcher<Bot, HandlerError, DefaultKey> {
    Dispatcher::builder(bot, tree)
        .dependencies(dependencies)
        .error_handler(Arc::new(LogErrors { bot: name }))
        // Updates the tree does not handle are dropped silently: teloxide's
        // default logs them whole, names and texts included.
        .default_handler(|_| async {})
        .build()
}

/// Runs `tree` for `bot` with long polling (each poll waiting up to
/// `polling_timeout` for updates) until SIGINT or SIGTERM.
///
/// # Errors
/// [`StartError`] when the first request (`getMe`) fails: a wrong token or
/// no way to reach the Bot API.
pub async fn run(
    name: &'static str,
    bot: Bot,
    polling_timeout: Duration,
    tree: UpdateHandler<HandlerError>,
    dependencies: DependencyMap,
) -> Result<(), StartError> {
    let mut dispatcher = dispatcher(name, bot.clone(), tree, dependencies);
    let token = dispatcher.shutdown_token();
    let dispatch = async {
        let listener = Polling::builder(bot)
            .timeout(polling_timeout)
            .delete_webhook()
            .await
            .build();
        dispatcher
            .try_dispatch_with_listener(listener, Arc::new(ListenerErrors { bot: name }))
            .await
    };
    tokio::pin!(dispatch);
    tokio::select! {
        started = &mut dispatch => started.map_err(|source| StartError { bot: name, source }),
        () = shutdown::signalled() => {
            // Stopping a running dispatcher lets it finish the updates in
            // flight; one still connecting has none and is simply dropped.
            if token.shutdown().is_ok() {
                dispatch.await.map_err(|source| StartError { bot: name, source })?;
            }
            Ok(())
        }
    }
}
