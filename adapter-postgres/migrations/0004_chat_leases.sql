-- Level 4: the chat of each update, and chat leases (SQLite's level 13), so
-- several instances share the inbox: each chat's updates are handled in
-- order by the one instance holding the chat's lease, and a chat whose
-- holder died is taken over once its lease ran out.
--
-- `chat_id` is the chat an update came from; an update without a chat, and
-- every update recorded before this level, is under chat 0 (Telegram never
-- uses it), so those are ordered in id order as one chat. A constant
-- default adds the column without rewriting the table. `taken_by` is the
-- holder that last took the update through its chat's lease: a take by
-- another holder (the first died before finishing it) counts an attempt,
-- so an update that kills every instance is given up after three.
ALTER TABLE update_inbox ADD COLUMN chat_id bigint NOT NULL DEFAULT 0;
ALTER TABLE update_inbox ADD COLUMN taken_by text;

-- A chat's unfinished updates in id order, the drained check of a release,
-- and the chats to take over.
CREATE INDEX update_inbox_unfinished_by_chat ON update_inbox (bot, chat_id, update_id)
    WHERE finished_at_ms IS NULL;

-- One row per chat being handled: who handles it, until when. The holder
-- renews its leases every few seconds and deletes a lease once the chat is
-- drained. Logged, unlike the sending budget: after a crash of the server
-- an empty table would let a second instance take a chat its holder is
-- still handling. Not business data: `booking migrate-store` does not copy
-- it.
CREATE TABLE chat_leases (
    bot      text   NOT NULL,
    chat_id  bigint NOT NULL,
    holder   text   NOT NULL CHECK (holder <> ''),
    until_ms bigint NOT NULL,
    PRIMARY KEY (bot, chat_id)
);

-- Renewal reads one holder's leases.
CREATE INDEX chat_leases_by_holder ON chat_leases (holder);
