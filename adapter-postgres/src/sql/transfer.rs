//! The statements of copying a store in or out (`transfer`), built from a
//! table's name and columns: those come from
//! `booking_ports::stored::transfer::TABLES` and the schema, never from
//! input, so they are spliced in as text.

/// Every row of `table` in `order`, each column as `transfer`'s canonical
/// text (booleans as `0`/`1`). The names come from
/// `booking_ports::stored::transfer::TABLES` and the schema, never from
/// input.
pub(crate) fn dump_table(table: &str, columns: &[(String, String)], order: &str) -> String {
    // Aliased: an output column named like the key (`id::text` is named
    // `id`) would make `ORDER BY id` sort the text.
    let cells: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (column, kind))| match kind.as_str() {
            "boolean" => format!("({column})::int::text AS cell_{i}"),
            _ => format!("({column})::text AS cell_{i}"),
        })
        .collect();
    format!("SELECT {} FROM {table} ORDER BY {order}", cells.join(", "))
}

/// Whether `table` has a row.
pub(crate) fn has_rows(table: &str) -> String {
    format!("SELECT EXISTS (SELECT 1 FROM {table})")
}

/// The highest `id` of `table`, 0 when empty.
pub(crate) fn max_id(table: &str) -> String {
    format!("SELECT coalesce(max(id), 0)::bigint FROM {table}")
}

/// Inserts one row of canonical text cells into `table`, each cast to its
/// column's type.
pub(crate) fn load_row(table: &str, columns: &[(String, String)]) -> String {
    let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
    let values: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| format!("${}::text::{kind}", i + 1))
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        values.join(", ")
    )
}
