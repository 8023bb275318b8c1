//! The week view: seven days at a glance for one staff member or all, a
//! line per member and day with the bookings (how many, the first and the
//! last), the free windows and the blocked time; a button per day to its
//! day view, the neighbouring weeks, and a filter per active member.
//!
//! Everyone's week of a large team does not fit one message: the screen
//! then shows no summary and asks whose week to show, rather than a
//! message split in pieces whose day buttons sit far from the days.

use booking_domain::{Interval, StaffId, StaffMember};
use booking_ports::engine::{DaySummary, Week};
use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::button;
use crate::admin::callback::AdminCallback;
use crate::i18n::{Msg, Text};
use crate::limits;
use crate::telegram::Screen;
use crate::ui::format;

/// What the week view shows.
#[derive(Debug, Clone, Copy)]
pub struct WeekView<'a> {
    pub week: &'a Week,
    /// The staff filter; `None`: everyone.
    pub staff: Option<StaffId>,
    pub tz: Tz,
    /// Every staff member; the active ones get a filter button.
    pub members: &'a [StaffMember],
}

/// Day buttons per keyboard row: seven in one row are too narrow to read.
const DAYS_PER_ROW: usize = 4;

/// The week view.
pub fn week(t: &Text<'_>, view: &WeekView<'_>) -> Screen {
    let first = view.week.first;
    let last = first.checked_add_days(Days::new(6)).unwrap_or(first);
    let who = view
        .staff
        .and_then(|id| view.members.iter().find(|m| m.id() == id))
        .map_or_else(|| t.get(Msg::AdminEveryone), |m| m.name().to_string());
    let mut text = t.with(
        Msg::AdminWeekTitle,
        &[
            ("first", format::day(t, first).into()),
            ("last", format::day(t, last).into()),
            ("who", who.into()),
        ],
    );
    let body = summary(t, view);
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    if limits::units(&text) + limits::units(&body) <= limits::MAX_TEXT_UNITS {
        text.push_str(&body);
        rows.extend(day_buttons(t, view).chunks(DAYS_PER_ROW).map(<[_]>::to_vec));
    } else {
        text.push_str("\n\n");
        text.push_str(&t.get(Msg::AdminWeekTooLong));
    }
    rows.push(week_buttons(t, view, first, last));
    rows.extend(filter_buttons(t, view).chunks(3).map(<[_]>::to_vec));
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// Per day, a line per staff member (without the name when only one is
/// shown).
fn summary(t: &Text<'_>, view: &WeekView<'_>) -> String {
    let days: Vec<NaiveDate> = view
        .week
        .staff
        .first()
        .map(|s| s.days.iter().map(|d| d.day).collect())
        .unwrap_or_default();
    let named = view.staff.is_none();
    let mut text = String::new();
    if view.week.staff.is_empty() {
        text.push_str("\n\n");
        text.push_str(&t.get(Msg::AdminWeekNobody));
    }
    for (index, day) in days.iter().enumerate() {
        text.push_str("\n\n");
        text.push_str(&format::day(t, *day));
        for staff in &view.week.staff {
            let Some(summary) = staff.days.get(index) else {
                continue;
            };
            text.push('\n');
            if named {
                text.push_str(&format!("{}: ", staff.member.name()));
            }
            text.push_str(&day_line(t, view.tz, summary));
        }
    }
    text
}

/// "2 bookings, 11:00 to 16:00 · free 10:00–11:00, 17:00–19:00 · blocked
/// 13:00–14:00".
fn day_line(t: &Text<'_>, tz: Tz, day: &DaySummary) -> String {
    let mut parts = Vec::new();
    if let (Some(first), Some(last)) = (day.first, day.last) {
        parts.push(t.with(
            Msg::AdminWeekBookings,
            &[
                ("count", (day.bookings as i64).into()),
                ("first", format::time(first, tz).into()),
                ("last", format::time(last, tz).into()),
            ],
        ));
    } else {
        parts.push(t.get(Msg::AdminWeekNoBookings));
    }
    if !day.works {
        parts.push(t.get(Msg::AdminWeekOff));
    } else if day.free.is_empty() {
        parts.push(t.get(Msg::AdminWeekNoFree));
    } else {
        parts.push(t.with(
            Msg::AdminWeekFree,
            &[("windows", windows(tz, &day.free).into())],
        ));
    }
    if !day.blocked.is_empty() {
        parts.push(t.with(
            Msg::AdminWeekBlocked,
            &[("periods", windows(tz, &day.blocked).into())],
        ));
    }
    parts.join(" · ")
}

/// "10:00–11:00, 17:00–19:00", local times.
fn windows(tz: Tz, intervals: &[Interval]) -> String {
    intervals
        .iter()
        .map(|i| {
            format!(
                "{}–{}",
                format::time(i.start(), tz),
                format::time(i.end(), tz)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A button per day, to its day view with the same filter.
fn day_buttons(t: &Text<'_>, view: &WeekView<'_>) -> Vec<InlineKeyboardButton> {
    view.week
        .first
        .iter_days()
        .take(booking_ports::engine::WEEK_DAYS)
        .map(|day| {
            button(
                format::day(t, day),
                AdminCallback::Day {
                    day,
                    staff: view.staff,
                    page: 0,
                },
            )
        })
        .collect()
}

fn week_buttons(
    t: &Text<'_>,
    view: &WeekView<'_>,
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<InlineKeyboardButton> {
    let at = |first: NaiveDate| AdminCallback::Week {
        first,
        staff: view.staff,
    };
    let mut nav = Vec::new();
    if let Some(previous) = first.checked_sub_days(Days::new(7)) {
        nav.push(button(t.get(Msg::AdminBtnPrevWeek), at(previous)));
    }
    if let Some(next) = last.succ_opt() {
        nav.push(button(t.get(Msg::AdminBtnNextWeek), at(next)));
    }
    nav
}

/// "All staff" and one button per active member, the chosen one marked.
fn filter_buttons(t: &Text<'_>, view: &WeekView<'_>) -> Vec<InlineKeyboardButton> {
    let mark = |on: bool, label: String| if on { format!("• {label}") } else { label };
    let only = |staff: Option<StaffId>| AdminCallback::Week {
        first: view.week.first,
        staff,
    };
    let mut filters = vec![button(
        mark(view.staff.is_none(), t.get(Msg::AdminBtnAllStaff)),
        only(None),
    )];
    for member in view.members.iter().filter(|m| m.is_active()) {
        filters.push(button(
            mark(view.staff == Some(member.id()), member.name().to_string()),
            only(Some(member.id())),
        ));
    }
    filters
}

#[cfg(test)]
mod tests {
    use booking_domain::{StaffName, StaffSpec, WeeklyHours};
    use booking_ports::engine::StaffWeek;

    use super::*;
    use crate::i18n::Language;
    use crate::ui::admin::fixtures::{anna, callbacks, english, local, tz};

    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2030, 6, 3).unwrap()
    }

    fn quiet_week(member: StaffMember) -> StaffWeek {
        StaffWeek {
            member,
            days: monday()
                .iter_days()
                .take(7)
                .map(|day| DaySummary {
                    day,
                    bookings: 0,
                    first: None,
                    last: None,
                    works: false,
                    free: Vec::new(),
                    blocked: Vec::new(),
                })
                .collect(),
        }
    }

    fn member(id: i64, name: &str) -> StaffMember {
        StaffMember::new(
            StaffId::new(id).unwrap(),
            StaffSpec {
                name: StaffName::new(name).unwrap(),
                hours: WeeklyHours::default(),
                active: true,
            },
        )
        .unwrap()
    }

    #[test]
    fn a_day_reads_its_bookings_free_windows_and_blocks_with_a_button_per_day() {
        let locales = english();
        let t = locales.text(Language::English);
        let mut anna_week = quiet_week(anna());
        anna_week.days[1] = DaySummary {
            day: anna_week.days[1].day,
            bookings: 3,
            first: Some(local(4, 11)),
            last: Some(local(4, 16)),
            works: true,
            free: vec![
                Interval::new(local(4, 10), local(4, 11)).unwrap(),
                Interval::new(local(4, 17), local(4, 19)).unwrap(),
            ],
            blocked: vec![Interval::new(local(4, 13), local(4, 14)).unwrap()],
        };
        anna_week.days[2].works = true;
        let week = Week {
            first: monday(),
            staff: vec![anna_week],
        };
        let members = [anna()];
        let screen = super::week(
            &t,
            &WeekView {
                week: &week,
                staff: None,
                tz: tz(),
                members: &members,
            },
        );
        assert!(
            screen.text.starts_with(
                "Week Mon 3 Jun – Sun 9 Jun · all staff\n\n\
                 Mon 3 Jun\nAnna: no bookings · not working\n\n\
                 Tue 4 Jun\nAnna: 3 bookings, first 11:00, last 16:00 · \
                 free 10:00–11:00, 17:00–19:00 · blocked 13:00–14:00\n\n\
                 Wed 5 Jun\nAnna: no bookings · no free time"
            ),
            "{}",
            screen.text
        );
        let data = callbacks(&screen);
        assert!(data.contains(&("Tue 4 Jun".to_owned(), "d:20300604:0:0".to_owned())));
        assert!(data.contains(&("Sun 9 Jun".to_owned(), "d:20300609:0:0".to_owned())));
        assert!(data.contains(&("◀️ Previous week".to_owned(), "w:20300527:0".to_owned())));
        assert!(data.contains(&("Next week ▶️".to_owned(), "w:20300610:0".to_owned())));
        assert!(data.contains(&("Anna".to_owned(), "w:20300603:1".to_owned())));
    }

    #[test]
    fn everyones_week_too_long_for_a_message_asks_whose_week_to_show() {
        let locales = english();
        let t = locales.text(Language::English);
        let busy = |id: i64| {
            let mut week = quiet_week(member(id, &"Ё".repeat(StaffName::MAX_CHARS - 3)));
            for day in &mut week.days {
                day.works = true;
                day.free = (0..8)
                    .map(|h| {
                        Interval::new(
                            local(4, 9 + h),
                            local(4, 9 + h) + chrono::Duration::minutes(30),
                        )
                        .unwrap()
                    })
                    .collect();
            }
            week
        };
        let week = Week {
            first: monday(),
            staff: (1..=6).map(busy).collect(),
        };
        let members: Vec<StaffMember> = week.staff.iter().map(|w| w.member.clone()).collect();
        let screen = super::week(
            &t,
            &WeekView {
                week: &week,
                staff: None,
                tz: tz(),
                members: &members,
            },
        );
        assert!(limits::units(&screen.text) <= limits::MAX_TEXT_UNITS);
        assert!(
            screen.text.ends_with("choose whose week to see."),
            "{}",
            screen.text
        );
        let data = callbacks(&screen);
        assert!(
            !data.iter().any(|(_, d)| d.starts_with("d:")),
            "no day buttons"
        );
        assert_eq!(
            data.iter()
                .filter(|(_, d)| d.starts_with("w:20300603:"))
                .count(),
            7,
            "everyone and each of the six"
        );
        assert!(crate::telegram::callbacks_fit(&screen.markup));
    }
}
