-- Schema level 1: the catalog, customers, bookings, conversations and the
-- notification outbox.
--
-- Released migrations are never edited: sqlx stores a checksum of each one
-- and refuses to open a database whose applied migrations differ. A change
-- is a new file with the next number.
--
-- Conventions:
-- * Instants are INTEGER Unix milliseconds UTC, in columns ending `_ms`.
--   Integers compare and index as numbers (no text-format ambiguity, no time
--   zone), the overlap trigger below is plain arithmetic, and a millisecond
--   is finer than anything a booking needs while still being what most
--   tools read (`datetime(x / 1000, 'unixepoch')`).
-- * Durations are INTEGER minutes (`_min`), as the domain's `Minutes`.
-- * Local dates (overrides) are TEXT `YYYY-MM-DD`, local times of day are
--   INTEGER minutes since midnight (0 to 1440), as the domain's
--   `LocalTimeRange`: they are wall-clock readings in the business's time
--   zone, not instants.
-- * Tables are STRICT, so a value of the wrong type is refused on write
--   instead of being read back as something the domain cannot parse.
-- * CHECK constraints repeat the domain's invariants that a row can break
--   on its own. The adapter still converts every row through the domain's
--   constructors; the checks are what keeps other writers (a migration, an
--   operator with the sqlite3 shell) honest.

-- Staff members. `active = 0` keeps the history but gets no new bookings.
CREATE TABLE staff (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    name    TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 400),
    active  INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT;

-- Weekly working hours: several periods per weekday (a break is a gap).
-- `weekday` is 0 for Monday to 6 for Sunday.
CREATE TABLE staff_hours (
    staff_id     INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL CHECK (start_minute >= 0),
    end_minute   INTEGER NOT NULL CHECK (end_minute <= 1440 AND start_minute < end_minute),
    PRIMARY KEY (staff_id, weekday, start_minute)
) STRICT, WITHOUT ROWID;

-- Services. Prices are integer minor units (cents) with an ISO 4217 code.
CREATE TABLE services (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 400),
    duration_min     INTEGER NOT NULL CHECK (duration_min > 0),
    price_minor      INTEGER NOT NULL CHECK (price_minor >= 0),
    currency         TEXT    NOT NULL CHECK (length(currency) = 3),
    buffer_before_min INTEGER NOT NULL CHECK (buffer_before_min >= 0),
    buffer_after_min INTEGER NOT NULL CHECK (buffer_after_min >= 0),
    active           INTEGER NOT NULL CHECK (active IN (0, 1)),
    CHECK (duration_min + buffer_before_min + buffer_after_min <= 1440)
) STRICT;

-- Who performs which service.
CREATE TABLE service_performers (
    service_id INTEGER NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    staff_id   INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    PRIMARY KEY (service_id, staff_id)
) STRICT, WITHOUT ROWID;

-- "Which services does this staff member perform" walks the second column.
CREATE INDEX service_performers_by_staff ON service_performers (staff_id, service_id);

-- Exceptions to the weekly hours on one local date, for one staff member or,
-- with `staff_id` NULL, for the whole business. `closed = 1` means nobody it
-- applies to works; otherwise its periods are in `date_override_periods`
-- (an open override with no periods is refused by the adapter when read).
CREATE TABLE date_overrides (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    date     TEXT    NOT NULL CHECK (date = strftime('%Y-%m-%d', date)),
    staff_id INTEGER REFERENCES staff (id) ON DELETE CASCADE,
    closed   INTEGER NOT NULL CHECK (closed IN (0, 1))
) STRICT;

-- At most one override per date and staff member, and one business-wide
-- override per date: NULLs are distinct in a UNIQUE constraint, so the
-- business-wide key is spelled 0, which is never a staff id.
CREATE UNIQUE INDEX date_overrides_one_per_day ON date_overrides (date, ifnull(staff_id, 0));

CREATE TABLE date_override_periods (
    override_id  INTEGER NOT NULL REFERENCES date_overrides (id) ON DELETE CASCADE,
    start_minute INTEGER NOT NULL CHECK (start_minute >= 0),
    end_minute   INTEGER NOT NULL CHECK (end_minute <= 1440 AND start_minute < end_minute),
    PRIMARY KEY (override_id, start_minute)
) STRICT, WITHOUT ROWID;

-- Blocked periods (a day off, a holiday), for one staff member or, with
-- `staff_id` NULL, for everyone. At most 367 days long, which bounds the
-- range search for the blocks overlapping a period (see the adapter).
CREATE TABLE time_off (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    staff_id INTEGER REFERENCES staff (id) ON DELETE CASCADE,
    start_ms INTEGER NOT NULL,
    end_ms   INTEGER NOT NULL CHECK (start_ms < end_ms AND end_ms - start_ms <= 367 * 86400000),
    reason   TEXT
) STRICT;

CREATE INDEX time_off_by_start ON time_off (start_ms);

