-- Level 5: the update inbox. Every update a bot receives is recorded here
-- before Telegram is told it arrived (long polling: before the offset moves
-- past it; webhooks: before the 200), and marked finished once its handler
-- ran. A crash therefore loses nothing a customer did: at the next start the
-- unfinished updates are handled first. A redelivered update (same bot, same
-- update_id) finds its row and is dropped, so it is handled once.
--
-- `raw` is the update as Telegram sent it: customer data (names, phones,
-- texts, typed PINs). It is emptied when the update is finished; the row
-- then keeps only the id, for deduplication, until the hourly purge removes
-- it a day later (`finished_at_ms`). With `secure_delete` on, the emptied
-- text is zeroed in the file.
--
-- `attempts` counts hand-offs to the handlers: 1 when recorded, one more at
-- each start that hands it back. An update still unfinished after three
-- (it crashes the process every time) is given up, logged by id only.
CREATE TABLE update_inbox (
    bot            TEXT    NOT NULL,
    update_id      INTEGER NOT NULL CHECK (update_id >= 0),
    raw            TEXT    NOT NULL,
    received_at_ms INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 0),
    finished_at_ms INTEGER,
    PRIMARY KEY (bot, update_id),
    -- A finished row holds no customer data.
    CHECK (finished_at_ms IS NULL OR raw = '')
) WITHOUT ROWID;

-- A start reads a bot's unfinished updates in id order: a range of this
-- small index, however many finished ids the table still keeps.
CREATE INDEX update_inbox_unfinished ON update_inbox (bot, update_id)
    WHERE finished_at_ms IS NULL;
-- The purge reads finished rows by age.
CREATE INDEX update_inbox_finished ON update_inbox (finished_at_ms)
    WHERE finished_at_ms IS NOT NULL;
