//! The arguments of the catalog commands, their shape checked, their values
//! not yet: the values are built by the domain constructors when the
//! command runs ([`super::catalog_input`]), so a refused value comes back with the
//! domain's own reason and changes nothing, while a wrong shape shows the
//! command's usage.
//!
//! Syntax (ids as `/services` and `/staff` show them, dates `YYYY-MM-DD`,
//! periods `HH:MM-HH:MM` local, several joined by commas):
//! - `/services`; `/service_add Name | minutes | price CUR [| before | after [| staff ids]]`;
//!   `/service_edit <id> name|duration|price|before|after|staff <value>`;
//!   `/service_off <id>`, `/service_on <id>`;
//! - `/staff`; `/staff_add Name`; `/staff_rename <id> Name`;
//!   `/staff_off <id>`, `/staff_on <id>`;
//! - `/hours <staff id> <day>[,<day>...] <periods>|off` with days `mon`..`sun`;
//! - `/overrides [<date> [<date>]]`; `/override <date> all|<staff id> closed|<periods>`;
//!   `/override_remove <date> all|<staff id>`.

use booking_domain::{ServiceId, StaffId};
use chrono::{NaiveDate, Weekday};
use teloxide::utils::command::ParseError;

use super::{Usage, usage};

/// A command that takes no arguments and refuses any (with its usage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoArgs;

/// A service field that `/service_edit` changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceField {
    Name,
    Duration,
    Price,
    BufferBefore,
    BufferAfter,
    Performers,
}

/// What `/service_add` was given, still as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFields {
    pub name: String,
    pub duration: String,
    pub price: String,
    pub buffer_before: Option<String>,
    pub buffer_after: Option<String>,
    pub performers: Option<String>,
}

/// `/service_edit`: one field of one service, its new value as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEdit {
    pub id: ServiceId,
    pub field: ServiceField,
    pub value: String,
}

/// `/staff_rename`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRename {
    pub id: StaffId,
    pub name: String,
}

/// `/hours`: `periods: None` means the days off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursEdit {
    pub staff: StaffId,
    pub days: Vec<Weekday>,
    pub periods: Option<String>,
}

/// `/overrides`: the first and last day to list, by default today and
/// the last bookable day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverridesRange {
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
}

/// `/override`: `staff: None` is business-wide; `periods: None` closes the
/// day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideEdit {
    pub date: NaiveDate,
    pub staff: Option<StaffId>,
    pub periods: Option<String>,
}

/// `/override_remove`: which override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverrideKey {
    pub date: NaiveDate,
    pub staff: Option<StaffId>,
}

fn id_of(text: &str) -> Option<i64> {
    text.parse().ok().filter(|n| *n > 0)
}

fn service_id(text: &str) -> Option<ServiceId> {
    ServiceId::new(id_of(text)?).ok()
}

/// A positive staff id.
pub(crate) fn staff_id(text: &str) -> Option<StaffId> {
    StaffId::new(id_of(text)?).ok()
}

/// `all` or a staff id.
fn who(text: &str) -> Option<Option<StaffId>> {
    if text.eq_ignore_ascii_case("all") {
        Some(None)
    } else {
        staff_id(text).map(Some)
    }
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn weekday(text: &str) -> Option<Weekday> {
    use Weekday::*;
    Some(match text.to_ascii_lowercase().as_str() {
        "mon" => Mon,
        "tue" => Tue,
        "wed" => Wed,
        "thu" => Thu,
        "fri" => Fri,
        "sat" => Sat,
        "sun" => Sun,
        _ => return None,
    })
}

/// The first word of `text` and the trimmed rest.
fn first_word(text: &str) -> Option<(&str, &str)> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(match text.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (text, ""),
    })
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `closed`/`off` (`None`) or some periods (`Some`).
fn periods_or(text: &str, none: &[&str]) -> Option<Option<String>> {
    let text = text.trim();
    if text.is_empty() {
        None
    } else if none.iter().any(|w| text.eq_ignore_ascii_case(w)) {
        Some(None)
    } else {
        Some(Some(text.to_owned()))
    }
}

/// The parser's result: the value, or the usage of `which`.
fn shaped<T>(value: Option<T>, which: Usage) -> Result<(T,), ParseError> {
    value.map(|v| (v,)).ok_or_else(|| usage(which))
}

fn nothing(args: &str) -> Option<NoArgs> {
    args.trim().is_empty().then_some(NoArgs)
}

pub(crate) fn services(args: String) -> Result<(NoArgs,), ParseError> {
    shaped(nothing(&args), Usage::Services)
}

pub(crate) fn staff(args: String) -> Result<(NoArgs,), ParseError> {
    shaped(nothing(&args), Usage::Staff)
}

