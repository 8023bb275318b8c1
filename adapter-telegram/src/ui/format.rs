//! Dates, times, durations and prices in the customer's language and the
//! business's time zone. Words come from the locale files; this module only
//! picks the numbers.

use booking_domain::{Actor, BookingStatus, Minutes, Money, StaffMember, StaffRole, Stamp};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::i18n::{Msg, Text};

/// "14:30", local time.
pub fn time(start: DateTime<Utc>, tz: Tz) -> String {
    start.with_timezone(&tz).format("%H:%M").to_string()
}

/// "Tue 2 Jun" / "Вт, 2 июн".
pub fn day(t: &Text<'_>, date: NaiveDate) -> String {
    let weekday = t.with(
        Msg::WeekdayShort,
        &[("day", i64::from(date.weekday().number_from_monday()).into())],
    );
    let month = t.with(
        Msg::MonthShort,
        &[("month", i64::from(date.month()).into())],
    );
    t.with(
        Msg::DateShort,
        &[
            ("weekday", weekday.into()),
            ("day", i64::from(date.day()).into()),
            ("month", month.into()),
        ],
    )
}

/// "Tue 2 Jun, 14:30", local time.
pub fn when(t: &Text<'_>, start: DateTime<Utc>, tz: Tz) -> String {
    let local = start.with_timezone(&tz);
    t.with(
        Msg::DateTime,
        &[
            ("date", day(t, local.date_naive()).into()),
            ("time", time(start, tz).into()),
        ],
    )
}

/// "1 h 30 min", for service lengths.
pub fn duration(t: &Text<'_>, minutes: Minutes) -> String {
    let total = i64::from(minutes.get());
    t.with(
        Msg::DurationShort,
        &[
            ("hours", (total / 60).into()),
            ("minutes", (total % 60).into()),
        ],
    )
}

/// "3 hours", "1 hour 30 minutes", "45 minutes", with plural forms, for
/// cutoffs in sentences.
pub fn long_duration(t: &Text<'_>, minutes: Minutes) -> String {
    let total = i64::from(minutes.get());
    let (h, m) = (total / 60, total % 60);
    let hours = || t.with(Msg::Hours, &[("count", h.into())]);
    let minutes = || t.with(Msg::Minutes, &[("count", m.into())]);
    match (h, m) {
        (0, _) => minutes(),
        (_, 0) => hours(),
        _ => format!("{} {}", hours(), minutes()),
    }
}

/// "2500 RUB", "1500.50 RUB": whole amounts without a fraction.
pub fn price(money: Money) -> String {
    let digits = money.currency().minor_digits();
    let scale = 10_i64.pow(digits);
    if money.minor() % scale == 0 {
        format!("{} {}", money.minor() / scale, money.currency())
    } else {
        money.to_string()
    }
}

/// A booking's status in words, as customers and notices read it.
pub fn status(t: &Text<'_>, status: &BookingStatus) -> String {
    t.get(match status {
        BookingStatus::Pending => Msg::StatusPending,
        BookingStatus::Confirmed => Msg::StatusConfirmed,
        BookingStatus::Completed => Msg::StatusCompleted,
        BookingStatus::NoShow => Msg::StatusNoShow,
        BookingStatus::Cancelled(_) => Msg::StatusCancelled,
        BookingStatus::Rescheduled { .. } => Msg::StatusRescheduled,
    })
}

/// Who did something to a booking, for staff: a staff member by name (with
/// the role they acted in, when more than a staff member's), a staff user
/// who is no staff member (an owner at the front desk) by role and Telegram
/// id, the customer, or the system. `staff` is the catalog's staff, for the
/// names.
pub fn actor(t: &Text<'_>, actor: Actor, staff: &[StaffMember]) -> String {
    match actor {
        Actor::Customer => t.get(Msg::ActorCustomer),
        Actor::System => t.get(Msg::ActorSystem),
        Actor::Staff {
            member: Some(member),
            role,
            ..
        } => {
            let name = match staff.iter().find(|s| s.id() == member) {
                Some(known) => known.name().to_string(),
                None => t.with(Msg::ActorStaffMember, &[("id", member.get().into())]),
            };
            match role {
                StaffRole::Staff => name,
                other => t.with(
                    Msg::ActorStaffAs,
                    &[("name", name.into()), ("role", role_name(t, other).into())],
                ),
            }
        }
        Actor::Staff {
            user,
            member: None,
            role,
        } => t.with(
            Msg::ActorStaffUser,
            &[
                ("role", role_name(t, role).into()),
                ("user", user.to_string().into()),
            ],
        ),
    }
}

/// A staff role in words.
pub fn role_name(t: &Text<'_>, role: StaffRole) -> String {
    t.get(match role {
        StaffRole::Owner => Msg::RoleOwner,
        StaffRole::Manager => Msg::RoleManager,
        StaffRole::Staff => Msg::RoleStaff,
    })
}

/// "Anna, Mon 7 Jan, 10:05": who did something, and when.
pub fn stamp(t: &Text<'_>, stamp: Stamp, staff: &[StaffMember], tz: Tz) -> String {
    format!("{}, {}", actor(t, stamp.by, staff), when(t, stamp.at, tz))
}

#[cfg(test)]
mod tests {
    use booking_domain::Currency;
    use chrono::TimeZone;

    use super::*;
    use crate::i18n::{Language, Locales};

    #[test]
    fn dates_and_durations_read_naturally_in_each_language() {
        let locales = Locales::load(Language::English).unwrap();
        let (en, ru) = (
            locales.text(Language::English),
            locales.text(Language::Russian),
        );
        let tz: Tz = "Europe/Moscow".parse().unwrap();
        let start = Utc.with_ymd_and_hms(2030, 6, 4, 11, 30, 0).unwrap();
        assert_eq!(when(&en, start, tz), "Tue 4 Jun, 14:30");
        assert_eq!(when(&ru, start, tz), "Вт, 4 июн, 14:30");
        let m = |n| Minutes::new(n).unwrap();
        assert_eq!(duration(&en, m(90)), "1 h 30 min");
        assert_eq!(duration(&ru, m(60)), "1 ч");
        assert_eq!(duration(&ru, m(45)), "45 мин");
        assert_eq!(long_duration(&en, m(180)), "3 hours");
        assert_eq!(long_duration(&ru, m(120)), "2 часа");
        assert_eq!(long_duration(&ru, m(21 * 60 + 5)), "21 час 5 минут");
        assert_eq!(long_duration(&en, m(1)), "1 minute");
    }

    #[test]
    fn prices_drop_a_zero_fraction() {
        let rub = Currency::new("RUB").unwrap();
        assert_eq!(price(Money::new(250_000, rub).unwrap()), "2500 RUB");
        assert_eq!(price(Money::new(150_050, rub).unwrap()), "1500.50 RUB");
    }
}
