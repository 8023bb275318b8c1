-- Level 7: lifecycle housekeeping.
--
-- Two new notice kinds: `confirmation_reminder` (to staff, `before_min`
-- before a pending booking's confirmation deadline) and `expired` (the
-- system cancelled a pending booking nobody confirmed in time). SQLite
-- cannot alter a CHECK constraint, so `notifications` is rebuilt the way
-- SQLite's documentation describes: create the new table, copy every row
-- with its id, drop the old table, rename the new one, and create every
-- index of the old table again (levels 1 and 2). No other table, trigger or
-- view refers to `notifications`, so nothing else needs rebuilding.
--
-- `id` is AUTOINCREMENT: ids of deleted notifications (erasure deletes a
-- customer's) are never reused. The copy would only carry the highest id
-- still present, so the counter is carried over from the old table too.

CREATE TABLE notifications_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id         INTEGER NOT NULL REFERENCES bookings (id),
    recipient_kind     TEXT    NOT NULL CHECK (recipient_kind IN ('customer', 'staff')),
    recipient_id       INTEGER NOT NULL CHECK (recipient_id > 0),
    kind               TEXT    NOT NULL CHECK (kind IN ('new_booking', 'confirmed', 'cancelled',
                           'rescheduled', 'customer_reminder', 'staff_reminder',
                           'confirmation_reminder', 'expired')),
    -- For `new_booking`: whether the booking awaits staff confirmation.
    awaiting_confirmation INTEGER CHECK (awaiting_confirmation IN (0, 1)),
    -- For reminders: how long before the visit (for `confirmation_reminder`:
    -- before the confirmation deadline).
    before_min         INTEGER CHECK (before_min >= 0),
    due_at_ms          INTEGER NOT NULL,
    state              TEXT    NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'withdrawn')),
    -- When it was sent or failed for good.
    settled_at_ms      INTEGER,
    failure_reason     TEXT,
    attempts           INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at_ms INTEGER NOT NULL,
    CHECK ((kind = 'new_booking') = (awaiting_confirmation IS NOT NULL)),
    CHECK ((kind IN ('customer_reminder', 'staff_reminder', 'confirmation_reminder'))
           = (before_min IS NOT NULL)),
    CHECK ((state IN ('sent', 'failed')) = (settled_at_ms IS NOT NULL)),
    CHECK ((state = 'failed') = (failure_reason IS NOT NULL))
) STRICT;

INSERT INTO notifications_new (id, booking_id, recipient_kind, recipient_id, kind,
                               awaiting_confirmation, before_min, due_at_ms, state,
                               settled_at_ms, failure_reason, attempts, next_attempt_at_ms)
SELECT id, booking_id, recipient_kind, recipient_id, kind, awaiting_confirmation, before_min,
       due_at_ms, state, settled_at_ms, failure_reason, attempts, next_attempt_at_ms
FROM notifications;

-- The copy created the new table's counter (when it copied a row); make it
-- the old table's, which is at least as high. With no counter yet (nothing
-- was ever stored), there is nothing to carry.
INSERT INTO sqlite_sequence (name, seq)
SELECT 'notifications_new', seq FROM sqlite_sequence
WHERE name = 'notifications'
  AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'notifications_new');
UPDATE sqlite_sequence
SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'notifications'))
WHERE name = 'notifications_new'
  AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'notifications');

DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;

-- Level 1's indexes, as they were.
-- The dispatcher's poll: pending ones by next attempt. Partial, so sent
-- history does not grow the index it polls.
CREATE INDEX notifications_due ON notifications (next_attempt_at_ms, id) WHERE state = 'pending';
CREATE INDEX notifications_by_booking ON notifications (booking_id);
-- Erasure deletes the notifications addressed to a customer.
CREATE INDEX notifications_by_recipient ON notifications (recipient_kind, recipient_id);
-- Level 2's: the outbox backlog for monitoring.
CREATE INDEX notifications_pending_by_due ON notifications (due_at_ms) WHERE state = 'pending';

-- The lifecycle sweep runs every minute. It reads the pending bookings made
-- by some time (the expired requests) and the confirmed bookings ended by
-- some time (the visits to complete). Partial indexes on those statuses
-- keep both reads a range of a small index: active bookings are a sliver of
-- the history, and a closed booking leaves the index.
CREATE INDEX bookings_pending_by_created ON bookings (created_at_ms) WHERE status = 'pending';
CREATE INDEX bookings_confirmed_by_end ON bookings (end_ms) WHERE status = 'confirmed';
