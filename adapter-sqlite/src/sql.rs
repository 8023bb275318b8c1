//! Every SQL statement the adapter runs, in one place.
//!
//! Statements are declared through [`statements!`], which also lists them in
//! `ALL` for the tests: `EXPLAIN QUERY PLAN` runs on each and fails on a
//! full scan of `bookings`, and a tidy test fails when a call site passes SQL
//! that is not from this module. So a new query cannot skip the plan check.
//!
//! Parameters are `?` (bound in order) or `?N` (bound by number, for a value
//! used twice); a statement never mixes the two.

/// Declares statements as `pub(crate) const`s and lists them in `ALL`.
macro_rules! statements {
    ($( $(#[$doc:meta])* $name:ident = $sql:expr; )*) => {
        $( $(#[$doc])* pub(crate) const $name: &str = $sql; )*

        /// Every statement, by name, for the plan and tidy tests.
        #[cfg(test)]
        pub(crate) const ALL: &[(&str, &str)] = &[ $( (stringify!($name), $name) ),* ];
    };
}

/// The stored columns of a booking, in `BookingRow`'s order. The generated
/// `occupied_*` columns are derived, not data, and left out.
macro_rules! booking_columns {
    () => {
        "id, customer_id, service_id, staff_id, start_ms, end_ms, buffer_before_min, \
         buffer_after_min, comment, status, cancelled_by, cancelled_by_staff_id, cancel_reason, \
         cancelled_at_ms, rescheduled_to_id, rescheduled_from_id, attendance_confirmed_at_ms, \
         version, created_at_ms"
    };
}

macro_rules! select_bookings {
    ($rest:literal) => {
        concat!("SELECT ", booking_columns!(), " FROM bookings ", $rest)
    };
}

macro_rules! notification_columns {
    () => {
        "id, booking_id, recipient_kind, recipient_id, kind, awaiting_confirmation, before_min, \
         due_at_ms, state, settled_at_ms, failure_reason, attempts, next_attempt_at_ms"
    };
}

statements! {
    // ----- Opening and maintenance -------------------------------------

    MIGRATIONS_TABLE_EXISTS =
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'";
    APPLIED_MIGRATIONS =
        "SELECT version, checksum FROM _sqlx_migrations WHERE success = 1";
    /// At most 20 problems: enough to judge a file, short enough to report.
    INTEGRITY_CHECK = "PRAGMA integrity_check(20)";
    FOREIGN_KEY_PROBLEMS =
        "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check LIMIT 20";
    /// The schema's own objects (tables, indexes, triggers, views), for
    /// comparing a restored file with the schema this release creates.
    SCHEMA_OBJECTS = "SELECT type, name, sql FROM sqlite_schema \
                      WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name";
    VACUUM_INTO = "VACUUM INTO ?";
    /// Returns the journal mode in effect afterwards.
    ENABLE_WAL = "PRAGMA journal_mode = WAL";
    /// The cheapest statement that still reads the file (its schema), for
    /// readiness checks.
    PING = "SELECT count(*) FROM sqlite_master";

    // ----- Catalog --------------------------------------------------------

    CATALOG_IS_EMPTY =
        "SELECT NOT EXISTS (SELECT 1 FROM staff) AND NOT EXISTS (SELECT 1 FROM services)";
    /// `id` NULL lets SQLite assign a fresh one (imports pass theirs).
    INSERT_SERVICE =
        "INSERT INTO services (id, name, duration_min, price_minor, currency, buffer_before_min, \
         buffer_after_min, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
    UPDATE_SERVICE =
        "UPDATE services SET name = ?, duration_min = ?, price_minor = ?, currency = ?, \
         buffer_before_min = ?, buffer_after_min = ?, active = ? WHERE id = ?";
    SERVICE_BY_ID =
        "SELECT id, name, duration_min, price_minor, currency, buffer_before_min, \
         buffer_after_min, active FROM services WHERE id = ?";
    /// Every service, by id, with its performers' ids as one
    /// comma-separated list (NULL when nobody performs it): one statement,
    /// so one snapshot, and one row per service, because sqlx hands each row
    /// over from its worker thread separately.
    SERVICES_WITH_PERFORMERS =
        "SELECT s.id, s.name, s.duration_min, s.price_minor, s.currency, s.buffer_before_min, \
         s.buffer_after_min, s.active, \
         (SELECT group_concat(p.staff_id) FROM service_performers AS p \
          WHERE p.service_id = s.id) AS performer_ids \
         FROM services AS s ORDER BY s.id";
    INSERT_PERFORMER =
        "INSERT OR IGNORE INTO service_performers (service_id, staff_id) VALUES (?, ?)";
    DELETE_PERFORMERS = "DELETE FROM service_performers WHERE service_id = ?";
    PERFORMERS_OF_SERVICE =
        "SELECT staff_id FROM service_performers WHERE service_id = ? ORDER BY staff_id";

    INSERT_STAFF = "INSERT INTO staff (id, name, active) VALUES (?, ?, ?) RETURNING id";
    UPDATE_STAFF = "UPDATE staff SET name = ?, active = ? WHERE id = ?";
    STAFF_BY_ID = "SELECT id, name, active FROM staff WHERE id = ?";
    /// Every staff member, by id, with their weekly hours as one
    /// comma-separated list of `weekday:start-end` periods (NULL without
    /// any; `WeeklyHours` sorts them): one statement and one row per staff
    /// member, as above.
    STAFF_WITH_HOURS =
        "SELECT s.id, s.name, s.active, \
         (SELECT group_concat(h.weekday || ':' || h.start_minute || '-' || h.end_minute) \
          FROM staff_hours AS h WHERE h.staff_id = s.id) AS hours \
         FROM staff AS s ORDER BY s.id";
    INSERT_HOURS =
        "INSERT INTO staff_hours (staff_id, weekday, start_minute, end_minute) VALUES (?, ?, ?, ?)";
    DELETE_HOURS = "DELETE FROM staff_hours WHERE staff_id = ?";
    HOURS_OF_STAFF =
        "SELECT staff_id, weekday, start_minute, end_minute FROM staff_hours \
         WHERE staff_id = ? ORDER BY weekday, start_minute";

    /// The business-wide override's key is spelled 0 (see the schema).
    DELETE_DATE_OVERRIDE = "DELETE FROM date_overrides WHERE date = ? AND ifnull(staff_id, 0) = ?";
    INSERT_DATE_OVERRIDE =
        "INSERT INTO date_overrides (date, staff_id, closed) VALUES (?, ?, ?) RETURNING id";
    INSERT_OVERRIDE_PERIOD =
        "INSERT INTO date_override_periods (override_id, start_minute, end_minute) \
         VALUES (?, ?, ?)";
    DATE_OVERRIDES_BETWEEN =
        "SELECT o.id, o.date, o.staff_id, o.closed, p.start_minute, p.end_minute \
         FROM date_overrides AS o \
         LEFT JOIN date_override_periods AS p ON p.override_id = o.id \
         WHERE o.date BETWEEN ? AND ? \
         ORDER BY o.date, ifnull(o.staff_id, 0), o.id, p.start_minute";

    INSERT_TIME_OFF =
        "INSERT INTO time_off (id, staff_id, start_ms, end_ms, reason) VALUES (?, ?, ?, ?, ?) \
         RETURNING id";
    /// `?3` is the longest block the schema admits, which turns "overlaps
    /// `[?1, ?2)`" into a range on `start_ms`.
    TIME_OFF_OVERLAPPING =
        "SELECT id, staff_id, start_ms, end_ms, reason FROM time_off \
         WHERE start_ms > ?1 - ?3 AND start_ms < ?2 AND end_ms > ?1 \
         ORDER BY start_ms, id";
    DELETE_TIME_OFF = "DELETE FROM time_off WHERE id = ?";

    // ----- Bookings -------------------------------------------------------

    /// Inserts a booking if its customer holds fewer than `?14` active
    /// bookings ending after `?13`: the SELECT yields no row otherwise, and
    /// RETURNING then returns none. A booking ending after `?13` started less
    /// than a day before it (a booking lasts at most a day), which bounds the
    /// index search. The overlap trigger may refuse the row.
    INSERT_BOOKING_UNDER_LIMIT = concat!(
        "INSERT INTO bookings (", booking_columns!(), ") \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, NULL, NULL, NULL, NULL, ?11, \
                NULL, 1, ?12 \
         WHERE (SELECT count(*) FROM bookings \
                WHERE customer_id = ?2 AND status IN ('pending', 'confirmed') \
                  AND end_ms > ?13 AND start_ms > ?13 - 86400000) < ?14 \
         RETURNING id"
    );
    BOOKING_BY_ID = select_bookings!("WHERE id = ?");
    /// The version check and the write in one statement: the row changes
    /// only while it is at version `?`, and the new version is computed from
    /// the stored one.
    UPDATE_BOOKING_IF_VERSION = concat!(
        "UPDATE bookings SET customer_id = ?, comment = ?, status = ?, cancelled_by = ?, \
         cancelled_by_staff_id = ?, cancel_reason = ?, cancelled_at_ms = ?, \
         rescheduled_to_id = ?, attendance_confirmed_at_ms = ?, version = version + 1 \
         WHERE id = ? AND version = ? RETURNING ",
        booking_columns!()
    );
    /// The id the next booking gets: SQLite keeps `seq` at the largest id
    /// ever used in an AUTOINCREMENT table.
    NEXT_BOOKING_ID =
        "SELECT ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'bookings'), 0) + 1";
    CLOSE_BOOKING_AS_RESCHEDULED = concat!(
        "UPDATE bookings SET status = 'rescheduled', rescheduled_to_id = ?, \
         version = version + 1 \
         WHERE id = ? AND version = ? AND status IN ('pending', 'confirmed') RETURNING ",
        booking_columns!()
    );
    UPCOMING_BOOKINGS_OF_CUSTOMER = select_bookings!(
        "WHERE customer_id = ?1 AND status IN ('pending', 'confirmed') \
           AND end_ms > ?2 AND start_ms > ?2 - 86400000 \
         ORDER BY start_ms, id"
    );
    BOOKINGS_OF_CUSTOMER = select_bookings!("WHERE customer_id = ? ORDER BY start_ms, id");
    /// Overlapping `[?1, ?2)`, of staff member `?3`; `?4` true for every
    /// status; `?5` the longest occupied interval, which bounds the range on
    /// the index's second column.
    BOOKINGS_OF_STAFF_OVERLAPPING = select_bookings!(
        "WHERE staff_id = ?3 \
           AND occupied_start_ms > ?1 - ?5 AND occupied_start_ms < ?2 \
           AND occupied_end_ms > ?1 \
           AND (?4 OR status IN ('pending', 'confirmed')) \
         ORDER BY start_ms, id"
    );
    /// As above for every staff member, on the start index: an occupied
    /// interval overlapping `[?1, ?2)` belongs to a visit starting within
    /// `(?1 - 2 days, ?2 + 1 day)` (a one-day buffer before, a one-day visit
    /// and a one-day buffer after at most). `?3` is unused.
    BOOKINGS_OVERLAPPING = select_bookings!(
        "WHERE start_ms > ?1 - ?5 + 86400000 AND start_ms < ?2 + 86400000 \
           AND occupied_start_ms < ?2 AND occupied_end_ms > ?1 \
           AND (?4 OR status IN ('pending', 'confirmed')) \
         ORDER BY start_ms, id"
    );
    /// The start index yields rows in `(start_ms, id)` order, so the export
    /// streams without sorting the period first.
    BOOKINGS_STARTING_BETWEEN =
        select_bookings!("WHERE start_ms >= ? AND start_ms < ? ORDER BY start_ms, id");
    /// `?1` is a JSON array of customer ids: one parameter however many.
    CUSTOMERS_WITH_BOOKINGS_BEFORE =
        "SELECT DISTINCT candidate.value FROM json_each(?1) AS candidate \
         WHERE EXISTS (SELECT 1 FROM bookings \
                       WHERE customer_id = candidate.value AND start_ms < ?2) \
         ORDER BY candidate.value";

    // ----- Customers ------------------------------------------------------

    CUSTOMER_BY_ID =
        "SELECT id, name, phone, language, consented_at_ms FROM customers WHERE id = ?";
    UPSERT_CUSTOMER =
        "INSERT INTO customers (id, name, phone, language, consented_at_ms) \
         VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, phone = excluded.phone, \
           language = excluded.language, consented_at_ms = excluded.consented_at_ms";
    DELETE_CUSTOMER = "DELETE FROM customers WHERE id = ?";
    /// What `Booking::anonymised` does, for every booking at once.
    ANONYMISE_BOOKINGS_OF_CUSTOMER =
        "UPDATE bookings SET customer_id = NULL, comment = NULL, version = version + 1 \
         WHERE customer_id = ?";
    DELETE_NOTIFICATIONS_TO_CUSTOMER =
        "DELETE FROM notifications WHERE recipient_kind = 'customer' AND recipient_id = ?";

    // ----- Conversations --------------------------------------------------

    /// An expired state reads as absent even before the purge removes it.
    LIVE_CONVERSATION =
        "SELECT state FROM conversations WHERE bot = ? AND chat_id = ? AND expires_at_ms > ?";
    UPSERT_CONVERSATION =
        "INSERT INTO conversations (bot, chat_id, state, expires_at_ms) VALUES (?, ?, ?, ?) \
         ON CONFLICT (bot, chat_id) DO UPDATE \
         SET state = excluded.state, expires_at_ms = excluded.expires_at_ms";
    DELETE_CONVERSATION = "DELETE FROM conversations WHERE bot = ? AND chat_id = ?";
    PURGE_EXPIRED_CONVERSATIONS = "DELETE FROM conversations WHERE expires_at_ms <= ?";

    // ----- Notification outbox -------------------------------------------

    /// The head of a multi-row insert; `QueryBuilder` appends the VALUES.
    INSERT_NOTIFICATIONS_HEAD =
        "INSERT INTO notifications (booking_id, recipient_kind, recipient_id, kind, \
         awaiting_confirmation, before_min, due_at_ms, state, attempts, next_attempt_at_ms) ";
    /// Notices about a change stay when its booking changes again; only
    /// reminders are withdrawn.
    WITHDRAW_PENDING_REMINDERS =
        "UPDATE notifications SET state = 'withdrawn' \
         WHERE booking_id = ? AND state = 'pending' \
           AND kind IN ('customer_reminder', 'staff_reminder')";
    NOTIFICATION_BY_ID =
        concat!("SELECT ", notification_columns!(), " FROM notifications WHERE id = ?");
    DUE_NOTIFICATIONS = concat!(
        "SELECT ", notification_columns!(),
        " FROM notifications WHERE state = 'pending' AND next_attempt_at_ms <= ? \
          ORDER BY next_attempt_at_ms, id LIMIT ?"
    );
    /// The backlog for monitoring: late pending notifications, retries
    /// included, and the earliest due time among them.
    OUTBOX_BACKLOG =
        "SELECT COUNT(*), MIN(due_at_ms) FROM notifications \
         WHERE state = 'pending' AND due_at_ms <= ?";
    NOTIFICATIONS_OF_BOOKING = concat!(
        "SELECT ", notification_columns!(), " FROM notifications WHERE booking_id = ? ORDER BY id"
    );
    MARK_SENT =
        "UPDATE notifications SET state = 'sent', settled_at_ms = ?, attempts = attempts + 1 \
         WHERE id = ? AND state = 'pending'";
    RETRY_LATER =
        "UPDATE notifications SET next_attempt_at_ms = ?, attempts = attempts + 1 \
         WHERE id = ? AND state = 'pending'";
    MARK_FAILED =
        "UPDATE notifications SET state = 'failed', settled_at_ms = ?, failure_reason = ?, \
         attempts = attempts + 1 WHERE id = ? AND state = 'pending'";
    /// Withdrawing is not a delivery attempt, so `attempts` stays.
    WITHDRAW_NOTIFICATION =
        "UPDATE notifications SET state = 'withdrawn' WHERE id = ? AND state = 'pending'";
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use sqlx::{AssertSqlSafe, SqliteConnection};

    use super::ALL;
    use crate::{SqliteSettings, SqliteStore};

    /// Tables that grow with use: a statement that walks one of them whole
    /// gets slower every day the business runs.
    const GROWING_TABLES: &[&str] = &["bookings", "notifications", "conversations"];

    /// The full scans of growing tables in a query plan, by the name or
    /// alias the plan uses (`SCAN bookings`, `SCAN other USING INDEX ...`,
    /// which walks a whole index).
    async fn full_scans(conn: &mut SqliteConnection, statement: &str) -> Vec<String> {
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {statement}")))
                .fetch_all(&mut *conn)
                .await
                .unwrap_or_else(|e| panic!("cannot plan {statement}: {e}"));
        let mut scanned_names: Vec<String> =
            GROWING_TABLES.iter().map(|t| (*t).to_owned()).collect();
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
    /// by parameters, so their plans can be checked like any statement.
    async fn trigger_searches(conn: &mut SqliteConnection) -> Vec<(String, String)> {
        let triggers: Vec<(String, String)> =
            sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        assert!(!triggers.is_empty(), "the schema has overlap triggers");
        triggers
            .into_iter()
            .map(|(name, sql)| {
                let open = sql.find("EXISTS (").expect("an EXISTS search") + "EXISTS (".len();
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
                    rest = rest[at + 4..]
                        .trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
                }
                search.push_str(rest);
                (format!("trigger {name}"), search)
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
                     (staff_id=? AND occupied_start_ms>? AND occupied_start_ms<?)"]
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
            [
                "SEARCH notifications USING COVERING INDEX notifications_pending_by_due (due_at_ms<?)"
            ]
        );
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
                    if !argument.starts_with("sql::") {
                        let line = text[..at].lines().count() + 1;
                        offenders.push(format!("{}:{line}", path.display()));
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "SQL outside sql.rs at {offenders:?}");
    }
}
