//! Conversions between column values and domain values: the shared ones
//! are `booking_ports::stored::convert`; SQLite's booleans are its own.

use booking_ports::StoreError;
pub(crate) use booking_ports::stored::convert::*;

/// A stored boolean: SQLite has none, the schema checks for 0 or 1.
pub(crate) fn flag(record: Record, value: i64) -> Result<bool, StoreError> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(record.corrupt(format!("{other} is not a boolean"))),
    }
}
