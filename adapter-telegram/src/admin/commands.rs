//! The admin bot's text commands: one [`Command`] enum derived with
//! teloxide's `BotCommands`, each command's arguments parsed strictly into
//! a typed value (the booking commands' in [`args`], the catalog commands'
//! in [`catalog`], whose values [`catalog_input`] then builds with the
//! domain constructors).
//!
//! Syntax (dates `YYYY-MM-DD`, times `HH:MM` local):
//! - `/today`, `/tomorrow`, `/day <date> [<staff id>]`: the day view;
//! - `/week [<all|staff id>]`: seven days at a glance from today;
//! - `/block <all|staff id> <date>[..<date>] [HH:MM-HH:MM] [reason]` (the
//!   hours are blocked on each day of the range), `/blocks` to list and
//!   remove upcoming blocks;
//! - `/stats` and `/export` with `today`, `week`, `month` or `<date> <date>`;
//! - `/customer <phone or part of a name>`: customer cards;
//! - `/whoami`, `/logout`, `/help` (also `/start`, `/menu`), `/skip`;
//! - `/book`: book for a caller or a walk-in (buttons and text steps);
//! - the catalog commands (see [`catalog`]).
//!
//! [`parse`] reads a command the way staff have always been able to type
//! it: in any letter case, after spaces, with any `@bot` mention and any
//! whitespace after the command word. It rewrites those forms into the
//! one `BotCommands` knows and lets the derived parser do the rest, so the
//! tree routes commands through [`filter`] rather than teloxide's
//! `filter_command`, which would refuse `/Today` or `/day\n2030-06-04`.
//! A command with wrong arguments names its [`Usage`] message.

pub mod args;
pub mod catalog;
pub mod catalog_input;

use std::fmt;

use booking_domain::{ServiceId, StaffId};
use teloxide::dispatching::DpHandlerDescription;
use teloxide::prelude::*;
use teloxide::utils::command::{BotCommands, ParseError};

pub use self::args::{BlockRequest, DayQuery, PeriodSpec, PolicyCommand};
use self::catalog::{
    HoursEdit, NoArgs, OverrideEdit, OverrideKey, OverridesRange, ServiceEdit, ServiceFields,
    StaffRename,
};
use crate::error::HandlerError;
use crate::i18n::Msg;

/// A command an admin typed, its arguments parsed.
#[derive(BotCommands, Debug, Clone, PartialEq, Eq)]
#[command(rename_rule = "snake_case")]
pub enum Command {
    #[command(aliases = ["start", "menu"])]
    Help,
    #[command(rename = "whoami")]
    WhoAmI,
    Logout,
    Skip,
    Today,
    Tomorrow,
    #[command(parse_with = args::day)]
    Day(DayQuery),
    #[command(parse_with = args::week)]
    Week(Option<StaffId>),
    #[command(parse_with = args::block)]
    Block(BlockRequest),
    Blocks,
    #[command(parse_with = args::stats)]
    Stats(PeriodSpec),
    #[command(parse_with = args::export)]
    Export(PeriodSpec),
    #[command(parse_with = catalog::services)]
    Services(NoArgs),
    #[command(parse_with = catalog::service_add)]
    ServiceAdd(ServiceFields),
    #[command(parse_with = catalog::service_edit)]
    ServiceEdit(ServiceEdit),
    #[command(parse_with = catalog::service_off)]
    ServiceOff(ServiceId),
    #[command(parse_with = catalog::service_on)]
    ServiceOn(ServiceId),
    #[command(parse_with = catalog::staff)]
    Staff(NoArgs),
    #[command(parse_with = catalog::staff_add)]
    StaffAdd(String),
    #[command(parse_with = catalog::staff_rename)]
    StaffRename(StaffRename),
    #[command(parse_with = catalog::staff_off)]
    StaffOff(StaffId),
    #[command(parse_with = catalog::staff_on)]
    StaffOn(StaffId),
    #[command(parse_with = catalog::hours)]
    Hours(HoursEdit),
    #[command(parse_with = catalog::overrides)]
    Overrides(OverridesRange),
    #[command(parse_with = catalog::set_override)]
    Override(OverrideEdit),
    #[command(parse_with = catalog::remove_override)]
    OverrideRemove(OverrideKey),
    #[command(parse_with = customer_query)]
    Customer(String),
    /// Book for a caller or a walk-in.
    Book,
    #[command(parse_with = args::policy)]
    Policy(PolicyCommand),
    /// A one-time code for a staff member to join the admin bot.
    #[command(parse_with = staff_invite)]
    StaffInvite(StaffId),
    /// Joins with an invitation code (before the gate: anyone may try).
    #[command(parse_with = join)]
    Join(String),
}

