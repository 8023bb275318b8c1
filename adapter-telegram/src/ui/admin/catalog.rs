//! The catalog as staff read it: services with their ids, staff with their
//! weekly hours, date overrides, what an edit saved, and why one was
//! refused (one message per domain error, with the values the domain
//! reported).

use booking_domain::{
    DateOverride, InvalidCurrency, InvalidHours, InvalidMinutes, InvalidName, InvalidService,
    Minutes, OverrideHours, Service, ServiceId, StaffId, StaffMember, WeeklyHours,
};
use chrono::{NaiveDate, Weekday};

use super::who;
use crate::admin::commands::catalog_input::CatalogInputError;
use crate::i18n::{Arg, Msg, Text};
use crate::telegram::Screen;
use crate::ui::format;

/// One service: id, name, length, price, buffers, performers by name.
pub fn service_line(t: &Text<'_>, service: &Service, staff: &[StaffMember]) -> String {
    let spec = service.spec();
    let performers = if spec.performers.is_empty() {
        t.get(Msg::AdminNobody)
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
        Msg::AdminServiceLine,
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
        line.push_str(&t.get(Msg::AdminInactive));
    }
    line
}

/// `title`, then one line per entry or that there is none.
fn listing(t: &Text<'_>, title: String, lines: impl ExactSizeIterator<Item = String>) -> Screen {
    let mut text = title;
    if lines.len() == 0 {
        text.push('\n');
        text.push_str(&t.get(Msg::AdminCatalogEmpty));
    }
    for line in lines {
        text.push('\n');
        text.push_str(&line);
    }
    Screen::text(text)
}

/// `/services`.
pub fn services(t: &Text<'_>, services: &[Service], staff: &[StaffMember]) -> Screen {
    let lines = services.iter().map(|s| service_line(t, s, staff));
    listing(t, t.get(Msg::AdminServicesTitle), lines)
}

/// A service saved (`added` or changed), as its line.
pub fn service_saved(
    t: &Text<'_>,
    added: bool,
    service: &Service,
    staff: &[StaffMember],
) -> Screen {
    let id = if added {
        Msg::AdminServiceAdded
    } else {
        Msg::AdminServiceSaved
    };
    Screen::text(t.with(id, &[("line", service_line(t, service, staff).into())]))
}

/// "Mon 09:00-13:00, 14:00-19:00; Tue …", or that there are none.
pub fn hours_text(t: &Text<'_>, hours: &WeeklyHours) -> String {
    use Weekday::*;
    let days: Vec<String> = [Mon, Tue, Wed, Thu, Fri, Sat, Sun]
        .into_iter()
        .filter(|day| !hours.on(*day).is_empty())
        .map(|day| {
            let name = t.with(
                Msg::WeekdayShort,
                &[("day", i64::from(day.number_from_monday()).into())],
            );
            let periods: Vec<String> = hours.on(day).iter().map(ToString::to_string).collect();
            format!("{name} {}", periods.join(", "))
        })
        .collect();
    if days.is_empty() {
        t.get(Msg::AdminNoHours)
    } else {
        days.join("; ")
    }
}

/// One staff member: id, name, whether active, weekly hours.
pub fn staff_line(t: &Text<'_>, member: &StaffMember) -> String {
    let mut line = format!("#{} {}", member.id().get(), member.name());
    if !member.is_active() {
        line.push(' ');
        line.push_str(&t.get(Msg::AdminInactive));
    }
    line.push_str("\n    ");
    line.push_str(&hours_text(t, member.hours()));
    line
}

/// `/staff`.
pub fn staff(t: &Text<'_>, staff: &[StaffMember]) -> Screen {
    let lines = staff.iter().map(|m| staff_line(t, m));
    listing(t, t.get(Msg::AdminStaffTitle), lines)
}

