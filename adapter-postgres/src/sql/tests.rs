//! The tests of every statement in `sql.rs`: each prepares on the migrated
//! schema; no generic plan needs a sequential scan of a growing table (on an
//! empty schema with scans priced out, and with the statistics of a long
//! history); ordered reads follow an index; and (`tidy`) no call site takes
//! its SQL from anywhere else.

use sqlx::{Executor, SqlSafeStr};

use super::{
    BOOKINGS_STARTING_BETWEEN, CONFIRMED_BOOKINGS_ENDED_BY, DUE_NOTIFICATIONS,
    PENDING_BOOKINGS_CREATED_BY,
};
use crate::testing::PgTestDb;

/// Every statement, by name: `sql.rs`'s and its submodules'.
fn every_statement() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    super::ALL
        .iter()
        .chain(super::inbox::ALL)
        .chain(super::booking_reads::ALL)
}

/// Every statement parses and its tables and columns exist: the server
/// prepares each against the migrated schema.
#[tokio::test]
async fn every_statement_prepares_on_the_migrated_schema() {
    let db = PgTestDb::create().await;
    let store = db.open().await;
    let mut conn = db.raw_connection().await;
    let mut refused = Vec::new();
    for (name, sql) in every_statement() {
        // A head that `QueryBuilder` completes with its VALUES.
        if name.ends_with("_HEAD") {
            continue;
        }
        if let Err(e) = conn.prepare(sql.into_sql_str()).await {
            refused.push(format!(
                "{name}: {}",
                crate::failure::DriverFailure::new(&e)
            ));
        }
    }
    assert!(refused.is_empty(), "{refused:#?}");
    store.close().await;
}

/// The tables that grow with use: a full scan of one gets slower every
/// month. The catalog's tables stay small.
const GROWING: &[&str] = &[
    "bookings",
    "notifications",
    "customers",
    "conversations",
    "update_inbox",
    "chat_leases",
    "staff_access_failed_pins",
    "staff_access_sessions",
    "staff_access_refusals",
    "staff_invitations",
    "staff_accounts",
];

