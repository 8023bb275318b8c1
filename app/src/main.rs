//! The `booking` binary: the composition root of the bundled deployment.
//!
//! It reads the settings, starts logging, opens the SQLite store, imports
//! the configured catalog into an empty database, builds the engine, the
//! bots and the notification dispatcher (`app::serve`), and runs them until
//! SIGINT or SIGTERM. Nothing here
//! decides anything: each step lives in its own module or crate.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use app::{cli, config, serve, telemetry};
use clap::Parser;

/// Exit codes: 0 after a clean stop; 1 when running failed; 2 when the
/// settings are missing or wrong.
const EXIT_FAILURE: u8 = 1;
const EXIT_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.subcommand() {
        cli::Command::Run => run(),
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

async fn serve(settings: config::Settings) -> Result<(), serve::ServeError> {
    serve::serve(settings).await
}
