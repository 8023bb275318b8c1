//! `booking migrate`: opens the configured database (creating it when
//! missing), brings its schema to this release's level and prints the level.
//! Safe while the bots run: migrations take turns between processes.

use super::{Exit, block_on, chain, database_settings, fail};
use crate::database;

/// Runs the command.
pub fn run() -> Exit {
    let settings = match database_settings() {
        Ok(settings) => settings,
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