/// The command whose syntax was wrong, to show its usage message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    Day,
    Week,
    Block,
    Stats,
    Export,
    Services,
    ServiceAdd,
    ServiceEdit,
    /// `/service_off` and `/service_on`.
    ServiceActive,
    Staff,
    StaffAdd,
    StaffRename,
    /// `/staff_off` and `/staff_on`.
    StaffActive,
    Hours,
    Overrides,
    Override,
    OverrideRemove,
    Customer,
    Policy,
    StaffInvite,
    Join,
}

impl Usage {
    /// The usage message's id in the locale files.
    pub fn message_id(self) -> Msg {
        match self {
            Self::Day => Msg::AdminUsageDay,
            Self::Week => Msg::AdminUsageWeek,
            Self::Block => Msg::AdminUsageBlock,
            Self::Stats => Msg::AdminUsageStats,
            Self::Export => Msg::AdminUsageExport,
            Self::Services => Msg::AdminUsageServices,
            Self::ServiceAdd => Msg::AdminUsageServiceAdd,
            Self::ServiceEdit => Msg::AdminUsageServiceEdit,
            Self::ServiceActive => Msg::AdminUsageServiceActive,
            Self::Staff => Msg::AdminUsageStaff,
            Self::StaffAdd => Msg::AdminUsageStaffAdd,
            Self::StaffRename => Msg::AdminUsageStaffRename,
            Self::StaffActive => Msg::AdminUsageStaffActive,
            Self::Hours => Msg::AdminUsageHours,
            Self::Overrides => Msg::AdminUsageOverrides,
            Self::Override => Msg::AdminUsageOverride,
            Self::OverrideRemove => Msg::AdminUsageOverrideRemove,
            Self::Customer => Msg::AdminUsageCustomer,
            Self::Policy => Msg::AdminUsagePolicy,
            Self::StaffInvite => Msg::AdminUsageStaffInvite,
            Self::Join => Msg::AdminUsageJoin,
        }
    }
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wrong arguments; see {}", self.message_id().id())
    }
}

impl std::error::Error for Usage {}

/// The error an argument parser returns: which usage to show.
pub(crate) fn usage(which: Usage) -> ParseError {
    ParseError::Custom(Box::new(which))
}

/// `/customer <phone or part of a name>`: the text as typed, trimmed.
fn customer_query(args: String) -> Result<(String,), ParseError> {
    match args.trim() {
        "" => Err(usage(Usage::Customer)),
        query => Ok((query.to_owned(),)),
    }
}

/// `/staff_invite <staff id>`.
fn staff_invite(args: String) -> Result<(StaffId,), ParseError> {
    catalog::staff_id(args.trim())
        .map(|id| (id,))
        .ok_or_else(|| usage(Usage::StaffInvite))
}

/// `/join <code>`: the code as typed; the gate reads it.
fn join(args: String) -> Result<(String,), ParseError> {
    match args.trim() {
        "" => Err(usage(Usage::Join)),
        code => Ok((code.to_owned(),)),
    }
}

/// Why a text is not a command to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("not a command")]
    NotACommand,
    #[error("unknown command")]
    Unknown,
    #[error("wrong arguments for a known command")]
    Usage(Usage),
}

/// `text` as the derived parser reads it: `/name args`, the name in
/// lower case without a bot mention, or `None` when it is no command.
fn normalised(text: &str) -> Option<String> {
    let rest = text.trim().strip_prefix('/')?;
    let head = rest.split_whitespace().next().unwrap_or_default();
    let name = head.split('@').next().unwrap_or(head).to_ascii_lowercase();
    // Catalog commands take free text (names, `|`-separated fields), so
    // the arguments stay as typed; each parser trims them.
    let after = rest.trim_start().strip_prefix(head).unwrap_or_default();
    Some(format!("/{name} {after}"))
}

