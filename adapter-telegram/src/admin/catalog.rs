//! Catalog editing from the admin bot: services, staff members, weekly
//! hours and date overrides, as text commands.
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
//!
//! Parsing is in two steps on purpose: [`CatalogCommand::parse`] checks the
//! shape (a wrong shape shows the command's usage), and the values are
//! built by the domain constructors when the command runs, so a refused
//! value comes back with the domain's own reason (each error variant has
//! its message in the locale files) and changes nothing.

use booking_domain::{
    Currency, DateOverride, InvalidCurrency, InvalidHours, InvalidMinutes, InvalidMoney,
    InvalidName, InvalidService, LocalTimeRange, Minutes, Money, OverrideHours, Service, ServiceId,
    ServiceName, ServiceSpec, StaffId, StaffMember, StaffName, StaffSpec, WeeklyHours,
};
use booking_ports::engine::{OverrideEditError, Period, ServiceEditError, StaffEditError};
use chrono::{NaiveDate, Weekday};

use super::commands::CommandError;
use super::handlers::{Ctx, offer_to_cancel};
use crate::error::HandlerError;
use crate::i18n::{Arg, Text};
use crate::ui::format;

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

/// A catalog command, its shape checked, its values not yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogCommand {
    Services,
    ServiceAdd(ServiceFields),
    ServiceEdit {
        id: ServiceId,
        field: ServiceField,
        value: String,
    },
    ServiceActive {
        id: ServiceId,
        active: bool,
    },
    Staff,
    StaffAdd {
        name: String,
    },
    StaffRename {
        id: StaffId,
        name: String,
    },
    StaffActive {
        id: StaffId,
        active: bool,
    },
    /// `periods: None` means the days off.
    Hours {
        staff: StaffId,
        days: Vec<Weekday>,
        periods: Option<String>,
    },
    Overrides {
        first: Option<NaiveDate>,
        last: Option<NaiveDate>,
    },
    /// `staff: None` is business-wide; `periods: None` closes the day.
    Override {
        date: NaiveDate,
        staff: Option<StaffId>,
        periods: Option<String>,
    },
    OverrideRemove {
        date: NaiveDate,
        staff: Option<StaffId>,
    },
}

