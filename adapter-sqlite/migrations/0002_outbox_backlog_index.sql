-- Level 2: the outbox backlog for monitoring.
--
-- Every metrics scrape counts the pending notifications whose due time has
-- passed (retries included) and reads the earliest due time. This index
-- answers both from a range of itself. Partial, like `notifications_due`,
-- so the sent history never grows it.
CREATE INDEX notifications_pending_by_due ON notifications (due_at_ms) WHERE state = 'pending';
