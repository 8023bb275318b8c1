//! The booking port: create-if-free, conditional updates, atomic
//! reschedules, the queries the engine makes and the streaming export.
//!
//! "Free" is decided by the database: the exclusion constraint
//! `bookings_no_overlap` refuses an overlapping active booking of one staff
//! member with SQLSTATE 23P01, which is mapped to the port's "slot taken"
//! here. The active-booking limit is decided by the inserting statement
//! itself (`INSERT ... SELECT ... WHERE count < max`), after the customer's
//! advisory lock (class 1), so two bookings of one customer take turns and
//! the second counts the first.
//!
//! Range queries rely on the schema's bounds: a booking lasts at most a day
//! and each buffer at most a day, so an occupied interval is at most three
//! days long, and "overlaps `[from, to)`" becomes a range search on an
//! index instead of a scan.

use async_trait::async_trait;
use booking_domain::{
    BookedFor, Booking, BookingId, BookingParts, BookingStatus, CancelReason, Cancellation,
    CancelledBy, Comment, Currency, CustomerId, CustomerName, Interval, Money, NewBooking,
    Occupancy, PhoneNumber, ServiceId, StaffId, Version,
};
use booking_ports::{
    ActiveBookingLimit, BookingReads, BookingScope, BookingStore, CalendarRead, CatalogRevision,
    CreateBookingError, CustomerChurn, CustomerStanding, NewNotice, OutboxChange, RescheduleError,
    Rescheduled, StoreError, UpdateBookingError,
};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::{FromRow, PgConnection, Row};

use crate::PgStore;
use crate::audit::{self, AuditColumns};
use crate::convert::{self, Record, to_ms};
use crate::failure::backend;
use crate::failure::{ATTEMPTS, is_retryable, is_slot_taken};
use crate::outbox;
use crate::sql;

const DAY_MS: i64 = 86_400_000;
/// The longest occupied interval the schema admits: a one-day visit plus a
/// one-day buffer on each side.
pub(crate) const MAX_OCCUPIED_MS: i64 = 3 * DAY_MS;

/// A row of `bookings` as stored.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct BookingRow {
    id: i64,
    customer_id: Option<i64>,
    service_id: i64,
    staff_id: i64,
    start_ms: i64,
    end_ms: i64,
    buffer_before_min: i64,
    buffer_after_min: i64,
    comment: Option<String>,
    status: String,
    cancelled_by: Option<String>,
    cancelled_by_staff_id: Option<i64>,
    cancel_reason: Option<String>,
    cancelled_at_ms: Option<i64>,
    rescheduled_to_id: Option<i64>,
    rescheduled_from_id: Option<i64>,
    attendance_confirmed_at_ms: Option<i64>,
    version: i64,
    created_at_ms: i64,
    booked_name: Option<String>,
    booked_phone: Option<String>,
    price_minor: Option<i64>,
    currency: Option<String>,
    created_by: Option<String>,
    confirmed_by: Option<String>,
    confirmed_at_ms: Option<i64>,
    closed_by: Option<String>,
    closed_at_ms: Option<i64>,
}

