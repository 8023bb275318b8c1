//! `booking migrate`: opens the configured database (creating a SQLite file
//! when missing), brings its schema to this release's level and prints the
//! level.
//! Refused while the bots run (the run lock): a new release's schema under
//! a running older one is what the upgrade steps in docs/OPERATIONS.md
//! avoid by stopping the bots first.

use super::{Exit, block_on, database_settings, open_alone};

/// Runs the command.
pub fn run() -> Exit {
    let settings = match database_settings() {
        Ok(settings) => settings,
        Err(exit) => return exit,
    };
    block_on(async move {
        match open_alone(&settings).await {
            Ok((store, lock)) => {
                store.close().await;
                lock.release().await;
                println!("schema level {}", store.schema_level());
                Exit::Ok
            }
            Err(exit) => exit,
        }
    })
}
