-- Level 4: a session remembers the credential it was opened with, and wrong
-- PINs are counted across users.
--
-- `credential` is the salt of the PIN hash the session was opened with (a
-- non-secret tag, not the hash). Changing the PIN writes a new hash with a
-- new salt, so every session opened with the old PIN reads as absent, even
-- when the PIN changed while the service was down. Sessions from before this
-- level have no credential and read as absent: staff sign in once more after
-- the upgrade, which is the price of not trusting a session whose PIN is
-- unknown.
ALTER TABLE staff_access_sessions ADD COLUMN credential TEXT NOT NULL DEFAULT '';

-- Many accounts guessing at once pause PIN checks for everyone: the count of
-- recent wrong PINs of every user is a range of this index.
CREATE INDEX staff_access_failed_pins_by_time ON staff_access_failed_pins (failed_at_ms);
