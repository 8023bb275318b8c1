-- A new booking in one statement.
--
-- A booking was five round trips to the server: BEGIN; the customer's and
-- the staff member's advisory locks; the insert that counts the customer's
-- active bookings; the booking's notices; COMMIT. On a server that shares
-- its cores with the instances, each round trip is a wake-up on both sides
-- (figure 6 of docs/BENCHMARKS.md). `create_booking_under_limit` does the
-- same work in one call: the store calls it outside any explicit
-- transaction, so the call's statement is the transaction, and the locks
-- are held until it commits.
--
-- Why the locks still come first and the count still sees the previous
-- holder's booking: a VOLATILE function (the default) takes a fresh
-- snapshot for each statement it runs, under the server's default READ
-- COMMITTED, so the counting insert, which starts after the locks were
-- granted, sees every booking committed before that, as the separate
-- statements did (PostgreSQL manual, "Function Volatility Categories").
-- Lock keys are folded by the caller (`fold_lock_key`), classes 1 and 4 as
-- in `LOCK_CUSTOMER_AND_STAFF_BOOKINGS`.
--
-- The insert is `INSERT_BOOKING_UNDER_LIMIT` of `src/sql.rs` with its
-- parameters named and the id always the sequence's next (the reschedule keeps using that statement, and its plan
-- check covers the count's index); the notices are one row per element of
-- the arrays, as `INSERT_NOTIFICATIONS_HEAD` completed with VALUES would
-- insert them. NULL back means the customer's active bookings are at the
-- limit and nothing was written. A taken time fails the call with the
-- exclusion constraint's 23P01, a deadlock with 40P01, as before.
CREATE FUNCTION create_booking_under_limit(
    customer_lock             integer,
    staff_lock                integer,
    new_customer_id           bigint,
    new_service_id            bigint,
    new_staff_id              bigint,
    new_start_ms              bigint,
    new_end_ms                bigint,
    new_buffer_before_min     bigint,
    new_buffer_after_min      bigint,
    new_comment               text,
    new_status                text,
    new_rescheduled_from_id   bigint,
    new_created_at_ms         bigint,
    now_ms                    bigint,
    max_active                bigint,
    new_booked_name           text,
    new_booked_phone          text,
    new_price_minor           bigint,
    new_currency              text,
    new_created_by            text,
    notice_recipient_kinds    text[],
    notice_recipient_ids      bigint[],
    notice_kinds              text[],
    notice_awaiting           boolean[],
    notice_before_min         bigint[],
    notice_due_at_ms          bigint[]
) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    created_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(1, customer_lock), pg_advisory_xact_lock(4, staff_lock);

    INSERT INTO bookings (id, customer_id, service_id, staff_id, start_ms, end_ms,
        buffer_before_min, buffer_after_min, comment, status, cancelled_by,
        cancelled_by_staff_id, cancel_reason, cancelled_at_ms, rescheduled_to_id,
        rescheduled_from_id, attendance_confirmed_at_ms, version, created_at_ms,
        booked_name, booked_phone, price_minor, currency, created_by, confirmed_by,
        confirmed_at_ms, closed_by, closed_at_ms)
    SELECT nextval(pg_get_serial_sequence('bookings', 'id')), new_customer_id,
        new_service_id, new_staff_id, new_start_ms, new_end_ms, new_buffer_before_min,
        new_buffer_after_min, new_comment, new_status, NULL, NULL, NULL, NULL, NULL,
        new_rescheduled_from_id, NULL, 1, new_created_at_ms, new_booked_name, new_booked_phone,
        new_price_minor, new_currency, new_created_by, NULL, NULL, NULL, NULL
    WHERE (SELECT count(*) FROM bookings AS b
           WHERE b.customer_id = new_customer_id AND b.status IN ('pending', 'confirmed')
             AND b.end_ms > now_ms AND b.start_ms > now_ms - 86400000) < max_active
    RETURNING id INTO created_id;

    IF created_id IS NULL THEN
        RETURN NULL;
    END IF;

    INSERT INTO notifications (booking_id, recipient_kind, recipient_id, kind,
        awaiting_confirmation, before_min, due_at_ms, state, attempts, next_attempt_at_ms)
    SELECT created_id, n.recipient_kind, n.recipient_id, n.kind, n.awaiting, n.before_min,
        n.due_at_ms, 'pending', 0, n.due_at_ms
    FROM unnest(notice_recipient_kinds, notice_recipient_ids, notice_kinds, notice_awaiting,
                notice_before_min, notice_due_at_ms)
         AS n (recipient_kind, recipient_id, kind, awaiting, before_min, due_at_ms);

    RETURN created_id;
END
$$;
