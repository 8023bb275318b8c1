-- Schema level 6: customers are the business's records, not Telegram
-- accounts, and a booking keeps what it was made with (issue #15).
--
-- * `customers.id` is generated from now on (INTEGER PRIMARY KEY: one above
--   the largest). Existing customers keep their id, so every
--   `bookings.customer_id` stays valid, and get `telegram_user_id = id`:
--   until now the id WAS the Telegram user id.
-- * `phone` may be NULL (a customer recorded without one) and is unique
--   among the customers who have one; `telegram_user_id` is unique.
-- * `notes` are staff's notes, empty when there are none.
-- * A booking keeps the name and phone it was made for (`booked_name`,
--   `booked_phone`; NULL once erased) and the service's price and currency
--   at booking time (`price_minor`, `currency`; kept on erasure).
--
-- Existing data: each booking is given its customer's profile name and
-- phone as they are now (the only copy there is) and its service's price
-- now; a booking whose customer erased their data gets no name or phone.
-- Two profiles may hold the same phone today (Ivan once booked for his wife
-- with her number, and she has her own account): the profile that
-- consented first (then the lower id) keeps it, the others are left without
-- a phone. No data is lost by that: their bookings keep the phone in their
-- own copy, filled above before the profiles change.

ALTER TABLE bookings ADD COLUMN booked_name TEXT;
ALTER TABLE bookings ADD COLUMN booked_phone TEXT;
ALTER TABLE bookings ADD COLUMN price_minor INTEGER CHECK (price_minor >= 0);
ALTER TABLE bookings ADD COLUMN currency TEXT CHECK (length(currency) = 3);

UPDATE bookings
SET booked_name = (SELECT c.name FROM customers c WHERE c.id = bookings.customer_id),
    booked_phone = (SELECT c.phone FROM customers c WHERE c.id = bookings.customer_id)
WHERE customer_id IS NOT NULL;

UPDATE bookings
SET price_minor = (SELECT s.price_minor FROM services s WHERE s.id = bookings.service_id),
    currency = (SELECT s.currency FROM services s WHERE s.id = bookings.service_id);

CREATE TABLE customer_records (
    id               INTEGER PRIMARY KEY CHECK (id > 0),
    name             TEXT    NOT NULL,
    phone            TEXT    UNIQUE,
    telegram_user_id INTEGER UNIQUE CHECK (telegram_user_id > 0),
    language         TEXT,
    consented_at_ms  INTEGER NOT NULL,
    notes            TEXT    NOT NULL DEFAULT ''
) STRICT;

INSERT INTO customer_records (id, name, phone, telegram_user_id, language, consented_at_ms, notes)
SELECT c.id, c.name,
       CASE WHEN EXISTS (
                SELECT 1 FROM customers earlier
                WHERE earlier.phone = c.phone
                  AND (earlier.consented_at_ms < c.consented_at_ms
                       OR (earlier.consented_at_ms = c.consented_at_ms AND earlier.id < c.id)))
            THEN NULL
            ELSE c.phone
       END,
       c.id, c.language, c.consented_at_ms, ''
FROM customers c;

DROP TABLE customers;
ALTER TABLE customer_records RENAME TO customers;
