//! `booking run`: the composition of the running service.
//!
//! One store (SQLite, or PostgreSQL) behind one engine; the client bot always, the admin
//! bot when `BOOKING_ADMIN_BOT_TOKEN` is set; the notification dispatcher
//! delivering the outbox through both; housekeeping (purges, and the
//! booking lifecycle sweep every minute); scheduled
//! backups; the config reloader (`reload`: file changes and SIGHUP); the
//! HTTP listener (health checks, metrics, webhooks) when configured. The
//! bots take their updates by long polling, or by webhooks when
//! `BOOKING_WEBHOOK_URL` is set; every update is recorded in the inbox
//! first (`inbox`). On SQLite what an earlier run left unfinished is
//! handled first. On PostgreSQL several instances may run on one database
//! (`leadership`): only the one holding a bot's poller role polls it, only
//! the jobs holder runs the housekeeping; every instance serves webhooks
//! and dispatches notices, and each chat's updates are handled by one
//! instance at a time, taken over when it dies (`inbox::scheduler`).
//! Everything runs until SIGINT or SIGTERM: the HTTP listener stops,
//! the bots finish the updates in flight, then the notification dispatcher
//! finishes its step and makes one last delivery round (so the notices
//! those updates wrote go out, and every send that happened is recorded),
//! a backup in progress completes, the roles and the run lock are given
//! up, then the store closes.

use std::sync::Arc;

use adapter_sqlite::SqliteStore;
use adapter_telegram::admin::AdminBot;
use adapter_telegram::{ClientBot, Locales, TelegramSender, handler_tree};
use booking_ports::{
    Clock, ConversationStore, DispatchWakeup, Dispatcher, Engine, SendBudget, SystemClock,
};
use futures::future::OptionFuture;
use metrics_exporter_prometheus::PrometheusHandle;
use teloxide::Bot;
use tokio::sync::watch;

use crate::bots::BotUpdates;
use crate::config::{BotToken, ProcessEnvironment, Settings};
use crate::health::{BotHealth, Readiness};
use crate::inbox::{BotInbox, InboxStore};
use crate::leadership::Leadership;
use crate::reload::{LiveSettings, Reloader};
use crate::run_lock::InstanceLock;
use crate::store::{AnyStore, Store};
use crate::updates::UpdateSource;
use crate::{backups, bots, database, http, maintenance, metrics, miniapp, shutdown, updates};

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
    // First, so that failures while starting are counted too.
    let registry = metrics::install();
    // The run lock is held until the process ends, so `booking restore`,
    // `migrate` and `catalog import` refuse to run under the bots (on
    // PostgreSQL it is shared: other instances may run beside this one).
    let (store, run_lock) = database::open_instance(&settings.database).await?;
    tracing::info!(
        database = %settings.database.url(),
        store = store.kind(),
        alone = run_lock.alone(),
        "database open"
    );
    // The lock file outlives the store (nothing may swap the file before
    // its connections are closed); on PostgreSQL the run lock's connection
    // is `leadership`'s, given up when the service stops.
    let (file_lock, contested) = match run_lock {
        InstanceLock::File(lock) => (Some(lock), None),
        InstanceLock::Postgres(lock) => (None, Some(lock)),
    };
    let outcome = match &store {
        Store::Sqlite(sqlite) => {
            // The run lock makes this the only process on the file: claims
            // on notifications are a dead predecessor's, free them now
            // rather than at the end of their lease.
            match sqlite.release_all_claims(SystemClock.now()).await {
                Ok(0) => {}
                Ok(released) => tracing::info!(released, "claims of an earlier run released"),
                Err(e) => {
                    tracing::warn!(error = %e, "claims of an earlier run could not be released; they end with their lease")
                }
            }
            run_on(
                settings,
                registry,
                sqlite.clone(),
                Some(sqlite.clone()),
                contested,
                None,
            )
            .await
        }
        Store::Postgres(pg) => {
            // Other instances may send for the same bots: count the sends
            // in the database, not only here.
            let budget: Arc<dyn SendBudget> = Arc::new(pg.clone());
            run_on(
                settings,
                registry,
                pg.clone(),
                None,
                contested,
                Some(budget),
            )
            .await
        }
    };
    store.close().await;
    drop(file_lock);
    tracing::info!("stopped");
    outcome
}

