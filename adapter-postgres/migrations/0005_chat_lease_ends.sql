-- Chat leases by their end.
--
-- The housekeeping forgets leases that ran out an hour before (a dead
-- instance's: a live one renews its leases every few seconds); this index
-- finds them without walking every lease.
CREATE INDEX chat_leases_by_end ON chat_leases (until_ms);
