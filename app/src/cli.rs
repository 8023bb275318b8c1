//! The command line: `booking [run]` starts the bots; the other subcommands
//! are maintenance (database, export, PIN hashing, settings check, catalog).

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

/// Bookings for small service businesses, over Telegram.
///
/// Settings come from the TOML file named by BOOKING_CONFIG (default
/// booking.toml) and from the environment (a .env file is read when
/// present); docs/CONFIG.md lists every setting.
#[derive(Debug, Parser)]
#[command(
    name = "booking",
    version,
    after_help = "Exit codes: 0 done; 1 failed while running; 2 bad settings or usage; \
                  3 refused (verification failed, bots running, catalog not empty, \
                  backup or restore on PostgreSQL); \
                  4 the target file already exists."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Start the bots with long polling (the default).
    ///
    /// Holds the database's run lock while running (<database>.lock on
    /// SQLite, an advisory lock on PostgreSQL), so restore, migrate and
    /// catalog import can refuse. Exit 0 after a clean stop, 1 on failure, 2 for bad
    /// settings.
    Run,
    /// Create or migrate the database and print its schema level.
    ///
    /// Reads only BOOKING_DATABASE_*. Exit 0 done, 1 failed, 2 bad URL, 3
    /// the bots are running.
    Migrate,
    /// Copy a business from its SQLite database into an empty PostgreSQL one.
    ///
    /// Everything is copied (catalog, customers, bookings with their
    /// history, pending notices, conversations, staff access) and verified
    /// table by table (rows and a SHA-256). Stop the bots first. Exit 0
    /// copied and verified, 1 failed (a failed load leaves the target
    /// empty) or the copy differs, 2 bad URLs, 3 refused (bots running, or
    /// the target is not empty).
    MigrateStore {
        /// The SQLite database to copy (sqlite://<path> or a path).
        #[arg(long)]
        from: String,
        /// The PostgreSQL database to fill (postgres://…); must be empty.
        #[arg(long)]
        to: String,
    },
    /// Write an online backup of the database to FILE (the bots may run).
    ///
    /// SQLite only: on PostgreSQL use pg_dump. Exit 0 done, 1 failed, 2 bad
    /// URL, 3 the database is PostgreSQL, 4 FILE already exists.
    Backup {
        /// The new backup file; never overwritten.
        file: PathBuf,
    },
    /// Replace the database with a verified backup (stop the bots first).
    ///
    /// The backup is checked (integrity, foreign keys, schema level) before
    /// anything is replaced; the old database is kept as
    /// <database>.before-restore. Exit 0 done, 1 failed, 2 bad URL, 3
    /// refused (the bots are running, or the backup is damaged or not a
    /// booking database).
    Restore {
        /// The backup file to restore.
        file: PathBuf,
    },
    /// Export the bookings of a period as CSV, streamed.
    ///
    /// Dates are in the business's time zone, both included. Exit 0 done, 1
    /// failed, 2 bad settings or period, 4 the output file already exists.
    Export {
        /// The first day (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// The last day, included (YYYY-MM-DD).
        #[arg(long)]
        to: NaiveDate,
        /// A new file to write; standard output when absent.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Hash an admin PIN read from standard input; prints the PHC string.
    ///
    /// BOOKING_PIN_PEPPER is mixed in when set. Example:
    /// `printf '%s' 4711 | booking hash-pin`. Exit 0 done, 1 failed, 2 the
    /// PIN is not acceptable.
    HashPin,
    /// Validate the config file and environment and print what would run.
    ///
    /// Tokens and the PIN pepper are never printed. Exit 0 valid, 2 with one
    /// line naming the bad setting.
    CheckConfig,
    /// Export or import the catalog (staff, services, date overrides) as
    /// TOML in the config file's shape.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Set, delete or show the bots' webhooks at Telegram (webhook mode).
    ///
    /// Needed on PostgreSQL, where `booking run` leaves the webhooks to the
    /// operator so that no instance changes them under the others. Exit 0
    /// done, 1 Telegram refused or could not be reached, 2 bad settings.
    #[command(subcommand)]
    Webhook(WebhookCommand),
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum WebhookCommand {
    /// Point each bot at <BOOKING_WEBHOOK_URL>/<bot> with BOOKING_WEBHOOK_SECRET.
    Set,
    /// Remove the webhooks: the bots go back to long polling.
    Delete,
    /// Print where Telegram sends each bot's updates.
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum CatalogCommand {
    /// Write the database's catalog as TOML.
    ///
    /// Reads only BOOKING_DATABASE_URL. Exit 0 done, 1 failed, 2 bad URL, 4
    /// the output file already exists.
    Export {
        /// A new file to write; standard output when absent.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Import a catalog file into a database that has no catalog yet.
    ///
    /// Prices are in the config's business currency. Exit 0 done, 1
    /// failed, 2 bad settings or a bad catalog file (one line naming the
    /// entry), 3 refused: the database already has a catalog.
    Import {
        /// The catalog file (as written by `catalog export`).
        file: PathBuf,
    },
}

impl Cli {
    /// The subcommand to run: `run` when none is given.
    pub fn subcommand(&self) -> Command {
        self.command.clone().unwrap_or(Command::Run)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn no_subcommand_means_run() {
        let cli = Cli::try_parse_from(["booking"]).unwrap();
        assert_eq!(cli.subcommand(), Command::Run);
        let cli = Cli::try_parse_from(["booking", "run"]).unwrap();
        assert_eq!(cli.subcommand(), Command::Run);
        assert!(Cli::try_parse_from(["booking", "fly"]).is_err());
        <Cli as CommandFactory>::command().debug_assert();
    }

    #[test]
    fn export_takes_dates() {
        let cli = Cli::try_parse_from([
            "booking",
            "export",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
        ])
        .unwrap();
        assert!(matches!(
            cli.subcommand(),
            Command::Export { output: None, .. }
        ));
        assert!(
            Cli::try_parse_from([
                "booking",
                "export",
                "--from",
                "2026-13-01",
                "--to",
                "2026-01-31"
            ])
            .is_err()
        );
    }
}