/// Parses a command as staff type it.
///
/// # Errors
/// [`CommandError`]: not a command, an unknown one, or a known one with
/// wrong arguments.
pub fn parse(text: &str) -> Result<Command, CommandError> {
    let text = normalised(text).ok_or(CommandError::NotACommand)?;
    // The mention was dropped above, so no bot name is needed.
    Command::parse(&text, "").map_err(|error| match error {
        ParseError::Custom(reason) => reason
            .downcast_ref::<Usage>()
            .map_or(CommandError::Unknown, |u| CommandError::Usage(*u)),
        _ => CommandError::Unknown,
    })
}

/// The tree's command filter: continues with the [`Command`] of a message
/// that holds one.
pub fn filter() -> Handler<'static, Result<(), HandlerError>, DpHandlerDescription> {
    dptree::filter_map(|message: Message| parse(message.text()?).ok())
}

/// Continues with the [`CommandError`] of a message that tried to be a
/// command and is not a valid one.
pub fn refusals() -> Handler<'static, Result<(), HandlerError>, DpHandlerDescription> {
    dptree::filter_map(|message: Message| match parse(message.text()?) {
        Err(CommandError::NotACommand) | Ok(_) => None,
        Err(error) => Some(error),
    })
}

#[cfg(test)]
mod tests {
    use booking_domain::LocalTimeRange;
    use chrono::{NaiveDate, Weekday};

    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2030, 6, day).unwrap()
    }

    #[test]
    fn commands_parse_with_their_arguments() {
        assert_eq!(parse("/today@salon_admin_bot"), Ok(Command::Today));
        assert_eq!(
            parse("/day 2030-06-04 2"),
            Ok(Command::Day(DayQuery {
                day: d(4),
                staff: Some(StaffId::new(2).unwrap())
            }))
        );
        assert_eq!(
            parse("/block 1 2030-06-04 12:00-15:00 Training day"),
            Ok(Command::Block(BlockRequest {
                staff: Some(StaffId::new(1).unwrap()),
                first: d(4),
                last: d(4),
                hours: Some(LocalTimeRange::parse("12:00-15:00").unwrap()),
                reason: Some("Training day".to_owned()),
            }))
        );
        assert_eq!(
            parse("/block 2 2030-06-04..2030-06-07 13:00-14:00"),
            Ok(Command::Block(BlockRequest {
                staff: Some(StaffId::new(2).unwrap()),
                first: d(4),
                last: d(7),
                hours: Some(LocalTimeRange::parse("13:00-14:00").unwrap()),
                reason: None,
            }))
        );
        assert_eq!(
            parse("/block all 2030-06-04 Lunch-break"),
            Ok(Command::Block(BlockRequest {
                staff: None,
                first: d(4),
                last: d(4),
                hours: None,
                reason: Some("Lunch-break".to_owned()),
            }))
        );
        assert_eq!(parse("/week"), Ok(Command::Week(None)));
        assert_eq!(parse("/week all"), Ok(Command::Week(None)));
        assert_eq!(
            parse("/week 2"),
            Ok(Command::Week(Some(StaffId::new(2).unwrap())))
        );
        assert_eq!(parse("/policy"), Ok(Command::Policy(PolicyCommand::Show)));
        assert_eq!(
            parse("/policy RESET"),
            Ok(Command::Policy(PolicyCommand::Reset))
        );
        assert_eq!(
            parse("/policy requires_confirmation on"),
            Ok(Command::Policy(PolicyCommand::Set(
                booking_domain::PolicyChange::RequiresConfirmation(true)
            )))
        );
        for wrong in [
            "/policy min_notice_minutes -5",
            "/policy min_notice_minutes soon",
            "/policy time_zone UTC",
            "/policy horizon_days",
        ] {
            assert_eq!(
                parse(wrong),
                Err(CommandError::Usage(Usage::Policy)),
                "{wrong}"
            );
        }
        assert_eq!(parse("/blocks"), Ok(Command::Blocks));
        assert_eq!(
            parse("/block all 2030-06-04..2030-06-06"),
            Ok(Command::Block(BlockRequest {
                staff: None,
                first: d(4),
                last: d(6),
                hours: None,
                reason: None,
            }))
        );
        assert_eq!(
            parse("/stats 2030-06-01 2030-06-30"),
            Ok(Command::Stats(PeriodSpec::Range(d(1), d(30))))
        );
        assert_eq!(parse("/export week"), Ok(Command::Export(PeriodSpec::Week)));
    }

    #[test]
    fn commands_are_read_as_staff_have_always_typed_them() {
        for text in ["/start", "/menu", "/HELP", "  /help  ", "/help@some_bot"] {
            assert_eq!(parse(text), Ok(Command::Help), "{text}");
        }
        assert_eq!(parse("/whoami"), Ok(Command::WhoAmI));
        assert_eq!(parse("/Today now"), Ok(Command::Today));
        assert_eq!(
            parse("/day\n2030-06-04"),
            Ok(Command::Day(DayQuery {
                day: d(4),
                staff: None
            }))
        );
        assert_eq!(
            parse("/staff_on 3"),
            Ok(Command::StaffOn(StaffId::new(3).unwrap()))
        );
    }

    #[test]
    fn wrong_arguments_name_the_command_for_its_usage() {
        assert_eq!(parse("/day tomorrow"), Err(CommandError::Usage(Usage::Day)));
        assert_eq!(
            parse("/block 1 2030-06-06..2030-06-04"),
            Err(CommandError::Usage(Usage::Block))
        );
        assert_eq!(
            parse("/block 0 2030-06-04"),
            Err(CommandError::Usage(Usage::Block))
        );
        assert_eq!(parse("/week anna"), Err(CommandError::Usage(Usage::Week)));
        assert_eq!(
            parse("/block 1 2030-06-04 15:00-12:00"),
            Err(CommandError::Usage(Usage::Block)),
            "reversed hours must not block the whole day"
        );
        assert_eq!(parse("/stats year"), Err(CommandError::Usage(Usage::Stats)));
        assert_eq!(parse("/drop"), Err(CommandError::Unknown));
        assert_eq!(parse("/"), Err(CommandError::Unknown));
        assert_eq!(parse("1234"), Err(CommandError::NotACommand));
    }

    #[test]
    fn catalog_commands_parse_into_their_shapes() {
        assert_eq!(
            parse("/service_add Beard trim | 45 | 35.00 EUR | 5 | 10 | 1,2"),
            Ok(Command::ServiceAdd(ServiceFields {
                name: "Beard trim".to_owned(),
                duration: "45".to_owned(),
                price: "35.00 EUR".to_owned(),
                buffer_before: Some("5".to_owned()),
                buffer_after: Some("10".to_owned()),
                performers: Some("1,2".to_owned()),
            }))
        );
        assert_eq!(
            parse("/hours 2 mon,fri 09:00-13:00, 14:00-19:00"),
            Ok(Command::Hours(HoursEdit {
                staff: StaffId::new(2).unwrap(),
                days: vec![Weekday::Mon, Weekday::Fri],
                periods: Some("09:00-13:00, 14:00-19:00".to_owned()),
            }))
        );
        assert_eq!(
            parse("/override 2030-06-05 all closed"),
            Ok(Command::Override(OverrideEdit {
                date: d(5),
                staff: None,
                periods: None,
            }))
        );
        assert_eq!(
            parse("/service_edit 1 colour red"),
            Err(CommandError::Usage(Usage::ServiceEdit))
        );
        assert_eq!(
            parse("/service_add Only a name"),
            Err(CommandError::Usage(Usage::ServiceAdd))
        );
        assert_eq!(
            parse("/hours 1 someday 09:00-10:00"),
            Err(CommandError::Usage(Usage::Hours))
        );
        assert_eq!(
            parse("/staff_off 0"),
            Err(CommandError::Usage(Usage::StaffActive))
        );
        assert_eq!(
            parse("/services all"),
            Err(CommandError::Usage(Usage::Services))
        );
        assert_eq!(parse("/today"), Ok(Command::Today));
    }

    #[test]
    fn customer_takes_the_rest_of_the_line() {
        assert_eq!(
            parse("/customer  Мария Петрова "),
            Ok(Command::Customer("Мария Петрова".to_owned()))
        );
        assert_eq!(
            parse("/customer 8 916 555-01-02"),
            Ok(Command::Customer("8 916 555-01-02".to_owned()))
        );
        assert_eq!(
            parse("/customer"),
            Err(CommandError::Usage(Usage::Customer))
        );
    }
}
