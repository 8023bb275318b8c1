//! The admin bot's button data.
//!
//! As in the client bot, callback data is untrusted text parsed strictly;
//! it names what the pressing user asks for, and the gate decides whether
//! they may ask at all. Buttons that change a booking carry the version the
//! staff member saw, so a press on a stale card is refused by the engine's
//! version check instead of overwriting a change made meanwhile.
//!
//! Format: a short tag and colon-separated numbers, dates as `YYYYMMDD`,
//! times as minutes since the Unix epoch; always far below 64 bytes.

use booking_domain::{BookingId, CustomerId, ServiceId, StaffId, TimeOffId, Version};
use chrono::{DateTime, NaiveDate, Utc};

/// What a pressed admin button asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminCallback {
    /// The day view of `day`, for one staff member or all, at `page`.
    Day {
        day: NaiveDate,
        staff: Option<StaffId>,
        page: u8,
    },
    /// The week view from `first`, for one staff member or all.
    Week {
        first: NaiveDate,
        staff: Option<StaffId>,
    },
    /// Remove a blocked period, then list the upcoming ones again.
    Unblock(TimeOffId),
    /// One booking's card.
    Booking(BookingId),
    Confirm(BookingId, Version),
    /// Cancel: asks for the reason first.
    Cancel(BookingId, Version),
    Complete(BookingId, Version),
    NoShow(BookingId, Version),
    /// Reschedule: the specialists who perform the service (or, with one,
    /// the days with free times).
    Move(BookingId, Version),
    /// Reschedule to this staff member: the days with free times. The
    /// choice is kept in the conversation state for the next presses.
    MoveWith(BookingId, Version, StaffId),
    /// Reschedule: the free times of a day.
    MoveDay(BookingId, Version, NaiveDate),
    /// Reschedule to this start.
    MoveTo(BookingId, Version, DateTime<Utc>),
    /// Cancel the bookings a blocked period collides with (listed in the
    /// conversation state).
    CancelColliding,
    /// A customer's card (from `/customer`).
    Customer(CustomerId),
    /// Write the notes of a customer: the next text becomes them.
    CustomerNotes(CustomerId),
    /// Erase a customer's data: asks to confirm first.
    EraseCustomer(CustomerId),
    /// Erase a customer's data, confirmed.
    EraseCustomerConfirmed(CustomerId),
    /// `/book` for this known customer (from their card).
    BookFor(CustomerId),
    /// `/book` for this free time of a staff member (the day view's ➕).
    BookFree {
        staff: StaffId,
        start: DateTime<Utc>,
    },
    /// `/book`: this service (the rest of the draft is in the state).
    BookService(ServiceId),
    /// `/book`: this staff member, or anyone (`None`).
    BookStaff(Option<StaffId>),
    /// `/book`: the days with free times from this one on.
    BookDays(NaiveDate),
    /// `/book`: the free times of this day.
    BookDay(NaiveDate),
    /// `/book`: this start.
    BookTime(DateTime<Utc>),
    /// `/book`: make the booking summed up (the draft is in the state).
    BookConfirm,
}

/// Callback data that is not something the admin bot sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised admin callback data")]
pub struct UnknownAdminCallback;

fn date_code(day: NaiveDate) -> String {
    day.format("%Y%m%d").to_string()
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    // Eight ASCII digits: chrono's `%Y` alone also reads "202\n" as a
    // year (found by the `admin_callback` fuzz target).
    (text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| NaiveDate::parse_from_str(text, "%Y%m%d").ok())
        .flatten()
}

