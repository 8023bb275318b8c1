//! Where the bots' updates come from: long polling (the default), or their
//! webhooks on the HTTP listener when `BOOKING_WEBHOOK_URL` is set. Also
//! binds the HTTP listener, because webhook mode needs its address first.

use std::time::Duration;

use axum::Router;
use teloxide::Bot;

use crate::config::Settings;
use crate::http::{self, BindError, HttpListener};
use crate::inbox::InboxStore;
use crate::webhook::{self, WebhookError, WebhookOwner, WebhookUpdates};

/// How one bot takes its updates; `bots::run` consumes it.
#[derive(Debug)]
pub enum UpdateSource {
    /// `getUpdates`, each waiting up to this long.
    Polling { timeout: Duration },
    /// The webhook is set; updates arrive through its router.
    Webhook(WebhookUpdates),
}

/// The HTTP listener, bound but not serving yet, and how each bot takes its
/// updates.
#[derive(Debug)]
pub struct Prepared {
    /// `None` when no listener is configured.
    pub listener: Option<HttpListener>,
    /// The listener of `/metrics` alone, when `[http] metrics_listen` is set.
    pub metrics_listener: Option<HttpListener>,
    /// Routes for the listener besides `/healthz` and `/readyz`: the
    /// webhooks' (empty with long polling).
    pub routes: Vec<Router>,
    pub client: UpdateSource,
    /// `Some` when `admin_bot` was given.
    pub admin: Option<UpdateSource>,
}

/// The listener could not be bound, or a webhook could not be set.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Bind(#[from] BindError),
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    #[error(transparent)]
    BotName(#[from] booking_ports::InvalidBotName),
}

/// Binds the HTTP listener (and the metrics listener) when configured and,
/// in webhook mode, sets each bot's webhook (`setWebhook`) to its path on
/// it, its updates recorded in `inbox`.
///
/// # Errors
/// [`PrepareError`]: the address cannot be bound, or Telegram refused a
/// webhook.
pub async fn prepare(
    settings: &Settings,
    client_bot: &Bot,
    admin_bot: Option<&Bot>,
    inbox: &InboxStore,
) -> Result<Prepared, PrepareError> {
    let listener = match settings.http.listen {
        Some(address) => Some(http::bind(address).await?),
        None => None,
    };
    let metrics_listener = match settings.http.metrics_listen {
        Some(address) => Some(http::bind(address).await?),
        None => None,
    };
    let mut routes = Vec::new();
    // One process per SQLite database sets its webhooks; on PostgreSQL the
    // operator does, once, for every instance.
    let owner = if settings.database.path().is_some() {
        WebhookOwner::Run
    } else {
        WebhookOwner::Operator
    };
    let mut source = async |name: &'static str, bot: &Bot| -> Result<UpdateSource, PrepareError> {
        // Settings validation guarantees a listener in webhook mode.
        let webhook = settings.http.webhook.as_ref();
        match (webhook, listener.as_ref()) {
            (Some(webhook), Some(_)) => {
                let (updates, router) =
                    webhook::register(bot, name, webhook, inbox.bot(name)?, owner).await?;
                routes.push(router);
                Ok(UpdateSource::Webhook(updates))
            }
            _ => Ok(UpdateSource::Polling {
                timeout: settings.telegram_timeouts.polling,
            }),
        }
    };
    let client = source("client", client_bot).await?;
    let admin = match admin_bot {
        Some(bot) => Some(source("admin", bot).await?),
        None => None,
    };
    Ok(Prepared {
        listener,
        metrics_listener,
        routes,
        client,
        admin,
    })
}
