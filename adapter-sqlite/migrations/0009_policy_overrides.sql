-- Level 9: policy settings an owner changed from the admin bot.
--
-- One row per changed setting, keyed by its name in the configuration
-- file's [policy] section, so two owners changing two settings at once both
-- keep theirs. A row wins over the file until the owner resets the policy
-- (every row deleted). The value is an integer: minutes, days, a count, or
-- 1 and 0 for on and off; the adapter checks it with the same rules as the
-- file's value. The time zone, slot step and phone region are never here.

CREATE TABLE policy_overrides (
    field TEXT PRIMARY KEY NOT NULL CHECK (field IN (
        'min_notice_minutes', 'horizon_days', 'cancellation_cutoff_minutes',
        'reschedule_cutoff_minutes', 'requires_confirmation',
        'max_active_bookings_per_customer')),
    value INTEGER NOT NULL CHECK (value >= 0)
) STRICT, WITHOUT ROWID;
