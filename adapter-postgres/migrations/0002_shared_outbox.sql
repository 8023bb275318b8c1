-- Level 2: what several dispatchers, in several `booking run` instances,
-- need to share the outbox: claims on pending notifications (SQLite's level
-- 11) and Telegram's sending budget.
--
-- Claims. A dispatcher claims due notifications with `FOR UPDATE SKIP
-- LOCKED`: `claims` counts the claims (a dispatcher records its outcome with
-- the latest one's number, so one that lost its claim after a stall cannot
-- overwrite the next one's record) and `claimed_until_ms` is when the
-- latest claim's lease ends (NULL once the outcome is recorded or the claim
-- released). A dead instance's claims are claimed again when their lease
-- ends. The due index (pending, by next attempt) serves the claim query:
-- the pending rows under a live claim are at most the batches in flight.

ALTER TABLE notifications ADD COLUMN claims bigint NOT NULL DEFAULT 0 CHECK (claims >= 0);
ALTER TABLE notifications ADD COLUMN claimed_until_ms bigint;

-- The sending budget: the last message granted to each chat, the grants of
-- each bot in each second of the clock, and each bot's flood-control pause.
-- A grant is one transaction of conditional upserts (a refusal rolls back),
-- so instances asking at once never share a chat's message or a second's
-- last grant. UNLOGGED: the budget is worth seconds, so it is not worth a
-- WAL write per message; a crash or a failover empties it, which at worst
-- lets one burst meet Telegram's own 429 (handled as flood control). The
-- dispatcher trims rows older than any limit about once a minute.

CREATE UNLOGGED TABLE send_budget_chats (
    bot          text   NOT NULL,
    chat_id      bigint NOT NULL,
    last_sent_ms bigint NOT NULL,
    PRIMARY KEY (bot, chat_id)
);

CREATE UNLOGGED TABLE send_budget_seconds (
    bot    text   NOT NULL,
    second bigint NOT NULL,
    used   bigint NOT NULL CHECK (used > 0),
    PRIMARY KEY (bot, second)
);

CREATE UNLOGGED TABLE send_budget_pauses (
    bot      text   PRIMARY KEY,
    until_ms bigint NOT NULL
);
