//! `booking catalog export [--output]` and `booking catalog import <file>`:
//! the catalog (staff, services, date overrides) as TOML in the schema of
//! the config file's catalog sections (`config::CatalogFile`, the same
//! types `booking.toml` is read with), so an export can be pasted into
//! `booking.toml` or imported into another database. Export then import
//! into an empty database then export gives the same text: the file is
//! canonical (entries by id, every key written, prices with all their minor
//! digits) and written by the `toml` serializer. Blocked periods (time off)
//! are operational data, not catalog configuration, and are not part of the
//! file.
//!
//! Import refuses a database that already has a catalog: the database is
//! the source of truth once it has one, and merging two catalogs would
//! silently re-point existing bookings. To replace a catalog, restore or
//! start from a fresh database.

use std::io::{self, Write};
use std::path::Path;

use booking_domain::{Currency, Service, StaffMember};
use booking_ports::{CatalogSnapshot, CatalogStore, ImportCatalogError, StoreError};
use chrono::NaiveDate;

use super::{Exit, block_on, chain, database_settings, fail, open_alone, settings};
use crate::config::{CatalogFile, ConfigError, parse_toml};
use crate::database;

/// The first line of an exported file.
const HEADER: &str = "# The catalog, written by `booking catalog export`.\n\n";

/// Runs `catalog export`.
pub fn export(output: Option<&Path>) -> Exit {
    let settings = match database_settings() {
        Ok(settings) => settings,
        Err(exit) => return exit,
    };
    if let Some(path) = output
        && path.exists()
    {
        return fail(
            Exit::TargetExists,
            format_args!("the output {} already exists", path.display()),
        );
    }
    block_on(async move {
        let store = match database::open(&settings).await {
            Ok(store) => store,
            Err(e) => return fail(Exit::Failure, chain(&e)),
        };
        let catalog = read_catalog(store.catalog().as_ref()).await;
        store.close().await;
        let text = match catalog.map(|catalog| to_toml(&catalog)) {
            Ok(Ok(text)) => text,
            Ok(Err(e)) => return fail(Exit::Failure, format_args!("writing the catalog: {e}")),
            Err(e) => return fail(Exit::Failure, chain(&e)),
        };
        let written = match output {
            None => {
                let mut out = io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
            Some(path) => {
                std::fs::File::create_new(path).and_then(|mut file| file.write_all(text.as_bytes()))
            }
        };
        match written {
            Ok(()) => Exit::Ok,
            Err(e) => fail(Exit::Failure, format_args!("writing the catalog: {e}")),
        }
    })
}

/// Runs `catalog import`.
pub fn import(file: &Path) -> Exit {
    let settings = match settings() {
        Ok(settings) => settings,
        Err(exit) => return exit,
    };
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            return fail(
                Exit::Failure,
                format_args!("cannot read {}: {e}", file.display()),
            );
        }
    };
    // The file's prices are in the business's currency.
    let catalog = match parse(file, &text, settings.currency) {
        Ok(catalog) => catalog,
        Err(e @ ConfigError::Syntax { .. }) => return fail(Exit::Settings, e),
        Err(e) => return fail(Exit::Settings, format_args!("{}: {e}", file.display())),
    };
    let counts = (
        catalog.staff.len(),
        catalog.services.len(),
        catalog.date_overrides.len(),
    );
    // The bots read the catalog they started with: an import beside them
    // would not be seen until a restart, and would race their first reads.
    block_on(async move {
        let (store, lock) = match open_alone(&settings.database).await {
            Ok(opened) => opened,
            Err(exit) => return exit,
        };
        let outcome = store.catalog().import_catalog(catalog).await;
        store.close().await;
        lock.release().await;
        match outcome {
            Ok(()) => {
                println!(
                    "imported {} staff, {} services, {} date overrides",
                    counts.0, counts.1, counts.2
                );
                Exit::Ok
            }
            Err(ImportCatalogError::NotEmpty) => fail(
                Exit::Refused,
                "the database already has a catalog; import only into a new database",
            ),
            Err(e) => fail(Exit::Failure, chain(&e)),
        }
    })
}

async fn read_catalog(store: &dyn CatalogStore) -> Result<CatalogSnapshot, StoreError> {
    let mut staff = store.staff().await?;
    staff.sort_by_key(StaffMember::id);
    let mut services = store.services().await?;
    services.sort_by_key(Service::id);
    let first = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    let mut date_overrides = store.date_overrides(first, last).await?;
    date_overrides.sort_by_key(|o| (o.date(), o.staff()));
    Ok(CatalogSnapshot {
        staff,
        services,
        date_overrides,
        time_off: Vec::new(),
    })
}

/// The catalog as canonical TOML, in the order of `catalog`'s entries.
///
/// # Errors
/// The serializer's, which a catalog of checked domain values cannot
/// trigger (every field is a string, a number, a boolean or a list).
pub fn to_toml(catalog: &CatalogSnapshot) -> Result<String, toml::ser::Error> {
    let body = toml::to_string(&CatalogFile::from(catalog))?;
    Ok(format!("{HEADER}{body}"))
}

/// Reads a catalog file at `path`; prices are in `currency`.
///
/// # Errors
/// [`ConfigError`] naming the line or the first bad entry.
pub fn parse(path: &Path, text: &str, currency: Currency) -> Result<CatalogSnapshot, ConfigError> {
    parse_toml::<CatalogFile>(path, text)?.validate(currency)
}
