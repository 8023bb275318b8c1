//! The booking port: create-if-free, conditional updates, atomic
//! reschedules, the queries the engine makes and the streaming export.
//!
//! "Free" is decided by the database: the schema's overlap triggers refuse
//! an overlapping active booking of one staff member with `slot_taken`,
//! which is mapped to the port's "slot taken" here. The active-booking limit
//! is decided by the inserting statement itself (`INSERT ... SELECT ...
//! WHERE count < max`), inside a `BEGIN IMMEDIATE` transaction, so both
//! checks and the insert are one atomic step for every process.
//!
//! Range queries rely on the schema's bounds: a booking lasts at most a day
//! and each buffer at most a day, so an occupied interval is at most three
//! days long, and "overlaps `[from, to)`" becomes a range search on an
//! index instead of a scan.

use async_trait::async_trait;
use booking_domain::{
    Booking, BookingId, Comment, CustomerId, Interval, NewBooking, Occupancy, PhoneNumber, StaffId,
    Version,
};
use booking_ports::{
    ActiveBookingLimit, BookingReads, BookingScope, BookingStore, CalendarRead, CreateBookingError,
    CustomerChurn, CustomerStanding, NewNotice, OutboxChange, RescheduleError, Rescheduled,
    StoreError, UpdateBookingError,
};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::SqliteConnection;

use crate::SqliteStore;
use crate::audit::{self, AuditColumns};
use crate::convert::{self, Record, to_ms};
use crate::db::is_slot_taken;
use crate::failure::backend;
use crate::outbox;
use crate::sql;

mod row;

use row::{
    BookingRow, StatusColumns, calendar_read, collect_booking_reads, collect_bookings,
    collect_standing,
};

const DAY_MS: i64 = 86_400_000;
/// The longest occupied interval the schema admits: a one-day visit plus a
/// one-day buffer on each side.
pub(crate) const MAX_OCCUPIED_MS: i64 = 3 * DAY_MS;

/// Inserts `new` under `id` (or a fresh id when `None`) if the customer is
/// under `limit`; returns the id, or `None` when the limit refused it. The
/// overlap trigger may refuse it with `slot_taken`.
pub(crate) async fn insert_booking(
    conn: &mut SqliteConnection,
    id: Option<i64>,
    new: &NewBooking,
    rescheduled_from: Option<BookingId>,
    limit: Option<ActiveBookingLimit>,
) -> Result<Option<i64>, sqlx::Error> {
    let status = StatusColumns::of(new.status());
    // One statement decides the limit and inserts (see the statement).
    let (now_ms, max) = match limit {
        Some(limit) => (to_ms(limit.now), i64::from(limit.max)),
        // A reschedule replaces one active booking with another: no limit.
        None => (i64::MIN / 2, i64::MAX),
    };
    sqlx::query_scalar(sql::INSERT_BOOKING_UNDER_LIMIT)
        .bind(id)
        .bind(new.customer().get())
        .bind(new.service().get())
        .bind(new.staff().get())
        .bind(to_ms(new.start()))
        .bind(to_ms(new.end()))
        .bind(i64::from(new.buffer_before().get()))
        .bind(i64::from(new.buffer_after().get()))
        .bind(new.comment().map(Comment::expose))
        .bind(status.status)
        .bind(rescheduled_from.map(BookingId::get))
        .bind(to_ms(new.created_at()))
        .bind(now_ms)
        .bind(max)
        .bind(new.booked_for().map(|who| who.name.expose()))
        .bind(
            new.booked_for()
                .and_then(|who| who.phone.as_ref())
                .map(PhoneNumber::expose),
        )
        .bind(new.price().map(|p| p.minor()))
        .bind(new.price().map(|p| p.currency().code().to_owned()))
        .bind(audit::actor_code(new.created_by()))
        .fetch_optional(&mut *conn)
        .await
}

/// The booking `id` as stored, read on `conn`.
async fn booking_on(conn: &mut SqliteConnection, id: i64) -> Result<Option<Booking>, StoreError> {
    let row: Option<BookingRow> = sqlx::query_as(sql::BOOKING_BY_ID)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend("reading a booking"))?;
    row.map(BookingRow::into_booking).transpose()
}

/// Adds `notices` about `booking` and, when asked, withdraws its pending
/// reminders: the outbox side of a booking change, in its transaction.
pub(crate) async fn apply_outbox(
    conn: &mut SqliteConnection,
    booking: i64,
    add: &[NewNotice],
    withdraw_reminders_of: Option<i64>,
) -> Result<(), sqlx::Error> {
    if let Some(old) = withdraw_reminders_of {
        outbox::withdraw_pending_reminders(&mut *conn, old).await?;
    }
    outbox::insert_notices(conn, booking, add).await
}

