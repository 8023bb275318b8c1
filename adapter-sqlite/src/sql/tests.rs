//! The query-plan and tidy tests of every statement in `sql.rs`: no full
//! scan of a growing table, index order where a read streams, and no SQL
//! passed from anywhere else.

use std::path::Path;

use sqlx::{AssertSqlSafe, SqliteConnection};

use super::ALL;
use crate::{SqliteSettings, SqliteStore};

/// Tables that grow with use: a statement that walks one of them whole
/// gets slower every day the business runs.
/// The staff access tables grow with every stranger who writes to the admin
/// bot, and with wrong PINs until they are purged; the update inbox with
/// every update either bot receives.
const GROWING_TABLES: &[&str] = &[
    "bookings",
    "notifications",
    "conversations",
    "staff_access_failed_pins",
    "staff_access_sessions",
    "staff_access_refusals",
    "update_inbox",
    "chat_leases",
];

/// The full scans of growing tables in a query plan, by the name or
/// alias the plan uses (`SCAN bookings`, `SCAN other USING INDEX ...`,
/// which walks a whole index).
async fn full_scans(conn: &mut SqliteConnection, statement: &str) -> Vec<String> {
    let plan: Vec<(i64, i64, i64, String)> =
        sqlx::query_as(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {statement}")))
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("cannot plan {statement}: {e}"));
    let mut scanned_names: Vec<String> = GROWING_TABLES.iter().map(|t| (*t).to_owned()).collect();
    for table in GROWING_TABLES {
        for pattern in [format!("{table} AS "), format!("{table} as ")] {
            for (at, _) in statement.match_indices(&pattern) {
                let alias: String = statement[at + pattern.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                scanned_names.push(alias);
            }
        }
    }
    plan.into_iter()
        .map(|(_, _, _, detail)| detail)
        .filter(|detail| {
            detail
                .strip_prefix("SCAN ")
                .and_then(|rest| rest.split_whitespace().next())
                .is_some_and(|name| scanned_names.iter().any(|n| n == name))
        })
        .collect()
}

/// The searches inside the schema's triggers, with `NEW.column` replaced
/// by parameters, so their plans can be checked like any statement. The
/// triggers that search nothing (the catalog revision's, which update a
/// table of one row) have none.
async fn trigger_searches(conn: &mut SqliteConnection) -> Vec<(String, String)> {
    let triggers: Vec<(String, String)> =
        sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert!(!triggers.is_empty(), "the schema has overlap triggers");
    triggers
        .into_iter()
        .filter_map(|(name, sql)| {
            let open = sql.find("EXISTS (")? + "EXISTS (".len();
            let mut depth = 1;
            let close = sql[open..]
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map(|(i, _)| open + i)
                .expect("a closed EXISTS");
            let mut search = String::new();
            let mut rest = &sql[open..close];
            while let Some(at) = rest.find("NEW.") {
                search.push_str(&rest[..at]);
                search.push('?');
                rest = rest[at + 4..].trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
            }
            search.push_str(rest);
            Some((format!("trigger {name}"), search))
        })
        .collect()
}

async fn open_store(dir: &Path) -> SqliteStore {
    SqliteStore::open(&SqliteSettings::new(dir.join("plans.db")))
        .await
        .unwrap()
}

/// Every statement and trigger search, by name, ready to plan.
async fn every_statement(conn: &mut SqliteConnection) -> Vec<(String, String)> {
    let mut statements: Vec<(String, String)> = ALL
        .iter()
        .map(|(name, sql)| ((*name).to_owned(), (*sql).to_owned()))
        .collect();
    for (name, sql) in &mut statements {
        if name == "INSERT_NOTIFICATIONS_HEAD" {
            sql.push_str("VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        }
    }
    statements.extend(trigger_searches(conn).await);
    statements
}

/// The statements of `statements` that scan a growing table, with the
/// scans, one line each.
async fn statements_with_full_scans(
    conn: &mut SqliteConnection,
    statements: &[(String, String)],
) -> Vec<String> {
    let mut failures = Vec::new();
    for (name, sql) in statements {
        let scans = full_scans(conn, sql).await;
        if !scans.is_empty() {
            failures.push(format!("{name}: {}", scans.join(", ")));
        }
    }
    failures
}

#[tokio::test]
async fn no_statement_scans_a_growing_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let mut conn = store.pool.acquire().await.unwrap();
    let statements = every_statement(&mut conn).await;

    let failures = statements_with_full_scans(&mut conn, &statements).await;

    assert!(failures.is_empty(), "full scans:\n{}", failures.join("\n"));
    assert!(statements.len() > 50, "every statement was checked");
}

/// Without statistics SQLite plans the same whatever a table holds, so
/// the test above covers a database of any size. With statistics
/// (`ANALYZE`, or the `PRAGMA optimize` SQLite recommends) plans follow
/// the data: this checks them on years of bookings, and that the period
/// reads stay range searches on their index.
#[tokio::test]
async fn plans_stay_range_searches_with_statistics_of_a_long_history() {
    // Arrange: 20,000 bookings over about three years, statistics.
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let mut conn = store.pool.acquire().await.unwrap();
    for setup in [
        "INSERT INTO staff (id, name, active) VALUES (1, 'A', 1), (2, 'B', 1)",
        // Several services, as in any salon: with a single one, every
        // booking shares its service id and the statistics make a lookup
        // by service indistinguishable from a scan (SQLite 3.46, which
        // test builds link, then plans it as one).
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8) \
         INSERT INTO services (id, name, duration_min, price_minor, currency, \
         buffer_before_min, buffer_after_min, active) \
         SELECT i, 'S' || i, 60, 100, 'EUR', 0, 0, 1 FROM n",
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999) \
         INSERT INTO bookings (customer_id, service_id, staff_id, start_ms, end_ms, \
           buffer_before_min, buffer_after_min, status, version, created_at_ms) \
         SELECT 1 + i % 3000, 1 + i % 8, 1 + i % 2, 1893456000000 + (i / 2) * 10800000, \
           1893456000000 + (i / 2) * 10800000 + 3600000, 0, 0, \
           CASE WHEN i > 19900 THEN 'confirmed' ELSE 'completed' END, 1, 0 FROM n",
        "ANALYZE",
    ] {
        sqlx::query(AssertSqlSafe(setup))
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let statements = every_statement(&mut conn).await;

    // Act
    let failures = statements_with_full_scans(&mut conn, &statements).await;
    let mut period_plans = Vec::new();
    for statement in [
        super::BOOKINGS_OVERLAPPING,
        super::BOOKINGS_OF_STAFF_OVERLAPPING,
        super::OCCUPANCY_OVERLAPPING,
    ] {
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {statement}")))
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        // How the table is read; a sort of the bounded range may follow.
        period_plans.push(
            plan.into_iter()
                .map(|(_, _, _, detail)| detail)
                .filter(|detail| detail.contains(" bookings "))
                .collect::<Vec<_>>(),
        );
    }

    // Assert
    assert!(failures.is_empty(), "full scans:\n{}", failures.join("\n"));
    assert_eq!(
        period_plans,
        [
            ["SEARCH bookings USING INDEX bookings_by_start (start_ms>? AND start_ms<?)"],
            ["SEARCH bookings USING INDEX bookings_by_staff_occupied \
                 (staff_id=? AND occupied_start_ms>? AND occupied_start_ms<?)"],
            ["SEARCH bookings USING INDEX bookings_by_start (start_ms>? AND start_ms<?)"]
        ]
    );
}

/// The triggers and the adapter's range queries rely on one bound on the
/// length of an occupied interval; the schema spells it as a literal.
#[tokio::test]
async fn the_triggers_use_the_adapters_bound_on_occupied_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let mut conn = store.pool.acquire().await.unwrap();
    for (name, search) in trigger_searches(&mut conn).await {
        assert!(
            search.contains(&crate::bookings::MAX_OCCUPIED_MS.to_string()),
            "{name} does not bound its search by MAX_OCCUPIED_MS"
        );
    }
}