/// A staff member added, with how to give them hours.
pub fn staff_added(t: &Text<'_>, member: &StaffMember) -> Screen {
    Screen::text(t.with(
        Msg::AdminStaffAdded,
        &[
            ("line", staff_line(t, member).into()),
            ("id", member.id().get().into()),
        ],
    ))
}

/// A staff member saved, as their line (collisions follow).
pub fn staff_saved(t: &Text<'_>, member: &StaffMember) -> String {
    t.with(
        Msg::AdminStaffSaved,
        &[("line", staff_line(t, member).into())],
    )
}

/// One date override: the day, whom it is for, its hours.
pub fn override_line(t: &Text<'_>, entry: &DateOverride) -> String {
    let hours = match entry.hours() {
        OverrideHours::Closed => t.get(Msg::AdminClosed),
        OverrideHours::Open(periods) => periods
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!(
        "{} ({}) · {} · {hours}",
        format::day(t, entry.date()),
        entry.date(),
        who(t, entry.staff())
    )
}

/// `/overrides` for the days `first..=last`.
pub fn overrides(
    t: &Text<'_>,
    first: NaiveDate,
    last: NaiveDate,
    overrides: &[DateOverride],
) -> Screen {
    let title = t.with(
        Msg::AdminOverridesTitle,
        &[
            ("first", format::day(t, first).into()),
            ("last", format::day(t, last).into()),
        ],
    );
    listing(t, title, overrides.iter().map(|o| override_line(t, o)))
}

/// A date override saved, as its line (collisions follow).
pub fn override_set(t: &Text<'_>, entry: &DateOverride) -> String {
    t.with(
        Msg::AdminOverrideSet,
        &[("line", override_line(t, entry).into())],
    )
}

/// A date override removed.
pub fn override_removed(t: &Text<'_>, date: NaiveDate, staff: Option<StaffId>) -> Screen {
    Screen::text(t.with(
        Msg::AdminOverrideRemoved,
        &[
            ("day", format::day(t, date).into()),
            ("who", who(t, staff).into()),
        ],
    ))
}

/// No service has id `id`.
pub fn unknown_service(t: &Text<'_>, id: ServiceId) -> Screen {
    Screen::text(t.with(Msg::AdminUnknownService, &[("id", id.get().into())]))
}

/// No staff member has id `id`.
pub fn unknown_staff(t: &Text<'_>, id: StaffId) -> Screen {
    Screen::text(t.with(Msg::AdminUnknownStaff, &[("id", id.get().into())]))
}

/// "Not saved: <why>. Nothing was changed."
pub fn refused(t: &Text<'_>, error: &CatalogInputError) -> Screen {
    Screen::text(t.with(
        Msg::AdminCatalogRefused,
        &[("reason", reason(t, error).into())],
    ))
}

/// Why a value was refused, in the reader's language.
fn reason(t: &Text<'_>, error: &CatalogInputError) -> String {
    let typed = |text: &str| [("typed", Arg::from(text.to_owned()))];
    match error {
        CatalogInputError::Name(e) => name_reason(t, e),
        CatalogInputError::NotMinutes(text) => t.with(Msg::AdminBadMinutes, &typed(text)),
        CatalogInputError::Minutes(InvalidMinutes { got }) => t.with(
            Msg::AdminBadMinutesRange,
            &[
                ("got", (*got).into()),
                ("max", i64::from(Minutes::MAX.get()).into()),
            ],
        ),
        CatalogInputError::Price(text) => t.with(Msg::AdminBadPrice, &typed(text)),
        CatalogInputError::Currency(InvalidCurrency(text)) => {
            t.with(Msg::AdminBadCurrency, &typed(text))
        }
        CatalogInputError::Money(_) => t.get(Msg::AdminBadMoney),
        CatalogInputError::StaffIds(text) => t.with(Msg::AdminBadStaffIds, &typed(text)),
        CatalogInputError::Hours(e) => hours_reason(t, e),
        CatalogInputError::Service(InvalidService::ZeroDuration) => {
            t.get(Msg::AdminBadZeroDuration)
        }
        CatalogInputError::Service(InvalidService::LongerThanADay) => {
            t.get(Msg::AdminBadLongerThanADay)
        }
    }
}

fn name_reason(t: &Text<'_>, error: &InvalidName) -> String {
    match error {
        InvalidName::TooShort { min } => {
            t.with(Msg::AdminBadNameShort, &[("min", (*min as i64).into())])
        }
        InvalidName::TooLong { max } => {
            t.with(Msg::AdminBadNameLong, &[("max", (*max as i64).into())])
        }
        InvalidName::ControlCharacter => t.get(Msg::AdminBadNameControl),
        InvalidName::NoLetter => t.get(Msg::AdminBadNameLetter),
    }
}

fn hours_reason(t: &Text<'_>, error: &InvalidHours) -> String {
    let typed = |text: &str| [("typed", Arg::from(text.to_owned()))];
    match error {
        InvalidHours::NotIncreasing { start, end } => t.with(
            Msg::AdminBadPeriodOrder,
            &[("start", start.clone().into()), ("end", end.clone().into())],
        ),
        InvalidHours::BadTime(text) => t.with(Msg::AdminBadTime, &typed(text)),
        InvalidHours::Malformed(text) => t.with(Msg::AdminBadPeriod, &typed(text)),
        InvalidHours::Overlapping { day, first, second } => t.with(
            Msg::AdminBadOverlap,
            &[
                ("day", day.clone().into()),
                ("first", first.clone().into()),
                ("second", second.clone().into()),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use booking_domain::LocalTimeRange;

    use super::*;
    use crate::i18n::Language;
    use crate::ui::admin::fixtures::{anna, english, haircut, maria_inactive};

    #[test]
    fn services_name_their_performers_and_staff_their_hours() {
        let locales = english();
        let t = locales.text(Language::English);
        let listed = services(&t, &[haircut()], &[anna()]).text;
        assert_eq!(
            listed,
            "Services:\n#1 Haircut · 1 h · 2500 RUB · buffers 0+10 min · staff: Anna #1"
        );
        let team = staff(&t, &[anna(), maria_inactive()]).text;
        assert_eq!(
            team,
            "Staff:\n#1 Anna\n    Mon 10:00-19:00\n#2 Maria (inactive)\n    no weekly hours"
        );
        assert_eq!(services(&t, &[], &[]).text, "Services:\n(none)");
    }

    #[test]
    fn overrides_read_as_day_whom_and_hours() {
        let locales = english();
        let t = locales.text(Language::English);
        let day = NaiveDate::from_ymd_opt(2030, 6, 7).unwrap();
        let open = OverrideHours::Open(vec![LocalTimeRange::parse("10:00-12:00").unwrap()]);
        let entries = [
            DateOverride::new(day, None, OverrideHours::Closed).unwrap(),
            DateOverride::new(day, Some(anna().id()), open).unwrap(),
        ];
        let listed = overrides(&t, day, day, &entries).text;
        assert_eq!(
            listed,
            "Date overrides Fri 7 Jun – Fri 7 Jun:\n\
             Fri 7 Jun (2030-06-07) · all staff · closed\n\
             Fri 7 Jun (2030-06-07) · #1 · 10:00-12:00"
        );
    }

    #[test]
    fn a_refusal_gives_the_domains_reason() {
        let locales = english();
        let t = locales.text(Language::English);
        let refusal = refused(&t, &CatalogInputError::NotMinutes("soon".to_owned())).text;
        assert_eq!(
            refusal,
            "Not saved: a duration is a whole number of minutes, got \"soon\". Nothing was changed."
        );
        let refusal = refused(
            &t,
            &CatalogInputError::Name(InvalidName::TooLong { max: 60 }),
        )
        .text;
        assert!(refusal.starts_with("Not saved: a name must have at most 60 characters"));
    }
}