/// The booking `Booking::created(id, new)` as it reads back: instants at
/// millisecond precision, so the value a write returns equals every later
/// read of it. `rescheduled_from` is what was stored.
pub(crate) fn created_as_stored(
    id: i64,
    new: NewBooking,
    rescheduled_from: Option<BookingId>,
) -> Result<Booking, StoreError> {
    let record = Record::new("booking", id);
    let mut parts = Booking::created(convert::id(record, id, BookingId::new)?, new).into_parts();
    parts.start = convert::at_stored_precision(parts.start);
    parts.end = convert::at_stored_precision(parts.end);
    parts.created_at = convert::at_stored_precision(parts.created_at);
    parts.rescheduled_from = rescheduled_from;
    Booking::from_parts(parts).map_err(|e| record.corrupt(e))
}

#[async_trait]
impl BookingStore for SqliteStore {
    async fn create_booking(
        &self,
        new: NewBooking,
        limit: ActiveBookingLimit,
        notices: Vec<NewNotice>,
    ) -> Result<Booking, CreateBookingError> {
        // Concurrent creations share one transaction and one commit; see
        // `group_commit` for why and for what the answer guarantees.
        self.booking_writer.create(new, limit, notices).await
    }

    async fn update_booking(
        &self,
        expected: Version,
        updated: Booking,
        outbox: OutboxChange,
    ) -> Result<Booking, UpdateBookingError> {
        let fail = backend("updating a booking");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        let status = StatusColumns::of(updated.status());
        let audit = AuditColumns::of(updated.audit());
        // The version check and the write are one statement: the row changes
        // only if it is still at `expected`, and the new version is computed
        // from the stored one, so it is exactly one more.
        let row: Option<BookingRow> = sqlx::query_as(sql::UPDATE_BOOKING_IF_VERSION)
            .bind(updated.customer().map(CustomerId::get))
            .bind(updated.comment().map(Comment::expose))
            .bind(status.status)
            .bind(status.cancelled_by)
            .bind(status.cancelled_by_staff_id)
            .bind(status.cancel_reason)
            .bind(status.cancelled_at_ms)
            .bind(status.rescheduled_to_id)
            .bind(updated.attendance_confirmed_at().map(to_ms))
            .bind(updated.booked_for().map(|who| who.name.expose()))
            .bind(
                updated
                    .booked_for()
                    .and_then(|who| who.phone.as_ref())
                    .map(PhoneNumber::expose),
            )
            .bind(audit.confirmed_by)
            .bind(audit.confirmed_at_ms)
            .bind(audit.closed_by)
            .bind(audit.closed_at_ms)
            .bind(updated.id().get())
            .bind(expected.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(&fail)?;
        let Some(row) = row else {
            // Nothing was written; the read only explains why, inside the
            // same transaction, so it is the state the update saw.
            return match booking_on(&mut tx, updated.id().get()).await? {
                None => Err(UpdateBookingError::NotFound),
                Some(current) => Err(UpdateBookingError::VersionConflict {
                    current: Box::new(current),
                }),
            };
        };
        let stored = row.into_booking()?;
        let id = stored.id().get();
        let withdraw = outbox.withdraw_pending_reminders.then_some(id);
        apply_outbox(&mut tx, id, &outbox.add, withdraw)
            .await
            .map_err(&fail)?;
        tx.commit().await.map_err(&fail)?;
        Ok(stored)
    }

    async fn reschedule_booking(
        &self,
        old: Booking,
        new: NewBooking,
        outbox: OutboxChange,
    ) -> Result<Rescheduled, RescheduleError> {
        let fail = backend("rescheduling a booking");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        // The old booking is closed before the new one is inserted, so the
        // overlap trigger does not see the booking being replaced; closing it
        // needs the new booking's id, which is therefore chosen here: the
        // next AUTOINCREMENT value, read under the write lock. The old row's
        // reference to it is checked at commit (a deferred foreign key).
        let new_id: i64 = sqlx::query_scalar(sql::NEXT_BOOKING_ID)
            .fetch_one(&mut *tx)
            .await
            .map_err(&fail)?;
        let new_booking_id = convert::id(Record::new("booking", new_id), new_id, BookingId::new)?;
        let closed = old.close_as_rescheduled(new_booking_id, new.moved_stamp())?;
        let closed_audit = AuditColumns::of(closed.audit());
        let row: Option<BookingRow> = sqlx::query_as(sql::CLOSE_BOOKING_AS_RESCHEDULED)
            .bind(new_id)
            .bind(closed_audit.closed_by)
            .bind(closed_audit.closed_at_ms)
            .bind(old.id().get())
            .bind(old.version().get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(&fail)?;
        let Some(row) = row else {
            return match booking_on(&mut tx, old.id().get()).await? {
                None => Err(RescheduleError::NotFound),
                Some(current) => Err(RescheduleError::VersionConflict {
                    current: Box::new(current),
                }),
            };
        };
        let closed_stored = row.into_booking()?;
        debug_assert_eq!(closed_stored.status(), closed.status());
        insert_booking(&mut tx, Some(new_id), &new, Some(old.id()), None)
            .await
            .map_err(|e| {
                if is_slot_taken(&e) {
                    RescheduleError::SlotTaken { start: new.start() }
                } else {
                    fail(e).into()
                }
            })?;
        if outbox.withdraw_pending_reminders {
            outbox::withdraw_pending_reminders(&mut tx, old.id().get())
                .await
                .map_err(&fail)?;
        }
        outbox::insert_notices(&mut tx, new_id, &outbox.add)
            .await
            .map_err(&fail)?;
        tx.commit().await.map_err(&fail)?;

        let new = created_as_stored(new_id, new, Some(old.id()))?;
        Ok(Rescheduled {
            old: closed_stored,
            new,
        })
    }

    async fn booking(&self, id: BookingId) -> Result<Option<Booking>, StoreError> {
        let mut connection = self
            .lender
            .lend()
            .await
            .map_err(backend("reading a booking"))?;
        let found = booking_on(&mut connection, id.get()).await;
        self.lender.settled(connection, found)
    }

    async fn upcoming_bookings_of_customer(
        &self,
        customer: CustomerId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError> {
        let fail = backend("reading a customer's upcoming bookings");
        let mut connection = self.lender.lend().await.map_err(&fail)?;
        let rows = sqlx::query_as::<_, BookingRow>(sql::UPCOMING_BOOKINGS_OF_CUSTOMER)
            .bind(customer.get())
            .bind(to_ms(now))
            .fetch_all(&mut *connection)
            .await;
        collect_bookings(self.lender.finished(connection, rows).map_err(&fail)?)
    }

    async fn bookings_of_customer(&self, customer: CustomerId) -> Result<Vec<Booking>, StoreError> {
        let rows: Vec<BookingRow> = sqlx::query_as(sql::BOOKINGS_OF_CUSTOMER)
            .bind(customer.get())
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading a customer's bookings"))?;
        collect_bookings(rows)
    }

    async fn customer_churn_since(
        &self,
        customer: CustomerId,
        since: DateTime<Utc>,
    ) -> Result<CustomerChurn, StoreError> {
        let fail = backend("counting a customer's recent bookings");
        let mut connection = self.lender.lend().await.map_err(&fail)?;
        let counts = sqlx::query_as(sql::CUSTOMER_CHURN_SINCE)
            .bind(customer.get())
            .bind(to_ms(since))
            .fetch_one(&mut *connection)
            .await;
        let (made, cancelled): (i64, i64) =
            self.lender.finished(connection, counts).map_err(&fail)?;
        Ok(convert::churn(made, cancelled))
    }

    async fn customer_standing(
        &self,
        customer: CustomerId,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> Result<CustomerStanding, StoreError> {
        let fail = backend("reading a customer's upcoming bookings and recent changes");
        let mut connection = self.lender.lend().await.map_err(&fail)?;
        let rows = sqlx::query(sql::CUSTOMER_STANDING)
            .bind(customer.get())
            .bind(to_ms(now))
            .bind(to_ms(since))
            .fetch_all(&mut *connection)
            .await;
        let rows = self.lender.finished(connection, rows).map_err(&fail)?;
        collect_standing(&rows, &fail)
    }

    async fn bookings_overlapping(
        &self,
        period: Interval,
        staff: Option<StaffId>,
        scope: BookingScope,
    ) -> Result<Vec<Booking>, StoreError> {
        let all_statuses = scope == BookingScope::AllStatuses;
        let (from, to) = (to_ms(period.start()), to_ms(period.end()));
        // Two statements rather than one with `(?3 IS NULL OR staff_id = ?3)`:
        // an OR on the leading index column would make SQLite give up the
        // staff index. The bounds on the indexed column are implied by the
        // overlap and the three-day bound on occupied intervals.
        let query = match staff {
            Some(staff) => sqlx::query_as(sql::BOOKINGS_OF_STAFF_OVERLAPPING)
                .bind(from)
                .bind(to)
                .bind(staff.get()),
            // Without a staff member, the start index: an occupied interval
            // overlapping [from, to) belongs to a visit starting within
            // (from - 2 days, to + 1 day).
            None => sqlx::query_as(sql::BOOKINGS_OVERLAPPING)
                .bind(from)
                .bind(to)
                .bind(Option::<i64>::None),
        };
        let rows: Vec<BookingRow> = query
            .bind(all_statuses)
            .bind(MAX_OCCUPIED_MS)
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading the bookings of a period"))?;
        collect_bookings(rows)
    }

    async fn occupancy_overlapping(&self, period: Interval) -> Result<Vec<Occupancy>, StoreError> {
        Ok(self.occupancy_and_catalog_revision(period).await?.occupancy)
    }

    async fn occupancy_and_catalog_revision(
        &self,
        period: Interval,
    ) -> Result<CalendarRead, StoreError> {
        let fail = backend("reading the time bookings occupy");
        let mut connection = self.lender.lend().await.map_err(&fail)?;
        let read: Result<(String, i64), _> = sqlx::query_as(sql::OCCUPANCY_OVERLAPPING)
            .bind(to_ms(period.start()))
            .bind(to_ms(period.end()))
            .bind(MAX_OCCUPIED_MS)
            .fetch_one(&mut *connection)
            .await;
        let (packed, revision) = self.lender.finished(connection, read).map_err(&fail)?;
        calendar_read(&packed, revision)
    }

    async fn standing_and_calendar(
        &self,
        customer: CustomerId,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
        period: Interval,
    ) -> Result<BookingReads, StoreError> {
        let fail = backend("reading a customer's standing and the calendar");
        let mut connection = self.lender.lend().await.map_err(&fail)?;
        let rows = sqlx::query(sql::STANDING_AND_CALENDAR)
            .bind(customer.get())
            .bind(to_ms(now))
            .bind(to_ms(since))
            .bind(to_ms(period.start()))
            .bind(to_ms(period.end()))
            .bind(MAX_OCCUPIED_MS)
            .fetch_all(&mut *connection)
            .await;
        let rows = self.lender.finished(connection, rows).map_err(&fail)?;
        collect_booking_reads(&rows, &fail)
    }

    async fn pending_bookings_created_by(
        &self,
        created_by: DateTime<Utc>,
        starting_after: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Booking>, StoreError> {
        let rows: Vec<BookingRow> = sqlx::query_as(sql::PENDING_BOOKINGS_CREATED_BY)
            .bind(to_ms(created_by))
            .bind(to_ms(starting_after))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading unconfirmed bookings"))?;
        collect_bookings(rows)
    }

    async fn confirmed_bookings_ended_by(
        &self,
        ended_by: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Booking>, StoreError> {
        let rows: Vec<BookingRow> = sqlx::query_as(sql::CONFIRMED_BOOKINGS_ENDED_BY)
            .bind(to_ms(ended_by))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading ended visits"))?;
        collect_bookings(rows)
    }

    fn export_bookings(&self, period: Interval) -> BoxStream<'_, Result<Booking, StoreError>> {
        // `fetch` yields rows as SQLite steps through the start index, which
        // is already in (start, id) order: nothing is sorted or collected.
        sqlx::query_as::<_, BookingRow>(sql::BOOKINGS_STARTING_BETWEEN)
            .bind(to_ms(period.start()))
            .bind(to_ms(period.end()))
            .fetch(&self.pool)
            .map(|row| {
                row.map_err(backend("exporting bookings"))
                    .and_then(BookingRow::into_booking)
            })
            .boxed()
    }

    async fn customers_with_bookings_before(
        &self,
        before: DateTime<Utc>,
        among: Vec<CustomerId>,
    ) -> Result<Vec<CustomerId>, StoreError> {
        if among.is_empty() {
            return Ok(Vec::new());
        }
        // The candidates travel as one JSON array: one bound parameter
        // however many there are, instead of a statement per chunk.
        let ids = among
            .iter()
            .map(|c| c.get().to_string())
            .collect::<Vec<_>>()
            .join(",");
        let found: Vec<i64> = sqlx::query_scalar(sql::CUSTOMERS_WITH_BOOKINGS_BEFORE)
            .bind(format!("[{ids}]"))
            .bind(to_ms(before))
            .fetch_all(&self.pool)
            .await
            .map_err(backend("finding returning customers"))?;
        found
            .into_iter()
            .map(|c| convert::id(Record::new("customer", c), c, CustomerId::new))
            .collect()
    }
}