-- Customer profiles: personal data, deleted on erasure. The id is the
-- embedder's (the Telegram deployment uses the Telegram user id), so it is
-- not generated here. Phones are E.164 text.
CREATE TABLE customers (
    id             INTEGER PRIMARY KEY CHECK (id > 0),
    name           TEXT    NOT NULL,
    phone          TEXT    NOT NULL,
    language       TEXT,
    consented_at_ms INTEGER NOT NULL
) STRICT;

-- Bookings. Rows are never deleted: erasure removes the link to the customer
-- (`customer_id` NULL) and the comment, and keeps the row for statistics.
-- That is also why `customer_id` has no foreign key to `customers`: a
-- booking outlives its customer's profile.
--
-- Ids are AUTOINCREMENT so an id is never reused: a stale button in a chat
-- that names booking 17 must never reach a different booking.
--
-- `buffer_*_min` are the service's buffers when it was booked (editing the
-- service later does not move the time this booking keeps free), and
-- `occupied_*_ms` the time the booking keeps its staff member busy: the
-- visit plus those buffers.
--
-- A booking lasts at most one day and each buffer at most one day (a
-- service, buffers included, fits in a day), so an occupied interval is at
-- most three days long. The range searches below rely on that bound, which
-- is why it is a CHECK and not only a domain rule.
CREATE TABLE bookings (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id        INTEGER CHECK (customer_id > 0),
    service_id         INTEGER NOT NULL REFERENCES services (id),
    staff_id           INTEGER NOT NULL REFERENCES staff (id),
    start_ms           INTEGER NOT NULL,
    end_ms             INTEGER NOT NULL,
    buffer_before_min  INTEGER NOT NULL CHECK (buffer_before_min BETWEEN 0 AND 1440),
    buffer_after_min   INTEGER NOT NULL CHECK (buffer_after_min BETWEEN 0 AND 1440),
    occupied_start_ms  INTEGER GENERATED ALWAYS AS (start_ms - buffer_before_min * 60000) VIRTUAL,
    occupied_end_ms    INTEGER GENERATED ALWAYS AS (end_ms + buffer_after_min * 60000) VIRTUAL,
    comment            TEXT,
    -- Pending and confirmed bookings are *active*: they hold their slot.
    status             TEXT    NOT NULL CHECK (status IN
                           ('pending', 'confirmed', 'completed', 'no_show', 'cancelled', 'rescheduled')),
    -- Set exactly when cancelled: who (and which staff member), why, when.
    cancelled_by       TEXT    CHECK (cancelled_by IN ('customer', 'staff', 'system')),
    cancelled_by_staff_id INTEGER CHECK (cancelled_by_staff_id > 0),
    cancel_reason      TEXT,
    cancelled_at_ms    INTEGER,
    -- Set exactly when rescheduled: the booking that replaced this one. The
    -- reference is checked at commit (DEFERRABLE) because a reschedule closes
    -- the old booking before it inserts the new one: the other order would
    -- make the new booking collide with the old one it replaces.
    rescheduled_to_id  INTEGER REFERENCES bookings (id) DEFERRABLE INITIALLY DEFERRED,
    rescheduled_from_id INTEGER REFERENCES bookings (id),
    attendance_confirmed_at_ms INTEGER,
    version            INTEGER NOT NULL CHECK (version >= 1),
    created_at_ms      INTEGER NOT NULL,
    CHECK (start_ms < end_ms AND end_ms - start_ms <= 86400000),
    CHECK ((status = 'cancelled') = (cancelled_by IS NOT NULL AND cancelled_at_ms IS NOT NULL)),
    CHECK ((cancelled_by IS 'staff') = (cancelled_by_staff_id IS NOT NULL)),
    CHECK (cancel_reason IS NULL OR status = 'cancelled'),
    CHECK ((status = 'rescheduled') = (rescheduled_to_id IS NOT NULL)),
    CHECK (rescheduled_to_id IS NOT id AND rescheduled_from_id IS NOT id)
) STRICT;

-- Overlap checks and "bookings of a staff member in a period" search this
-- index by range: `staff_id = ? AND occupied_start_ms BETWEEN (from - 3 days)
-- AND to`, then filter on `occupied_end_ms`.
CREATE INDEX bookings_by_staff_occupied ON bookings (staff_id, occupied_start_ms);
-- Day and period views, statistics and the export walk bookings by start;
-- the index also yields them in `(start_ms, id)` order, so an export streams
-- rows without sorting the period first.
CREATE INDEX bookings_by_start ON bookings (start_ms);
-- A customer's bookings, and the active-booking count a new booking checks.
CREATE INDEX bookings_by_customer ON bookings (customer_id, start_ms);
-- Indexes on the referencing side of foreign keys. SQLite looks up the
-- referencing rows when a referenced row is inserted while a deferred
-- violation is outstanding (every reschedule: the old booking names the new
-- one before it exists) and when a referenced key changes; without these it
-- would scan the whole table each time. Partial, because most bookings were
-- never rescheduled.
CREATE INDEX bookings_by_service ON bookings (service_id);
CREATE INDEX bookings_by_rescheduled_to ON bookings (rescheduled_to_id)
    WHERE rescheduled_to_id IS NOT NULL;
