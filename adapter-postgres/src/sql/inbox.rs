//! The statements of the update inbox and of chat leases, declared like the
//! rest of `sql.rs` (whose `ALL` the tests read together with this one's).

statements! {
    // ----- Update inbox ---------------------------------------------------

    /// One row affected: new; none: a duplicate, left as it was.
    RECORD_UPDATE =
        "INSERT INTO update_inbox (bot, update_id, chat_id, raw, received_at_ms, attempts) \
         VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (bot, update_id) DO NOTHING";
    /// Finishing forgets the raw update (customer data); the id stays.
    FINISH_UPDATE =
        "UPDATE update_inbox SET finished_at_ms = $1, raw = '' \
         WHERE bot = $2 AND update_id = $3 AND finished_at_ms IS NULL";
    /// `FINISH_UPDATE` for each id of the array `$3`.
    FINISH_UPDATES =
        "UPDATE update_inbox SET finished_at_ms = $1, raw = '' \
         WHERE bot = $2 AND update_id = ANY($3::bigint[]) AND finished_at_ms IS NULL";
    /// Gives up the unfinished updates attempted `$3` times or more.
    GIVE_UP_UPDATES =
        "UPDATE update_inbox SET finished_at_ms = $1, raw = '' \
         WHERE bot = $2 AND finished_at_ms IS NULL AND attempts >= $3 RETURNING update_id";
    /// Counts one more attempt of every unfinished update and returns them;
    /// RETURNING has no order, the caller sorts.
    REPLAY_UPDATES =
        "UPDATE update_inbox SET attempts = attempts + 1 \
         WHERE bot = $1 AND finished_at_ms IS NULL \
         RETURNING update_id, raw, received_at_ms, attempts";
    PURGE_FINISHED_UPDATES =
        "DELETE FROM update_inbox WHERE finished_at_ms IS NOT NULL AND finished_at_ms <= $1";

    // ----- Chat leases ----------------------------------------------------

    /// A row back: claimed (new, ran out at `$4`, or already `$3`'s); none:
    /// another holder's live lease, left as it was (but locked until the
    /// statement's end, which is what orders it after a release).
    CLAIM_CHAT =
        "INSERT INTO chat_leases AS l (bot, chat_id, holder, until_ms) VALUES ($1, $2, $3, $5) \
         ON CONFLICT (bot, chat_id) DO UPDATE \
         SET holder = excluded.holder, until_ms = excluded.until_ms \
         WHERE l.holder = excluded.holder OR l.until_ms <= $4 \
         RETURNING l.holder";
    RENEW_CHAT_LEASES =
        "UPDATE chat_leases SET until_ms = $1 WHERE holder = $2 RETURNING bot, chat_id";
    /// A row: `$3` holds the chat's lease and it runs past `$4`. FOR SHARE
    /// keeps a takeover out until the take commits.
    CHAT_LEASE_HELD = "SELECT until_ms FROM chat_leases \
         WHERE bot = $1 AND chat_id = $2 AND holder = $3 AND until_ms > $4 FOR SHARE";
    /// Gives up the chat's unfinished updates another holder took before
    /// and that were attempted `$5` times or more.
    GIVE_UP_CHAT_UPDATES =
        "UPDATE update_inbox SET finished_at_ms = $1, raw = '' \
         WHERE bot = $2 AND chat_id = $3 AND finished_at_ms IS NULL \
         AND taken_by IS NOT NULL AND taken_by <> $4 AND attempts >= $5 RETURNING update_id";
    /// Takes the chat's unfinished updates for `$1`, counting an attempt of
    /// those another holder took before; RETURNING has no order, the
    /// caller sorts.
    TAKE_CHAT_UPDATES =
        "UPDATE update_inbox \
         SET attempts = attempts + CASE WHEN taken_by IS NOT NULL AND taken_by <> $1 \
                                        THEN 1 ELSE 0 END, \
             taken_by = $1 \
         WHERE bot = $2 AND chat_id = $3 AND finished_at_ms IS NULL \
         RETURNING update_id, raw, received_at_ms, attempts";
    /// The first statement of a release: locks `$3`'s lease, so a claim of
    /// the chat waits for the release, and the drained check that follows
    /// (a new statement, a new snapshot) sees every update recorded before
    /// a claim that did not wait.
    LOCK_CHAT_LEASE = "SELECT until_ms FROM chat_leases \
         WHERE bot = $1 AND chat_id = $2 AND holder = $3 FOR UPDATE";
    RELEASE_CHAT_IF_DRAINED =
        "DELETE FROM chat_leases WHERE bot = $1 AND chat_id = $2 AND holder = $3 \
         AND NOT EXISTS (SELECT 1 FROM update_inbox \
             WHERE bot = $1 AND chat_id = $2 AND finished_at_ms IS NULL)";
    /// Chats with an unfinished update received by `$3` and no lease
    /// running past `$2`, by their lowest unfinished update id.
    CHATS_TO_TAKE_OVER =
        "SELECT u.chat_id FROM update_inbox AS u \
         WHERE u.bot = $1 AND u.finished_at_ms IS NULL AND u.received_at_ms <= $3 \
         AND NOT EXISTS (SELECT 1 FROM chat_leases AS l \
             WHERE l.bot = $1 AND l.chat_id = u.chat_id AND l.until_ms > $2) \
         GROUP BY u.chat_id ORDER BY min(u.update_id) LIMIT $4";
    /// Leases that ran out by `$1`: the housekeeping's purge.
    FORGET_RUN_OUT_CHAT_LEASES = "DELETE FROM chat_leases WHERE until_ms <= $1";
}
