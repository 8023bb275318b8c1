//! Callback data: what a pressed inline button asks for.
//!
//! Telegram hands callback data back verbatim, but any client can send any
//! 1 to 64 bytes, so it is parsed strictly into [`Callback`] and trusted for
//! nothing: it names what the user wants, never what they may do. Every
//! flow button carries the [`FlowId`] of the conversation that drew it, so a
//! button left on an old message is recognised as expired instead of acting
//! on a newer conversation; ownership of bookings is checked by the engine
//! against the user who pressed the button.
//!
//! Format: `m:<item>` for the main menu, `<flow>|<action>[:<argument>]` for
//! flow steps, with the flow id in base 36.

use std::fmt;

use booking_domain::{BookingId, ServiceId, StaffId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Telegram's limit on callback data.
pub const MAX_CALLBACK_BYTES: usize = 64;

/// Identifies one run of a flow (one "Book" or "My bookings" session): the
/// second it started, which is unique enough per chat and needs no counter
/// that a reset could repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FlowId(pub u32);

impl FlowId {
    /// The flow starting at `now`.
    pub fn starting_at(now: DateTime<Utc>) -> Self {
        // Wrapping is harmless: the id only has to differ from the flows of
        // the last few hours in one chat.
        Self(now.timestamp().rem_euclid(i64::from(u32::MAX)) as u32)
    }

    fn encode(self) -> String {
        to_base36(u64::from(self.0))
    }

    fn decode(text: &str) -> Option<Self> {
        from_base36(text)
            .and_then(|n| u32::try_from(n).ok())
            .map(Self)
    }
}

/// An entry of the main menu; valid at any time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuItem {
    /// Back to the main menu.
    Main,
    Book,
    MyBookings,
    About,
}

/// A step inside a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowAction {
    Back,
    Cancel,
    Service(ServiceId),
    Staff(StaffId),
    AnyStaff,
    /// Earlier or later page of the calendar of days.
    Page(u8),
    Day(NaiveDate),
    /// A start time, to the minute.
    Time(DateTime<Utc>),
    /// One of the offered names, by position.
    Name(u8),
    SkipComment,
    Confirm,
    /// Details of one of the customer's bookings.
    Booking(BookingId),
    CancelBooking(BookingId),
    ConfirmCancel(BookingId),
    Reschedule(BookingId),
    MyData,
    Erase,
    ConfirmErase,
}

/// What a pressed button asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    Menu(MenuItem),
    Flow {
        flow: FlowId,
        action: FlowAction,
    },
    /// "I'll come", under a reminder: valid at any time, outside any flow.
    Attend(BookingId),
    /// "Cancel", under a reminder: starts the cancel-with-confirmation step
    /// of "My bookings" for this booking.
    CancelFromReminder(BookingId),
    /// "Save as my details", under a booking made for other details than
    /// the customer's record: valid at any time, outside any flow.
    SaveDetails(BookingId),
}

/// Callback data that is not something we sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised callback data ({length} bytes)")]
pub struct UnknownCallback {
    /// The length only: the data itself is attacker-controlled text.
    pub length: usize,
}

impl Callback {
    /// A flow step of `flow`.
    pub fn flow(flow: FlowId, action: FlowAction) -> Self {
        Self::Flow { flow, action }
    }

    /// The data for a button.
    pub fn encode(&self) -> String {
        match self {
            Callback::Menu(item) => format!(
                "m:{}",
                match item {
                    MenuItem::Main => "s",
                    MenuItem::Book => "b",
                    MenuItem::MyBookings => "l",
                    MenuItem::About => "a",
                }
            ),
            Callback::Attend(id) => format!("ra:{id}"),
            Callback::CancelFromReminder(id) => format!("rc:{id}"),
            Callback::SaveDetails(id) => format!("sd:{id}"),
            Callback::Flow { flow, action } => {
                let action = match action {
                    FlowAction::Back => "bk".to_owned(),
                    FlowAction::Cancel => "x".to_owned(),
                    FlowAction::Service(id) => format!("sv:{id}"),
                    FlowAction::Staff(id) => format!("st:{id}"),
                    FlowAction::AnyStaff => "sa".to_owned(),
                    FlowAction::Page(page) => format!("p:{page}"),
                    FlowAction::Day(day) => format!("d:{}", day.format("%Y%m%d")),
                    FlowAction::Time(start) => format!("t:{}", start.timestamp() / 60),
                    FlowAction::Name(index) => format!("n:{index}"),
                    FlowAction::SkipComment => "sc".to_owned(),
                    FlowAction::Confirm => "ok".to_owned(),
                    FlowAction::Booking(id) => format!("b:{id}"),
                    FlowAction::CancelBooking(id) => format!("c:{id}"),
                    FlowAction::ConfirmCancel(id) => format!("cy:{id}"),
                    FlowAction::Reschedule(id) => format!("r:{id}"),
                    FlowAction::MyData => "md".to_owned(),
                    FlowAction::Erase => "e".to_owned(),
                    FlowAction::ConfirmErase => "ey".to_owned(),
                };
                format!("{}|{action}", flow.encode())
            }
        }
    }

