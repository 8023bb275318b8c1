//! Decoding the reads a new booking makes: a customer's standing (a row
//! per upcoming booking, the counts on each), a calendar (the revision
//! beside each booking's occupancy) and the two in one statement (the
//! upcoming bookings' rows and one row of the counts, the revision and the
//! occupancy as arrays).

use sqlx::postgres::PgRow;

use super::*;

/// A row of `OCCUPANCY_OVERLAPPING`: the catalog revision, then a
/// booking's occupancy (all NULL in the one row of an empty period).
type OccupancyRow = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// The rows of `sql::OCCUPANCY_OVERLAPPING` as a calendar read.
pub(super) fn calendar_of_rows(rows: Vec<OccupancyRow>) -> Result<CalendarRead, StoreError> {
    let revision = rows
        .first()
        .map(|row| CatalogRevision::new(row.0))
        .ok_or_else(|| StoreError::corrupt("the catalog revision", "its row is missing"))?;
    // The one row of an empty period has no booking.
    let occupancy = rows
        .into_iter()
        .filter_map(|(_, id, staff, start, from, to)| Some((id?, staff?, start?, from?, to?)))
        .map(convert::occupancy)
        .collect::<Result<_, _>>()?;
    Ok(CalendarRead {
        occupancy,
        catalog_revision: Some(revision),
    })
}

/// The rows of `sql::CUSTOMER_STANDING`: the counts on every row, and the
/// upcoming bookings (none when the one row's booking is NULL).
pub(super) fn collect_standing(
    rows: &[PgRow],
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

/// The rows of `sql::STANDING_AND_CALENDAR`: the upcoming bookings, and the
/// one row without a booking that holds the counts and the calendar.
pub(super) fn collect_booking_reads(
    rows: &[PgRow],
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
        let revision: i64 = row.try_get("revision").map_err(&fail)?;
        // NULL for a period without bookings: no array to aggregate.
        let column = |name| -> Result<Vec<i64>, StoreError> {
            let values: Option<Vec<i64>> = row.try_get(name).map_err(&fail)?;
            Ok(values.unwrap_or_default())
        };
        let ids = column("occupancy_ids")?;
        let staff = column("occupancy_staff")?;
        let starts = column("occupancy_starts")?;
        let froms = column("occupied_starts")?;
        let tos = column("occupied_ends")?;
        if [staff.len(), starts.len(), froms.len(), tos.len()] != [ids.len(); 4] {
            return Err(StoreError::corrupt(
                "the occupancy of a period",
                "its columns differ in length",
            ));
        }
        let occupancy = (0..ids.len())
            .map(|i| convert::occupancy((ids[i], staff[i], starts[i], froms[i], tos[i])))
            .collect::<Result<_, _>>()?;
        calendar = Some(CalendarRead {
            occupancy,
            catalog_revision: Some(CatalogRevision::new(revision)),
        });
    }
    let calendar = calendar
        .ok_or_else(|| StoreError::corrupt("the calendar of a period", "its row is missing"))?;
    Ok(BookingReads { standing, calendar })
}

/// The counts a standing row carries.
fn churn_of(
    row: &PgRow,
    fail: impl Fn(sqlx::Error) -> StoreError,
) -> Result<CustomerChurn, StoreError> {
    let made: i64 = row.try_get("made").map_err(&fail)?;
    let cancelled: i64 = row.try_get("cancelled").map_err(&fail)?;
    Ok(convert::churn(made, cancelled))
}

/// The upcoming booking a standing row carries, `None` on a row whose
/// booking columns are NULL.
fn upcoming_of(
    row: &PgRow,
    fail: impl Fn(sqlx::Error) -> StoreError,
) -> Result<Option<Booking>, StoreError> {
    let booked: Option<i64> = row.try_get("id").map_err(&fail)?;
    if booked.is_none() {
        return Ok(None);
    }
    let booking = BookingRow::from_row(row).map_err(&fail)?;
    Ok(Some(booking.into_booking()?))
}