pub(crate) fn service_add(args: String) -> Result<(ServiceFields,), ParseError> {
    let parts: Vec<&str> = args.trim().split('|').map(str::trim).collect();
    let optional = |i: usize| parts.get(i).map(|p| (*p).to_owned());
    let fields = match parts.as_slice() {
        [name, duration, price, ..] if parts.len() <= 6 => {
            non_empty(name).map(|name| ServiceFields {
                name,
                duration: (*duration).to_owned(),
                price: (*price).to_owned(),
                buffer_before: optional(3),
                buffer_after: optional(4),
                performers: optional(5),
            })
        }
        _ => None,
    };
    shaped(fields, Usage::ServiceAdd)
}

fn service_edit_of(args: &str) -> Option<ServiceEdit> {
    let (id, rest) = first_word(args)?;
    let (field, value) = first_word(rest)?;
    let field = match field.to_ascii_lowercase().as_str() {
        "name" => ServiceField::Name,
        "duration" => ServiceField::Duration,
        "price" => ServiceField::Price,
        "before" => ServiceField::BufferBefore,
        "after" => ServiceField::BufferAfter,
        "staff" => ServiceField::Performers,
        _ => return None,
    };
    // Performers may be emptied with "-"; every other field needs a value.
    if value.is_empty() {
        return None;
    }
    Some(ServiceEdit {
        id: service_id(id)?,
        field,
        value: value.to_owned(),
    })
}

pub(crate) fn service_edit(args: String) -> Result<(ServiceEdit,), ParseError> {
    shaped(service_edit_of(&args), Usage::ServiceEdit)
}

pub(crate) fn service_off(args: String) -> Result<(ServiceId,), ParseError> {
    shaped(service_id(args.trim()), Usage::ServiceActive)
}

pub(crate) fn service_on(args: String) -> Result<(ServiceId,), ParseError> {
    shaped(service_id(args.trim()), Usage::ServiceActive)
}

pub(crate) fn staff_add(args: String) -> Result<(String,), ParseError> {
    shaped(non_empty(&args), Usage::StaffAdd)
}

pub(crate) fn staff_rename(args: String) -> Result<(StaffRename,), ParseError> {
    let rename = first_word(&args).and_then(|(id, name)| {
        Some(StaffRename {
            id: staff_id(id)?,
            name: non_empty(name)?,
        })
    });
    shaped(rename, Usage::StaffRename)
}

pub(crate) fn staff_off(args: String) -> Result<(StaffId,), ParseError> {
    shaped(staff_id(args.trim()), Usage::StaffActive)
}

pub(crate) fn staff_on(args: String) -> Result<(StaffId,), ParseError> {
    shaped(staff_id(args.trim()), Usage::StaffActive)
}

fn hours_of(args: &str) -> Option<HoursEdit> {
    let (staff, rest) = first_word(args)?;
    let (days, periods) = first_word(rest)?;
    let days: Option<Vec<Weekday>> = days.split(',').map(weekday).collect();
    Some(HoursEdit {
        staff: staff_id(staff)?,
        days: days?,
        periods: periods_or(periods, &["off", "closed"])?,
    })
}

pub(crate) fn hours(args: String) -> Result<(HoursEdit,), ParseError> {
    shaped(hours_of(&args), Usage::Hours)
}

fn overrides_of(args: &str) -> Option<OverridesRange> {
    let words: Vec<&str> = args.split_whitespace().collect();
    match words.as_slice() {
        [] => Some(OverridesRange {
            first: None,
            last: None,
        }),
        [first] => Some(OverridesRange {
            first: Some(date(first)?),
            last: None,
        }),
        [first, last] => Some(OverridesRange {
            first: Some(date(first)?),
            last: Some(date(last)?),
        }),
        _ => None,
    }
}

pub(crate) fn overrides(args: String) -> Result<(OverridesRange,), ParseError> {
    shaped(overrides_of(&args), Usage::Overrides)
}

fn override_of(args: &str) -> Option<OverrideEdit> {
    let (day, rest) = first_word(args)?;
    let (staff, hours) = first_word(rest)?;
    Some(OverrideEdit {
        date: date(day)?,
        staff: who(staff)?,
        periods: periods_or(hours, &["closed", "off"])?,
    })
}

pub(crate) fn set_override(args: String) -> Result<(OverrideEdit,), ParseError> {
    shaped(override_of(&args), Usage::Override)
}

fn override_key_of(args: &str) -> Option<OverrideKey> {
    match args.split_whitespace().collect::<Vec<_>>().as_slice() {
        [day, staff] => Some(OverrideKey {
            date: date(day)?,
            staff: who(staff)?,
        }),
        _ => None,
    }
}

pub(crate) fn remove_override(args: String) -> Result<(OverrideKey,), ParseError> {
    shaped(override_key_of(&args), Usage::OverrideRemove)
}
