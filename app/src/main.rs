//! The `booking` binary: the composition root of the bundled deployment.
//!
//! It reads the settings, starts logging, opens the SQLite store, imports
//! the configured catalog into an empty database, builds the engine and the
//! client bot, and runs the bot until SIGINT or SIGTERM. Nothing here
//! decides anything: each step lives in its own module or crate.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::sync::Arc;

use adapter_telegram::{ClientBot, Locales, handler_tree};
use app::commands::{self, Exit};
use app::run_lock::RunLock;
use app::{bots, cli, config, database, maintenance, telemetry};
use booking_ports::{Engine, EngineSettings, SystemClock};
use clap::Parser;
use teloxide::Bot;

/// Exit codes: 0 after a clean stop; 1 when running failed; 2 when the
/// settings are missing or wrong.
const EXIT_FAILURE: u8 = Exit::Failure as u8;
const EXIT_CONFIG: u8 = Exit::Settings as u8;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.subcommand() {
        cli::Command::Run => run(),
        cli::Command::Migrate => commands::migrate::run().into(),
        cli::Command::Backup { file } => commands::backup::run(&file).into(),
        cli::Command::Restore { file } => commands::restore::run(&file).into(),
        cli::Command::Export { from, to, output } => {
            commands::export::run(from, to, output.as_deref()).into()
        }
        cli::Command::HashPin => commands::hash_pin::run().into(),
        cli::Command::CheckConfig => commands::check_config::run().into(),
        cli::Command::Catalog(cli::CatalogCommand::Export { output }) => {
            commands::catalog::export(output.as_deref()).into()
        }
        cli::Command::Catalog(cli::CatalogCommand::Import { file }) => {
            commands::catalog::import(&file).into()
        }
    }
}

fn run() -> ExitCode {
    // `.env` first, so its variables count as environment; then logging, so
    // the settings' own errors are the only thing printed without it.
    if let Err(e) = config::load_dotenv() {
        eprintln!("booking: {e}");
        return ExitCode::from(EXIT_CONFIG);
    }
    telemetry::init();
    let settings = match config::load(&config::ProcessEnvironment) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("booking: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("booking: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match runtime.block_on(serve(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("booking: {}", adapter_telegram::error::chain(e.as_ref()));
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

async fn serve(settings: config::Settings) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Held until the process ends, so `booking restore` refuses to swap the
    // file under the running bots.
    let _run_lock = RunLock::try_acquire(&database::path_of(&settings.database_url)?)?;
    let store = database::open(&settings.database_url).await?;
    tracing::info!(database = %settings.database_url, "database open");

    let engine = Arc::new(Engine::on_store(
        store.clone(),
        SystemClock,
        settings.policy.clone(),
        EngineSettings::default(),
    ));
    if engine
        .import_catalog_if_empty(settings.catalog.clone())
        .await?
    {
        tracing::info!(config = %settings.config_path.display(), "catalog imported from the config file");
    } else {
        tracing::info!("the database has a catalog; the config file's catalog is not imported");
    }
    if settings.admin_token.is_some() {
        tracing::warn!("BOOKING_ADMIN_BOT_TOKEN is set, but this build has no admin bot yet");
    }

    let client = ClientBot::new(
        engine,
        Arc::new(Locales::load(settings.default_language)?),
        settings.business.clone(),
        Arc::new(store.clone()),
        Arc::new(SystemClock),
        settings.conversation_expiry,
    )?;
    let bot =
        Bot::new(settings.client_token.expose()).set_api_url(settings.telegram_api_url.clone());
    let housekeeping = tokio::spawn(maintenance::purge_expired_conversations(
        store.clone(),
        SystemClock,
        maintenance::PURGE_EVERY,
    ));
    tracing::info!(business = %settings.business.name, "client bot starting");
    let outcome = bots::run("client", bot, handler_tree(), client.dependencies()).await;
    housekeeping.abort();

    store.close().await;
    tracing::info!("stopped");
    Ok(outcome?)
}
