//! `booking run`: the composition of the running service.
//!
//! One SQLite store behind one engine; the client bot always, the admin
//! bot when `BOOKING_ADMIN_BOT_TOKEN` is set; the notification dispatcher
//! delivering the outbox through both; hourly housekeeping. Everything runs
//! until SIGINT or SIGTERM: the bots finish the updates in flight, the
//! dispatcher finishes its step (so every send that happened is recorded),
//! then the store closes.

use std::sync::Arc;

use adapter_telegram::admin::AdminBot;
use adapter_telegram::{ClientBot, Locales, TelegramSender, handler_tree};
use booking_ports::{Clock, ConversationStore, DispatchWakeup, Dispatcher, Engine, SystemClock};
use teloxide::Bot;
use tokio::sync::watch;

use crate::config::{BotToken, Settings};
use crate::run_lock::RunLock;
use crate::{bots, database, maintenance, shutdown};

/// Anything that stops the service from starting or running.
pub type ServeError = Box<dyn std::error::Error + Send + Sync>;

/// A bot with the configured timeouts. teloxide's defaults (connect 5 s,
/// total 17 s) are replaced by `[telegram]`'s, which are checked to outlast
/// the long-polling wait. Public for the bot-latency benchmark, which must
/// send through the same client.
pub fn bot(token: &BotToken, settings: &Settings) -> Result<Bot, ServeError> {
    let timeouts = settings.telegram_timeouts;
    let client = teloxide::net::default_reqwest_settings()
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        .build()?;
    Ok(Bot::with_client(token.expose(), client).set_api_url(settings.telegram_api_url.clone()))
}

/// Runs the service until a stop signal.
///
/// # Errors
/// The store cannot be opened, the catalog cannot be imported, or a bot
/// cannot reach Telegram at start.
pub async fn serve(settings: Settings) -> Result<(), ServeError> {
    // Held until the process ends, so `booking restore` refuses to swap the
    // file under the running bots.
    let _run_lock = RunLock::try_acquire(&database::path_of(&settings.database_url)?)?;
    let store = database::open(&settings.database_url).await?;
    tracing::info!(database = %settings.database_url, "database open");

    let wakeup = DispatchWakeup::new();
    let engine = Arc::new(
        Engine::on_store(
            store.clone(),
            SystemClock,
            settings.policy.clone(),
            settings.engine.clone(),
        )
        .with_dispatch_wakeup(wakeup.clone()),
    );
    if engine
        .import_catalog_if_empty(settings.catalog.clone())
        .await?
    {
        tracing::info!(config = %settings.config_path.display(), "catalog imported from the config file");
    } else {
        tracing::info!("the database has a catalog; the config file's catalog is not imported");
    }

    let locales = Arc::new(Locales::load(settings.default_language)?);
    let conversations: Arc<dyn ConversationStore> = Arc::new(store.clone());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let client = ClientBot::new(
        engine.clone(),
        Arc::clone(&locales),
        settings.business.clone(),
        Arc::clone(&conversations),
        Arc::clone(&clock),
        settings.conversation_expiry,
    )?;
    let client_bot = bot(&settings.client_token, &settings)?;

    let admin = match (&settings.admin_token, &settings.admin) {
        (Some(token), Some(admin)) => Some((
            bot(token, &settings)?,
            AdminBot::new(
                engine.clone(),
                Arc::clone(&locales),
                admin.access.clone(),
                Arc::clone(&conversations),
                Arc::clone(&clock),
                settings.conversation_expiry,
            )?,
        )),
        _ => None,
    };
    if admin.is_none() && settings.admin.is_some() {
        tracing::warn!(
            "[admin] is configured but BOOKING_ADMIN_BOT_TOKEN is not set: no admin bot, and staff are not notified"
        );
    }

    let sender = TelegramSender::new(
        client_bot.clone(),
        admin.as_ref().map(|(bot, _)| bot.clone()),
        Arc::clone(&locales),
        settings.policy.time_zone(),
        settings
            .admin
            .as_ref()
            .map(|a| a.staff_chats.clone())
            .unwrap_or_default(),
    )?;
    let mut dispatcher = Dispatcher::on_store(
        store.clone(),
        sender,
        SystemClock,
        settings.dispatch.clone(),
    )
    .with_wakeup(wakeup);
    // The dispatcher stops at a signal, or when the bots stopped for another
    // reason (a bot that could not start).
    let (stop, stopped) = watch::channel(false);
    let dispatch = tokio::spawn(async move {
        let mut stopped = stopped;
        dispatcher
            .run(async move {
                tokio::select! {
                    () = shutdown::signalled() => {}
                    _ = stopped.wait_for(|stop| *stop) => {}
                }
            })
            .await;
    });

    let housekeeping = tokio::spawn(maintenance::purge_expired_conversations(
        store.clone(),
        SystemClock,
        maintenance::PURGE_EVERY,
    ));
    tracing::info!(business = %settings.business.name, admin_bot = admin.is_some(), "bots starting");
    let polling = settings.telegram_timeouts.polling;
    let client_run = bots::run(
        "client",
        client_bot,
        polling,
        handler_tree(),
        client.dependencies(),
    );
    let outcome = match admin {
        Some((admin_bot, admin)) => {
            let admin_run = bots::run(
                "admin",
                admin_bot,
                polling,
                adapter_telegram::admin::handler_tree(),
                admin.dependencies(),
            );
            tokio::try_join!(client_run, admin_run).map(|_| ())
        }
        None => client_run.await,
    };
    housekeeping.abort();
    // Harmless when the signal already stopped it.
    let _ = stop.send(true);
    if let Err(e) = dispatch.await {
        tracing::error!(error = %e, "the notification dispatcher ended abnormally");
    }

    store.close().await;
    tracing::info!("stopped");
    Ok(outcome?)
}
