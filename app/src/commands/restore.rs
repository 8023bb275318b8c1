//! `booking restore <file>`: replaces the configured database with a
//! backup. The backup is verified first (integrity, foreign keys, schema
//! level) and migrated to this release; the replaced database is kept
//! beside it as `<db>.before-restore`. Refused while `booking run` holds the
//! database's run lock, so a running bot never has its file swapped. On
//! PostgreSQL it refuses and points to the server's own tools.

use std::path::Path;

use adapter_sqlite::{RestoreError, SqliteSettings, SqliteStore};

use super::{Exit, block_on, chain, database_settings, exclusive, fail};

/// Runs the command.
pub fn run(backup: &Path) -> Exit {
    let target = match database_settings() {
        Ok(settings) => match settings.path() {
            Some(path) => path.to_owned(),
            None => return fail(Exit::Refused, super::backup::POSTGRES_RESTORES),
        },
        Err(exit) => return exit,
    };
    if !backup.is_file() {
        return fail(
            Exit::Failure,
            format_args!("there is no backup file at {}", backup.display()),
        );
    }
    if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(folder)
    {
        return fail(
            Exit::Failure,
            format_args!(
                "cannot create the database folder {}: {e}",
                folder.display()
            ),
        );
    }
    // Held until the swap is done, so `booking run` cannot start meanwhile.
    let _lock = match exclusive(&target) {
        Ok(lock) => lock,
        Err(exit) => return exit,
    };
    block_on(async move {
        match SqliteStore::restore(backup, &SqliteSettings::new(&target)).await {
            Ok(report) => {
                println!(
                    "restored {} into {} (backup schema level {}, now {})",
                    backup.display(),
                    target.display(),
                    report.backup_schema_level,
                    report.schema_level
                );
                if let Some(kept) = report.replaced_kept_at {
                    println!("the replaced database is kept at {}", kept.display());
                }
                Exit::Ok
            }
            Err(
                e @ (RestoreError::Unreadable { .. }
                | RestoreError::Damaged { .. }
                | RestoreError::NotABookingDatabase { .. }
                | RestoreError::Schema { .. }),
            ) => fail(Exit::Refused, chain(&e)),
            Err(e) => fail(Exit::Failure, chain(&e)),
        }
    })
}