impl BookingRow {
    /// The booking this row stores, through the domain's constructors.
    fn into_booking(self) -> Result<Booking, StoreError> {
        let record = Record::new("booking", self.id);
        let booking_id = |value| convert::id(record, value, BookingId::new);
        let status = match self.status.as_str() {
            "pending" => BookingStatus::Pending,
            "confirmed" => BookingStatus::Confirmed,
            "completed" => BookingStatus::Completed,
            "no_show" => BookingStatus::NoShow,
            "cancelled" => {
                let by = match (self.cancelled_by.as_deref(), self.cancelled_by_staff_id) {
                    (Some("customer"), None) => CancelledBy::Customer,
                    (Some("system"), None) => CancelledBy::System,
                    (Some("staff"), Some(staff)) => {
                        CancelledBy::Staff(convert::id(record, staff, StaffId::new)?)
                    }
                    _ => return Err(record.corrupt("a cancellation without a valid author")),
                };
                let at = self
                    .cancelled_at_ms
                    .ok_or_else(|| record.corrupt("a cancellation without a time"))?;
                BookingStatus::Cancelled(Cancellation {
                    by,
                    reason: self
                        .cancel_reason
                        .as_deref()
                        .map(CancelReason::new)
                        .transpose()
                        .map_err(|e| record.corrupt(e))?,
                    at: convert::instant(record, at)?,
                })
            }
            "rescheduled" => BookingStatus::Rescheduled {
                to: booking_id(
                    self.rescheduled_to_id
                        .ok_or_else(|| record.corrupt("rescheduled without a successor"))?,
                )?,
            },
            other => return Err(record.corrupt(format!("unknown status {other:?}"))),
        };
        let parts = BookingParts {
            id: booking_id(self.id)?,
            customer: self
                .customer_id
                .map(|c| convert::id(record, c, CustomerId::new))
                .transpose()?,
            service: convert::id(record, self.service_id, ServiceId::new)?,
            staff: convert::id(record, self.staff_id, StaffId::new)?,
            start: convert::instant(record, self.start_ms)?,
            end: convert::instant(record, self.end_ms)?,
            buffer_before: convert::minutes(record, self.buffer_before_min)?,
            buffer_after: convert::minutes(record, self.buffer_after_min)?,
            comment: self
                .comment
                .as_deref()
                .map(Comment::new)
                .transpose()
                .map_err(|e| record.corrupt(e))?,
            status,
            version: Version::new(self.version).map_err(|e| record.corrupt(e))?,
            created_at: convert::instant(record, self.created_at_ms)?,
            rescheduled_from: self.rescheduled_from_id.map(booking_id).transpose()?,
            attendance_confirmed_at: convert::optional_instant(
                record,
                self.attendance_confirmed_at_ms,
            )?,
            booked_for: self
                .booked_name
                .as_deref()
                .map(|name| -> Result<BookedFor, StoreError> {
                    Ok(BookedFor {
                        name: CustomerName::stored(name).map_err(|e| record.corrupt(e))?,
                        phone: self
                            .booked_phone
                            .as_deref()
                            .map(|phone| convert::phone(record, phone))
                            .transpose()?,
                    })
                })
                .transpose()?,
            price: match (self.price_minor, self.currency.as_deref()) {
                (Some(minor), Some(code)) => Some(
                    Currency::new(code)
                        .map_err(|e| record.corrupt(e))
                        .and_then(|c| Money::new(minor, c).map_err(|e| record.corrupt(e)))?,
                ),
                _ => None,
            },
            audit: AuditColumns {
                created_by: self.created_by,
                confirmed_by: self.confirmed_by,
                confirmed_at_ms: self.confirmed_at_ms,
                closed_by: self.closed_by,
                closed_at_ms: self.closed_at_ms,
            }
            .into_trail(record)?,
        };
        Booking::from_parts(parts).map_err(|e| record.corrupt(e))
    }
}

/// The status of a booking spread over its columns.
struct StatusColumns<'a> {
    status: &'static str,
    cancelled_by: Option<&'static str>,
    cancelled_by_staff_id: Option<i64>,
    cancel_reason: Option<&'a str>,
    cancelled_at_ms: Option<i64>,
    rescheduled_to_id: Option<i64>,
}

impl<'a> StatusColumns<'a> {
    fn of(status: &'a BookingStatus) -> Self {
        let mut columns = Self {
            status: status.name(),
            cancelled_by: None,
            cancelled_by_staff_id: None,
            cancel_reason: None,
            cancelled_at_ms: None,
            rescheduled_to_id: None,
        };
        match status {
            BookingStatus::Cancelled(cancellation) => {
                let (by, staff) = match cancellation.by {
                    CancelledBy::Customer => ("customer", None),
                    CancelledBy::Staff(staff) => ("staff", Some(staff.get())),
                    CancelledBy::System => ("system", None),
                };
                columns.cancelled_by = Some(by);
                columns.cancelled_by_staff_id = staff;
                columns.cancel_reason = cancellation.reason.as_ref().map(CancelReason::expose);
                columns.cancelled_at_ms = Some(to_ms(cancellation.at));
            }
            BookingStatus::Rescheduled { to } => columns.rescheduled_to_id = Some(to.get()),
            BookingStatus::Pending
            | BookingStatus::Confirmed
            | BookingStatus::Completed
            | BookingStatus::NoShow => {}
        }
        columns
    }
}

