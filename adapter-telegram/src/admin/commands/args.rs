//! The arguments of the booking commands (`/day`, `/week`, `/block`,
//! `/stats`, `/export`, `/policy`), each parsed strictly into a typed value; a
//! wrong shape is the command's [`Usage`].

use booking_domain::{LocalTimeRange, PolicyChange, PolicyField, StaffId};
use chrono::NaiveDate;
use teloxide::utils::command::ParseError;

use super::{Usage, usage};

/// A day view as `/day` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayQuery {
    pub day: NaiveDate,
    /// `None`: everyone.
    pub staff: Option<StaffId>,
}

/// A period as staff name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodSpec {
    Today,
    /// Monday to Sunday of the current week.
    Week,
    /// The current calendar month.
    Month,
    Range(NaiveDate, NaiveDate),
}

/// What `/policy` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyCommand {
    Show,
    /// One setting, by its config file key, checked as the file's value.
    Set(PolicyChange),
    /// Back to the config file's policy.
    Reset,
}

/// `/policy`, `/policy reset`, `/policy <setting> <value>`.
pub(super) fn policy(args: String) -> Result<(PolicyCommand,), ParseError> {
    let words: Vec<&str> = args.split_whitespace().collect();
    match words.as_slice() {
        [] => Ok((PolicyCommand::Show,)),
        [reset] if reset.eq_ignore_ascii_case("reset") => Ok((PolicyCommand::Reset,)),
        [key, value] => PolicyField::from_key(&key.to_ascii_lowercase())
            .and_then(|field| field.parse(value).ok())
            .map(|change| (PolicyCommand::Set(change),))
            .ok_or_else(|| usage(Usage::Policy)),
        _ => Err(usage(Usage::Policy)),
    }
}

/// A period to block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRequest {
    /// `None`: everyone.
    pub staff: Option<StaffId>,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// The wall-clock hours blocked on each day; `None`: whole days.
    pub hours: Option<LocalTimeRange>,
    pub reason: Option<String>,
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// `all` (`Some(None)`) or a staff id.
fn staff(text: &str) -> Option<Option<StaffId>> {
    if text.eq_ignore_ascii_case("all") {
        return Some(None);
    }
    let n: i64 = text.parse().ok()?;
    StaffId::new(n).ok().map(Some)
}

/// Whether `word` is meant as hours (`12:00-15:00`), right or wrong: a
/// reason such as "Lunch-break" is not, and reversed hours must not block
/// the whole day with "15:00-12:00" as its reason.
fn looks_like_hours(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit()) && word.contains(':')
}

fn period(args: &str) -> Option<PeriodSpec> {
    match args.split_whitespace().collect::<Vec<_>>().as_slice() {
        [] | ["today"] => Some(PeriodSpec::Today),
        ["week"] => Some(PeriodSpec::Week),
        ["month"] => Some(PeriodSpec::Month),
        [from, to] => Some(PeriodSpec::Range(date(from)?, date(to)?)),
        _ => None,
    }
}

/// `/day <date> [<staff id>]`.
pub(crate) fn day(args: String) -> Result<(DayQuery,), ParseError> {
    let query = match args.split_whitespace().collect::<Vec<_>>().as_slice() {
        [day] => date(day).map(|day| DayQuery { day, staff: None }),
        [day, who] => date(day)
            .zip(staff(who))
            .map(|(day, staff)| DayQuery { day, staff }),
        _ => None,
    };
    query.map(|q| (q,)).ok_or_else(|| usage(Usage::Day))
}

/// `/week [<staff id>]`: `None` for everyone.
pub(crate) fn week(args: String) -> Result<(Option<StaffId>,), ParseError> {
    let staff = match args.split_whitespace().collect::<Vec<_>>().as_slice() {
        [] => Some(None),
        [who] => staff(who),
        _ => None,
    };
    staff.map(|s| (s,)).ok_or_else(|| usage(Usage::Week))
}

/// `/stats [today|week|month|<date> <date>]`.
pub(crate) fn stats(args: String) -> Result<(PeriodSpec,), ParseError> {
    period(&args)
        .map(|p| (p,))
        .ok_or_else(|| usage(Usage::Stats))
}

/// `/export [today|week|month|<date> <date>]`.
pub(crate) fn export(args: String) -> Result<(PeriodSpec,), ParseError> {
    period(&args)
        .map(|p| (p,))
        .ok_or_else(|| usage(Usage::Export))
}

/// `/block <all|staff id> <date>[..<date>] [HH:MM-HH:MM] [reason]`.
pub(crate) fn block(args: String) -> Result<(BlockRequest,), ParseError> {
    let words: Vec<&str> = args.split_whitespace().collect();
    block_request(&words)
        .map(|b| (b,))
        .ok_or_else(|| usage(Usage::Block))
}

fn block_request(args: &[&str]) -> Option<BlockRequest> {
    let (who, days, rest) = match args {
        [who, days, rest @ ..] => (*who, *days, rest),
        _ => return None,
    };
    let staff = staff(who)?;
    let (first, last) = match days.split_once("..") {
        Some((a, b)) => (date(a)?, date(b)?),
        None => (date(days)?, date(days)?),
    };
    if last < first {
        return None;
    }
    let (hours, rest) = match rest.first() {
        Some(word) if looks_like_hours(word) => {
            (Some(LocalTimeRange::parse(word).ok()?), &rest[1..])
        }
        _ => (None, rest),
    };
    let reason = (!rest.is_empty()).then(|| rest.join(" "));
    Some(BlockRequest {
        staff,
        first,
        last,
        hours,
        reason,
    })
}
