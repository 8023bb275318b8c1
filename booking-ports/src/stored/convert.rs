//! Conversions between column values and domain values that every table
//! shares: instants as Unix milliseconds, minutes, ids. A value the domain
//! refuses becomes [`StoreError::Corrupt`] naming the record, never a panic.

use std::fmt;

use crate::error::StoreError;
use crate::ports::bookings::CustomerChurn;
use crate::ports::versions::RecordVersion;
use booking_domain::{BookingId, Interval, InvalidId, Minutes, Occupancy, StaffId};
use chrono::{DateTime, Utc};

/// Which stored record a value came from, for [`StoreError::Corrupt`]: a
/// kind and a key ("booking 17"). Keys are ids, never personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    pub kind: &'static str,
    pub key: i64,
}

impl Record {
    pub fn new(kind: &'static str, key: i64) -> Self {
        Self { kind, key }
    }

    /// The error for a value of this record that the domain refuses.
    pub fn corrupt(self, source: impl Into<crate::error::BoxError>) -> StoreError {
        StoreError::corrupt(self.to_string(), source)
    }
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.key)
    }
}

/// An instant as stored: Unix milliseconds UTC. Sub-millisecond precision is
/// dropped (see the schema's conventions).
pub fn to_ms(instant: DateTime<Utc>) -> i64 {
    instant.timestamp_millis()
}

/// `instant` as it reads back after being stored: its sub-millisecond part
/// dropped.
pub fn at_stored_precision(instant: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(to_ms(instant)).unwrap_or(instant)
}

/// A stored instant.
pub fn instant(record: Record, ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| record.corrupt(format!("{ms} ms is outside the representable instants")))
}

/// A stored optional instant.
pub fn optional_instant(
    record: Record,
    ms: Option<i64>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    ms.map(|ms| instant(record, ms)).transpose()
}

/// A stored duration in minutes.
pub fn minutes(record: Record, value: i64) -> Result<Minutes, StoreError> {
    Minutes::new(value).map_err(|e| record.corrupt(e))
}

/// A stored id through its domain constructor (`BookingId::new`, ...).
pub fn id<T>(
    record: Record,
    value: i64,
    new: fn(i64) -> Result<T, InvalidId>,
) -> Result<T, StoreError> {
    new(value).map_err(|e| record.corrupt(e))
}

/// A count or size the domain keeps unsigned.
pub fn unsigned<T: TryFrom<i64>>(record: Record, value: i64) -> Result<T, StoreError> {
    T::try_from(value).map_err(|_| record.corrupt(format!("{value} is out of range")))
}

/// A stored record version (a conversation's, a staff session's).
pub fn version(record: Record, value: i64) -> Result<RecordVersion, StoreError> {
    unsigned::<u64>(record, value).map(RecordVersion::new)
}

/// A record version as stored. One write adds one, so a version never
/// comes near `i64::MAX`; saturating keeps this total.
pub fn version_to_stored(version: RecordVersion) -> i64 {
    i64::try_from(version.get()).unwrap_or(i64::MAX)
}

/// A stored E.164 phone. Stored phones carry their country code, so the
/// region for numbers typed without one never applies; the parser wants one.
pub fn phone(record: Record, stored: &str) -> Result<booking_domain::PhoneNumber, StoreError> {
    let any_region = booking_domain::PhoneRegion::new("US").map_err(|e| record.corrupt(e))?;
    booking_domain::PhoneNumber::parse(stored, any_region).map_err(|e| record.corrupt(e))
}

/// A stored booking's occupancy, from its id, staff member, start and
/// generated `occupied_start_ms` and `occupied_end_ms` columns (the
/// columns a calendar reads, in that order).
pub fn occupancy(
    (id, staff, start_ms, occupied_start_ms, occupied_end_ms): (i64, i64, i64, i64, i64),
) -> Result<Occupancy, StoreError> {
    let record = Record::new("booking", id);
    let occupied = Interval::new(
        instant(record, occupied_start_ms)?,
        instant(record, occupied_end_ms)?,
    )
    .ok_or_else(|| record.corrupt("its occupied time ends before it starts"))?;
    Occupancy::new(
        self::id(record, id, BookingId::new)?,
        self::id(record, staff, StaffId::new)?,
        instant(record, start_ms)?,
        occupied,
    )
    .map_err(|e| record.corrupt(e))
}

/// A customer's churn from the two counts a store's query returns
/// (bookings made, bookings they cancelled). A count never exceeds the
/// rows of one customer; one beyond `u32` reads as `u32::MAX`, which any
/// limit refuses.
pub fn churn(made: i64, cancelled_by_customer: i64) -> CustomerChurn {
    let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    CustomerChurn {
        bookings_made: count(made),
        cancelled_by_customer: count(cancelled_by_customer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_at_millisecond_precision_and_refuse_absurd_values() {
        let record = Record::new("booking", 1);
        let t = DateTime::from_timestamp_millis(1_900_000_000_123).unwrap();
        assert_eq!(instant(record, to_ms(t)).unwrap(), t);
        assert!(matches!(
            instant(record, i64::MAX),
            Err(StoreError::Corrupt { record, .. }) if record == "booking 1"
        ));
    }
}