/// The text of the generic plan of `sql`: the one a prepared statement
/// switches to after five runs (with `force_generic_plan`, at once).
async fn generic_plan(conn: &mut sqlx::PgConnection, sql: &str) -> Vec<String> {
    use sqlx::AssertSqlSafe;

    sqlx::raw_sql(AssertSqlSafe(format!("PREPARE s AS {sql}")))
        .execute(&mut *conn)
        .await
        .unwrap();
    let parameters: i64 = sqlx::query_scalar(
        "SELECT coalesce(array_length(parameter_types, 1), 0)::bigint \
         FROM pg_prepared_statements WHERE name = 's'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    // Values do not shape a generic plan: NULL for each parameter.
    let arguments = if parameters == 0 {
        String::new()
    } else {
        format!(
            "({})",
            vec!["NULL"; usize::try_from(parameters).unwrap()].join(", ")
        )
    };
    let plan: Vec<String> =
        sqlx::query_scalar(AssertSqlSafe(format!("EXPLAIN EXECUTE s{arguments}")))
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    // Only ours: DEALLOCATE ALL would also drop sqlx's cached statements.
    sqlx::raw_sql("DEALLOCATE s")
        .execute(&mut *conn)
        .await
        .unwrap();
    plan
}

/// The growing tables the generic plan of `sql` scans sequentially; with
/// sequential scans priced out, any left means no index serves it.
async fn sequential_scans(conn: &mut sqlx::PgConnection, sql: &str) -> Vec<String> {
    let plan = generic_plan(conn, sql).await;
    plan.iter()
        .filter_map(|line| line.split("Seq Scan on ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter(|table| GROWING.contains(table))
        .map(str::to_owned)
        .collect()
}

async fn planning_connection(db: &PgTestDb) -> sqlx::PgConnection {
    let mut conn = db.raw_connection().await;
    sqlx::raw_sql("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off")
        .execute(&mut conn)
        .await
        .unwrap();
    conn
}

#[tokio::test]
async fn no_statement_scans_a_growing_table() {
    let db = PgTestDb::create().await;
    let store = db.open().await;
    let mut conn = planning_connection(&db).await;
    let mut scans = Vec::new();
    for (name, sql) in every_statement() {
        // A head `QueryBuilder` completes; SHOW cannot be prepared and
        // reads no table.
        if name.ends_with("_HEAD") || sql.starts_with("SHOW") {
            continue;
        }
        for table in sequential_scans(&mut conn, sql).await {
            scans.push(format!("{name} scans {table}"));
        }
    }
    assert!(scans.is_empty(), "{scans:#?}");
    store.close().await;
}

/// A long history: three years of a busy salon, as `ANALYZE` sees it. The
/// chat leases are those in flight and those instances that died after
/// draining a chat left behind (nothing takes those over).
const HISTORY: &str = "\
    INSERT INTO staff (id, name, active) SELECT g, 'Staff ' || g, true \
        FROM generate_series(1, 2) g; \
    INSERT INTO services (id, name, duration_min, price_minor, currency, \
        buffer_before_min, buffer_after_min, active) \
        SELECT g, 'Service ' || g, 60, 2500, 'EUR', 10, 5, true FROM generate_series(1, 8) g; \
    INSERT INTO customers (id, name, phone, telegram_user_id, consented_at_ms) \
        SELECT g, 'Customer ' || g, '+49151' || lpad(g::text, 8, '0'), 1000 + g, 0 \
        FROM generate_series(1, 3000) g; \
    INSERT INTO bookings (id, customer_id, service_id, staff_id, start_ms, end_ms, \
        buffer_before_min, buffer_after_min, status, cancelled_by, cancelled_at_ms, \
        closed_by, closed_at_ms, version, created_at_ms) \
        SELECT g, 1 + g % 3000, 1 + g % 8, 1 + g % 2, \
            1700000000000 + g * 4700000::bigint, 1700000000000 + g * 4700000::bigint + 3600000, \
            10, 5, \
            CASE WHEN g > 19900 THEN 'confirmed' WHEN g % 10 = 0 THEN 'cancelled' \
                 ELSE 'completed' END, \
            CASE WHEN g <= 19900 AND g % 10 = 0 THEN 'customer' END, \
            CASE WHEN g <= 19900 AND g % 10 = 0 THEN 1700000000000 END, \
            CASE WHEN g <= 19900 AND g % 10 <> 0 THEN 'system' END, \
            CASE WHEN g <= 19900 AND g % 10 <> 0 THEN 1700000000000 END, \
            1, 1700000000000 + g * 4700000::bigint - 86400000 \
        FROM generate_series(1, 20000) g; \
    INSERT INTO notifications (booking_id, recipient_kind, recipient_id, kind, before_min, \
        due_at_ms, state, settled_at_ms, attempts, next_attempt_at_ms) \
        SELECT g, 'customer', 1 + g % 3000, 'customer_reminder', 1440, \
            1700000000000 + g * 4700000::bigint - 86400000, \
            CASE WHEN g > 19900 THEN 'pending' ELSE 'sent' END, \
            CASE WHEN g > 19900 THEN NULL ELSE 1700000000000 END, 0, \
            1700000000000 + g * 4700000::bigint - 86400000 \
        FROM generate_series(1, 20000) g; \
    INSERT INTO update_inbox (bot, update_id, chat_id, raw, received_at_ms, finished_at_ms) \
        SELECT 'client', g, 1000 + g % 3000, CASE WHEN g > 49990 THEN '{}' ELSE '' END, g, \
            CASE WHEN g > 49990 THEN NULL ELSE g END \
        FROM generate_series(1, 50000) g; \
    INSERT INTO chat_leases (bot, chat_id, holder, until_ms) \
        SELECT 'client', 1000 + g, 'holder-' || g % 50, g FROM generate_series(1, 2000) g; \
    INSERT INTO conversations (bot, chat_id, state, expires_at_ms) \
        SELECT 'client', g, '{}', 1700000000000 + g FROM generate_series(1, 5000) g; \
    ANALYZE";

#[tokio::test]
async fn plans_stay_index_searches_with_statistics_of_a_long_history() {
    let db = PgTestDb::create().await;
    let store = db.open().await;
    let mut conn = db.raw_connection().await;
    sqlx::raw_sql(HISTORY).execute(&mut conn).await.unwrap();
    // Sequential scans allowed: the planner chooses with real sizes.
    sqlx::raw_sql("SET plan_cache_mode = force_generic_plan")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut scans = Vec::new();
    for (name, sql) in every_statement() {
        if name.ends_with("_HEAD") || sql.starts_with("SHOW") {
            continue;
        }
        // The staff access tables stay empty here, and an empty table
        // is rightly scanned; the test on the empty schema covers them.
        for table in sequential_scans(&mut conn, sql).await {
            if !table.starts_with("staff_") {
                scans.push(format!("{name} scans {table}"));
            }
        }
    }
    assert!(scans.is_empty(), "{scans:#?}");
    store.close().await;
}

/// Statements read in index order: the export streams the period, the
/// outbox and the lifecycle sweep take the first rows of a range.
#[tokio::test]
async fn ordered_reads_follow_an_index_without_sorting() {
    let db = PgTestDb::create().await;
    let store = db.open().await;
    let mut conn = db.raw_connection().await;
    sqlx::raw_sql(HISTORY).execute(&mut conn).await.unwrap();
    sqlx::raw_sql("SET plan_cache_mode = force_generic_plan")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut sorted = Vec::new();
    for (name, sql) in [
        ("BOOKINGS_STARTING_BETWEEN", BOOKINGS_STARTING_BETWEEN),
        ("DUE_NOTIFICATIONS", DUE_NOTIFICATIONS),
        ("PENDING_BOOKINGS_CREATED_BY", PENDING_BOOKINGS_CREATED_BY),
        ("CONFIRMED_BOOKINGS_ENDED_BY", CONFIRMED_BOOKINGS_ENDED_BY),
    ] {
        let plan = generic_plan(&mut conn, sql).await;
        if plan.iter().any(|line| line.contains("Sort")) {
            sorted.push(format!("{name}:\n{}", plan.join("\n")));
        }
    }
    assert!(sorted.is_empty(), "{}", sorted.join("\n\n"));
    store.close().await;
}

#[tokio::test]
async fn the_plan_check_catches_a_full_scan() {
    let db = PgTestDb::create().await;
    let store = db.open().await;
    let mut conn = planning_connection(&db).await;

    let scans = sequential_scans(&mut conn, "SELECT id FROM bookings WHERE comment = $1").await;

    assert_eq!(scans, ["bookings"]);
    store.close().await;
}
