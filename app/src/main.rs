//! The `booking` binary: the composition root of the bundled deployment.
//!
//! It reads the settings, starts logging, opens the SQLite store, imports
//! the configured catalog into an empty database, builds the engine, the
//! bots and the notification dispatcher (`app::serve`), and runs them until
//! SIGINT or SIGTERM. Nothing here
//! decides anything: each step lives in its own module or crate.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use app::commands::{self, Exit};
use app::{cli, config, serve, shutdown, telemetry};
use clap::Parser;

/// Exit codes: 0 after a clean stop; 1 when running failed; 2 when the
/// settings are missing or wrong.
const EXIT_FAILURE: u8 = Exit::Failure as u8;
const EXIT_CONFIG: u8 = Exit::Settings as u8;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.subcommand() {
        cli::Command::Run => run(),
        cli::Command::Migrate => commands::migrate::run().into(),
        cli::Command::MigrateStore { from, to } => commands::migrate_store::run(&from, &to).into(),
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
        cli::Command::Webhook(action) => commands::webhook::run(&action).into(),
    }
}

fn run() -> ExitCode {
    // `.env` first, so its variables count as environment; then the
    // settings, which say where logs go; then logging. Until then, errors
    // are one line on standard error.
    if let Err(e) = config::load_dotenv() {
        eprintln!("booking: {e}");
        return ExitCode::from(EXIT_CONFIG);
    }
    let settings = match config::load(&config::ProcessEnvironment) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("booking: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if let Err(e) = telemetry::init(&settings.log) {
        eprintln!("booking: {e}");
        return ExitCode::from(EXIT_CONFIG);
    }
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
    let deadline = settings.shutdown_deadline;
    let outcome = runtime.block_on(shutdown::within_deadline(
        serve::serve(settings),
        shutdown::signalled(),
        deadline,
    ));
    // Work abandoned at the deadline must not hold the exit up again.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("booking: {}", adapter_telegram::error::chain(e.as_ref()));
            ExitCode::from(EXIT_FAILURE)
        }
        Err(e) => {
            eprintln!("booking: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
