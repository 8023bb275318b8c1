//! The command line: `booking [run]`.

use clap::{Parser, Subcommand};

/// Bookings for small service businesses, over Telegram.
///
/// Settings come from the TOML file named by BOOKING_CONFIG (default
/// booking.toml) and from the environment (a .env file is read when
/// present); docs/CONFIG.md lists every setting.
#[derive(Debug, Parser)]
#[command(name = "booking", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Start the bots with long polling (the default).
    Run,
}

impl Cli {
    /// The subcommand to run: `run` when none is given.
    pub fn subcommand(&self) -> Command {
        self.command.unwrap_or(Command::Run)
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
}
