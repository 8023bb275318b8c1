//! The reads of a customer's standing, alone and with a calendar, declared
//! like the rest of `sql.rs` (whose `ALL` the tests read together with this
//! one's): what a new booking reads before it writes.

statements! {
    /// `UPCOMING_BOOKINGS_OF_CUSTOMER` at `$2` and `CUSTOMER_CHURN_SINCE`
    /// `$3` in one round trip: the two counts on every row, beside one
    /// upcoming booking each, or beside NULLs on the one row of a customer
    /// with nothing upcoming.
    CUSTOMER_STANDING = concat!(
        "SELECT churn.made, churn.cancelled, ",
        booking_columns!(),
        " FROM (SELECT COUNT(*) FILTER (WHERE created_at_ms > $3) AS made, \
           COUNT(*) FILTER (WHERE status = 'cancelled' AND cancelled_by = 'customer' \
             AND cancelled_at_ms > $3) AS cancelled \
           FROM bookings \
           WHERE customer_id = $1 AND (created_at_ms > $3 OR cancelled_at_ms > $3)) AS churn \
         LEFT JOIN bookings ON customer_id = $1 AND status IN ('pending', 'confirmed') \
           AND end_ms > $2 AND start_ms > $2::bigint - 86400000 \
         ORDER BY start_ms, id"
    );
    /// A new booking's reads in one round trip: `CUSTOMER_STANDING` of
    /// customer `$1` at `$2` since `$3`, and `OCCUPANCY_OVERLAPPING`
    /// `[$4, $5)` (`$6` the longest occupied interval). A row per upcoming
    /// booking, NULL in the first eight columns, and one row of NULL booking
    /// columns holding the revision, the counts and the occupancy as five
    /// arrays in `(start_ms, id)` order (NULL for an empty period): the
    /// occupancy once, not on every booking's row.
    STANDING_AND_CALENDAR = concat!(
        "SELECT NULL AS revision, NULL AS made, NULL AS cancelled, NULL AS occupancy_ids, \
           NULL AS occupancy_staff, NULL AS occupancy_starts, NULL AS occupied_starts, \
           NULL AS occupied_ends, ",
        booking_columns!(),
        " FROM bookings WHERE customer_id = $1 AND status IN ('pending', 'confirmed') \
           AND end_ms > $2 AND start_ms > $2::bigint - 86400000 \
         UNION ALL \
         SELECT (SELECT revision FROM catalog_revision WHERE only_row), \
           churn.made, churn.cancelled, calendar.ids, calendar.staff, calendar.starts, \
           calendar.occupied_starts, calendar.occupied_ends, \
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL \
         FROM (SELECT COUNT(*) FILTER (WHERE created_at_ms > $3) AS made, \
                 COUNT(*) FILTER (WHERE status = 'cancelled' AND cancelled_by = 'customer' \
                   AND cancelled_at_ms > $3) AS cancelled \
               FROM bookings \
               WHERE customer_id = $1 \
                 AND (created_at_ms > $3 OR cancelled_at_ms > $3)) AS churn, \
              (SELECT array_agg(id ORDER BY start_ms, id) AS ids, \
                 array_agg(staff_id ORDER BY start_ms, id) AS staff, \
                 array_agg(start_ms ORDER BY start_ms, id) AS starts, \
                 array_agg(occupied_start_ms ORDER BY start_ms, id) AS occupied_starts, \
                 array_agg(occupied_end_ms ORDER BY start_ms, id) AS occupied_ends \
               FROM bookings \
               WHERE start_ms > $4::bigint - $6::bigint + 86400000 \
                 AND start_ms < $5::bigint + 86400000 \
                 AND occupied_start_ms < $5 AND occupied_end_ms > $4 \
                 AND status IN ('pending', 'confirmed')) AS calendar \
         ORDER BY start_ms, id"
    );
}
