//! Running a bot: its handler tree run over long polling or a webhook
//! (`updates`) by [`UpdateRunner`], our error handler, and a stop on
//! SIGINT or SIGTERM that lets updates in flight finish. The bot's
//! [`BotHealth`] follows it for `/readyz`.

use std::sync::{Arc, OnceLock};

use adapter_telegram::admission::{AdmissionSettings, ChatAdmission};
use adapter_telegram::guard::LogErrors;
use adapter_telegram::runner::UpdateRunner;
use adapter_telegram::{HandlerError, Locales};
use futures::future::BoxFuture;
use teloxide::RequestError;
use teloxide::dispatching::UpdateHandler;
use teloxide::error_handlers::ErrorHandler;
use teloxide::prelude::*;
use teloxide::stop::StopToken;
use teloxide::update_listeners::UpdateListener;

use crate::admitted::BotAdmission;
use crate::health::{BotHealth, BotState};
use crate::inbox::BotInbox;
use crate::leadership::RoleWatch;
use crate::polling::ObservedPolling;
use crate::shutdown;
use crate::updates::UpdateSource;

/// Logs and counts failures of the update listener (polling), without the
/// update or the token; `polling` retries with a backoff by itself.
struct ListenerErrors {
    bot: &'static str,
}

impl ErrorHandler<RequestError> for ListenerErrors {
    fn handle_error(self: Arc<Self>, error: RequestError) -> BoxFuture<'static, ()> {
        adapter_telegram::metrics::telegram_request_failed("getUpdates", &error);
        Box::pin(async move {
            tracing::warn!(bot = self.bot, error = %adapter_telegram::error::chain(&error), "getting updates failed");
        })
    }
}

/// Where a bot's updates come from, the inbox they pass through, what an
/// earlier run received but did not finish ([`BotInbox::take_unfinished`],
/// taken before the webhook routes serve, by an instance alone on its
/// database), and whether this instance polls the bot.
#[derive(Debug)]
pub struct BotUpdates {
    pub source: UpdateSource,
    pub inbox: BotInbox,
    pub replay: Vec<Update>,
    /// Whether this instance polls the bot (long polling only; see
    /// `leadership`).
    pub leading: RoleWatch,
}

/// The bot could not start.
#[derive(Debug, thiserror::Error)]
#[error("the {bot} bot could not reach Telegram (is the token right?): {source}")]
pub struct StartError {
    pub bot: &'static str,
    #[source]
    pub source: RequestError,
}

/// The runner of the bot called `name`: `tree` with `dependencies`,
/// errors logged without the update, unhandled updates dropped. What
/// [`run`] feeds from long polling or a webhook; the bot-latency benchmark
/// feeds the same from a channel.
pub fn runner(
    name: &'static str,
    bot: Bot,
    tree: UpdateHandler<HandlerError>,
    dependencies: DependencyMap,
) -> UpdateRunner<HandlerError> {
    UpdateRunner::new(bot, tree, dependencies, Arc::new(LogErrors { bot: name }))
}

/// Runs `tree` for `bot` with its updates from `updates` until SIGINT or
/// SIGTERM, reporting to `health`. Each chat's updates are admitted within
/// its budget ([`adapter_telegram::admission`]); `locales` word the "slow
/// down" said to a chat over it. Every update passes through the inbox
/// ([`crate::inbox`]), and what an earlier run received but did not finish
/// is handled first ([`BotUpdates`]).
///
/// # Errors
/// [`StartError`] when the first request (`getMe`) fails: a wrong token or
/// no way to reach the Bot API.
pub async fn run(
    name: &'static str,
    bot: Bot,
    updates: BotUpdates,
    health: BotHealth,
    tree: UpdateHandler<HandlerError>,
    dependencies: DependencyMap,
    locales: Arc<Locales>,
) -> Result<(), StartError> {
    let BotUpdates {
        source: updates,
        inbox,
        replay,
        leading,
    } = updates;
    // Each chat's budget: the stream drops what a chat sends beyond it, the
    // tree's first handler gives a chat's slot back when its update is done.
    // Outside it, the inbox marks the update finished.
    let admission = Arc::new(ChatAdmission::new(AdmissionSettings::default()));
    let tree = inbox
        .layer()
        .chain(Arc::clone(&admission).layer().chain(tree));
    let gate = BotAdmission {
        name,
        bot: bot.clone(),
        admission,
        locales,
        inbox: inbox.clone(),
    };
    let runner = runner(name, bot.clone(), tree, dependencies);
    let listener_errors = Arc::new(ListenerErrors { bot: name });
    let dispatch_health = health.clone();
    // The listener's own stop, for the stop signal (see below).
    let listener_stop = Arc::new(OnceLock::<StopToken>::new());
    let dispatch = async {
        match updates {
            UpdateSource::Polling { timeout } => {
                let mut polling = ObservedPolling::start(
                    bot.clone(),
                    timeout,
                    dispatch_health,
                    leading,
                    inbox.clone(),
                )
                .await;
                let _ = listener_stop.set(polling.stop_token());
                let listener = gate.wrap(inbox.wrap(polling, replay));
                runner.run(listener, listener_errors).await
            }
            UpdateSource::Webhook(webhook) => {
                let (listener, delete_webhook) = webhook.into_parts(dispatch_health);
                // The webhook's route records each update itself.
                let mut listener = gate.wrap(inbox.wrap(listener, replay));
                let stop_listening = listener.stop_token();
                let _ = listener_stop.set(stop_listening.clone());
                runner.run(listener, listener_errors).await?;
                // The stream also ends when the HTTP listener stops first;
                // stopping the listener is what lets `deleteWebhook` run.
                stop_listening.stop();
                delete_webhook.await;
                Ok(())
            }
        }
    };
    tokio::pin!(dispatch);
    tokio::select! {
        started = &mut dispatch => started.map_err(|source| StartError { bot: name, source }),
        () = shutdown::signalled() => {
            let listening = health.state() != BotState::Starting;
            health.stopping();
            // Stopping the listener ends its stream (a long poll in
            // progress at once; the webhook's when the HTTP listener,
            // stopping at the same signal, has no more); the runner then
            // finishes the updates in flight. A bot still connecting has
            // none and is simply dropped.
            if listening {
                if let Some(stop) = listener_stop.get() {
                    stop.stop();
                }
                dispatch.await.map_err(|source| StartError { bot: name, source })?;
            }
            Ok(())
        }
    }
}