CREATE INDEX bookings_by_rescheduled_from ON bookings (rescheduled_from_id)
    WHERE rescheduled_from_id IS NOT NULL;

-- The database itself refuses an overlapping active booking of one staff
-- member, so no code path, present or future, can create one. Both triggers
-- look for another active booking of the same staff member whose occupied
-- interval overlaps the new one (half-open: touching is free). The lower
-- bound on `occupied_start_ms` (three days before the new interval starts,
-- the longest an occupied interval can be) turns the check into a range
-- search of the index above instead of a walk through the staff member's
-- whole history. The adapter maps the message 'slot_taken' (extended code
-- 1811, SQLITE_CONSTRAINT_TRIGGER) to "slot taken".
--
-- SQLite runs one writer at a time, and the check runs inside the writing
-- statement, so two processes racing for one slot are serialised: the second
-- sees the first's booking and is refused.
CREATE TRIGGER bookings_refuse_overlap_on_insert
BEFORE INSERT ON bookings
WHEN NEW.status IN ('pending', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'slot_taken')
    WHERE EXISTS (
        SELECT 1 FROM bookings AS other
        WHERE other.staff_id = NEW.staff_id
          AND other.status IN ('pending', 'confirmed')
          AND other.occupied_start_ms > NEW.start_ms - NEW.buffer_before_min * 60000 - 259200000
          AND other.occupied_start_ms < NEW.end_ms + NEW.buffer_after_min * 60000
          AND other.occupied_end_ms > NEW.start_ms - NEW.buffer_before_min * 60000
    );
END;

-- The same check when an update makes a booking active or moves it. `UPDATE
-- OF` lists every column the occupied interval and activity depend on.
CREATE TRIGGER bookings_refuse_overlap_on_update
BEFORE UPDATE OF staff_id, start_ms, end_ms, buffer_before_min, buffer_after_min, status ON bookings
WHEN NEW.status IN ('pending', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'slot_taken')
    WHERE EXISTS (
        SELECT 1 FROM bookings AS other
        WHERE other.staff_id = NEW.staff_id
          AND other.id <> NEW.id
          AND other.status IN ('pending', 'confirmed')
          AND other.occupied_start_ms > NEW.start_ms - NEW.buffer_before_min * 60000 - 259200000
          AND other.occupied_start_ms < NEW.end_ms + NEW.buffer_after_min * 60000
          AND other.occupied_end_ms > NEW.start_ms - NEW.buffer_before_min * 60000
    );
END;

-- The notification outbox. Rows are written in the same transaction as the
-- booking change that causes them; a dispatcher sends the due ones. The text
-- is rendered at send time from the booking, so only the kind is stored.
CREATE TABLE notifications (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id         INTEGER NOT NULL REFERENCES bookings (id),
    recipient_kind     TEXT    NOT NULL CHECK (recipient_kind IN ('customer', 'staff')),
    recipient_id       INTEGER NOT NULL CHECK (recipient_id > 0),
    kind               TEXT    NOT NULL CHECK (kind IN ('new_booking', 'confirmed', 'cancelled',
                           'rescheduled', 'customer_reminder', 'staff_reminder')),
    -- For `new_booking`: whether the booking awaits staff confirmation.
    awaiting_confirmation INTEGER CHECK (awaiting_confirmation IN (0, 1)),
    -- For reminders: how long before the visit.
    before_min         INTEGER CHECK (before_min >= 0),
    due_at_ms          INTEGER NOT NULL,
    state              TEXT    NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'withdrawn')),
    -- When it was sent or failed for good.
    settled_at_ms      INTEGER,
    failure_reason     TEXT,
    attempts           INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at_ms INTEGER NOT NULL,
    CHECK ((kind = 'new_booking') = (awaiting_confirmation IS NOT NULL)),
    CHECK ((kind IN ('customer_reminder', 'staff_reminder')) = (before_min IS NOT NULL)),
    CHECK ((state IN ('sent', 'failed')) = (settled_at_ms IS NOT NULL)),
    CHECK ((state = 'failed') = (failure_reason IS NOT NULL))
) STRICT;

-- The dispatcher's poll: pending ones by next attempt. Partial, so sent
-- history does not grow the index it polls.
CREATE INDEX notifications_due ON notifications (next_attempt_at_ms, id) WHERE state = 'pending';
CREATE INDEX notifications_by_booking ON notifications (booking_id);
-- Erasure deletes the notifications addressed to a customer.
CREATE INDEX notifications_by_recipient ON notifications (recipient_kind, recipient_id);

-- Dialogue state per bot and chat, opaque to the store. A row with
-- `expires_at_ms <= now` reads as absent; a periodic purge deletes it.
CREATE TABLE conversations (
    bot           TEXT    NOT NULL,
    chat_id       INTEGER NOT NULL,
    state         TEXT    NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (bot, chat_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX conversations_by_expiry ON conversations (expires_at_ms);