    /// Parses data that a button of ours carried, refusing anything else:
    /// unknown codes, missing or extra arguments, ids that are not positive,
    /// impossible dates, data over 64 bytes.
    ///
    /// # Errors
    /// [`UnknownCallback`] for anything we did not send.
    pub fn parse(data: &str) -> Result<Self, UnknownCallback> {
        let unknown = UnknownCallback { length: data.len() };
        if data.is_empty() || data.len() > MAX_CALLBACK_BYTES {
            return Err(unknown);
        }
        if let Some(item) = data.strip_prefix("m:") {
            let item = match item {
                "s" => MenuItem::Main,
                "b" => MenuItem::Book,
                "l" => MenuItem::MyBookings,
                "a" => MenuItem::About,
                _ => return Err(unknown),
            };
            return Ok(Callback::Menu(item));
        }
        if let Some(id) = data.strip_prefix("ra:") {
            let id = parse_positive(id).and_then(|id| BookingId::new(id).ok());
            return id.map(Callback::Attend).ok_or(unknown);
        }
        if let Some(id) = data.strip_prefix("rc:") {
            let id = parse_positive(id).and_then(|id| BookingId::new(id).ok());
            return id.map(Callback::CancelFromReminder).ok_or(unknown);
        }
        if let Some(id) = data.strip_prefix("sd:") {
            let id = parse_positive(id).and_then(|id| BookingId::new(id).ok());
            return id.map(Callback::SaveDetails).ok_or(unknown);
        }
        let (flow, action) = data.split_once('|').ok_or(unknown.clone())?;
        let flow = FlowId::decode(flow).ok_or(unknown.clone())?;
        let (code, argument) = match action.split_once(':') {
            Some((code, argument)) => (code, Some(argument)),
            None => (action, None),
        };
        let action = parse_action(code, argument).ok_or(unknown)?;
        Ok(Callback::Flow { flow, action })
    }
}

fn parse_action(code: &str, argument: Option<&str>) -> Option<FlowAction> {
    let id = || argument.and_then(parse_positive);
    let action = match (code, argument) {
        ("bk", None) => FlowAction::Back,
        ("x", None) => FlowAction::Cancel,
        ("sa", None) => FlowAction::AnyStaff,
        ("sc", None) => FlowAction::SkipComment,
        ("ok", None) => FlowAction::Confirm,
        ("md", None) => FlowAction::MyData,
        ("e", None) => FlowAction::Erase,
        ("ey", None) => FlowAction::ConfirmErase,
        ("sv", Some(_)) => FlowAction::Service(ServiceId::new(id()?).ok()?),
        ("st", Some(_)) => FlowAction::Staff(StaffId::new(id()?).ok()?),
        ("b", Some(_)) => FlowAction::Booking(BookingId::new(id()?).ok()?),
        ("c", Some(_)) => FlowAction::CancelBooking(BookingId::new(id()?).ok()?),
        ("cy", Some(_)) => FlowAction::ConfirmCancel(BookingId::new(id()?).ok()?),
        ("r", Some(_)) => FlowAction::Reschedule(BookingId::new(id()?).ok()?),
        ("p", Some(page)) => FlowAction::Page(parse_digits(page)?.try_into().ok()?),
        ("n", Some(index)) => FlowAction::Name(parse_digits(index)?.try_into().ok()?),
        ("d", Some(day)) => {
            if day.len() != 8 || !day.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            FlowAction::Day(NaiveDate::parse_from_str(day, "%Y%m%d").ok()?)
        }
        ("t", Some(minutes)) => {
            let minutes = parse_positive(minutes)?;
            FlowAction::Time(DateTime::from_timestamp(minutes.checked_mul(60)?, 0)?)
        }
        _ => return None,
    };
    Some(action)
}

