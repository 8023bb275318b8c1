//! `booking backup <file>`: an online, consistent copy of the configured
//! database (SQLite's `VACUUM INTO`), taken while the bots keep running.
//! An existing target is never overwritten.

use std::path::Path;

use adapter_sqlite::BackupError;

use super::{Exit, block_on, chain, database_settings, fail};
use crate::database;

/// Runs the command.
pub fn run(target: &Path) -> Exit {
    let settings = match database_settings() {
        Ok(settings) => settings,
        Err(exit) => return exit,
    };
    let source = settings.path();
    if !source.exists() {
        return fail(
            Exit::Failure,
            format_args!("there is no database at {} to back up", source.display()),
        );
    }
    if target.exists() {
        return fail(
            Exit::TargetExists,
            format_args!("the backup target {} already exists", target.display()),
        );
    }
    block_on(async move {
        let store = match database::open(&settings).await {
            Ok(store) => store,
            Err(e) => return fail(Exit::Failure, chain(&e)),
        };
        let outcome = store.backup_to(target).await;
        store.close().await;
        match outcome {
            Ok(()) => {
                println!("backup written to {}", target.display());
                Exit::Ok
            }
            Err(e @ BackupError::TargetExists { .. }) => fail(Exit::TargetExists, e),
            Err(e) => fail(Exit::Failure, chain(&e)),
        }
    })
}
