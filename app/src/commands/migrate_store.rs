//! `booking migrate-store --from sqlite://… --to postgres://…`: copies a
//! business from its SQLite file into an empty PostgreSQL database
//! (catalog, customers, bookings with their history and versions, pending
//! notices, conversations, staff access, the update inbox), then verifies
//! the copy: every table's row count and a SHA-256 of its canonical cells,
//! read back from the target, equal the source's. Both databases are held
//! with their run locks throughout, so no bot writes to either meanwhile.
//! The load is one transaction: a refused or failed copy leaves the target
//! empty.

use adapter_postgres::LoadError;
use booking_ports::stored::transfer::{StoreDump, TableDump};
use sha2::{Digest, Sha256};

use super::{Exit, block_on, chain, fail, open_alone};
use crate::database::{DatabaseSettings, Store};

/// Runs the command.
pub fn run(from: &str, to: &str) -> Exit {
    let (source, target) = match (
        DatabaseSettings::from_url(from),
        DatabaseSettings::from_url(to),
    ) {
        (Ok(source), Ok(target)) => (source, target),
        (Err(e), _) => return fail(Exit::Settings, format_args!("--from: {e}")),
        (_, Err(e)) => return fail(Exit::Settings, format_args!("--to: {e}")),
    };
    if source.path().is_none() || target.path().is_some() {
        return fail(
            Exit::Settings,
            "migrate-store copies a SQLite database (--from sqlite://…) into PostgreSQL (--to postgres://…)",
        );
    }
    if let Some(path) = source.path().filter(|path| !path.exists()) {
        return fail(
            Exit::Failure,
            format_args!("there is no database at {} to copy", path.display()),
        );
    }
    block_on(async move {
        let (Store::Sqlite(source_store), source_lock) = (match open_alone(&source).await {
            Ok(opened) => opened,
            Err(exit) => return exit,
        }) else {
            return fail(Exit::Failure, "--from did not open as SQLite");
        };
        let (target_store, target_lock) = match open_alone(&target).await {
            Ok(opened) => opened,
            Err(exit) => {
                source_store.close().await;
                source_lock.release().await;
                return exit;
            }
        };
        let exit = match &target_store {
            Store::Postgres(pg) => copy(&source_store, pg).await,
            Store::Sqlite(_) => fail(Exit::Failure, "--to did not open as PostgreSQL"),
        };
        source_store.close().await;
        target_store.close().await;
        source_lock.release().await;
        target_lock.release().await;
        exit
    })
}

async fn copy(source: &adapter_sqlite::SqliteStore, target: &adapter_postgres::PgStore) -> Exit {
    let dump = match source.dump().await {
        Ok(dump) => dump,
        Err(e) => {
            return fail(
                Exit::Failure,
                format_args!("reading the source: {}", chain(&e)),
            );
        }
    };
    match target.load(&dump).await {
        Ok(()) => {}
        Err(e @ LoadError::NotEmpty { .. }) => {
            return fail(
                Exit::Refused,
                format_args!("{e}; copy only into a new database"),
            );
        }
        Err(e @ LoadError::Schema { .. }) => return fail(Exit::Refused, e),
        Err(e) => {
            return fail(
                Exit::Failure,
                format_args!("writing the target: {}", chain(&e)),
            );
        }
    }
    let copied = match target.dump().await {
        Ok(copied) => copied,
        Err(e) => {
            return fail(
                Exit::Failure,
                format_args!("reading the copy back: {}", chain(&e)),
            );
        }
    };
    verify(&dump, &copied)
}

/// Prints each table's rows and checksum; fails when the copy differs.
fn verify(source: &StoreDump, copy: &StoreDump) -> Exit {
    let mut differing = Vec::new();
    for table in &source.tables {
        let written = copy.tables.iter().find(|t| t.name == table.name);
        let (sum, copied_sum) = (checksum(table), written.map(checksum));
        let short = sum.get(..16).unwrap_or(&sum);
        if copied_sum.as_deref() == Some(sum.as_str()) {
            println!(
                "{}: {} rows, sha256 {short}… verified",
                table.name,
                table.rows.len()
            );
        } else {
            println!(
                "{}: {} rows, sha256 {short}… DIFFERS in the copy{}",
                table.name,
                table.rows.len(),
                written
                    .map(|w| first_difference(table, w))
                    .unwrap_or_default()
            );
            differing.push(table.name.as_str());
        }
    }
    if differing.is_empty() {
        println!("copied and verified: point BOOKING_DATABASE_URL at the new database and start");
        Exit::Ok
    } else {
        fail(
            Exit::Failure,
            format_args!(
                "the copy differs from the source in: {}",
                differing.join(", ")
            ),
        )
    }
}

/// Where `copy` first differs from `source`: the row's position and the
/// column's name, never the cells (they hold names and phones).
fn first_difference(source: &TableDump, copy: &TableDump) -> String {
    if source.columns != copy.columns {
        return " (other columns)".to_owned();
    }
    if source.rows.len() != copy.rows.len() {
        return format!(" ({} rows in the copy)", copy.rows.len());
    }
    for (at, (a, b)) in source.rows.iter().zip(&copy.rows).enumerate() {
        if let Some(column) = a
            .iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .and_then(|i| source.columns.get(i))
        {
            return format!(" (row {}, column {column})", at + 1);
        }
    }
    String::new()
}

/// SHA-256 of a table's columns and cells, each length-prefixed so that no
/// two different tables give the same bytes, in hex.
fn checksum(table: &TableDump) -> String {
    let mut hash = Sha256::new();
    let mut field = |bytes: Option<&[u8]>| match bytes {
        None => hash.update(u64::MAX.to_le_bytes()),
        Some(bytes) => {
            hash.update((bytes.len() as u64).to_le_bytes());
            hash.update(bytes);
        }
    };
    for column in &table.columns {
        field(Some(column.as_bytes()));
    }
    for row in &table.rows {
        for cell in row {
            field(cell.as_deref().map(str::as_bytes));
        }
    }
    hash.finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: Vec<Vec<Option<&str>>>) -> TableDump {
        TableDump {
            name: "staff".to_owned(),
            columns: vec!["id".to_owned(), "name".to_owned()],
            rows: rows
                .into_iter()
                .map(|row| row.into_iter().map(|c| c.map(str::to_owned)).collect())
                .collect(),
        }
    }

    #[test]
    fn the_checksum_tells_null_from_empty_and_cells_apart() {
        let base = checksum(&table(vec![vec![Some("1"), Some("ab")]]));
        assert_eq!(base.len(), 64);
        assert_eq!(base, checksum(&table(vec![vec![Some("1"), Some("ab")]])));
        for other in [
            vec![vec![Some("1"), Some("")]],
            vec![vec![Some("1"), None]],
            vec![vec![Some("1a"), Some("b")]],
            vec![],
        ] {
            assert_ne!(base, checksum(&table(other)));
        }
    }
}
