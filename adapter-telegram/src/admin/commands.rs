//! The admin bot's text commands, parsed strictly into [`AdminCommand`].
//!
//! Syntax (dates `YYYY-MM-DD`, times `HH:MM` local):
//! - `/today`, `/tomorrow`, `/day <date> [<staff id>]`: the day view;
//! - `/block <all|staff id> <date>[..<date>] [HH:MM-HH:MM] [reason]`;
//! - `/stats` and `/export` with `today`, `week`, `month` or `<date> <date>`;
//! - `/whoami`, `/logout`, `/help`, `/skip`;
//! - the catalog commands, parsed by [`CatalogCommand::parse`].

use booking_domain::StaffId;

use super::catalog::CatalogCommand;
use chrono::{NaiveDate, NaiveTime};

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

/// A period to block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRequest {
    /// `None`: everyone.
    pub staff: Option<StaffId>,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Within each day; `None`: whole days.
    pub hours: Option<(NaiveTime, NaiveTime)>,
    pub reason: Option<String>,
}

/// A command an admin typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminCommand {
    Help,
    WhoAmI,
    Logout,
    Skip,
    Today,
    Tomorrow,
    Day {
        day: NaiveDate,
        staff: Option<StaffId>,
    },
    Block(BlockRequest),
    Stats(PeriodSpec),
    Export(PeriodSpec),
    Catalog(CatalogCommand),
}

/// Which command's syntax was wrong, to show its usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("not a command")]
    NotACommand,
    #[error("unknown command")]
    Unknown,
    #[error("usage of /{0}")]
    Usage(&'static str),
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn staff(text: &str) -> Option<Option<StaffId>> {
    if text.eq_ignore_ascii_case("all") {
        return Some(None);
    }
    let n: i64 = text.parse().ok()?;
    StaffId::new(n).ok().map(Some)
}

fn hours(text: &str) -> Option<(NaiveTime, NaiveTime)> {
    let (from, to) = text.split_once('-')?;
    let from = NaiveTime::parse_from_str(from, "%H:%M").ok()?;
    let to = NaiveTime::parse_from_str(to, "%H:%M").ok()?;
    (from < to).then_some((from, to))
}

fn period(args: &[&str]) -> Option<PeriodSpec> {
    match args {
        [] | ["today"] => Some(PeriodSpec::Today),
        ["week"] => Some(PeriodSpec::Week),
        ["month"] => Some(PeriodSpec::Month),
        [from, to] => Some(PeriodSpec::Range(date(from)?, date(to)?)),
        _ => None,
    }
}

impl AdminCommand {
    /// # Errors
    /// [`CommandError`]: not a command, an unknown one, or a known one with
    /// wrong arguments.
    pub fn parse(text: &str) -> Result<Self, CommandError> {
        let text = text.trim();
        let Some(rest) = text.strip_prefix('/') else {
            return Err(CommandError::NotACommand);
        };
        let mut words = rest.split_whitespace();
        let head = words.next().ok_or(CommandError::Unknown)?;
        let name = head.split('@').next().unwrap_or(head).to_ascii_lowercase();
        let args: Vec<&str> = words.collect();
        // Catalog commands take free text (names, `|`-separated fields), so
        // they get everything after the command word as typed.
        let after = rest.trim_start().strip_prefix(head).unwrap_or_default();
        if let Some(parsed) = CatalogCommand::parse(&name, after) {
            return parsed.map(Self::Catalog);
        }
        let usage = CommandError::Usage;
        Ok(match name.as_str() {
            "start" | "help" | "menu" => Self::Help,
            "whoami" => Self::WhoAmI,
            "logout" => Self::Logout,
            "skip" => Self::Skip,
            "today" => Self::Today,
            "tomorrow" => Self::Tomorrow,
            "day" => match args.as_slice() {
                [day] => Self::Day {
                    day: date(day).ok_or(usage("day"))?,
                    staff: None,
                },
                [day, who] => Self::Day {
                    day: date(day).ok_or(usage("day"))?,
                    staff: staff(who).ok_or(usage("day"))?,
                },
                _ => return Err(usage("day")),
            },
            "block" => Self::Block(Self::block(&args).ok_or(usage("block"))?),
            "stats" => Self::Stats(period(&args).ok_or(usage("stats"))?),
            "export" => Self::Export(period(&args).ok_or(usage("export"))?),
            _ => return Err(CommandError::Unknown),
        })
    }

    fn block(args: &[&str]) -> Option<BlockRequest> {
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
        let (hours, rest) = match rest.first().and_then(|w| hours(w)) {
            Some(h) => (Some(h), &rest[1..]),
            None => (None, rest),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2030, 6, day).unwrap()
    }

    #[test]
    fn commands_parse_with_their_arguments() {
        assert_eq!(
            AdminCommand::parse("/today@salon_admin_bot"),
            Ok(AdminCommand::Today)
        );
        assert_eq!(
            AdminCommand::parse("/day 2030-06-04 2"),
            Ok(AdminCommand::Day {
                day: d(4),
                staff: Some(StaffId::new(2).unwrap())
            })
        );
        assert_eq!(
            AdminCommand::parse("/block 1 2030-06-04 12:00-15:00 Training day"),
            Ok(AdminCommand::Block(BlockRequest {
                staff: Some(StaffId::new(1).unwrap()),
                first: d(4),
                last: d(4),
                hours: Some((
                    NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
                    NaiveTime::from_hms_opt(15, 0, 0).unwrap()
                )),
                reason: Some("Training day".to_owned()),
            }))
        );
        assert_eq!(
            AdminCommand::parse("/block all 2030-06-04..2030-06-06"),
            Ok(AdminCommand::Block(BlockRequest {
                staff: None,
                first: d(4),
                last: d(6),
                hours: None,
                reason: None,
            }))
        );
        assert_eq!(
            AdminCommand::parse("/stats 2030-06-01 2030-06-30"),
            Ok(AdminCommand::Stats(PeriodSpec::Range(d(1), d(30))))
        );
        assert_eq!(
            AdminCommand::parse("/export week"),
            Ok(AdminCommand::Export(PeriodSpec::Week))
        );
    }

    #[test]
    fn wrong_arguments_name_the_command_for_its_usage() {
        assert_eq!(
            AdminCommand::parse("/day tomorrow"),
            Err(CommandError::Usage("day"))
        );
        assert_eq!(
            AdminCommand::parse("/block 1 2030-06-06..2030-06-04"),
            Err(CommandError::Usage("block"))
        );
        assert_eq!(
            AdminCommand::parse("/block 0 2030-06-04"),
            Err(CommandError::Usage("block"))
        );
        assert_eq!(
            AdminCommand::parse("/stats year"),
            Err(CommandError::Usage("stats"))
        );
        assert_eq!(AdminCommand::parse("/drop"), Err(CommandError::Unknown));
        assert_eq!(AdminCommand::parse("1234"), Err(CommandError::NotACommand));
    }
}
