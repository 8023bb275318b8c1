//! Files an operator writes: the config file and a catalog to import. A
//! mistake in either must be answered with one line naming the setting,
//! whatever the file holds.

use std::path::Path;

use app::commands::catalog;
use booking_domain::Currency;

use super::{one_line, text};

/// A config file, checked as `booking run` reads it (without the
/// environment).
pub fn config_file(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Err(e) = app::config::check_file(Path::new("booking.toml"), text) {
        one_line("config file", &e.to_string());
    }
}

/// A catalog import file. An accepted one exports (as `booking catalog
/// export` writes it) to text that imports to the same catalog.
pub fn catalog_file(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let path = Path::new("catalog.toml");
    let Ok(currency) = Currency::new("RUB") else {
        unreachable!("a known currency")
    };
    match catalog::parse(path, text, currency) {
        Err(e) => one_line("catalog file", &e.to_string()),
        Ok(parsed) => {
            let exported = catalog::to_toml(&parsed)
                .unwrap_or_else(|e| panic!("an accepted catalog does not export: {e}"));
            let again = catalog::parse(path, &exported, currency)
                .unwrap_or_else(|e| panic!("the export does not import: {e}\n{exported}"));
            assert_eq!(again, parsed, "the export imports to another catalog");
        }
    }
}
