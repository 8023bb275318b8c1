-- Level 11: claims on pending notifications, so a dispatcher records the
-- outcome of only what it claimed.
--
-- A dispatcher claims due notifications before sending them: `claims`
-- counts the claims (the latest one's number is what the dispatcher records
-- its outcome with, so a dispatcher that lost its claim cannot overwrite the
-- next one's record) and `claimed_until_ms` is when the latest claim's lease
-- ends (NULL once the outcome is recorded or the claim released). One
-- process uses a SQLite database (the run lock), and it releases every claim
-- when it starts, so a crash leaves nothing waiting for a lease; the columns
-- keep the outbox's contract the same on every store.
--
-- The due index (pending, by next attempt) still serves the claim query:
-- pending rows under a live claim are few, at most the batches in flight.

ALTER TABLE notifications ADD COLUMN claims INTEGER NOT NULL DEFAULT 0 CHECK (claims >= 0);
ALTER TABLE notifications ADD COLUMN claimed_until_ms INTEGER;