fn number(text: &str) -> Option<i64> {
    // Digits only: no signs, no spaces, no leading "+", and no leading
    // zeros, which `encode` never writes: one button, one spelling (found
    // by the `admin_callback` fuzz target). Up to 19 digits, so the
    // largest id `encode` writes reads back.
    let canonical = text == "0" || !text.starts_with('0');
    (!text.is_empty() && text.len() <= 19 && canonical && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// An instant written as minutes since the Unix epoch.
fn minute(text: &str) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(number(text)?.checked_mul(60)?, 0)
}

impl AdminCallback {
    pub fn encode(&self) -> String {
        let pair = |tag: &str, id: BookingId, v: Version| format!("{tag}:{}:{}", id.get(), v.get());
        match self {
            Self::Day { day, staff, page } => format!(
                "d:{}:{}:{page}",
                date_code(*day),
                staff.map_or(0, StaffId::get)
            ),
            Self::Week { first, staff } => {
                format!("w:{}:{}", date_code(*first), staff.map_or(0, StaffId::get))
            }
            Self::Unblock(id) => format!("ub:{}", id.get()),
            Self::Booking(id) => format!("b:{}", id.get()),
            Self::Confirm(id, v) => pair("c", *id, *v),
            Self::Cancel(id, v) => pair("x", *id, *v),
            Self::Complete(id, v) => pair("k", *id, *v),
            Self::NoShow(id, v) => pair("n", *id, *v),
            Self::Move(id, v) => pair("m", *id, *v),
            Self::MoveWith(id, v, staff) => format!("{}:{}", pair("mw", *id, *v), staff.get()),
            Self::MoveDay(id, v, day) => format!("{}:{}", pair("md", *id, *v), date_code(*day)),
            Self::MoveTo(id, v, start) => {
                format!("{}:{}", pair("mt", *id, *v), start.timestamp() / 60)
            }
            Self::CancelColliding => "bc".to_owned(),
            Self::Customer(id) => format!("cu:{}", id.get()),
            Self::CustomerNotes(id) => format!("cn:{}", id.get()),
            Self::EraseCustomer(id) => format!("ce:{}", id.get()),
            Self::EraseCustomerConfirmed(id) => format!("cey:{}", id.get()),
            Self::BookFor(id) => format!("bf:{}", id.get()),
            Self::BookFree { staff, start } => {
                format!("bn:{}:{}", staff.get(), start.timestamp() / 60)
            }
            Self::BookService(id) => format!("bs:{}", id.get()),
            Self::BookStaff(staff) => format!("bk:{}", staff.map_or(0, StaffId::get)),
            Self::BookDays(day) => format!("bw:{}", date_code(*day)),
            Self::BookDay(day) => format!("bd:{}", date_code(*day)),
            Self::BookTime(start) => format!("bt:{}", start.timestamp() / 60),
            Self::BookConfirm => "by".to_owned(),
        }
    }

    /// # Errors
    /// [`UnknownAdminCallback`] for anything [`AdminCallback::encode`] does
    /// not produce.
    pub fn parse(data: &str) -> Result<Self, UnknownAdminCallback> {
        Self::parse_inner(data).ok_or(UnknownAdminCallback)
    }

    fn parse_inner(data: &str) -> Option<Self> {
        if data.len() > 64 {
            return None;
        }
        let parts: Vec<&str> = data.split(':').collect();
        let id = |i: usize| {
            parts
                .get(i)
                .and_then(|t| number(t))
                .and_then(|n| BookingId::new(n).ok())
        };
        let version = |i: usize| {
            parts
                .get(i)
                .and_then(|t| number(t))
                .and_then(|n| Version::new(n).ok())
        };
        let pair = || Some((id(1)?, version(2)?));
        let customer = || {
            parts
                .get(1)
                .and_then(|t| number(t))
                .and_then(|n| CustomerId::new(n).ok())
        };
        // 0 is everyone; ids start at 1.
        let staff = |i: usize| match number(parts.get(i)?)? {
            0 => Some(None),
            n => StaffId::new(n).ok().map(Some),
        };
        let callback = match (parts[0], parts.len()) {
            ("d", 4) => Self::Day {
                day: parse_date(parts[1])?,
                staff: staff(2)?,
                page: u8::try_from(number(parts[3])?).ok()?,
            },
            ("w", 3) => Self::Week {
                first: parse_date(parts[1])?,
                staff: staff(2)?,
            },
            ("ub", 2) => Self::Unblock(TimeOffId::new(number(parts[1])?).ok()?),
            ("b", 2) => Self::Booking(id(1)?),
            ("c", 3) => pair().map(|(i, v)| Self::Confirm(i, v))?,
            ("x", 3) => pair().map(|(i, v)| Self::Cancel(i, v))?,
            ("k", 3) => pair().map(|(i, v)| Self::Complete(i, v))?,
            ("n", 3) => pair().map(|(i, v)| Self::NoShow(i, v))?,
            ("m", 3) => pair().map(|(i, v)| Self::Move(i, v))?,
            ("mw", 4) => {
                let (i, v) = pair()?;
                Self::MoveWith(i, v, StaffId::new(number(parts[3])?).ok()?)
            }
            ("md", 4) => {
                let (i, v) = pair()?;
                Self::MoveDay(i, v, parse_date(parts[3])?)
            }
            ("mt", 4) => {
                let (i, v) = pair()?;
                Self::MoveTo(i, v, minute(parts[3])?)
            }
            ("bc", 1) => Self::CancelColliding,
            ("cu", 2) => Self::Customer(customer()?),
            ("cn", 2) => Self::CustomerNotes(customer()?),
            ("ce", 2) => Self::EraseCustomer(customer()?),
            ("cey", 2) => Self::EraseCustomerConfirmed(customer()?),
            ("bf", 2) => Self::BookFor(CustomerId::new(number(parts[1])?).ok()?),
            ("bn", 3) => Self::BookFree {
                staff: StaffId::new(number(parts[1])?).ok()?,
                start: minute(parts[2])?,
            },
            ("bs", 2) => Self::BookService(ServiceId::new(number(parts[1])?).ok()?),
            ("bk", 2) => Self::BookStaff(staff(1)?),
            ("bw", 2) => Self::BookDays(parse_date(parts[1])?),
            ("bd", 2) => Self::BookDay(parse_date(parts[1])?),
            ("bt", 2) => Self::BookTime(minute(parts[1])?),
            ("by", 1) => Self::BookConfirm,
            _ => return None,
        };
        Some(callback)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn every_callback_survives_encoding_within_telegrams_limit() {
        let id = BookingId::new(123_456_789).unwrap();
        let v = Version::new(42).unwrap();
        let day = NaiveDate::from_ymd_opt(2030, 6, 3).unwrap();
        let start = Utc.with_ymd_and_hms(2030, 6, 3, 7, 30, 0).unwrap();
        let all = [
            AdminCallback::Day {
                day,
                staff: None,
                page: 0,
            },
            AdminCallback::Day {
                day,
                staff: Some(StaffId::new(7).unwrap()),
                page: 3,
            },
            AdminCallback::Week {
                first: day,
                staff: None,
            },
            AdminCallback::Week {
                first: day,
                staff: Some(StaffId::new(7).unwrap()),
            },
            AdminCallback::Unblock(TimeOffId::new(12).unwrap()),
            AdminCallback::Booking(id),
            AdminCallback::Confirm(id, v),
            AdminCallback::Cancel(id, v),
            AdminCallback::Complete(id, v),
            AdminCallback::NoShow(id, v),
            AdminCallback::Move(id, v),
            AdminCallback::MoveWith(id, v, StaffId::new(3).unwrap()),
            AdminCallback::MoveDay(id, v, day),
            AdminCallback::MoveTo(id, v, start),
            AdminCallback::CancelColliding,
            AdminCallback::Customer(CustomerId::new(9).unwrap()),
            AdminCallback::CustomerNotes(CustomerId::new(9).unwrap()),
            AdminCallback::EraseCustomer(CustomerId::new(i64::MAX).unwrap()),
            AdminCallback::EraseCustomerConfirmed(CustomerId::new(i64::MAX).unwrap()),
            AdminCallback::BookFor(CustomerId::new(9007).unwrap()),
            AdminCallback::BookFree {
                staff: StaffId::new(7).unwrap(),
                start,
            },
            AdminCallback::BookService(ServiceId::new(3).unwrap()),
            AdminCallback::BookStaff(None),
            AdminCallback::BookStaff(Some(StaffId::new(7).unwrap())),
            AdminCallback::BookDays(day),
            AdminCallback::BookDay(day),
            AdminCallback::BookTime(start),
            AdminCallback::BookConfirm,
        ];
        for callback in all {
            let data = callback.encode();
            assert!(data.len() <= 64, "{data}");
            assert_eq!(AdminCallback::parse(&data), Ok(callback), "{data}");
        }
    }

    #[test]
    fn the_largest_ids_and_versions_still_fit_and_read_back() {
        let id = BookingId::new(i64::MAX).unwrap();
        let v = Version::new(i64::MAX).unwrap();
        let day = NaiveDate::MAX;
        let start = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 0).unwrap();
        let all = [
            AdminCallback::Day {
                day,
                staff: Some(StaffId::new(i64::MAX).unwrap()),
                page: u8::MAX,
            },
            AdminCallback::MoveDay(id, v, NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()),
            AdminCallback::Week {
                first: NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
                staff: Some(StaffId::new(i64::MAX).unwrap()),
            },
            AdminCallback::Unblock(TimeOffId::new(i64::MAX).unwrap()),
            AdminCallback::MoveTo(id, v, start),
            AdminCallback::MoveWith(id, v, StaffId::new(i64::MAX).unwrap()),
            AdminCallback::BookFor(CustomerId::new(i64::MAX).unwrap()),
            AdminCallback::BookFree {
                staff: StaffId::new(i64::MAX).unwrap(),
                start,
            },
        ];
        for callback in all {
            let data = callback.encode();
            assert!(data.len() <= crate::limits::MAX_CALLBACK_BYTES, "{data}");
        }
        for callback in &all[1..] {
            assert_eq!(AdminCallback::parse(&callback.encode()), Ok(*callback));
        }
    }

    #[test]
    fn forged_or_foreign_data_is_refused() {
        for data in [
            "",
            "b",
            "b:",
            "b:0",
            "b:-1",
            "b:+5",
            "b: 5",
            "c:5",
            "c:5:0",
            "d:2030063:0:0",
            "d:20301332:0:0",
            "d:20300603:0:999",
            "mt:1:1:99999999999999999",
            "zz:1",
            "m:menu",
            "bc:1",
            "b:1:2",
            "b:05",
            "c:5:01",
            "d:202\n1204:2:1",
            "d:+2021204:0:0",
            "d:20300603:00:0",
            "w:20300603",
            "w:20300603:-1",
            "w:2030063:0",
            "w:20300603:0:0",
            "ub:0",
            "ub:-3",
            "ub:03",
            "ub:1:2",
            "ub:x",
            "cu",
            "cu:0",
            "cu:-1",
            "cu:01",
            "cu:1:2",
            "cn:x",
            "ce:",
            "cey:1:1",
            "bf:0",
            "bf:1:2",
            "bn:1",
            "bn:0:100",
            "bs:-1",
            "bk:x",
            "bw:2030063",
            "bd:20301332",
            "bt:99999999999999999",
            "by:1",
        ] {
            assert_eq!(
                AdminCallback::parse(data),
                Err(UnknownAdminCallback),
                "{data}"
            );
        }
    }
}