/// The booking `id` as stored, read on `conn`.
async fn booking_on(conn: &mut PgConnection, id: i64) -> Result<Option<Booking>, StoreError> {
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
    conn: &mut PgConnection,
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

mod reads;
mod writes;

fn collect_bookings(rows: Vec<BookingRow>) -> Result<Vec<Booking>, StoreError> {
    rows.into_iter().map(BookingRow::into_booking).collect()
}

#[async_trait]
impl BookingStore for PgStore {
    async fn create_booking(
        &self,
        new: NewBooking,
        limit: ActiveBookingLimit,
        notices: Vec<NewNotice>,
    ) -> Result<Booking, CreateBookingError> {
        let mut attempt = 1;
        loop {
            match self.create_booking_once(&new, limit, &notices).await {
                Err(CreateBookingError::Store(e)) if is_retryable(&e) && attempt < ATTEMPTS => {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn update_booking(
        &self,
        expected: Version,
        updated: Booking,
        outbox: OutboxChange,
    ) -> Result<Booking, UpdateBookingError> {
        let mut attempt = 1;
        loop {
            match self.update_booking_once(expected, &updated, &outbox).await {
                Err(UpdateBookingError::Store(e)) if is_retryable(&e) && attempt < ATTEMPTS => {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn reschedule_booking(
        &self,
        old: Booking,
        new: NewBooking,
        outbox: OutboxChange,
    ) -> Result<Rescheduled, RescheduleError> {
        let mut attempt = 1;
        loop {
            match self.reschedule_booking_once(&old, &new, &outbox).await {
                Err(RescheduleError::Store(e)) if is_retryable(&e) && attempt < ATTEMPTS => {
                    attempt += 1;
                }
                other => return other,
            }
        }
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
        let rows: Result<Vec<BookingRow>, _> = sqlx::query_as(sql::UPCOMING_BOOKINGS_OF_CUSTOMER)
            .bind(customer.get())
            .bind(to_ms(now))
            .fetch_all(&mut *connection)
            .await;
        let rows = self.lender.finished(connection, rows).map_err(&fail)?;
        collect_bookings(rows)
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
        let counts: Result<(i64, i64), _> = sqlx::query_as(sql::CUSTOMER_CHURN_SINCE)
            .bind(customer.get())
            .bind(to_ms(since))
            .fetch_one(&mut *connection)
            .await;
        let (made, cancelled) = self.lender.finished(connection, counts).map_err(&fail)?;
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
        reads::collect_standing(&rows, &fail)
    }

    async fn bookings_overlapping(
        &self,
        period: Interval,
        staff: Option<StaffId>,
        scope: BookingScope,
    ) -> Result<Vec<Booking>, StoreError> {
        let all_statuses = scope == BookingScope::AllStatuses;
        let (from, to) = (to_ms(period.start()), to_ms(period.end()));
        // Two statements rather than one with `($3 IS NULL OR staff_id = $3)`:
        // under a generic plan an OR on the leading index column would give
        // up the staff index. The bounds on the indexed column are implied by the
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
        let rows = sqlx::query_as(sql::OCCUPANCY_OVERLAPPING)
            .bind(to_ms(period.start()))
            .bind(to_ms(period.end()))
            .bind(MAX_OCCUPIED_MS)
            .fetch_all(&mut *connection)
            .await;
        let rows = self.lender.finished(connection, rows).map_err(&fail)?;
        reads::calendar_of_rows(rows)
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
        reads::collect_booking_reads(&rows, &fail)
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
        // `fetch` streams rows as the server reads the start index
        // `(start_ms, id)`, already in order: nothing is sorted or collected
        // here.
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
        // The candidates travel as one array: one bound parameter however
        // many there are, instead of a statement per chunk.
        let ids: Vec<i64> = among.iter().map(|c| c.get()).collect();
        let found: Vec<i64> = sqlx::query_scalar(sql::CUSTOMERS_WITH_BOOKINGS_BEFORE)
            .bind(ids)
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
