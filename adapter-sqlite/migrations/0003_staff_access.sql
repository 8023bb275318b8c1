-- Level 3: staff access in tables of its own.
--
-- Up to level 2 the admin bot kept, per Telegram user, its wrong PINs, its
-- session and an "already refused" mark as one JSON document in
-- `conversations` under the bot name `admin-auth`: a fake conversation that
-- the conversation purge, backups and the store's readers had to know
-- about. They are three facts with lifetimes of their own, now in three
-- tables behind the `StaffAccessStore` port. `user_id` is the person as the
-- staff adapter identifies them (the Telegram user id), staff or not.
--
-- Every row carries the instant after which it no longer matters
-- (`forget_at_ms`, or a session's end), so one indexed DELETE per table
-- purges what expired, like `conversations_by_expiry`.

-- Wrong PINs, counted towards a lockout while they are inside the lockout
-- window. No key: two at the same millisecond are two attempts.
CREATE TABLE staff_access_failed_pins (
    user_id      INTEGER NOT NULL,
    failed_at_ms INTEGER NOT NULL,
    forget_at_ms INTEGER NOT NULL
) STRICT;

-- The count for one user inside the window is a range of this index.
CREATE INDEX staff_access_failed_pins_by_user ON staff_access_failed_pins (user_id, failed_at_ms);
CREATE INDEX staff_access_failed_pins_by_expiry ON staff_access_failed_pins (forget_at_ms);

-- One sign-in session per user; it reads as absent once `until_ms <= now`.
CREATE TABLE staff_access_sessions (
    user_id  INTEGER PRIMARY KEY,
    until_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX staff_access_sessions_by_end ON staff_access_sessions (until_ms);

-- People refused once, remembered (a year, in the admin bot) so that a
-- stranger hears the refusal once. The primary key makes "record the first
-- refusal" one atomic upsert.
CREATE TABLE staff_access_refusals (
    user_id       INTEGER PRIMARY KEY,
    refused_at_ms INTEGER NOT NULL,
    forget_at_ms  INTEGER NOT NULL
) STRICT;

CREATE INDEX staff_access_refusals_by_expiry ON staff_access_refusals (forget_at_ms);

-- The old records are moved, not dropped: a lockout and a session survive a
-- restart, and an upgrade is a restart, so dropping them would hand a
-- locked-out guesser fresh attempts and sign every member of staff out.
--
-- An old record is `{"failures": [RFC 3339 instants], "session_until":
-- instant or null, "refused": bool}` (chrono's serde format, which
-- SQLite's `unixepoch(.., 'subsec')` reads to the millisecond), with the
-- record's expiry in `expires_at_ms`. A refused record carried its refusal
-- time as `failures[0]`. Every failure is moved as a failure, that one
-- included, because that is how the old code counted it; each is forgotten
-- when its whole record would have expired. A record that is not valid JSON
-- was already read as "nothing recorded" by the admin bot and is dropped
-- with the rest; instants that do not parse are skipped.
INSERT INTO staff_access_failed_pins (user_id, failed_at_ms, forget_at_ms)
WITH old AS (
    SELECT chat_id, CASE WHEN json_valid(state) THEN state ELSE '{}' END AS state, expires_at_ms
    FROM conversations WHERE bot = 'admin-auth'
)
SELECT old.chat_id, CAST(round(unixepoch(failure.value, 'subsec') * 1000) AS INTEGER),
       old.expires_at_ms
FROM old, json_each(old.state, '$.failures') AS failure
WHERE failure.type = 'text' AND unixepoch(failure.value, 'subsec') IS NOT NULL;

INSERT INTO staff_access_sessions (user_id, until_ms)
WITH old AS (
    SELECT chat_id, CASE WHEN json_valid(state) THEN state ELSE '{}' END AS state
    FROM conversations WHERE bot = 'admin-auth'
)
SELECT chat_id, CAST(round(unixepoch(json_extract(state, '$.session_until'), 'subsec') * 1000) AS INTEGER)
FROM old
WHERE unixepoch(json_extract(state, '$.session_until'), 'subsec') IS NOT NULL;

-- A refusal is remembered for 365 days (31,536,000,000 ms) from the time
-- it rode on, or from a year before its record's expiry when that is
-- missing (the expiry was at least that late).
INSERT INTO staff_access_refusals (user_id, refused_at_ms, forget_at_ms)
WITH old AS (
    SELECT chat_id, CASE WHEN json_valid(state) THEN state ELSE '{}' END AS state, expires_at_ms
    FROM conversations WHERE bot = 'admin-auth'
),
refused AS (
    SELECT chat_id,
           coalesce(
               CAST(round(unixepoch(json_extract(state, '$.failures[0]'), 'subsec') * 1000) AS INTEGER),
               expires_at_ms - 31536000000
           ) AS refused_at_ms
    FROM old
    WHERE json_extract(state, '$.refused') = 1
)
SELECT chat_id, refused_at_ms, refused_at_ms + 31536000000 FROM refused;

DELETE FROM conversations WHERE bot = 'admin-auth';
