-- Level 8: a booking's audit trail.
--
-- Who made a booking, who confirmed it and who closed it (completed,
-- marked a no-show, cancelled, expired or moved it), and when. An actor is
-- stored as text: `customer`, `system`, `staff:<role>:<user>` or
-- `staff:<role>:<user>:<staff member>`, where <role> is `owner`, `manager`
-- or `staff` and <user> the Telegram id the staff user signed in with. The
-- adapter parses it strictly; the CHECKs only keep out what is plainly not
-- an actor.
--
-- Bookings stored before this level have no trail: every column is NULL,
-- which reads back as "not known". Cancellations keep their own
-- `cancelled_by` columns (who cancelled, as the customer sees it); the
-- trail records the account that did it.

ALTER TABLE bookings ADD COLUMN created_by TEXT
    CHECK (created_by IN ('customer', 'system') OR created_by GLOB 'staff:[a-z]*:[0-9]*');
ALTER TABLE bookings ADD COLUMN confirmed_by TEXT
    CHECK (confirmed_by IN ('customer', 'system') OR confirmed_by GLOB 'staff:[a-z]*:[0-9]*');
ALTER TABLE bookings ADD COLUMN confirmed_at_ms INTEGER
    CHECK ((confirmed_at_ms IS NULL) = (confirmed_by IS NULL));
ALTER TABLE bookings ADD COLUMN closed_by TEXT
    CHECK (closed_by IN ('customer', 'system') OR closed_by GLOB 'staff:[a-z]*:[0-9]*');
ALTER TABLE bookings ADD COLUMN closed_at_ms INTEGER
    CHECK ((closed_at_ms IS NULL) = (closed_by IS NULL));
