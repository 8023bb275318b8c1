//! `booking backup <file>`: an online, consistent copy of the configured
//! database (SQLite's `VACUUM INTO`), taken while the bots keep running.
//! An existing target is never overwritten. On PostgreSQL it refuses and
//! points to the server's own tools.

use std::path::Path;

use adapter_sqlite::BackupError;

use super::{Exit, block_on, chain, database_settings, fail};
use crate::database;

/// The answer on PostgreSQL, whose backups are the server's business.
pub(crate) const POSTGRES_BACKUPS: &str = "the database is PostgreSQL: back it up with its own tools \
     (pg_dump for a copy, base backups with WAL archiving for point-in-time recovery; \
     docs/OPERATIONS.md, \"Backups on PostgreSQL\")";

/// The answer of `booking restore` on PostgreSQL.
pub(crate) const POSTGRES_RESTORES: &str = "the database is PostgreSQL: restore it with its own tools \
     (pg_restore, or point-in-time recovery from a base backup; docs/OPERATIONS.md, \
     \"Backups on PostgreSQL\")";

/// Runs the command.
pub fn run(target: &Path) -> Exit {
    let settings = match database_settings() {
        Ok(settings) => settings,
        Err(exit) => return exit,
    };
    let Some(source) = settings.path() else {
        return fail(Exit::Refused, POSTGRES_BACKUPS);
    };
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
        let crate::database::Store::Sqlite(sqlite) = &store else {
            store.close().await;
            return fail(Exit::Refused, POSTGRES_BACKUPS);
        };
        let outcome = sqlite.backup_to(target).await;
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