/// Statements whose rows are streamed or polled in index order: a sort
/// would make SQLite read every matching row before yielding the first.
#[tokio::test]
async fn streamed_statements_read_in_index_order_without_sorting() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let mut conn = store.pool.acquire().await.unwrap();
    for statement in [super::BOOKINGS_STARTING_BETWEEN, super::DUE_NOTIFICATIONS] {
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {statement}")))
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        assert!(
            plan.iter()
                .all(|(_, _, _, detail)| !detail.contains("TEMP B-TREE")),
            "{statement} sorts: {plan:?}"
        );
    }
}

/// The backlog is read at every metrics scrape: from its partial index
/// alone, never from the table's history.
#[tokio::test]
async fn the_outbox_backlog_reads_its_index_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let mut conn = store.pool.acquire().await.unwrap();
    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(AssertSqlSafe(format!(
        "EXPLAIN QUERY PLAN {}",
        super::OUTBOX_BACKLOG
    )))
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let details: Vec<_> = plan.into_iter().map(|(_, _, _, detail)| detail).collect();
    assert_eq!(
        details,
        ["SEARCH notifications USING COVERING INDEX notifications_pending_by_due (due_at_ms<?)"]
    );
}

/// The lifecycle sweep runs every minute: each of its reads is a range of
/// its partial index, read in the index's order (no sort of the matches).
#[tokio::test]
async fn the_lifecycle_sweep_reads_ranges_of_its_partial_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let mut conn = store.pool.acquire().await.unwrap();
    for (statement, index) in [
        (
            super::PENDING_BOOKINGS_CREATED_BY,
            "bookings_pending_by_created (created_at_ms<?)",
        ),
        (
            super::CONFIRMED_BOOKINGS_ENDED_BY,
            "bookings_confirmed_by_end (end_ms<?)",
        ),
    ] {
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {statement}")))
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        let details: Vec<_> = plan.into_iter().map(|(_, _, _, detail)| detail).collect();
        assert_eq!(
            details,
            [format!("SEARCH bookings USING INDEX {index}")],
            "{statement}"
        );
    }
}