/// Digits only: no sign, no spaces, no leading zeros beyond "0" itself, so
/// each value has exactly one spelling.
fn parse_digits(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.len() <= 19
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

fn parse_positive(text: &str) -> Option<i64> {
    parse_digits(text)
        .and_then(|n| i64::try_from(n).ok())
        .filter(|n| *n > 0)
}

fn to_base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn from_base36(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.len() <= 7
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        && (text == "0" || !text.starts_with('0'));
    canonical
        .then(|| u64::from_str_radix(text, 36).ok())
        .flatten()
}

impl fmt::Display for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> FlowId {
        FlowId::starting_at(DateTime::from_timestamp(1_750_000_000, 0).unwrap())
    }

    fn every_action() -> Vec<FlowAction> {
        let booking = BookingId::new(i64::MAX).unwrap();
        vec![
            FlowAction::Back,
            FlowAction::Cancel,
            FlowAction::Service(ServiceId::new(3).unwrap()),
            FlowAction::Staff(StaffId::new(12).unwrap()),
            FlowAction::AnyStaff,
            FlowAction::Page(4),
            FlowAction::Day(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()),
            FlowAction::Time(DateTime::from_timestamp(1_750_003_200, 0).unwrap()),
            FlowAction::Name(1),
            FlowAction::SkipComment,
            FlowAction::Confirm,
            FlowAction::Booking(booking),
            FlowAction::CancelBooking(booking),
            FlowAction::ConfirmCancel(booking),
            FlowAction::Reschedule(booking),
            FlowAction::MyData,
            FlowAction::Erase,
            FlowAction::ConfirmErase,
        ]
    }

    #[test]
    fn every_callback_round_trips_within_telegrams_limit() {
        let mut all: Vec<Callback> = every_action()
            .into_iter()
            .map(|a| Callback::flow(flow(), a))
            .collect();
        all.extend(
            [
                MenuItem::Main,
                MenuItem::Book,
                MenuItem::MyBookings,
                MenuItem::About,
            ]
            .map(Callback::Menu),
        );
        let booking = BookingId::new(i64::MAX).unwrap();
        all.extend([
            Callback::Attend(booking),
            Callback::CancelFromReminder(booking),
            Callback::SaveDetails(booking),
        ]);
        for callback in all {
            let data = callback.encode();
            assert!(data.len() <= MAX_CALLBACK_BYTES, "{data} is too long");
            assert_eq!(Callback::parse(&data), Ok(callback), "{data}");
        }
    }

    #[test]
    fn malformed_data_is_refused() {
        let flow = flow().encode();
        for data in [
            String::new(),
            "m:".to_owned(),
            "m:zz".to_owned(),
            "hello".to_owned(),
            format!("{flow}|"),
            format!("{flow}|sv"),
            format!("{flow}|sv:"),
            format!("{flow}|sv:0"),
            format!("{flow}|sv:-3"),
            format!("{flow}|sv:+3"),
            format!("{flow}|sv:03"),
            format!("{flow}|sv:3:4"),
            format!("{flow}|sv:3 "),
            format!("{flow}|bk:1"),
            format!("{flow}|d:20260230"),
            format!("{flow}|d:2026-02-01"),
            format!("{flow}|t:99999999999999999999"),
            format!("{flow}|n:300"),
            format!("{flow}|b:9223372036854775808"),
            format!("{}|bk", flow.to_uppercase()),
            format!("0{flow}|bk"),
            format!("{flow}|ok{}", " ".repeat(70)),
            "ra:".to_owned(),
            "ra:0".to_owned(),
            "ra:07".to_owned(),
            "ra:7:1".to_owned(),
            "rc:-7".to_owned(),
            "rc:9223372036854775808".to_owned(),
            "rx:7".to_owned(),
            "sd:".to_owned(),
            "sd:0".to_owned(),
            "sd:07".to_owned(),
            "sd:7:1".to_owned(),
        ] {
            assert!(Callback::parse(&data).is_err(), "{data:?} was accepted");
        }
    }

    #[test]
    fn flow_ids_differ_between_seconds() {
        let a = FlowId::starting_at(DateTime::from_timestamp(1_750_000_000, 0).unwrap());
        let b = FlowId::starting_at(DateTime::from_timestamp(1_750_000_001, 0).unwrap());
        assert_ne!(a, b);
    }
}
