-- Level 13: the chat of each update, and chat leases.
--
-- Several instances sharing one store (PostgreSQL, its level 4) handle each
-- chat's updates in order on one instance at a time: the instance holding
-- the chat's lease. SQLite has one process per database (the run lock), so
-- it hands unfinished updates back at a start as before; the tables keep the
-- inbox's contract the same on every store.
--
-- `chat_id` is the chat an update came from; an update without a chat, and
-- every update recorded before this level, is under chat 0 (Telegram never
-- uses it), so those are ordered in id order as one chat. `taken_by` is the
-- holder that last took the update through its chat's lease: a take by
-- another holder (the first one died before finishing it) counts an attempt,
-- so an update that kills every instance is given up after three.
ALTER TABLE update_inbox ADD COLUMN chat_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE update_inbox ADD COLUMN taken_by TEXT;

-- A chat's unfinished updates in id order, and the chats to take over.
CREATE INDEX update_inbox_unfinished_by_chat ON update_inbox (bot, chat_id, update_id)
    WHERE finished_at_ms IS NULL;

-- One row per chat being handled: who handles it, until when. The holder
-- renews its leases every few seconds and deletes a lease once the chat is
-- drained; a lease that ran out (its holder died) is taken over. Leases are
-- not business data: `booking migrate-store` does not copy them.
CREATE TABLE chat_leases (
    bot      TEXT    NOT NULL,
    chat_id  INTEGER NOT NULL,
    holder   TEXT    NOT NULL CHECK (holder <> ''),
    until_ms INTEGER NOT NULL,
    PRIMARY KEY (bot, chat_id)
) STRICT, WITHOUT ROWID;

-- Renewal reads one holder's leases.
CREATE INDEX chat_leases_by_holder ON chat_leases (holder);
