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
         version, created_at_ms, booked_name, booked_phone, price_minor, currency, created_by, \
         confirmed_by, confirmed_at_ms, closed_by, closed_at_ms"
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
         due_at_ms, state, settled_at_ms, failure_reason, attempts, next_attempt_at_ms, claims, \
         claimed_until_ms"
    };
}

statements! {
    // ----- Copying the store (`transfer`) ------------------------------

    /// A table's stored columns in order, generated ones left out.
    TABLE_COLUMNS = "SELECT name FROM pragma_table_xinfo(?1) WHERE hidden = 0 ORDER BY cid";
    /// The highest id each AUTOINCREMENT table ever handed out.
    ID_COUNTERS = "SELECT name, seq FROM sqlite_sequence ORDER BY name";

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
    /// Changed by triggers with every change to services and staff (level 15).
    CATALOG_REVISION = "SELECT revision FROM catalog_revision WHERE only_row = 1";
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
    POLICY_OVERRIDES = "SELECT field, value FROM policy_overrides ORDER BY field";
    UPSERT_POLICY_OVERRIDE = "INSERT INTO policy_overrides (field, value) VALUES (?, ?) \
                              ON CONFLICT (field) DO UPDATE SET value = excluded.value";
    DELETE_POLICY_OVERRIDES = "DELETE FROM policy_overrides";

    // ----- Bookings -------------------------------------------------------

    /// `?15` to `?18` are who it is for and its price, `?19` who made it.
    /// Inserts a booking if its customer holds fewer than `?14` active
    /// bookings ending after `?13`: the SELECT yields no row otherwise, and
    /// RETURNING then returns none. A booking ending after `?13` started less
    /// than a day before it (a booking lasts at most a day), which bounds the
    /// index search. The overlap trigger may refuse the row.
    INSERT_BOOKING_UNDER_LIMIT = concat!(
        "INSERT INTO bookings (", booking_columns!(), ") \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, NULL, NULL, NULL, NULL, ?11, \
                NULL, 1, ?12, ?15, ?16, ?17, ?18, ?19, NULL, NULL, NULL, NULL \
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
         rescheduled_to_id = ?, attendance_confirmed_at_ms = ?, booked_name = ?, \
         booked_phone = ?, confirmed_by = ?, confirmed_at_ms = ?, closed_by = ?, \
         closed_at_ms = ?, version = version + 1 \
         WHERE id = ? AND version = ? RETURNING ",
        booking_columns!()
    );
    /// The id the next booking gets: SQLite keeps `seq` at the largest id
    /// ever used in an AUTOINCREMENT table.
    NEXT_BOOKING_ID =
        "SELECT ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'bookings'), 0) + 1";
    CLOSE_BOOKING_AS_RESCHEDULED = concat!(
        "UPDATE bookings SET status = 'rescheduled', rescheduled_to_id = ?, closed_by = ?, \
         closed_at_ms = ?, version = version + 1 \
         WHERE id = ? AND version = ? AND status IN ('pending', 'confirmed') RETURNING ",
        booking_columns!()
    );
    UPCOMING_BOOKINGS_OF_CUSTOMER = select_bookings!(
        "WHERE customer_id = ?1 AND status IN ('pending', 'confirmed') \
           AND end_ms > ?2 AND start_ms > ?2 - 86400000 \
         ORDER BY start_ms, id"
    );
    BOOKINGS_OF_CUSTOMER = select_bookings!("WHERE customer_id = ? ORDER BY start_ms, id");
    /// What the daily limits count: customer `?1`'s bookings made after
    /// `?2`, and those they cancelled after `?2`.
    CUSTOMER_CHURN_SINCE = "SELECT COUNT(*) FILTER (WHERE created_at_ms > ?2), \
           COUNT(*) FILTER (WHERE status = 'cancelled' AND cancelled_by = 'customer' \
             AND cancelled_at_ms > ?2) \
         FROM bookings \
         WHERE customer_id = ?1 AND (created_at_ms > ?2 OR cancelled_at_ms > ?2)";
    /// `UPCOMING_BOOKINGS_OF_CUSTOMER` at `?2` and `CUSTOMER_CHURN_SINCE`
    /// `?3` in one read: the two counts on every row, beside one upcoming
    /// booking each, or beside NULLs on the one row of a customer with
    /// nothing upcoming.
    CUSTOMER_STANDING = concat!(
        "SELECT churn.made, churn.cancelled, ",
        booking_columns!(),
        " FROM (SELECT COUNT(*) FILTER (WHERE created_at_ms > ?3) AS made, \
           COUNT(*) FILTER (WHERE status = 'cancelled' AND cancelled_by = 'customer' \
             AND cancelled_at_ms > ?3) AS cancelled \
           FROM bookings \
           WHERE customer_id = ?1 AND (created_at_ms > ?3 OR cancelled_at_ms > ?3)) AS churn \
         LEFT JOIN bookings ON customer_id = ?1 AND status IN ('pending', 'confirmed') \
           AND end_ms > ?2 AND start_ms > ?2 - 86400000 \
         ORDER BY start_ms, id"
    );
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
    /// The calendar's read: as [`BOOKINGS_OVERLAPPING`] for the active
    /// bookings, but only the columns the slot engine needs (decoding all
    /// of a booking's was most of a calendar's cost), packed into one JSON
    /// array of `[id, staff_id, start_ms, occupied_start_ms,
    /// occupied_end_ms]` in `(start_ms, id)` order: one row, where a row
    /// per booking cost a message between sqlx's worker thread and the
    /// caller and a copy of each value (the first page of free days reads
    /// hundreds). Beside it the catalog revision (`CATALOG_REVISION`): a
    /// calendar needs both, and an aggregate yields its one row for an
    /// empty period too.
    OCCUPANCY_OVERLAPPING = "SELECT json_group_array(json_array(id, staff_id, start_ms, \
           occupied_start_ms, occupied_end_ms) ORDER BY start_ms, id), \
           (SELECT revision FROM catalog_revision WHERE only_row = 1) \
         FROM bookings \
         WHERE start_ms > ?1 - ?3 + 86400000 AND start_ms < ?2 + 86400000 \
           AND occupied_start_ms < ?2 AND occupied_end_ms > ?1 \
           AND status IN ('pending', 'confirmed')";
    /// A new booking's reads in one: `CUSTOMER_STANDING` of customer `?1` at
    /// `?2` since `?3`, and `OCCUPANCY_OVERLAPPING` `[?4, ?5)` (`?6` the
    /// longest occupied interval). A row per upcoming booking, and one row
    /// of NULL booking columns with the packed occupancy, the revision and
    /// the counts: the occupancy once, not on every booking's row.
    STANDING_AND_CALENDAR = concat!(
        "SELECT NULL AS packed, NULL AS revision, NULL AS made, NULL AS cancelled, ",
        booking_columns!(),
        " FROM bookings WHERE customer_id = ?1 AND status IN ('pending', 'confirmed') \
           AND end_ms > ?2 AND start_ms > ?2 - 86400000 \
         UNION ALL \
         SELECT calendar.packed, calendar.revision, churn.made, churn.cancelled, \
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL \
         FROM (SELECT json_group_array(json_array(id, staff_id, start_ms, \
                 occupied_start_ms, occupied_end_ms) ORDER BY start_ms, id) AS packed, \
                 (SELECT revision FROM catalog_revision WHERE only_row = 1) AS revision \
               FROM bookings \
               WHERE start_ms > ?4 - ?6 + 86400000 AND start_ms < ?5 + 86400000 \
                 AND occupied_start_ms < ?5 AND occupied_end_ms > ?4 \
                 AND status IN ('pending', 'confirmed')) AS calendar, \
              (SELECT COUNT(*) FILTER (WHERE created_at_ms > ?3) AS made, \
                 COUNT(*) FILTER (WHERE status = 'cancelled' AND cancelled_by = 'customer' \
                   AND cancelled_at_ms > ?3) AS cancelled \
               FROM bookings \
               WHERE customer_id = ?1 \
                 AND (created_at_ms > ?3 OR cancelled_at_ms > ?3)) AS churn \
         ORDER BY start_ms, id"
    );
    /// The start index yields rows in `(start_ms, id)` order, so the export
    /// streams without sorting the period first.
    BOOKINGS_STARTING_BETWEEN =
        select_bookings!("WHERE start_ms >= ? AND start_ms < ? ORDER BY start_ms, id");
    /// The lifecycle sweep's expired requests: a range of the partial index
    /// of pending bookings, in its order.
    PENDING_BOOKINGS_CREATED_BY = select_bookings!(
        "WHERE status = 'pending' AND created_at_ms <= ? AND start_ms > ? \
         ORDER BY created_at_ms, id LIMIT ?"
    );
    /// The lifecycle sweep's visits to complete: a range of the partial
    /// index of confirmed bookings, in its order.
    CONFIRMED_BOOKINGS_ENDED_BY = select_bookings!(
        "WHERE status = 'confirmed' AND end_ms <= ? ORDER BY end_ms, id LIMIT ?"
    );
    /// `?1` is a JSON array of customer ids: one parameter however many.
    CUSTOMERS_WITH_BOOKINGS_BEFORE =
        "SELECT DISTINCT candidate.value FROM json_each(?1) AS candidate \
         WHERE EXISTS (SELECT 1 FROM bookings \
                       WHERE customer_id = candidate.value AND start_ms < ?2) \
         ORDER BY candidate.value";

    // ----- Customers ------------------------------------------------------

    CUSTOMER_BY_ID = "SELECT id, name, phone, telegram_user_id, language, consented_at_ms, \
                      notes FROM customers WHERE id = ?";
    CUSTOMER_BY_TELEGRAM = "SELECT id, name, phone, telegram_user_id, language, consented_at_ms, \
                            notes FROM customers WHERE telegram_user_id = ?";
    CUSTOMER_BY_PHONE = "SELECT id, name, phone, telegram_user_id, language, consented_at_ms, \
                         notes FROM customers WHERE phone = ?";
    /// Every customer by id: a name search folds case in Rust (SQLite's
    /// `lower` folds ASCII only, and names here are often Cyrillic). A
    /// salon's customers are thousands at most, so the scan is cheap.
    ALL_CUSTOMERS = "SELECT id, name, phone, telegram_user_id, language, consented_at_ms, \
                     notes FROM customers ORDER BY id";
    /// The id is generated when `?1` is NULL (one above the largest).
    INSERT_CUSTOMER =
        "INSERT INTO customers (id, name, phone, telegram_user_id, language, consented_at_ms, \
           notes) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
    UPSERT_CUSTOMER =
        "INSERT INTO customers (id, name, phone, telegram_user_id, language, consented_at_ms, \
           notes) VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, phone = excluded.phone, \
           telegram_user_id = excluded.telegram_user_id, language = excluded.language, \
           consented_at_ms = excluded.consented_at_ms, notes = excluded.notes";
    UPDATE_CUSTOMER =
        "UPDATE customers SET name = ?, phone = ?, telegram_user_id = ?, language = ?, \
           consented_at_ms = ?, notes = ? WHERE id = ?";
    UPDATE_CUSTOMER_NOTES = "UPDATE customers SET notes = ? WHERE id = ?";
    DELETE_CUSTOMER = "DELETE FROM customers WHERE id = ?";
    /// What `Booking::anonymised` does, for every booking at once.
    ANONYMISE_BOOKINGS_OF_CUSTOMER =
        "UPDATE bookings SET customer_id = NULL, comment = NULL, booked_name = NULL, \
           booked_phone = NULL, version = version + 1 \
         WHERE customer_id = ?";
    DELETE_NOTIFICATIONS_TO_CUSTOMER =
        "DELETE FROM notifications WHERE recipient_kind = 'customer' AND recipient_id = ?";

    // ----- Conversations --------------------------------------------------

    /// An expired state reads as absent even before the purge removes it.
    /// The state, whether it expired by the bound instant, and its version.
    CONVERSATION = "SELECT state, expires_at_ms <= ? AS expired, version FROM conversations \
         WHERE bot = ? AND chat_id = ?";
    /// A first save (expected version 0): a row stored meanwhile is a
    /// conflict, so nothing is returned.
    INSERT_CONVERSATION =
        "INSERT INTO conversations (bot, chat_id, state, expires_at_ms, version) \
         VALUES (?, ?, ?, ?, 1) ON CONFLICT (bot, chat_id) DO NOTHING RETURNING version";
    /// A later save, fenced by the version loaded: a changed or deleted row
    /// is a conflict, so nothing is returned. An upsert would re-create a
    /// row another writer deleted.
    UPDATE_CONVERSATION =
        "UPDATE conversations SET state = ?, expires_at_ms = ?, version = version + 1 \
         WHERE bot = ? AND chat_id = ? AND version = ? RETURNING version";
    /// Fenced by the version loaded; the caller tells an absent row (done)
    /// from a changed one (conflict) with `CONVERSATION_VERSION`.
    DELETE_CONVERSATION = "DELETE FROM conversations WHERE bot = ? AND chat_id = ? AND version = ?";
    CONVERSATION_VERSION = "SELECT version FROM conversations WHERE bot = ? AND chat_id = ?";
    /// Erases expired states, keeping the row as the expired mark. The
    /// empty text is the mark: a saved state is never empty (the bots
    /// store a JSON envelope). With `secure_delete` on, the erased text is
    /// zeroed in the file, not left in a free page.
    ERASE_EXPIRED_CONVERSATIONS =
        "UPDATE conversations SET state = '' WHERE expires_at_ms <= ? AND state <> ''";
    FORGET_EXPIRED_CONVERSATIONS = "DELETE FROM conversations WHERE expires_at_ms <= ?";

    // ----- Notification outbox -------------------------------------------

    /// The head of a multi-row insert; `QueryBuilder` appends the VALUES.
    INSERT_NOTIFICATIONS_HEAD =
        "INSERT INTO notifications (booking_id, recipient_kind, recipient_id, kind, \
         awaiting_confirmation, before_min, due_at_ms, state, attempts, next_attempt_at_ms) ";
    /// Notices about a change stay when its booking changes again; only
    /// reminders are withdrawn.
    WITHDRAW_PENDING_REMINDERS =
        "UPDATE notifications SET state = 'withdrawn', claimed_until_ms = NULL \
         WHERE booking_id = ? AND state = 'pending' \
           AND kind IN ('customer_reminder', 'staff_reminder', 'confirmation_reminder')";
    NOTIFICATION_BY_ID =
        concat!("SELECT ", notification_columns!(), " FROM notifications WHERE id = ?");
    DUE_NOTIFICATIONS = concat!(
        "SELECT ", notification_columns!(),
        " FROM notifications WHERE state = 'pending' AND next_attempt_at_ms <= ? \
          ORDER BY next_attempt_at_ms, id LIMIT ?"
    );
    /// Claims the first due notifications no live claim holds (the due
    /// index, then the claim filter on the few rows it returns). The
    /// RETURNING order is unspecified; the caller sorts.
    CLAIM_DUE_NOTIFICATIONS = concat!(
        "UPDATE notifications SET claims = claims + 1, claimed_until_ms = ?3 \
         WHERE id IN (SELECT id FROM notifications \
                      WHERE state = 'pending' AND next_attempt_at_ms <= ?1 \
                        AND (claimed_until_ms IS NULL OR claimed_until_ms <= ?1) \
                      ORDER BY next_attempt_at_ms, id LIMIT ?2) \
         RETURNING ", notification_columns!()
    );
    EXTEND_CLAIM =
        "UPDATE notifications SET claimed_until_ms = ? \
         WHERE id = ? AND claims = ? AND state = 'pending'";
    RELEASE_CLAIM =
        "UPDATE notifications SET claimed_until_ms = NULL \
         WHERE id = ? AND claims = ? AND state = 'pending'";
    /// Every claim, at start: one process uses the database, so whatever
    /// is claimed was claimed by a process that is gone. Only due rows are
    /// ever claimed (a retry ends its claim), so the due index bounds the
    /// search to the backlog at `?` (now).
    RELEASE_ALL_CLAIMS =
        "UPDATE notifications SET claimed_until_ms = NULL \
         WHERE state = 'pending' AND next_attempt_at_ms <= ? AND claimed_until_ms IS NOT NULL";
    /// The backlog for monitoring: late pending notifications, retries
    /// included, and the earliest due time among them.
    OUTBOX_BACKLOG =
        "SELECT COUNT(*), MIN(due_at_ms) FROM notifications \
         WHERE state = 'pending' AND due_at_ms <= ?";
    NOTIFICATIONS_OF_BOOKING = concat!(
        "SELECT ", notification_columns!(), " FROM notifications WHERE booking_id = ? ORDER BY id"
    );
    /// The settling updates match only a pending notification under the
    /// claim they name, and end the claim.
    MARK_SENT =
        "UPDATE notifications SET state = 'sent', settled_at_ms = ?, attempts = attempts + 1, \
         claimed_until_ms = NULL WHERE id = ? AND claims = ? AND state = 'pending'";
    RETRY_LATER =
        "UPDATE notifications SET next_attempt_at_ms = ?, attempts = attempts + 1, \
         claimed_until_ms = NULL WHERE id = ? AND claims = ? AND state = 'pending'";
    MARK_FAILED =
        "UPDATE notifications SET state = 'failed', settled_at_ms = ?, failure_reason = ?, \
         attempts = attempts + 1, claimed_until_ms = NULL \
         WHERE id = ? AND claims = ? AND state = 'pending'";
    /// An unreadable row, set aside whatever its claim.
    SET_ASIDE =
        "UPDATE notifications SET state = 'failed', settled_at_ms = ?, failure_reason = ?, \
         attempts = attempts + 1, claimed_until_ms = NULL WHERE id = ? AND state = 'pending'";
    /// Withdrawing is not a delivery attempt, so `attempts` stays.
    WITHDRAW_NOTIFICATION =
        "UPDATE notifications SET state = 'withdrawn', claimed_until_ms = NULL \
         WHERE id = ? AND claims = ? AND state = 'pending'";

    // ----- Update inbox ---------------------------------------------------

    /// One row affected: new; none: a duplicate, left as it was.
    RECORD_UPDATE =
        "INSERT INTO update_inbox (bot, update_id, chat_id, raw, received_at_ms, attempts) \
         VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (bot, update_id) DO NOTHING";
    /// Finishing forgets the raw update (customer data); the id stays.
    FINISH_UPDATE =
        "UPDATE update_inbox SET finished_at_ms = ?, raw = '' \
         WHERE bot = ? AND update_id = ? AND finished_at_ms IS NULL";
    /// `FINISH_UPDATE` for each id of the JSON array `?3`.
    FINISH_UPDATES =
        "UPDATE update_inbox SET finished_at_ms = ?1, raw = '' \
         WHERE bot = ?2 AND update_id IN (SELECT value FROM json_each(?3)) \
         AND finished_at_ms IS NULL";
    /// Gives up the unfinished updates attempted `?3` times or more.
    GIVE_UP_UPDATES =
        "UPDATE update_inbox SET finished_at_ms = ?1, raw = '' \
         WHERE bot = ?2 AND finished_at_ms IS NULL AND attempts >= ?3 RETURNING update_id";
    /// Counts one more attempt of every unfinished update and returns them;
    /// RETURNING has no order, the caller sorts.
    REPLAY_UPDATES =
        "UPDATE update_inbox SET attempts = attempts + 1 \
         WHERE bot = ? AND finished_at_ms IS NULL \
         RETURNING update_id, raw, received_at_ms, attempts";
    PURGE_FINISHED_UPDATES =
        "DELETE FROM update_inbox WHERE finished_at_ms IS NOT NULL AND finished_at_ms <= ?";

    // ----- Chat leases ----------------------------------------------------

    /// A row back: claimed (new, ran out at `?4`, or already `?3`'s); none:
    /// another holder's live lease, left as it was.
    CLAIM_CHAT =
        "INSERT INTO chat_leases AS l (bot, chat_id, holder, until_ms) VALUES (?1, ?2, ?3, ?5) \
         ON CONFLICT (bot, chat_id) DO UPDATE \
         SET holder = excluded.holder, until_ms = excluded.until_ms \
         WHERE l.holder = excluded.holder OR l.until_ms <= ?4 \
         RETURNING holder";
    RENEW_CHAT_LEASES =
        "UPDATE chat_leases SET until_ms = ? WHERE holder = ? RETURNING bot, chat_id";
    /// A row: `?3` holds the chat's lease and it runs past `?4`.
    CHAT_LEASE_HELD = "SELECT 1 FROM chat_leases \
         WHERE bot = ?1 AND chat_id = ?2 AND holder = ?3 AND until_ms > ?4";
    /// Gives up the chat's unfinished updates another holder took before
    /// and that were attempted `?5` times or more.
    GIVE_UP_CHAT_UPDATES =
        "UPDATE update_inbox SET finished_at_ms = ?1, raw = '' \
         WHERE bot = ?2 AND chat_id = ?3 AND finished_at_ms IS NULL \
         AND taken_by IS NOT NULL AND taken_by <> ?4 AND attempts >= ?5 RETURNING update_id";
    /// Takes the chat's unfinished updates for `?1`, counting an attempt of
    /// those another holder took before; RETURNING has no order, the
    /// caller sorts.
    TAKE_CHAT_UPDATES =
        "UPDATE update_inbox \
         SET attempts = attempts + CASE WHEN taken_by IS NOT NULL AND taken_by <> ?1 \
                                        THEN 1 ELSE 0 END, \
             taken_by = ?1 \
         WHERE bot = ?2 AND chat_id = ?3 AND finished_at_ms IS NULL \
         RETURNING update_id, raw, received_at_ms, attempts";
    /// One statement, so no record can come between the check and the
    /// delete (SQLite has one writer at a time).
    RELEASE_CHAT_IF_DRAINED =
        "DELETE FROM chat_leases WHERE bot = ?1 AND chat_id = ?2 AND holder = ?3 \
         AND NOT EXISTS (SELECT 1 FROM update_inbox \
             WHERE bot = ?1 AND chat_id = ?2 AND finished_at_ms IS NULL)";
    /// Chats with an unfinished update received by `?3` and no lease
    /// running past `?2`, by their lowest unfinished update id.
    CHATS_TO_TAKE_OVER =
        "SELECT u.chat_id FROM update_inbox AS u \
         WHERE u.bot = ?1 AND u.finished_at_ms IS NULL AND u.received_at_ms <= ?3 \
         AND NOT EXISTS (SELECT 1 FROM chat_leases AS l \
             WHERE l.bot = ?1 AND l.chat_id = u.chat_id AND l.until_ms > ?2) \
         GROUP BY u.chat_id ORDER BY min(u.update_id) LIMIT ?4";
    /// Leases that ran out by `?`: the housekeeping's purge.
    FORGET_RUN_OUT_CHAT_LEASES = "DELETE FROM chat_leases WHERE until_ms <= ?";

    // ----- Staff access ---------------------------------------------------

    /// Oldest first from the `(user_id, failed_at_ms)` index, no sort.
    FAILED_PINS_AFTER =
        "SELECT failed_at_ms FROM staff_access_failed_pins \
         WHERE user_id = ? AND failed_at_ms > ? ORDER BY failed_at_ms";
    /// Every user's, oldest first from the `failed_at_ms` index, no sort.
    ALL_FAILED_PINS_AFTER = "SELECT failed_at_ms FROM staff_access_failed_pins \
         WHERE failed_at_ms > ? ORDER BY failed_at_ms";
    INSERT_FAILED_PIN =
        "INSERT INTO staff_access_failed_pins (user_id, failed_at_ms, forget_at_ms) \
         VALUES (?, ?, ?)";
    DELETE_FAILED_PINS_OF_USER = "DELETE FROM staff_access_failed_pins WHERE user_id = ?";
    /// A new sign-in replaces the session whatever it was, one version on.
    UPSERT_STAFF_SESSION =
        "INSERT INTO staff_access_sessions (user_id, until_ms, credential, version) \
         VALUES (?, ?, ?, 1) \
         ON CONFLICT (user_id) DO UPDATE SET until_ms = excluded.until_ms, \
         credential = excluded.credential, version = staff_access_sessions.version + 1";
    /// An ended session, or one opened with another credential, reads as
    /// absent even before the purge removes it.
    LIVE_STAFF_SESSION = "SELECT until_ms, version FROM staff_access_sessions \
         WHERE user_id = ? AND until_ms > ? AND credential = ?";
    /// Removes the session of the version read, an ended one too; the
    /// caller tells them apart by its end, and a missing row from a newer
    /// one with `STAFF_SESSION_VERSION`.
    DELETE_STAFF_SESSION = "DELETE FROM staff_access_sessions \
         WHERE user_id = ? AND version = ? RETURNING until_ms";
    STAFF_SESSION_VERSION = "SELECT version FROM staff_access_sessions WHERE user_id = ?";
    /// "Record unless remembered" in one statement: a new row, or the
    /// replacement of a forgotten one, returns the user; a remembered one
    /// is left alone and returns nothing.
    RECORD_REFUSAL =
        "INSERT INTO staff_access_refusals (user_id, refused_at_ms, forget_at_ms) \
         VALUES (?, ?, ?) \
         ON CONFLICT (user_id) DO UPDATE \
         SET refused_at_ms = excluded.refused_at_ms, forget_at_ms = excluded.forget_at_ms \
         WHERE staff_access_refusals.forget_at_ms <= excluded.refused_at_ms \
         RETURNING user_id";
    PURGE_FAILED_PINS = "DELETE FROM staff_access_failed_pins WHERE forget_at_ms <= ?";
    PURGE_STAFF_SESSIONS = "DELETE FROM staff_access_sessions WHERE until_ms <= ?";
    PURGE_REFUSALS = "DELETE FROM staff_access_refusals WHERE forget_at_ms <= ?";
    PURGE_STAFF_INVITATIONS = "DELETE FROM staff_invitations WHERE expires_at_ms <= ?";
    INSERT_STAFF_INVITATION =
        "INSERT INTO staff_invitations (code_hash, staff_id, expires_at_ms) VALUES (?, ?, ?)";
    /// Deletes a live invitation and returns its staff member: the use.
    TAKE_STAFF_INVITATION = "DELETE FROM staff_invitations WHERE code_hash = ? \
                             AND expires_at_ms > ? RETURNING staff_id";
    /// A new link replaces an earlier one; a link without a language keeps
    /// the one recorded.
    LINK_STAFF_ACCOUNT = "INSERT INTO staff_accounts (user_id, staff_id, language) VALUES (?, ?, ?) \
                          ON CONFLICT (user_id) DO UPDATE SET staff_id = excluded.staff_id, \
                          language = coalesce(excluded.language, staff_accounts.language)";
    STAFF_ACCOUNTS = "SELECT user_id, staff_id, language FROM staff_accounts ORDER BY user_id";
    SET_STAFF_LANGUAGE = "INSERT INTO staff_accounts (user_id, language) VALUES (?1, ?2) \
                          ON CONFLICT (user_id) DO UPDATE SET language = ?2";
}

/// Every row of `table` in `order`, each of `columns` as text (integers in
/// decimal): `transfer`'s canonical cells. The names come from
/// `booking_ports::stored::transfer::TABLES` and the schema, never from
/// input.
pub(crate) fn dump_table(table: &str, columns: &[String], order: &str) -> String {
    // Aliased, so that `ORDER BY` always means the stored columns.
    let cells: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| format!("CAST({column} AS TEXT) AS cell_{i}"))
        .collect();
    format!("SELECT {} FROM {table} ORDER BY {order}", cells.join(", "))
}

#[cfg(test)]
mod tests;
