//! A store's tables as plain text cells, for `booking migrate-store`, which
//! copies a business from one store to another (SQLite to PostgreSQL).
//! Both SQL stores have the same tables with the same columns (instants are
//! Unix milliseconds in both), so a table travels as its column names and
//! rows of canonical cells: integers in decimal, booleans as `0` or `1`,
//! dates as `YYYY-MM-DD`, text as it is, `None` for NULL. Each adapter
//! writes its cells in that form when it dumps, so the same data gives the
//! same cells from either store, which is what the copy is verified by.

/// The tables a business lives in, in load order (every table after those
/// it references), each with the columns that order its rows.
pub const TABLES: &[(&str, &str)] = &[
    ("staff", "id"),
    ("services", "id"),
    ("service_performers", "service_id, staff_id"),
    ("staff_hours", "staff_id, weekday, start_minute"),
    ("date_overrides", "id"),
    ("date_override_periods", "override_id, start_minute"),
    ("time_off", "id"),
    ("customers", "id"),
    ("bookings", "id"),
    ("notifications", "id"),
    ("conversations", "bot, chat_id"),
    ("policy_overrides", "field"),
    ("staff_access_sessions", "user_id"),
    ("staff_access_refusals", "user_id"),
    (
        "staff_access_failed_pins",
        "user_id, failed_at_ms, forget_at_ms",
    ),
    ("staff_accounts", "user_id"),
    ("staff_invitations", "code_hash"),
    ("update_inbox", "bot, update_id"),
];

/// One table: its stored columns (generated ones left out) and its rows in
/// key order, as canonical cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDump {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// Every table of [`TABLES`], and the id counters: the highest id each
/// table ever handed out (SQLite's `sqlite_sequence`), which may exceed
/// the highest id left (an erased customer's), so the target never hands
/// an id out again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoreDump {
    pub tables: Vec<TableDump>,
    pub counters: Vec<(String, i64)>,
}
