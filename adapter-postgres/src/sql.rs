//! Every SQL statement the adapter runs, in one place, as in adapter-sqlite:
//! declared through [`statements!`], which also lists them in `ALL` so that
//! a test can prepare (and later plan-check) each one.
//!
//! Parameters are `$n`. PostgreSQL infers a parameter's type from its use;
//! where it cannot (`$1 - $2`), the statement casts it (`$1::bigint`).

/// Declares statements as `pub(crate) const`s and lists them in `ALL`.
macro_rules! statements {
    ($( $(#[$doc:meta])* $name:ident = $sql:expr; )*) => {
        $( $(#[$doc])* pub(crate) const $name: &str = $sql; )*

        /// Every statement, by name, for the tests.
        #[cfg(test)]
        pub(crate) const ALL: &[(&str, &str)] = &[ $( (stringify!($name), $name) ),* ];
    };
}

mod inbox;
mod transfer;

pub(crate) use inbox::*;
pub(crate) use transfer::*;

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

// After the column macros, which it uses.
mod booking_reads;

pub(crate) use booking_reads::*;

macro_rules! notification_columns {
    () => {
        "id, booking_id, recipient_kind, recipient_id, kind, awaiting_confirmation, before_min, \
         due_at_ms, state, settled_at_ms, failure_reason, attempts, next_attempt_at_ms, claims, \
         claimed_until_ms"
    };
}

statements! {
    // ----- Opening and maintenance -------------------------------------

    /// `server_version_num`: 150020 for 15.20.
    SERVER_VERSION = "SHOW server_version_num";
    MIGRATIONS_TABLE_EXISTS = "SELECT to_regclass('_sqlx_migrations') IS NOT NULL";
    APPLIED_MIGRATIONS =
        "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version";
    /// A round trip through a pooled connection, for readiness checks.
    PING = "SELECT 1::bigint";
    /// The run lock (class 10, see `locks`): a session lock, released when
    /// its connection ends, however the process ended.
    TRY_RUN_LOCK = "SELECT pg_try_advisory_lock(10, 0)";
    /// The run lock shared, as each `booking run` instance holds it: it
    /// keeps `TRY_RUN_LOCK` from being granted to a command, not another
    /// instance.
    TRY_RUN_LOCK_SHARED = "SELECT pg_try_advisory_lock_shared(10, 0)";
    /// Lets go of the exclusive run lock, keeping the shared one the same
    /// session took meanwhile (a session's own locks never conflict).
    RUN_UNLOCK = "SELECT pg_advisory_unlock(10, 0)";
    /// On an instance's lock connection: the server probes the client
    /// after 10 s of silence, so a vanished instance's locks (its roles)
    /// are released within about 25 s, not the system's default 2 hours.
    /// Ignored on a Unix socket, where a dead peer is seen at once.
    SET_KEEPALIVES = "SELECT set_config('tcp_keepalives_idle', '10', false), \
                      set_config('tcp_keepalives_interval', '5', false), \
                      set_config('tcp_keepalives_count', '3', false)";
    /// A role of one instance at a time (see `leadership`): class 11 the
    /// poller of one bot (`$2` the bot's key), class 12 the periodic jobs.
    /// A session lock, released when its connection ends.
    TRY_ROLE_LOCK = "SELECT pg_try_advisory_lock($1::integer, $2::integer)";

    // ----- Copying a store in (`transfer`) -------------------------------

    /// A table's stored columns and their types, generated ones left out.
    TABLE_COLUMNS = "SELECT column_name::text, data_type::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 \
                     AND is_generated = 'NEVER' ORDER BY ordinal_position";
    /// The identity sequence of a table's `id`, NULL when it has none.
    ID_SEQUENCE = "SELECT pg_get_serial_sequence($1, 'id')";
    /// Moves a sequence so that its next value follows `$2`.
    SET_ID_SEQUENCE = "SELECT setval($1::regclass, $2::bigint)";

    // ----- Catalog --------------------------------------------------------

    /// Advisory locks, held to the end of the transaction. Classes (the
    /// first key; sqlx's migrator uses the one-bigint key space, which never
    /// meets the two-int one): 1 a customer's active bookings, 2 catalog
    /// imports, 3 customer writes, 4 a staff member's bookings. A
    /// transaction takes 1 before 4, and every advisory lock before any row
    /// lock, so they cannot deadlock with each other.
    LOCK_CATALOG_IMPORT = "SELECT pg_advisory_xact_lock(2, 0)::text";
    LOCK_CUSTOMER_WRITES = "SELECT pg_advisory_xact_lock(3, 0)::text";
    /// `$1` is the staff id folded to 32 bits (class 4): one staff member's
    /// booking writes take turns (see `bookings::lock_staff_bookings`).
    LOCK_STAFF_BOOKINGS = "SELECT pg_advisory_xact_lock(4, $1::integer)::text";
    /// A new booking in one statement (migration 7): `$1` to `$18` the
    /// insert's (`INSERT_BOOKING_UNDER_LIMIT`'s `$2` to `$19`; the id is the
    /// sequence's next); its two turns, `$19` the customer id folded to 32
    /// bits (class 1; a collision only makes two customers take turns),
    /// then `$20` the staff member's (class 4, as `LOCK_STAFF_BOOKINGS`);
    /// and `$21` to `$26` its notices, one array per column. NULL when the
    /// limit refused it. Run outside a transaction: the call is its own,
    /// and the locks are held until it commits.
    CREATE_BOOKING_UNDER_LIMIT = "SELECT create_booking_under_limit($19, $20, $1, $2, $3, $4, \
        $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $21, $22, $23, $24, \
        $25, $26)";
    CATALOG_IS_EMPTY =
        "SELECT NOT EXISTS (SELECT 1 FROM staff) AND NOT EXISTS (SELECT 1 FROM services)";
    /// Changed by triggers with every change to services and staff
    /// (migration 6).
    CATALOG_REVISION = "SELECT revision FROM catalog_revision WHERE only_row";
    /// `id` NULL takes the next of the identity (imports pass theirs, then
    /// move the sequence past them: `SYNC_*_SEQUENCE`).
    INSERT_SERVICE =
        "INSERT INTO services (id, name, duration_min, price_minor, currency, buffer_before_min, \
         buffer_after_min, active) \
         VALUES (coalesce($1::bigint, nextval(pg_get_serial_sequence('services', 'id'))), \
                 $2, $3, $4, $5, $6, $7, $8) RETURNING id";
    UPDATE_SERVICE =
        "UPDATE services SET name = $1, duration_min = $2, price_minor = $3, currency = $4, \
         buffer_before_min = $5, buffer_after_min = $6, active = $7 WHERE id = $8";
    SERVICE_BY_ID =
        "SELECT id, name, duration_min, price_minor, currency, buffer_before_min, \
         buffer_after_min, active FROM services WHERE id = $1";
    /// Every service, by id, with its performers' ids as one
    /// comma-separated list (NULL when nobody performs it): one statement,
    /// so one snapshot, and one row per service.
    SERVICES_WITH_PERFORMERS =
        "SELECT s.id, s.name, s.duration_min, s.price_minor, s.currency, s.buffer_before_min, \
         s.buffer_after_min, s.active, \
         (SELECT string_agg(p.staff_id::text, ',') FROM service_performers AS p \
          WHERE p.service_id = s.id) AS performer_ids \
         FROM services AS s ORDER BY s.id";
    INSERT_PERFORMER =
        "INSERT INTO service_performers (service_id, staff_id) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING";
    DELETE_PERFORMERS = "DELETE FROM service_performers WHERE service_id = $1";
    PERFORMERS_OF_SERVICE =
        "SELECT staff_id FROM service_performers WHERE service_id = $1 ORDER BY staff_id";

    INSERT_STAFF = "INSERT INTO staff (id, name, active) \
                    VALUES (coalesce($1::bigint, nextval(pg_get_serial_sequence('staff', 'id'))), $2, $3) \
                    RETURNING id";
    UPDATE_STAFF = "UPDATE staff SET name = $1, active = $2 WHERE id = $3";
    STAFF_BY_ID = "SELECT id, name, active FROM staff WHERE id = $1";
    /// Every staff member, by id, with their weekly hours as one
    /// comma-separated list of `weekday:start-end` periods (NULL without
    /// any; `WeeklyHours` sorts them): one statement and one row per staff
    /// member, as above.
    STAFF_WITH_HOURS =
        "SELECT s.id, s.name, s.active, \
         (SELECT string_agg(h.weekday || ':' || h.start_minute || '-' || h.end_minute, ',') \
          FROM staff_hours AS h WHERE h.staff_id = s.id) AS hours \
         FROM staff AS s ORDER BY s.id";
    INSERT_HOURS =
        "INSERT INTO staff_hours (staff_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4)";
    DELETE_HOURS = "DELETE FROM staff_hours WHERE staff_id = $1";
    HOURS_OF_STAFF =
        "SELECT staff_id, weekday, start_minute, end_minute FROM staff_hours \
         WHERE staff_id = $1 ORDER BY weekday, start_minute";

    /// The business-wide override's key is spelled 0 (see the schema).
    /// Dates travel as `YYYY-MM-DD` text and are cast here.
    DELETE_DATE_OVERRIDE =
        "DELETE FROM date_overrides WHERE date = $1::text::date AND coalesce(staff_id, 0) = $2";
    INSERT_DATE_OVERRIDE =
        "INSERT INTO date_overrides (date, staff_id, closed) VALUES ($1::text::date, $2, $3) \
         RETURNING id";
    INSERT_OVERRIDE_PERIOD =
        "INSERT INTO date_override_periods (override_id, start_minute, end_minute) \
         VALUES ($1, $2, $3)";
    DATE_OVERRIDES_BETWEEN =
        "SELECT o.id, to_char(o.date, 'YYYY-MM-DD') AS date, o.staff_id, o.closed, \
         p.start_minute, p.end_minute \
         FROM date_overrides AS o \
         LEFT JOIN date_override_periods AS p ON p.override_id = o.id \
         WHERE o.date BETWEEN $1::text::date AND $2::text::date \
         ORDER BY o.date, coalesce(o.staff_id, 0), o.id, p.start_minute";

    INSERT_TIME_OFF =
        "INSERT INTO time_off (id, staff_id, start_ms, end_ms, reason) \
         VALUES (coalesce($1::bigint, nextval(pg_get_serial_sequence('time_off', 'id'))), \
                 $2, $3, $4, $5) RETURNING id";
    /// `$3` is the longest block the schema admits, which turns "overlaps
    /// `[?1, ?2)`" into a range on `start_ms`.
    TIME_OFF_OVERLAPPING =
        "SELECT id, staff_id, start_ms, end_ms, reason FROM time_off \
         WHERE start_ms > $1::bigint - $3::bigint AND start_ms < $2 AND end_ms > $1 \
         ORDER BY start_ms, id";
    /// After rows were written with ids of their own (an import, a saved
    /// customer): the identity's next value moves past them. Never back:
    /// `greatest` keeps values already handed out by concurrent writers.
    SYNC_STAFF_SEQUENCE = "SELECT setval('staff_id_seq', \
        greatest((SELECT coalesce(max(id), 1) FROM staff), (SELECT last_value FROM staff_id_seq)))";
    SYNC_SERVICES_SEQUENCE = "SELECT setval('services_id_seq', \
        greatest((SELECT coalesce(max(id), 1) FROM services), \
                 (SELECT last_value FROM services_id_seq)))";
    SYNC_TIME_OFF_SEQUENCE = "SELECT setval('time_off_id_seq', \
        greatest((SELECT coalesce(max(id), 1) FROM time_off), \
                 (SELECT last_value FROM time_off_id_seq)))";
    SYNC_CUSTOMERS_SEQUENCE = "SELECT setval('customers_id_seq', \
        greatest((SELECT coalesce(max(id), 1) FROM customers), \
                 (SELECT last_value FROM customers_id_seq)))";
    DELETE_TIME_OFF = "DELETE FROM time_off WHERE id = $1";
    POLICY_OVERRIDES = "SELECT field, value FROM policy_overrides ORDER BY field";
    UPSERT_POLICY_OVERRIDE = "INSERT INTO policy_overrides (field, value) VALUES ($1, $2) \
                              ON CONFLICT (field) DO UPDATE SET value = excluded.value";
    DELETE_POLICY_OVERRIDES = "DELETE FROM policy_overrides";

    // ----- Bookings -------------------------------------------------------

    /// `$15` to `$18` are who it is for and its price, `$19` who made it.
    /// Inserts a booking if its customer holds fewer than `$14` active
    /// bookings ending after `$13`: the SELECT yields no row otherwise, and
    /// RETURNING then returns none. A booking ending after `$13` started less
    /// than a day before it (a booking lasts at most a day), which bounds the
    /// index search. The exclusion constraint may refuse the row. Every
    /// parameter is cast: in a SELECT list PostgreSQL cannot infer one.
    INSERT_BOOKING_UNDER_LIMIT = concat!(
        "INSERT INTO bookings (", booking_columns!(), ") \
         SELECT coalesce($1::bigint, nextval(pg_get_serial_sequence('bookings', 'id'))), \
                $2::bigint, $3::bigint, $4::bigint, $5::bigint, $6::bigint, $7::bigint, \
                $8::bigint, $9::text, $10::text, NULL, NULL, NULL, NULL, NULL, $11::bigint, \
                NULL, 1, $12::bigint, $15::text, $16::text, $17::bigint, $18::text, $19::text, \
                NULL, NULL, NULL, NULL \
         WHERE (SELECT count(*) FROM bookings \
                WHERE customer_id = $2::bigint AND status IN ('pending', 'confirmed') \
                  AND end_ms > $13::bigint AND start_ms > $13::bigint - 86400000) < $14::bigint \
         RETURNING id"
    );
    BOOKING_BY_ID = select_bookings!("WHERE id = $1");
    /// The version check and the write in one statement: the row changes
    /// only while it is at version `$17`, and the new version is computed from
    /// the stored one.
    UPDATE_BOOKING_IF_VERSION = concat!(
        "UPDATE bookings SET customer_id = $1, comment = $2, status = $3, cancelled_by = $4, \
         cancelled_by_staff_id = $5, cancel_reason = $6, cancelled_at_ms = $7, \
         rescheduled_to_id = $8, attendance_confirmed_at_ms = $9, booked_name = $10, \
         booked_phone = $11, confirmed_by = $12, confirmed_at_ms = $13, closed_by = $14, \
         closed_at_ms = $15, version = version + 1 \
         WHERE id = $16 AND version = $17 RETURNING ",
        booking_columns!()
    );
    /// The id the next booking gets, taken from the identity's sequence
    /// (never handed out twice, even if this transaction rolls back).
    NEXT_BOOKING_ID = "SELECT nextval(pg_get_serial_sequence('bookings', 'id'))";
    CLOSE_BOOKING_AS_RESCHEDULED = concat!(
        "UPDATE bookings SET status = 'rescheduled', rescheduled_to_id = $1, closed_by = $2, \
         closed_at_ms = $3, version = version + 1 \
         WHERE id = $4 AND version = $5 AND status IN ('pending', 'confirmed') RETURNING ",
        booking_columns!()
    );
    UPCOMING_BOOKINGS_OF_CUSTOMER = select_bookings!(
        "WHERE customer_id = $1 AND status IN ('pending', 'confirmed') \
           AND end_ms > $2 AND start_ms > $2::bigint - 86400000 \
         ORDER BY start_ms, id"
    );
    BOOKINGS_OF_CUSTOMER = select_bookings!("WHERE customer_id = $1 ORDER BY start_ms, id");
    /// What the daily limits count: customer `$1`'s bookings made after
    /// `$2`, and those they cancelled after `$2`.
    CUSTOMER_CHURN_SINCE = "SELECT COUNT(*) FILTER (WHERE created_at_ms > $2), \
           COUNT(*) FILTER (WHERE status = 'cancelled' AND cancelled_by = 'customer' \
             AND cancelled_at_ms > $2) \
         FROM bookings \
         WHERE customer_id = $1 AND (created_at_ms > $2 OR cancelled_at_ms > $2)";
    /// Overlapping `[?1, ?2)`, of staff member `$3`; `$4` true for every
    /// status; `$5` the longest occupied interval, which bounds the range on
    /// the index's second column.
    BOOKINGS_OF_STAFF_OVERLAPPING = select_bookings!(
        "WHERE staff_id = $3 \
           AND occupied_start_ms > $1::bigint - $5::bigint AND occupied_start_ms < $2 \
           AND occupied_end_ms > $1 \
           AND ($4::boolean OR status IN ('pending', 'confirmed')) \
         ORDER BY start_ms, id"
    );
    /// As above for every staff member, on the start index: an occupied
    /// interval overlapping `[?1, ?2)` belongs to a visit starting within
    /// `(?1 - 2 days, ?2 + 1 day)` (a one-day buffer before, a one-day visit
    /// and a one-day buffer after at most). `$3` is unused.
    BOOKINGS_OVERLAPPING = select_bookings!(
        "WHERE start_ms > $1::bigint - $5::bigint + 86400000 \
           AND start_ms < $2::bigint + 86400000 \
           AND occupied_start_ms < $2 AND occupied_end_ms > $1 \
           AND ($4::boolean OR status IN ('pending', 'confirmed')) AND $3::bigint IS NULL \
         ORDER BY start_ms, id"
    );
    /// The calendar's read: as `BOOKINGS_OVERLAPPING` for the active
    /// bookings, but only the columns the slot engine needs, each row with
    /// the catalog revision (`CATALOG_REVISION`): a calendar needs both. The
    /// revision's one row is joined to the bookings, so an empty period
    /// still answers it, in one row of NULL booking columns.
    OCCUPANCY_OVERLAPPING = "SELECT r.revision, b.id, b.staff_id, b.start_ms, \
           b.occupied_start_ms, b.occupied_end_ms \
         FROM catalog_revision AS r LEFT JOIN bookings AS b \
           ON b.start_ms > $1::bigint - $3::bigint + 86400000 \
           AND b.start_ms < $2::bigint + 86400000 \
           AND b.occupied_start_ms < $2 AND b.occupied_end_ms > $1 \
           AND b.status IN ('pending', 'confirmed') \
         WHERE r.only_row \
         ORDER BY b.start_ms, b.id";
    /// The start index yields rows in `(start_ms, id)` order, so the export
    /// streams without sorting the period first.
    BOOKINGS_STARTING_BETWEEN =
        select_bookings!("WHERE start_ms >= $1 AND start_ms < $2 ORDER BY start_ms, id");
    /// The lifecycle sweep's expired requests: a range of the partial index
    /// of pending bookings, in its order.
    PENDING_BOOKINGS_CREATED_BY = select_bookings!(
        "WHERE status = 'pending' AND created_at_ms <= $1 AND start_ms > $2 \
         ORDER BY created_at_ms, id LIMIT $3"
    );
    /// The lifecycle sweep's visits to complete: a range of the partial
    /// index of confirmed bookings, in its order.
    CONFIRMED_BOOKINGS_ENDED_BY = select_bookings!(
        "WHERE status = 'confirmed' AND end_ms <= $1 ORDER BY end_ms, id LIMIT $2"
    );
    /// `$1` is an array of customer ids: one parameter however many.
    CUSTOMERS_WITH_BOOKINGS_BEFORE =
        "SELECT DISTINCT candidate FROM unnest($1::bigint[]) AS candidate \
         WHERE EXISTS (SELECT 1 FROM bookings \
                       WHERE customer_id = candidate AND start_ms < $2) \
         ORDER BY candidate";

    // ----- Customers ------------------------------------------------------

    CUSTOMER_BY_ID = "SELECT id, name, phone, telegram_user_id, language, consented_at_ms, \
                      notes FROM customers WHERE id = $1";
    CUSTOMER_BY_TELEGRAM = "SELECT id, name, phone, telegram_user_id, language, consented_at_ms, \
                            notes FROM customers WHERE telegram_user_id = $1";
    CUSTOMER_BY_PHONE = "SELECT id, name, phone, telegram_user_id, language, consented_at_ms, \
                         notes FROM customers WHERE phone = $1";
    /// Every customer by id: a name search folds case in Rust (PostgreSQL's
    /// `lower` depends on the database's ctype, and under the C locale leaves
    /// Cyrillic alone; names here are often Cyrillic). A
    /// salon's customers are thousands at most, so the scan is cheap.
    ALL_CUSTOMERS = "SELECT id, name, phone, telegram_user_id, language, consented_at_ms, \
                     notes FROM customers ORDER BY id";
    /// The id is generated when `$1` is NULL (the identity's next).
    INSERT_CUSTOMER =
        "INSERT INTO customers (id, name, phone, telegram_user_id, language, consented_at_ms, \
           notes) VALUES (coalesce($1::bigint, nextval(pg_get_serial_sequence('customers', 'id'))), \
           $2, $3, $4, $5, $6, $7) RETURNING id";
    UPSERT_CUSTOMER =
        "INSERT INTO customers (id, name, phone, telegram_user_id, language, consented_at_ms, \
           notes) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, phone = excluded.phone, \
           telegram_user_id = excluded.telegram_user_id, language = excluded.language, \
           consented_at_ms = excluded.consented_at_ms, notes = excluded.notes";
    UPDATE_CUSTOMER =
        "UPDATE customers SET name = $1, phone = $2, telegram_user_id = $3, language = $4, \
           consented_at_ms = $5, notes = $6 WHERE id = $7";
    UPDATE_CUSTOMER_NOTES = "UPDATE customers SET notes = $1 WHERE id = $2";
    DELETE_CUSTOMER = "DELETE FROM customers WHERE id = $1";
    /// What `Booking::anonymised` does, for every booking at once.
    ANONYMISE_BOOKINGS_OF_CUSTOMER =
        "UPDATE bookings SET customer_id = NULL, comment = NULL, booked_name = NULL, \
           booked_phone = NULL, version = version + 1 \
         WHERE customer_id = $1";
    DELETE_NOTIFICATIONS_TO_CUSTOMER =
        "DELETE FROM notifications WHERE recipient_kind = 'customer' AND recipient_id = $1";

    // ----- Conversations --------------------------------------------------

    /// An expired state reads as absent even before the purge removes it.
    /// The state, whether it expired by the bound instant, and its version.
    CONVERSATION =
        "SELECT state, expires_at_ms <= $1::bigint AS expired, version FROM conversations \
         WHERE bot = $2 AND chat_id = $3";
    /// A first save (expected version 0): a row stored meanwhile is a
    /// conflict, so nothing is returned. A concurrent first insert waits for
    /// the other to commit, then does nothing.
    INSERT_CONVERSATION =
        "INSERT INTO conversations (bot, chat_id, state, expires_at_ms, version) \
         VALUES ($1, $2, $3, $4, 1) ON CONFLICT (bot, chat_id) DO NOTHING RETURNING version";
    /// A later save, fenced by the version loaded: a changed or deleted row
    /// is a conflict, so nothing is returned. In READ COMMITTED a racing
    /// update waits for the row lock and re-checks the version on the row
    /// the winner committed. An upsert would re-create a deleted row.
    UPDATE_CONVERSATION =
        "UPDATE conversations SET state = $1, expires_at_ms = $2, version = version + 1 \
         WHERE bot = $3 AND chat_id = $4 AND version = $5 RETURNING version";
    /// Fenced by the version loaded; the caller tells an absent row (done)
    /// from a changed one (conflict) with `CONVERSATION_VERSION`.
    DELETE_CONVERSATION =
        "DELETE FROM conversations WHERE bot = $1 AND chat_id = $2 AND version = $3";
    CONVERSATION_VERSION = "SELECT version FROM conversations WHERE bot = $1 AND chat_id = $2";
    /// Erases expired states, keeping the row as the expired mark. The
    /// empty text is the mark: a saved state is never empty (the bots
    /// store a JSON envelope). The old row version stays on disk until
    /// vacuum reclaims it.
    ERASE_EXPIRED_CONVERSATIONS =
        "UPDATE conversations SET state = '' WHERE expires_at_ms <= $1 AND state <> ''";
    FORGET_EXPIRED_CONVERSATIONS = "DELETE FROM conversations WHERE expires_at_ms <= $1";

    // ----- Notification outbox -------------------------------------------

    /// The head of a multi-row insert; `QueryBuilder` appends the VALUES.
    INSERT_NOTIFICATIONS_HEAD =
        "INSERT INTO notifications (booking_id, recipient_kind, recipient_id, kind, \
         awaiting_confirmation, before_min, due_at_ms, state, attempts, next_attempt_at_ms) ";
    /// Notices about a change stay when its booking changes again; only
    /// reminders are withdrawn.
    WITHDRAW_PENDING_REMINDERS =
        "UPDATE notifications SET state = 'withdrawn', claimed_until_ms = NULL \
         WHERE booking_id = $1 AND state = 'pending' \
           AND kind IN ('customer_reminder', 'staff_reminder', 'confirmation_reminder')";
    NOTIFICATION_BY_ID =
        concat!("SELECT ", notification_columns!(), " FROM notifications WHERE id = $1");
    DUE_NOTIFICATIONS = concat!(
        "SELECT ", notification_columns!(),
        " FROM notifications WHERE state = 'pending' AND next_attempt_at_ms <= $1 \
          ORDER BY next_attempt_at_ms, id LIMIT $2"
    );
    /// The backlog for monitoring: late pending notifications, retries
    /// included, and the earliest due time among them.
    OUTBOX_BACKLOG =
        "SELECT COUNT(*), MIN(due_at_ms) FROM notifications \
         WHERE state = 'pending' AND due_at_ms <= $1";
    NOTIFICATIONS_OF_BOOKING = concat!(
        "SELECT ", notification_columns!(), " FROM notifications WHERE booking_id = $1 ORDER BY id"
    );
    /// Claims the first due notifications no live claim holds. `SKIP
    /// LOCKED` passes over rows another dispatcher is claiming right now,
    /// and a row claimed and committed meanwhile is rechecked against the
    /// claim filter after its lock, so two claims never share a row. The
    /// RETURNING order is unspecified; the caller sorts.
    CLAIM_DUE_NOTIFICATIONS = concat!(
        "WITH due AS (SELECT id AS due_id FROM notifications \
                      WHERE state = 'pending' AND next_attempt_at_ms <= $1 \
                        AND (claimed_until_ms IS NULL OR claimed_until_ms <= $1) \
                      ORDER BY next_attempt_at_ms, id LIMIT $2 FOR UPDATE SKIP LOCKED) \
         UPDATE notifications SET claims = claims + 1, claimed_until_ms = $3 \
         FROM due WHERE id = due.due_id RETURNING ", notification_columns!()
    );
    /// `$2` and `$3`: the claims' ids and numbers, in pairs.
    EXTEND_CLAIMS =
        "UPDATE notifications n SET claimed_until_ms = $1 \
         FROM unnest($2::bigint[], $3::bigint[]) AS c(id, number) \
         WHERE n.id = c.id AND n.claims = c.number AND n.state = 'pending' \
         RETURNING n.id, n.claims";
    RELEASE_CLAIMS =
        "UPDATE notifications n SET claimed_until_ms = NULL \
         FROM unnest($1::bigint[], $2::bigint[]) AS c(id, number) \
         WHERE n.id = c.id AND n.claims = c.number AND n.state = 'pending'";
    /// The settling updates match only a pending notification under the
    /// claim they name (the last two parameters), and end the claim.
    MARK_SENT =
        "UPDATE notifications SET state = 'sent', settled_at_ms = $1, attempts = attempts + 1, \
         claimed_until_ms = NULL WHERE id = $2 AND claims = $3 AND state = 'pending'";
    RETRY_LATER =
        "UPDATE notifications SET next_attempt_at_ms = $1, attempts = attempts + 1, \
         claimed_until_ms = NULL WHERE id = $2 AND claims = $3 AND state = 'pending'";
    MARK_FAILED =
        "UPDATE notifications SET state = 'failed', settled_at_ms = $1, failure_reason = $2, \
         attempts = attempts + 1, claimed_until_ms = NULL \
         WHERE id = $3 AND claims = $4 AND state = 'pending'";
    /// An unreadable row, set aside whatever its claim.
    SET_ASIDE =
        "UPDATE notifications SET state = 'failed', settled_at_ms = $1, failure_reason = $2, \
         attempts = attempts + 1, claimed_until_ms = NULL WHERE id = $3 AND state = 'pending'";
    /// Withdrawing is not a delivery attempt, so `attempts` stays.
    WITHDRAW_NOTIFICATION =
        "UPDATE notifications SET state = 'withdrawn', claimed_until_ms = NULL \
         WHERE id = $1 AND claims = $2 AND state = 'pending'";

    // ----- Send budget ----------------------------------------------------

    /// A live pause of the bot (`$1`) at `$2`.
    BUDGET_PAUSED_UNTIL =
        "SELECT until_ms FROM send_budget_pauses WHERE bot = $1 AND until_ms > $2";
    /// Takes the chat's message when its interval (`$4` ms) passed since the
    /// last one; no row back: not yet.
    BUDGET_TAKE_CHAT =
        "INSERT INTO send_budget_chats AS c (bot, chat_id, last_sent_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (bot, chat_id) DO UPDATE SET last_sent_ms = excluded.last_sent_ms \
         WHERE c.last_sent_ms <= $3 - $4 RETURNING last_sent_ms";
    BUDGET_CHAT_LAST_SENT =
        "SELECT last_sent_ms FROM send_budget_chats WHERE bot = $1 AND chat_id = $2";
    /// Counts one grant in the bot's second `$2` while under the cap `$3`;
    /// no row back: the second is full.
    BUDGET_TAKE_SECOND =
        "INSERT INTO send_budget_seconds AS s (bot, second, used) VALUES ($1, $2, 1) \
         ON CONFLICT (bot, second) DO UPDATE SET used = s.used + 1 \
         WHERE s.used < $3 RETURNING used";
    /// A pause only ever lengthens.
    BUDGET_PAUSE =
        "INSERT INTO send_budget_pauses AS p (bot, until_ms) VALUES ($1, $2) \
         ON CONFLICT (bot) DO UPDATE SET until_ms = GREATEST(p.until_ms, excluded.until_ms)";
    BUDGET_FORGET_CHATS = "DELETE FROM send_budget_chats WHERE last_sent_ms <= $1";
    BUDGET_FORGET_SECONDS = "DELETE FROM send_budget_seconds WHERE second < $1";
    BUDGET_FORGET_PAUSES = "DELETE FROM send_budget_pauses WHERE until_ms <= $1";

    // The update inbox and chat leases: `sql/inbox.rs`.

    // ----- Staff access ---------------------------------------------------

    /// Oldest first from the `(user_id, failed_at_ms)` index, no sort.
    FAILED_PINS_AFTER =
        "SELECT failed_at_ms FROM staff_access_failed_pins \
         WHERE user_id = $1 AND failed_at_ms > $2 ORDER BY failed_at_ms";
    /// Every user's, oldest first from the `failed_at_ms` index, no sort.
    ALL_FAILED_PINS_AFTER = "SELECT failed_at_ms FROM staff_access_failed_pins \
         WHERE failed_at_ms > $1 ORDER BY failed_at_ms";
    INSERT_FAILED_PIN =
        "INSERT INTO staff_access_failed_pins (user_id, failed_at_ms, forget_at_ms) \
         VALUES ($1, $2, $3)";
    DELETE_FAILED_PINS_OF_USER = "DELETE FROM staff_access_failed_pins WHERE user_id = $1";
    /// A new sign-in replaces the session whatever it was, one version on.
    UPSERT_STAFF_SESSION =
        "INSERT INTO staff_access_sessions (user_id, until_ms, credential, version) \
         VALUES ($1, $2, $3, 1) \
         ON CONFLICT (user_id) DO UPDATE SET until_ms = excluded.until_ms, \
         credential = excluded.credential, version = staff_access_sessions.version + 1";
    /// An ended session, or one opened with another credential, reads as
    /// absent even before the purge removes it.
    LIVE_STAFF_SESSION = "SELECT until_ms, version FROM staff_access_sessions \
         WHERE user_id = $1 AND until_ms > $2 AND credential = $3";
    /// Removes the session of the version read, an ended one too; the
    /// caller tells them apart by its end, and a missing row from a newer
    /// one with `STAFF_SESSION_VERSION`.
    DELETE_STAFF_SESSION = "DELETE FROM staff_access_sessions \
         WHERE user_id = $1 AND version = $2 RETURNING until_ms";
    STAFF_SESSION_VERSION = "SELECT version FROM staff_access_sessions WHERE user_id = $1";
    /// "Record unless remembered" in one statement: a new row, or the
    /// replacement of a forgotten one, returns the user; a remembered one
    /// is left alone and returns nothing.
    RECORD_REFUSAL =
        "INSERT INTO staff_access_refusals (user_id, refused_at_ms, forget_at_ms) \
         VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE \
         SET refused_at_ms = excluded.refused_at_ms, forget_at_ms = excluded.forget_at_ms \
         WHERE staff_access_refusals.forget_at_ms <= excluded.refused_at_ms \
         RETURNING user_id";
    PURGE_FAILED_PINS = "DELETE FROM staff_access_failed_pins WHERE forget_at_ms <= $1";
    PURGE_STAFF_SESSIONS = "DELETE FROM staff_access_sessions WHERE until_ms <= $1";
    PURGE_REFUSALS = "DELETE FROM staff_access_refusals WHERE forget_at_ms <= $1";
    PURGE_STAFF_INVITATIONS = "DELETE FROM staff_invitations WHERE expires_at_ms <= $1";
    INSERT_STAFF_INVITATION =
        "INSERT INTO staff_invitations (code_hash, staff_id, expires_at_ms) VALUES ($1, $2, $3)";
    /// Deletes a live invitation and returns its staff member: the use.
    TAKE_STAFF_INVITATION = "DELETE FROM staff_invitations WHERE code_hash = $1 \
                             AND expires_at_ms > $2 RETURNING staff_id";
    /// A new link replaces an earlier one; a link without a language keeps
    /// the one recorded.
    LINK_STAFF_ACCOUNT = "INSERT INTO staff_accounts (user_id, staff_id, language) \
                          VALUES ($1, $2, $3) \
                          ON CONFLICT (user_id) DO UPDATE SET staff_id = excluded.staff_id, \
                          language = coalesce(excluded.language, staff_accounts.language)";
    STAFF_ACCOUNTS = "SELECT user_id, staff_id, language FROM staff_accounts ORDER BY user_id";
    SET_STAFF_LANGUAGE = "INSERT INTO staff_accounts (user_id, language) VALUES ($1, $2) \
                          ON CONFLICT (user_id) DO UPDATE SET language = $2";
}

#[cfg(all(test, feature = "test-db"))]
// Helpers of the tests: a panic is a failed assertion.
#[allow(clippy::unwrap_used)]
mod tests;

#[cfg(test)]
mod tidy;
