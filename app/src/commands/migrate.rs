//! `booking migrate`: opens the configured database (creating it when
//! missing), brings its schema to this release's level and prints the level.
//! Refused while the bots run (the run lock): a new release's schema under
//! a running older one is what the upgrade steps in docs/OPERATIONS.md
//! avoid by stopping the bots first.

use super::{Exit, block_on, chain, database_settings, exclusive, fail};
use crate::database;

/// Runs the command.
pub fn run() -> Exit {
    let settings = match database_settings() {
        Ok(settings) => settings,
        Err(exit) => return exit,
    };
    let _lock = match exclusive(settings.path()) {
        Ok(lock) => lock,
        Err(exit) => return exit,
    };
    block_on(async move {
        match database::open(&settings).await {
            Ok(store) => {
                store.close().await;
                println!("schema level {}", adapter_sqlite::schema_level());
                Exit::Ok
            }
            Err(e) => fail(Exit::Failure, chain(&e)),
        }
    })
}
