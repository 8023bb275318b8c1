//! A booking's row as stored and back: the 28 columns of `bookings` read
//! into a domain [`Booking`] through its constructors (a value the domain
//! refuses is a corrupt row, never a panic), a status spread over its
//! columns for writing, and the reads a new booking makes: its customer's
//! standing and the calendar's packed occupancy, alone or together.

use booking_domain::{
    BookedFor, Booking, BookingId, BookingParts, BookingStatus, CancelReason, Cancellation,
    CancelledBy, Comment, Currency, CustomerId, CustomerName, Money, ServiceId, StaffId, Version,
};
use booking_ports::{
    BookingReads, CalendarRead, CatalogRevision, CustomerChurn, CustomerStanding, StoreError,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, Row};

use crate::audit::AuditColumns;
use crate::convert::{self, Record, to_ms};

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
    pub(super) fn into_booking(self) -> Result<Booking, StoreError> {
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
pub(super) struct StatusColumns<'a> {
    pub(super) status: &'static str,
    pub(super) cancelled_by: Option<&'static str>,
    pub(super) cancelled_by_staff_id: Option<i64>,
    pub(super) cancel_reason: Option<&'a str>,
    pub(super) cancelled_at_ms: Option<i64>,
    pub(super) rescheduled_to_id: Option<i64>,
}

impl<'a> StatusColumns<'a> {
    pub(super) fn of(status: &'a BookingStatus) -> Self {
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

pub(super) fn collect_bookings(rows: Vec<BookingRow>) -> Result<Vec<Booking>, StoreError> {
    rows.into_iter().map(BookingRow::into_booking).collect()
}

/// The rows of `sql::CUSTOMER_STANDING`: the churn counts (on every row)
/// and the upcoming bookings (none when the one row's booking is NULL).
pub(super) fn collect_standing(
    rows: &[SqliteRow],
    fail: impl Fn(sqlx::Error) -> StoreError,
) -> Result<CustomerStanding, StoreError> {
    let mut standing = CustomerStanding::default();
    for row in rows {
        standing.churn = churn_of(row, &fail)?;
        if let Some(booking) = upcoming_of(row, &fail)? {
            standing.upcoming.push(booking);
        }
    }
    Ok(standing)
}

/// The one row of `sql::OCCUPANCY_OVERLAPPING` (or the calendar's part of
/// `sql::STANDING_AND_CALENDAR`): the packed occupancy and the revision.
pub(super) fn calendar_read(packed: &str, revision: i64) -> Result<CalendarRead, StoreError> {
    let rows: Vec<(i64, i64, i64, i64, i64)> = serde_json::from_str(packed)
        .map_err(|e| StoreError::corrupt("the occupancy of a period", e))?;
    Ok(CalendarRead {
        occupancy: rows
            .into_iter()
            .map(convert::occupancy)
            .collect::<Result<_, _>>()?,
        catalog_revision: Some(CatalogRevision::new(revision)),
    })
}

/// The rows of `sql::STANDING_AND_CALENDAR`: the upcoming bookings, and the
/// one row without a booking that holds the calendar and the counts.
pub(super) fn collect_booking_reads(
    rows: &[SqliteRow],
    fail: impl Fn(sqlx::Error) -> StoreError,
) -> Result<BookingReads, StoreError> {
    let mut standing = CustomerStanding::default();
    let mut calendar = None;
    for row in rows {
        if let Some(booking) = upcoming_of(row, &fail)? {
            standing.upcoming.push(booking);
            continue;
        }
        standing.churn = churn_of(row, &fail)?;
        let packed: String = row.try_get("packed").map_err(&fail)?;
        let revision: i64 = row.try_get("revision").map_err(&fail)?;
        calendar = Some(calendar_read(&packed, revision)?);
    }
    let calendar = calendar
        .ok_or_else(|| StoreError::corrupt("the calendar of a period", "its row is missing"))?;
    Ok(BookingReads { standing, calendar })
}

/// The counts a standing row carries.
fn churn_of(
    row: &SqliteRow,
    fail: impl Fn(sqlx::Error) -> StoreError,
) -> Result<CustomerChurn, StoreError> {
    let made: i64 = row.try_get("made").map_err(&fail)?;
    let cancelled: i64 = row.try_get("cancelled").map_err(&fail)?;
    Ok(convert::churn(made, cancelled))
}

/// The upcoming booking a standing row carries, `None` on a row whose
/// booking columns are NULL.
fn upcoming_of(
    row: &SqliteRow,
    fail: impl Fn(sqlx::Error) -> StoreError,
) -> Result<Option<Booking>, StoreError> {
    let booked: Option<i64> = row.try_get("id").map_err(&fail)?;
    if booked.is_none() {
        return Ok(None);
    }
    let booking = BookingRow::from_row(row).map_err(&fail)?;
    Ok(Some(booking.into_booking()?))
}
