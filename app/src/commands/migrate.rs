//! `booking migrate`: opens the configured database (creating it when
//! missing), brings its schema to this release's level and prints the level.
//! Safe while the bots run: migrations take turns between processes.

use super::{Exit, block_on, chain, database_path, database_url, fail};
use crate::database;

/// Runs the command.
pub fn run() -> Exit {
    let url = match database_url() {
        Ok(url) => url,
        Err(exit) => return exit,
    };
    if let Err(exit) = database_path(&url) {
        return exit;
    }
    block_on(async move {
        match database::open(&url).await {
            Ok(store) => {
                store.close().await;
                println!("schema level {}", adapter_sqlite::schema_level());
                Exit::Ok
            }
            Err(e) => fail(Exit::Failure, chain(&e)),
        }
    })
}