/// The service on `store`, until a stop signal; `sqlite` is the same store
/// when it is SQLite, for the scheduled file backups. `contested` is the
/// PostgreSQL run lock shared with other instances (`None`: the instance
/// is the only one), given up when the service stops (`leadership`).
/// `send_budget` is Telegram's sending budget shared with other instances,
/// when there can be any.
async fn run_on<S: AnyStore>(
    settings: Settings,
    registry: PrometheusHandle,
    store: S,
    sqlite: Option<SqliteStore>,
    contested: Option<adapter_postgres::InstanceLock>,
    send_budget: Option<Arc<dyn SendBudget>>,
) -> Result<(), ServeError> {
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
    // Settings owners changed from the admin bot win over the file's.
    let overrides = engine.load_policy_overrides().await?;
    for change in overrides.changes() {
        tracing::info!(
            setting = change.field().key(),
            value = change.stored_value(),
            "policy setting changed from the admin bot; it wins over the config file until /policy reset"
        );
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
    // The service list opens the Mini App's calendar when it is served.
    let client = match settings.miniapp.as_ref().and_then(|m| m.public_url.clone()) {
        Some(url) => client.with_mini_app(url),
        None => client,
    };
    let client_bot = bot(&settings.client_token, &settings)?;

    let admin = match (&settings.admin_token, &settings.admin) {
        (Some(token), Some(admin)) => Some((
            bot(token, &settings)?,
            AdminBot::new(
                engine.clone(),
                Arc::clone(&locales),
                admin.access.clone(),
                Arc::clone(&conversations),
                Arc::new(store.clone()),
                Arc::clone(&clock),
                settings.conversation_expiry,
            )?,
        )),
        _ => None,
    };
    if admin.is_some()
        && settings
            .admin
            .as_ref()
            .is_some_and(|a| a.access.pin_without_allow_list)
    {
        tracing::warn!(
            "the admin bot admits anyone who knows the PIN (admin.pin_without_allow_list): \
             anyone on Telegram may guess at it; list admin.allowed_user_ids to close it"
        );
    }
    if let Some((_, admin)) = &admin {
        // Staff who joined with an invitation, and staff users' languages.
        admin.access.directory().load(&store).await?;
    }
    if admin.is_none() && settings.admin.is_some() {
        tracing::warn!(
            "[admin] is configured but BOOKING_ADMIN_BOT_TOKEN is not set: no admin bot, and staff are not notified"
        );
    }

    // The HTTP listener (when configured) is bound, and in webhook mode the
    // webhooks are set, before the bots start; it serves meanwhile, so
    // `/readyz` answers "starting".
    // On SQLite this process is alone on the file: what an earlier run
    // received but did not finish is taken before the webhook routes can
    // record anything new. On PostgreSQL other instances may be handling
    // those updates right now: each chat is scheduled across instances
    // (`inbox::scheduler`), and chats a dead instance left are taken over.
    let scheduled = contested.is_some();
    let inbox = InboxStore::new(Arc::new(store.clone()), Arc::clone(&clock));
    let inbox = if scheduled { inbox.scheduled() } else { inbox };
    let take_unfinished = async |inbox: &BotInbox| {
        if scheduled {
            Vec::new()
        } else {
            inbox.take_unfinished().await
        }
    };
    let client_inbox = inbox.bot("client")?;
    let client_replay = take_unfinished(&client_inbox).await;
    let admin_inbox = if admin.is_some() {
        let admin_inbox = inbox.bot("admin")?;
        let replay = take_unfinished(&admin_inbox).await;
        Some((admin_inbox, replay))
    } else {
        None
    };
    let prepared = updates::prepare(
        &settings,
        &client_bot,
        admin.as_ref().map(|(bot, _)| bot),
        &inbox,
    )
    .await?;
    // Only the bots that poll contest a role: every instance serves the
    // webhook routes.
    let polled: Vec<&'static str> = std::iter::once(("client", Some(&prepared.client)))
        .chain([("admin", prepared.admin.as_ref())])
        .filter_map(|(bot, source)| match source {
            Some(UpdateSource::Polling { .. }) => Some(bot),
            _ => None,
        })
        .collect();
    let leadership = Leadership::start(contested, &polled).await;
    inbox.start_schedulers();
    let client_health = BotHealth::new("client");
    let admin_health = admin.as_ref().map(|_| BotHealth::new("admin"));
    let readiness = Readiness::new(
        Arc::new(store.clone()),
        std::iter::once(client_health.clone()).chain(admin_health.clone()),
    );

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
    let sender = match &admin {
        Some((_, admin)) => sender.with_directory(admin.access.directory().clone()),
        None => sender,
    };
    let reloading = Reloader::new(
        settings.clone(),
        ProcessEnvironment,
        LiveSettings {
            engine: engine.clone(),
            locales: Arc::clone(&locales),
            business: client.business.clone(),
            conversations: std::iter::once(&client.conversations)
                .chain(admin.as_ref().map(|(_, a)| &a.conversations))
                .cloned()
                .collect(),
            admin_access: admin.as_ref().map(|(_, a)| Arc::clone(&a.access)),
            notices: sender.live_settings(),
        },
    )
    .spawn();
    let mut dispatcher = Dispatcher::on_store(
        store.clone(),
        sender,
        SystemClock,
        settings.dispatch.clone(),
    )
    .with_wakeup(wakeup);
    if let Some(budget) = send_budget {
        dispatcher = dispatcher.with_send_budget(budget);
    }
    // The dispatcher stops after the bots (at a signal, or when a bot could
    // not start): the updates they finish while stopping may still write
    // notices, which one last round delivers.
    let (stop, stopped) = watch::channel(false);
    let dispatch = tokio::spawn(async move {
        let mut stopped = stopped;
        dispatcher
            .run(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
            .await;
        match dispatcher.dispatch_due().await {
            Ok(report) => tracing::info!(sent = report.sent.len(), "last notification round done"),
            Err(e) => {
                tracing::warn!(error = %e, "the last notification round failed; the outbox keeps the rest for the next start")
            }
        }
        dispatcher.release_claims().await;
    });

    // Scheduled backups copy a SQLite file; PostgreSQL has its own tools.
    if settings.backups.is_some() && sqlite.is_none() {
        tracing::info!(
            "scheduled backups are off on PostgreSQL: back it up with pg_dump or continuous archiving (docs/OPERATIONS.md)"
        );
    }
    let file_backups = match (settings.backups.clone(), sqlite, settings.database.path()) {
        (Some(schedule), Some(sqlite), Some(path)) => Some((schedule, sqlite, path.to_owned())),
        _ => None,
    };
    let backups = file_backups.map(|(schedule, sqlite, path)| {
        let folder = schedule.directory_for(&path);
        let mut stopped = stop.subscribe();
        tokio::spawn(backups::run(
            sqlite,
            SystemClock,
            schedule,
            folder,
            async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            },
        ))
    });
    let housekeeping = tokio::spawn(maintenance::purge_expired(
        store.clone(),
        SystemClock,
        leadership.jobs(),
    ));
    let lifecycle = tokio::spawn(maintenance::sweep_lifecycle(
        engine.clone(),
        leadership.jobs(),
    ));

    let limits = settings.http.limits;
    let stopping = |mut bots_stopped: watch::Receiver<bool>| async move {
        tokio::select! {
            () = shutdown::signalled() => {}
            _ = bots_stopped.wait_for(|stop| *stop) => {}
        }
    };
    let metrics_router = metrics::router(registry, Arc::new(store.clone()), Arc::clone(&clock));
    let (metrics_router, metrics_server) = match prepared.metrics_listener {
        Some(listener) => (
            None,
            Some(listener.serve(
                "metrics listener",
                metrics_router,
                limits,
                stopping(stop.subscribe()),
            )),
        ),
        None => (Some(metrics_router), None),
    };
    if let Some(user) = settings.miniapp.as_ref().and_then(|m| m.dev_user) {
        tracing::warn!(
            user,
            "DEVELOPMENT MODE: the Mini App answers calls without init data as this Telegram user; \
             for trying on this machine only, never behind a proxy"
        );
    }
    let miniapp_router = settings
        .miniapp
        .as_ref()
        .map(|m| miniapp::api_router(engine.clone(), &settings.client_token, m));
    let miniapp_staff_router = match (&settings.miniapp, &settings.admin_token, &admin) {
        (Some(m), Some(token), Some((_, admin))) => Some(miniapp::staff_api_router(
            engine.clone(),
            token,
            Arc::clone(&admin.access),
            m,
        )),
        _ => None,
    };
    if miniapp_router.is_some() && prepared.listener.is_none() {
        tracing::warn!(
            "[miniapp] is enabled but the HTTP listener is off: set [http] listen to serve the Mini App's API"
        );
    }
    let http_server = prepared.listener.map(|listener| {
        let routes = prepared
            .routes
            .into_iter()
            .chain(metrics_router)
            .chain(miniapp_router)
            .chain(miniapp_staff_router);
        listener.serve(
            "HTTP listener",
            http::router(readiness, routes),
            limits,
            stopping(stop.subscribe()),
        )
    });

    if let Some(public_url) = settings
        .miniapp
        .as_ref()
        .and_then(|m| m.public_url.as_ref())
    {
        miniapp::set_menu_buttons(
            public_url,
            &client_bot,
            admin.as_ref().map(|(bot, _)| bot),
            settings.default_language,
        )
        .await;
    }
    tracing::info!(business = %settings.business.name, admin_bot = admin.is_some(), "bots starting");
    let client_run = bots::run(
        "client",
        client_bot,
        BotUpdates {
            source: prepared.client,
            inbox: client_inbox,
            replay: client_replay,
            leading: leadership.poller("client"),
        },
        client_health,
        handler_tree(),
        client.dependencies(),
        Arc::clone(&client.locales),
    );
    let outcome = match (admin, prepared.admin, admin_health, admin_inbox) {
        (
            Some((admin_bot, admin)),
            Some(admin_updates),
            Some(admin_health),
            Some((admin_inbox, admin_replay)),
        ) => {
            let admin_run = bots::run(
                "admin",
                admin_bot,
                BotUpdates {
                    source: admin_updates,
                    inbox: admin_inbox,
                    replay: admin_replay,
                    leading: leadership.poller("admin"),
                },
                admin_health,
                adapter_telegram::admin::handler_tree(),
                admin.dependencies(),
                Arc::clone(&admin.locales),
            );
            tokio::try_join!(client_run, admin_run).map(|_| ())
        }
        _ => client_run.await,
    };
    // The bots finished what they took: other instances take the rest.
    inbox.stop_schedulers().await;
    housekeeping.abort();
    lifecycle.abort();
    reloading.abort();
    // Harmless when the signal already stopped it.
    let _ = stop.send(true);
    for server in [http_server, metrics_server].into_iter().flatten() {
        server.stopped().await;
    }
    if let Err(e) = dispatch.await {
        tracing::error!(error = %e, "the notification dispatcher ended abnormally");
    }
    // A backup in progress finishes before the store closes.
    if let Some(Err(e)) = OptionFuture::from(backups).await {
        tracing::error!(error = %e, "scheduled backups ended abnormally");
    }
    // Last: a standby takes the roles over only once this instance has
    // stopped using them, and a command waits for that too.
    leadership.stop().await;

    Ok(outcome?)
}