/// A value the domain refused; the message is the domain's reason.
#[derive(Debug, thiserror::Error)]
pub enum CatalogInputError {
    #[error(transparent)]
    Name(#[from] InvalidName),
    #[error("a duration is a whole number of minutes, got {0:?}")]
    NotMinutes(String),
    #[error(transparent)]
    Minutes(#[from] InvalidMinutes),
    #[error("write a price as an amount and a currency, such as 35.00 EUR, got {0:?}")]
    Price(String),
    #[error(transparent)]
    Currency(#[from] InvalidCurrency),
    #[error(transparent)]
    Money(#[from] InvalidMoney),
    #[error("staff ids are positive numbers separated by commas, got {0:?}")]
    StaffIds(String),
    #[error(transparent)]
    Hours(#[from] InvalidHours),
    #[error(transparent)]
    Service(#[from] InvalidService),
}

fn id_of(text: &str) -> Option<i64> {
    text.parse().ok().filter(|n| *n > 0)
}

fn service_id(text: &str) -> Option<ServiceId> {
    ServiceId::new(id_of(text)?).ok()
}

fn staff_id(text: &str) -> Option<StaffId> {
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

impl CatalogCommand {
    /// The catalog command `name` with the text after it, or `None` when
    /// `name` is not a catalog command.
    ///
    /// # Errors
    /// [`CommandError::Usage`] naming the command when the shape is wrong.
    pub fn parse(name: &str, args: &str) -> Option<Result<Self, CommandError>> {
        let usage = |name: &'static str| move || CommandError::Usage(name);
        let args = args.trim();
        let parsed = match name {
            "services" => args
                .is_empty()
                .then_some(Self::Services)
                .ok_or_else(usage("services")),
            "service_add" => Self::service_add(args).ok_or_else(usage("service_add")),
            "service_edit" => Self::service_edit(args).ok_or_else(usage("service_edit")),
            "service_off" | "service_on" => service_id(args)
                .map(|id| Self::ServiceActive {
                    id,
                    active: name == "service_on",
                })
                .ok_or_else(usage("service_active")),
            "staff" => args
                .is_empty()
                .then_some(Self::Staff)
                .ok_or_else(usage("staff")),
            "staff_add" => non_empty(args)
                .map(|name| Self::StaffAdd { name })
                .ok_or_else(usage("staff_add")),
            "staff_rename" => first_word(args)
                .and_then(|(id, name)| {
                    Some(Self::StaffRename {
                        id: staff_id(id)?,
                        name: non_empty(name)?,
                    })
                })
                .ok_or_else(usage("staff_rename")),
            "staff_off" | "staff_on" => staff_id(args)
                .map(|id| Self::StaffActive {
                    id,
                    active: name == "staff_on",
                })
                .ok_or_else(usage("staff_active")),
            "hours" => Self::hours(args).ok_or_else(usage("hours")),
            "overrides" => Self::overrides(args).ok_or_else(usage("overrides")),
            "override" => Self::set_override(args).ok_or_else(usage("override")),
            "override_remove" => Self::remove_override(args).ok_or_else(usage("override_remove")),
            _ => return None,
        };
        Some(parsed)
    }

    fn service_add(args: &str) -> Option<Self> {
        let parts: Vec<&str> = args.split('|').map(str::trim).collect();
        let optional = |i: usize| parts.get(i).map(|p| (*p).to_owned());
        match parts.as_slice() {
            [name, duration, price, ..] if parts.len() <= 6 => {
                Some(Self::ServiceAdd(ServiceFields {
                    name: non_empty(name)?,
                    duration: (*duration).to_owned(),
                    price: (*price).to_owned(),
                    buffer_before: optional(3),
                    buffer_after: optional(4),
                    performers: optional(5),
                }))
            }
            _ => None,
        }
    }

    fn service_edit(args: &str) -> Option<Self> {
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
        Some(Self::ServiceEdit {
            id: service_id(id)?,
            field,
            value: value.to_owned(),
        })
    }

    fn hours(args: &str) -> Option<Self> {
        let (staff, rest) = first_word(args)?;
        let (days, periods) = first_word(rest)?;
        let days: Option<Vec<Weekday>> = days.split(',').map(weekday).collect();
        Some(Self::Hours {
            staff: staff_id(staff)?,
            days: days?,
            periods: periods_or(periods, &["off", "closed"])?,
        })
    }

    fn overrides(args: &str) -> Option<Self> {
        let words: Vec<&str> = args.split_whitespace().collect();
        match words.as_slice() {
            [] => Some(Self::Overrides {
                first: None,
                last: None,
            }),
            [first] => Some(Self::Overrides {
                first: Some(date(first)?),
                last: None,
            }),
            [first, last] => Some(Self::Overrides {
                first: Some(date(first)?),
                last: Some(date(last)?),
            }),
            _ => None,
        }
    }

    fn set_override(args: &str) -> Option<Self> {
        let (day, rest) = first_word(args)?;
        let (staff, hours) = first_word(rest)?;
        Some(Self::Override {
            date: date(day)?,
            staff: who(staff)?,
            periods: periods_or(hours, &["closed", "off"])?,
        })
    }

    fn remove_override(args: &str) -> Option<Self> {
        match args.split_whitespace().collect::<Vec<_>>().as_slice() {
            [day, staff] => Some(Self::OverrideRemove {
                date: date(day)?,
                staff: who(staff)?,
            }),
            _ => None,
        }
    }
}

/// Parses `"09:00-13:00, 14:00-19:00"`.
fn periods(text: &str) -> Result<Vec<LocalTimeRange>, InvalidHours> {
    text.split(',').map(LocalTimeRange::parse).collect()
}

fn minutes(text: &str) -> Result<Minutes, CatalogInputError> {
    let text = text.trim();
    let value: i64 = text
        .parse()
        .map_err(|_| CatalogInputError::NotMinutes(text.to_owned()))?;
    Ok(Minutes::new(value)?)
}

/// Parses `"35.00 EUR"`, `"35 EUR"` or `"35,5 EUR"`: at most as many
/// decimals as the currency has.
fn price(text: &str) -> Result<Money, CatalogInputError> {
    let bad = || CatalogInputError::Price(text.trim().to_owned());
    let mut words = text.split_whitespace();
    let (Some(amount), Some(code), None) = (words.next(), words.next(), words.next()) else {
        return Err(bad());
    };
    let currency = Currency::new(code)?;
    // People type a decimal comma as often as a point.
    Money::parse(&amount.replacen(',', ".", 1), currency).map_err(|_| bad())
}

/// `"1,2"`, or `"-"` or nothing for nobody.
fn performers(text: &str) -> Result<Vec<StaffId>, CatalogInputError> {
    let text = text.trim();
    if text.is_empty() || text == "-" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|id| staff_id(id.trim()).ok_or_else(|| CatalogInputError::StaffIds(text.to_owned())))
        .collect()
}

fn new_service_spec(fields: &ServiceFields) -> Result<ServiceSpec, CatalogInputError> {
    let optional_minutes = |m: &Option<String>| m.as_deref().map_or(Ok(Minutes::ZERO), minutes);
    let spec = ServiceSpec {
        name: ServiceName::new(&fields.name)?,
        duration: minutes(&fields.duration)?,
        price: price(&fields.price)?,
        buffer_before: optional_minutes(&fields.buffer_before)?,
        buffer_after: optional_minutes(&fields.buffer_after)?,
        active: true,
        performers: performers(fields.performers.as_deref().unwrap_or_default())?,
    };
    spec.validate()?;
    Ok(spec)
}

fn edited_spec(
    mut spec: ServiceSpec,
    field: ServiceField,
    value: &str,
) -> Result<ServiceSpec, CatalogInputError> {
    match field {
        ServiceField::Name => spec.name = ServiceName::new(value)?,
        ServiceField::Duration => spec.duration = minutes(value)?,
        ServiceField::Price => spec.price = price(value)?,
        ServiceField::BufferBefore => spec.buffer_before = minutes(value)?,
        ServiceField::BufferAfter => spec.buffer_after = minutes(value)?,
        ServiceField::Performers => spec.performers = performers(value)?,
    }
    spec.validate()?;
    Ok(spec)
}

/// The weekly hours with `days` replaced by `periods` (none: days off).
fn replaced_hours(
    hours: &WeeklyHours,
    days: &[Weekday],
    periods: &[LocalTimeRange],
) -> Result<WeeklyHours, InvalidHours> {
    let kept = hours.periods().filter(|(day, _)| !days.contains(day));
    let new = days
        .iter()
        .flat_map(|day| periods.iter().map(move |p| (*day, *p)));
    WeeklyHours::new(kept.chain(new))
}

/// Runs a catalog command for an admitted staff member.
pub(super) async fn run(ctx: &Ctx<'_>, command: CatalogCommand) -> Result<(), HandlerError> {
    match command {
        CatalogCommand::Services => list_services(ctx).await,
        CatalogCommand::ServiceAdd(fields) => match new_service_spec(&fields) {
            Ok(spec) => {
                let result = ctx.admin.engine.add_service(&ctx.actor, spec).await;
                after_service_edit(ctx, result, "admin-service-added").await
            }
            Err(e) => refuse(ctx, &e).await,
        },
        CatalogCommand::ServiceEdit { id, field, value } => {
            let Some(service) = find_service(ctx, id).await? else {
                return unknown_service(ctx, id).await;
            };
            match edited_spec(service.spec().clone(), field, &value) {
                Ok(spec) => {
                    let result = ctx.admin.engine.update_service(&ctx.actor, id, spec).await;
                    after_service_edit(ctx, result, "admin-service-saved").await
                }
                Err(e) => refuse(ctx, &e).await,
            }
        }
        CatalogCommand::ServiceActive { id, active } => {
            let Some(service) = find_service(ctx, id).await? else {
                return unknown_service(ctx, id).await;
            };
            let spec = ServiceSpec {
                active,
                ..service.spec().clone()
            };
            let result = ctx.admin.engine.update_service(&ctx.actor, id, spec).await;
            after_service_edit(ctx, result, "admin-service-saved").await
        }
        CatalogCommand::Staff => list_staff(ctx).await,
        CatalogCommand::StaffAdd { name } => {
            let name = match StaffName::new(&name) {
                Ok(name) => name,
                Err(e) => return refuse(ctx, &CatalogInputError::from(e)).await,
            };
            let spec = StaffSpec {
                name,
                hours: WeeklyHours::default(),
                active: true,
            };
            let member = ctx
                .admin
                .engine
                .add_staff(&ctx.actor, spec)
                .await
                .map_err(|e| HandlerError::engine("add a staff member", e))?;
            ctx.say(ctx.t.with(
                "admin-staff-added",
                &[
                    ("line", staff_line(ctx, &member).into()),
                    ("id", member.id().get().into()),
                ],
            ))
            .await
        }
        CatalogCommand::StaffRename { id, name } => {
            let name = match StaffName::new(&name) {
                Ok(name) => name,
                Err(e) => return refuse(ctx, &CatalogInputError::from(e)).await,
            };
            edit_staff(ctx, id, |spec| Ok(StaffSpec { name, ..spec })).await
        }
        CatalogCommand::StaffActive { id, active } => {
            edit_staff(ctx, id, |spec| Ok(StaffSpec { active, ..spec })).await
        }
        CatalogCommand::Hours {
            staff,
            days,
            periods: text,
        } => {
            let new = match text.as_deref().map(periods).transpose() {
                Ok(new) => new.unwrap_or_default(),
                Err(e) => return refuse(ctx, &e.into()).await,
            };
            edit_staff(ctx, staff, |spec| {
                let hours = replaced_hours(&spec.hours, &days, &new)?;
                Ok(StaffSpec { hours, ..spec })
            })
            .await
        }
        CatalogCommand::Overrides { first, last } => list_overrides(ctx, first, last).await,
        CatalogCommand::Override {
            date,
            staff,
            periods: text,
        } => set_override(ctx, date, staff, text).await,
        CatalogCommand::OverrideRemove { date, staff } => {
            match ctx
                .admin
                .engine
                .remove_date_override(&ctx.actor, date, staff)
                .await
            {
                Ok(()) => {
                    ctx.say(ctx.t.with(
                        "admin-override-removed",
                        &[
                            ("day", format::day(&ctx.t, date).into()),
                            ("who", who_text(ctx, staff).into()),
                        ],
                    ))
                    .await
                }
                Err(OverrideEditError::NotFound) => {
                    ctx.say(ctx.t.get("admin-override-not-found")).await
                }
                Err(OverrideEditError::UnknownStaff { id }) => unknown_staff(ctx, id).await,
                Err(OverrideEditError::Store(e)) => {
                    Err(HandlerError::engine("remove a date override", e))
                }
            }
        }
    }
}

/// The reason for a refusal in the reader's language: one message per
/// domain error variant, with the values the domain reported.
fn reason(t: &Text<'_>, error: &CatalogInputError) -> String {
    let typed = |text: &str| [("typed", Arg::from(text.to_owned()))];
    match error {
        CatalogInputError::Name(InvalidName::TooShort { min }) => {
            t.with("admin-bad-name-short", &[("min", (*min as i64).into())])
        }
        CatalogInputError::Name(InvalidName::TooLong { max }) => {
            t.with("admin-bad-name-long", &[("max", (*max as i64).into())])
        }
        CatalogInputError::Name(InvalidName::ControlCharacter) => t.get("admin-bad-name-control"),
        CatalogInputError::NotMinutes(text) => t.with("admin-bad-minutes", &typed(text)),
        CatalogInputError::Minutes(InvalidMinutes { got }) => t.with(
            "admin-bad-minutes-range",
            &[
                ("got", (*got).into()),
                ("max", i64::from(Minutes::MAX.get()).into()),
            ],
        ),
        CatalogInputError::Price(text) => t.with("admin-bad-price", &typed(text)),
        CatalogInputError::Currency(InvalidCurrency(text)) => {
            t.with("admin-bad-currency", &typed(text))
        }
        CatalogInputError::Money(_) => t.get("admin-bad-money"),
        CatalogInputError::StaffIds(text) => t.with("admin-bad-staff-ids", &typed(text)),
        CatalogInputError::Hours(InvalidHours::NotIncreasing { start, end }) => t.with(
            "admin-bad-period-order",
            &[("start", start.clone().into()), ("end", end.clone().into())],
        ),
        CatalogInputError::Hours(InvalidHours::BadTime(text)) => {
            t.with("admin-bad-time", &typed(text))
        }
        CatalogInputError::Hours(InvalidHours::Malformed(text)) => {
            t.with("admin-bad-period", &typed(text))
        }
        CatalogInputError::Hours(InvalidHours::Overlapping { day, first, second }) => t.with(
            "admin-bad-overlap",
            &[
                ("day", day.clone().into()),
                ("first", first.clone().into()),
                ("second", second.clone().into()),
            ],
        ),
        CatalogInputError::Service(InvalidService::ZeroDuration) => {
            t.get("admin-bad-zero-duration")
        }
        CatalogInputError::Service(InvalidService::LongerThanADay) => {
            t.get("admin-bad-longer-than-a-day")
        }
    }
}

async fn refuse(ctx: &Ctx<'_>, error: &CatalogInputError) -> Result<(), HandlerError> {
    ctx.say(ctx.t.with(
        "admin-catalog-refused",
        &[("reason", reason(&ctx.t, error).into())],
    ))
    .await
}

async fn unknown_service(ctx: &Ctx<'_>, id: ServiceId) -> Result<(), HandlerError> {
    ctx.say(
        ctx.t
            .with("admin-unknown-service", &[("id", id.get().into())]),
    )
    .await
}

async fn unknown_staff(ctx: &Ctx<'_>, id: StaffId) -> Result<(), HandlerError> {
    ctx.say(
        ctx.t
            .with("admin-unknown-staff", &[("id", id.get().into())]),
    )
    .await
}

fn who_text(ctx: &Ctx<'_>, staff: Option<StaffId>) -> String {
    match staff {
        Some(id) => format!("#{}", id.get()),
        None => ctx.t.get("admin-everyone"),
    }
}

async fn all_services(ctx: &Ctx<'_>) -> Result<Vec<Service>, HandlerError> {
    ctx.admin
        .engine
        .all_services(&ctx.actor)
        .await
        .map_err(|e| HandlerError::engine("list services", e))
}

async fn all_staff(ctx: &Ctx<'_>) -> Result<Vec<StaffMember>, HandlerError> {
    ctx.admin
        .engine
        .all_staff(&ctx.actor)
        .await
        .map_err(|e| HandlerError::engine("list staff", e))
}

async fn find_service(ctx: &Ctx<'_>, id: ServiceId) -> Result<Option<Service>, HandlerError> {
    Ok(all_services(ctx).await?.into_iter().find(|s| s.id() == id))
}

fn service_line(ctx: &Ctx<'_>, service: &Service, staff: &[StaffMember]) -> String {
    let t = &ctx.t;
    let spec = service.spec();
    let performers = if spec.performers.is_empty() {
        t.get("admin-nobody")
    } else {
        spec.performers
            .iter()
            .map(|id| match staff.iter().find(|m| m.id() == *id) {
                Some(m) => format!("{} #{}", m.name(), id.get()),
                None => format!("#{}", id.get()),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut line = t.with(
        "admin-service-line",
        &[
            ("id", service.id().get().into()),
            ("name", service.name().to_string().into()),
            ("duration", format::duration(t, spec.duration).into()),
            ("price", format::price(spec.price).into()),
            ("before", i64::from(spec.buffer_before.get()).into()),
            ("after", i64::from(spec.buffer_after.get()).into()),
            ("staff", performers.into()),
        ],
    );
    if !spec.active {
        line.push(' ');
        line.push_str(&t.get("admin-inactive"));
    }
    line
}

async fn list_services(ctx: &Ctx<'_>) -> Result<(), HandlerError> {
    let services = all_services(ctx).await?;
    let staff = all_staff(ctx).await?;
    let mut text = ctx.t.get("admin-services-title");
    if services.is_empty() {
        text.push('\n');
        text.push_str(&ctx.t.get("admin-catalog-empty"));
    }
    for service in &services {
        text.push('\n');
        text.push_str(&service_line(ctx, service, &staff));
    }
    ctx.say(text).await
}

async fn after_service_edit(
    ctx: &Ctx<'_>,
    result: Result<Service, ServiceEditError>,
    done: &str,
) -> Result<(), HandlerError> {
    match result {
        Ok(service) => {
            let staff = all_staff(ctx).await?;
            ctx.say(ctx.t.with(
                done,
                &[("line", service_line(ctx, &service, &staff).into())],
            ))
            .await
        }
        Err(ServiceEditError::Invalid(e)) => refuse(ctx, &e.into()).await,
        Err(ServiceEditError::UnknownStaff { id }) => unknown_staff(ctx, id).await,
        Err(ServiceEditError::NotFound) => ctx.say(ctx.t.get("admin-service-gone")).await,
        Err(ServiceEditError::Store(e)) => Err(HandlerError::engine("save a service", e)),
    }
}

fn hours_text(ctx: &Ctx<'_>, hours: &WeeklyHours) -> String {
    let days: Vec<String> = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .into_iter()
    .filter(|day| !hours.on(*day).is_empty())
    .map(|day| {
        let name = ctx.t.with(
            "weekday-short",
            &[("day", i64::from(day.number_from_monday()).into())],
        );
        let periods: Vec<String> = hours.on(day).iter().map(ToString::to_string).collect();
        format!("{name} {}", periods.join(", "))
    })
    .collect();
    if days.is_empty() {
        ctx.t.get("admin-no-hours")
    } else {
        days.join("; ")
    }
}

fn staff_line(ctx: &Ctx<'_>, member: &StaffMember) -> String {
    let mut line = format!("#{} {}", member.id().get(), member.name());
    if !member.is_active() {
        line.push(' ');
        line.push_str(&ctx.t.get("admin-inactive"));
    }
    line.push_str("\n    ");
    line.push_str(&hours_text(ctx, member.hours()));
    line
}

async fn list_staff(ctx: &Ctx<'_>) -> Result<(), HandlerError> {
    let staff = all_staff(ctx).await?;
    let mut text = ctx.t.get("admin-staff-title");
    if staff.is_empty() {
        text.push('\n');
        text.push_str(&ctx.t.get("admin-catalog-empty"));
    }
    for member in &staff {
        text.push('\n');
        text.push_str(&staff_line(ctx, member));
    }
    ctx.say(text).await
}

/// Changes a staff member's spec with `change`, saves it and lists the
/// bookings that no longer fit.
async fn edit_staff(
    ctx: &Ctx<'_>,
    id: StaffId,
    change: impl FnOnce(StaffSpec) -> Result<StaffSpec, InvalidHours>,
) -> Result<(), HandlerError> {
    let Some(member) = all_staff(ctx).await?.into_iter().find(|m| m.id() == id) else {
        return unknown_staff(ctx, id).await;
    };
    let spec = match change(member.spec().clone()) {
        Ok(spec) => spec,
        Err(e) => return refuse(ctx, &e.into()).await,
    };
    match ctx.admin.engine.update_staff(&ctx.actor, id, spec).await {
        Ok(change) => {
            let text = ctx.t.with(
                "admin-staff-saved",
                &[("line", staff_line(ctx, &change.entry).into())],
            );
            offer_to_cancel(ctx, text, &change.colliding).await
        }
        Err(StaffEditError::NotFound) => unknown_staff(ctx, id).await,
        Err(StaffEditError::Store(e)) => Err(HandlerError::engine("save a staff member", e)),
    }
}

fn override_line(ctx: &Ctx<'_>, entry: &DateOverride) -> String {
    let hours = match entry.hours() {
        OverrideHours::Closed => ctx.t.get("admin-closed"),
        OverrideHours::Open(periods) => periods
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!(
        "{} ({}) · {} · {hours}",
        format::day(&ctx.t, entry.date()),
        entry.date(),
        who_text(ctx, entry.staff())
    )
}

async fn list_overrides(
    ctx: &Ctx<'_>,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
) -> Result<(), HandlerError> {
    let policy = ctx.admin.engine.policy();
    let first = first.unwrap_or_else(|| ctx.today());
    let last = last.unwrap_or_else(|| policy.last_bookable_day(ctx.admin.engine.now()).max(first));
    let Ok(period) = Period::new(first, last) else {
        return ctx.say(ctx.t.get("admin-period-invalid")).await;
    };
    let overrides = ctx
        .admin
        .engine
        .date_overrides(&ctx.actor, period)
        .await
        .map_err(|e| HandlerError::engine("list date overrides", e))?;
    let mut text = ctx.t.with(
        "admin-overrides-title",
        &[
            ("first", format::day(&ctx.t, first).into()),
            ("last", format::day(&ctx.t, last).into()),
        ],
    );
    if overrides.is_empty() {
        text.push('\n');
        text.push_str(&ctx.t.get("admin-catalog-empty"));
    }
    for entry in &overrides {
        text.push('\n');
        text.push_str(&override_line(ctx, entry));
    }
    ctx.say(text).await
}

async fn set_override(
    ctx: &Ctx<'_>,
    date: NaiveDate,
    staff: Option<StaffId>,
    text: Option<String>,
) -> Result<(), HandlerError> {
    let hours = match text.as_deref().map(periods).transpose() {
        Ok(Some(periods)) => OverrideHours::Open(periods),
        Ok(None) => OverrideHours::Closed,
        Err(e) => return refuse(ctx, &e.into()).await,
    };
    let entry = match DateOverride::new(date, staff, hours) {
        Ok(entry) => entry,
        Err(e) => return refuse(ctx, &e.into()).await,
    };
    match ctx.admin.engine.set_date_override(&ctx.actor, entry).await {
        Ok(change) => {
            let text = ctx.t.with(
                "admin-override-set",
                &[("line", override_line(ctx, &change.entry).into())],
            );
            offer_to_cancel(ctx, text, &change.colliding).await
        }
        Err(OverrideEditError::UnknownStaff { id }) => unknown_staff(ctx, id).await,
        // Setting replaces; "not found" cannot come from it, but answer sanely.
        Err(OverrideEditError::NotFound) => ctx.say(ctx.t.get("admin-override-not-found")).await,
        Err(OverrideEditError::Store(e)) => Err(HandlerError::engine("set a date override", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_with_the_currencys_decimals() {
        let p = |s: &str| price(s).map(|m| (m.minor(), m.currency().code().to_owned()));
        assert_eq!(p("35.00 EUR").unwrap(), (3500, "EUR".to_owned()));
        assert_eq!(p("35 eur").unwrap(), (3500, "EUR".to_owned()));
        assert_eq!(p("35,5 RUB").unwrap(), (3550, "RUB".to_owned()));
        assert_eq!(p("1500 JPY").unwrap(), (1500, "JPY".to_owned()));
        for bad in [
            "35",
            "-5 EUR",
            "35.123 EUR",
            "35. EUR",
            "1.5 JPY",
            "x EUR",
            "5 EUR x",
        ] {
            assert!(
                matches!(price(bad), Err(CatalogInputError::Price(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            price("35 EURO"),
            Err(CatalogInputError::Currency(_))
        ));
        assert!(matches!(
            price("99999999999999999999 EUR"),
            Err(CatalogInputError::Price(_))
        ));
    }

    #[test]
    fn commands_parse_into_their_shapes() {
        let parse = |name: &str, args: &str| CatalogCommand::parse(name, args).unwrap();
        assert_eq!(
            parse("service_add", "Beard trim | 45 | 35.00 EUR | 5 | 10 | 1,2"),
            Ok(CatalogCommand::ServiceAdd(ServiceFields {
                name: "Beard trim".to_owned(),
                duration: "45".to_owned(),
                price: "35.00 EUR".to_owned(),
                buffer_before: Some("5".to_owned()),
                buffer_after: Some("10".to_owned()),
                performers: Some("1,2".to_owned()),
            }))
        );
        assert_eq!(
            parse("hours", "2 mon,fri 09:00-13:00, 14:00-19:00"),
            Ok(CatalogCommand::Hours {
                staff: StaffId::new(2).unwrap(),
                days: vec![Weekday::Mon, Weekday::Fri],
                periods: Some("09:00-13:00, 14:00-19:00".to_owned()),
            })
        );
        assert_eq!(
            parse("override", "2030-06-05 all closed"),
            Ok(CatalogCommand::Override {
                date: NaiveDate::from_ymd_opt(2030, 6, 5).unwrap(),
                staff: None,
                periods: None,
            })
        );
        assert_eq!(
            parse("service_edit", "1 colour red"),
            Err(CommandError::Usage("service_edit"))
        );
        assert_eq!(
            parse("service_add", "Only a name"),
            Err(CommandError::Usage("service_add"))
        );
        assert_eq!(
            parse("hours", "1 someday 09:00-10:00"),
            Err(CommandError::Usage("hours"))
        );
        assert_eq!(
            parse("staff_off", "0"),
            Err(CommandError::Usage("staff_active"))
        );
        assert!(CatalogCommand::parse("today", "").is_none());
    }

    #[test]
    fn replacing_a_day_keeps_the_others_and_refuses_overlaps() {
        let p = |s: &str| LocalTimeRange::parse(s).unwrap();
        let hours = WeeklyHours::new([
            (Weekday::Mon, p("10:00-19:00")),
            (Weekday::Tue, p("10:00-19:00")),
        ])
        .unwrap();
        let new = replaced_hours(
            &hours,
            &[Weekday::Mon],
            &[p("09:00-13:00"), p("14:00-18:00")],
        )
        .unwrap();
        assert_eq!(new.on(Weekday::Mon), &[p("09:00-13:00"), p("14:00-18:00")]);
        assert_eq!(new.on(Weekday::Tue), &[p("10:00-19:00")]);
        assert!(
            replaced_hours(&hours, &[Weekday::Tue], &[])
                .unwrap()
                .on(Weekday::Tue)
                .is_empty()
        );
        assert!(matches!(
            replaced_hours(
                &hours,
                &[Weekday::Mon],
                &[p("09:00-13:00"), p("12:00-14:00")]
            ),
            Err(InvalidHours::Overlapping { .. })
        ));
    }
}