#[tokio::test]
async fn the_plan_check_catches_a_full_scan() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let mut conn = store.pool.acquire().await.unwrap();
    assert_eq!(
        full_scans(&mut conn, "SELECT id FROM bookings WHERE comment = ?").await,
        ["SCAN bookings"]
    );
    assert!(
        !full_scans(&mut conn, "SELECT 1 FROM bookings AS b WHERE b.version = 3")
            .await
            .is_empty()
    );
    assert!(full_scans(&mut conn, super::BOOKING_BY_ID).await.is_empty());
}

/// Every statement comes from this module, so the plan test sees it.
#[test]
fn every_call_site_takes_its_sql_from_this_module() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        // `sql/` holds these tests, which may run any SQL.
        if path.is_dir() {
            continue;
        }
        // This module, and test-only code, which may run any SQL.
        if path
            .file_name()
            .is_some_and(|n| n == "sql.rs" || n == "migration_tests.rs")
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        for call in ["sqlx::query", "QueryBuilder::<Sqlite>::new"] {
            for (at, _) in text.match_indices(call) {
                let after = &text[at + call.len()..];
                // `sqlx::query`, `sqlx::query_as::<_, Row>`, ... then `(`.
                let Some(open) = after.find('(') else {
                    continue;
                };
                let head = &after[..open];
                if head.contains([';', '{', '\n']) {
                    continue; // a path in a `use` or a type, not a call
                }
                let argument = after[open + 1..].trim_start();
                // Statements built from the schema's names (`transfer`).
                if !argument.starts_with("sql::") && !argument.starts_with("AssertSqlSafe(sql::") {
                    let line = text[..at].lines().count() + 1;
                    offenders.push(format!("{}:{line}", path.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "SQL outside sql.rs at {offenders:?}");
}
