-- Level 3: versions that fence the writes several instances may race on
-- (issue 17, item 7); SQLite's level 12 does the same.
--
-- A conversation is saved, and deleted, only if its version is still the
-- one the writer loaded; a save stores the next version. A staff session is
-- ended only if its version is still the one the sign-out read; a sign-in
-- replaces the session whatever it was and stores the next version. So an
-- instance that lost a chat to another one while it was stalled cannot
-- overwrite what the other wrote since, and a sign-out cannot end a newer
-- sign-in.
--
-- Rows stored before this level start at version 1 (0 means "none
-- stored"). A constant default makes ADD COLUMN a catalog change: no table
-- rewrite. Level 2 is taken by the notification outbox's claims, built at
-- the same time on another branch.

ALTER TABLE conversations ADD COLUMN version bigint NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE staff_access_sessions ADD COLUMN version bigint NOT NULL DEFAULT 1 CHECK (version >= 1);
