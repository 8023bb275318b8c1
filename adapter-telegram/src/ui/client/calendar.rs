//! Day and time buttons: a page of free days with Earlier and Later, and a
//! day's free starts, for booking and for moving a booking alike.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::keyboard::{self, Row, flow_button};
use crate::client::callback::{FlowAction, FlowId};
use crate::i18n::{Msg, Text};
use crate::ui::format;

/// Days per calendar page: four rows of three.
pub const DAYS_PER_PAGE: usize = 12;
/// Times per row.
const TIMES_PER_ROW: usize = 4;
/// Telegram allows 100 buttons per message; a day has fewer starts than this
/// unless the step is tiny, and the rest are reachable by another day.
const MAX_TIMES: usize = 88;

/// A page of the calendar of free days.
#[derive(Debug, Clone, Copy)]
pub struct DayPage<'a> {
    /// Free days from today, at least up to the page shown.
    pub days: &'a [NaiveDate],
    pub page: u8,
    /// How far ahead bookings are taken, for "no free days in 14 days".
    pub horizon_days: u16,
}

/// The free starts of one day, shown in the business's time zone.
#[derive(Debug, Clone, Copy)]
pub struct DayTimes<'a> {
    pub day: NaiveDate,
    pub starts: &'a [DateTime<Utc>],
    pub tz: Tz,
}

/// How many free days page `page` needs to be drawn: the days of the pages
/// up to it, and one more to tell whether a later page exists.
pub fn days_needed_for(page: u8) -> usize {
    DAYS_PER_PAGE * (usize::from(page) + 1) + 1
}

/// The calendar page that shows `day`, or the first page.
pub fn page_of(days: &[NaiveDate], day: NaiveDate) -> u8 {
    days.iter()
        .position(|d| *d == day)
        .map_or(0, |i| u8::try_from(i / DAYS_PER_PAGE).unwrap_or(u8::MAX))
}

/// A page of day buttons with Earlier/Later. `None` when there are no free
/// days at all.
pub fn day_rows(t: &Text<'_>, flow: FlowId, days: &[NaiveDate], page: u8) -> Option<Vec<Row>> {
    if days.is_empty() {
        return None;
    }
    let pages = days.len().div_ceil(DAYS_PER_PAGE);
    let page = usize::from(page).min(pages - 1);
    let shown = days.iter().skip(page * DAYS_PER_PAGE).take(DAYS_PER_PAGE);
    let buttons = shown
        .map(|d| flow_button(format::day(t, *d), flow, FlowAction::Day(*d)))
        .collect();
    let mut rows = keyboard::grid(buttons, 3);
    let mut navigation = Vec::new();
    if page > 0 {
        let earlier = u8::try_from(page - 1).unwrap_or(0);
        navigation.push(flow_button(
            t.get(Msg::BtnEarlier),
            flow,
            FlowAction::Page(earlier),
        ));
    }
    if page + 1 < pages
        && let Ok(later) = u8::try_from(page + 1)
    {
        navigation.push(flow_button(
            t.get(Msg::BtnLater),
            flow,
            FlowAction::Page(later),
        ));
    }
    if !navigation.is_empty() {
        rows.push(navigation);
    }
    Some(rows)
}

/// Time buttons for `starts`, in the business's time zone.
pub fn time_rows(flow: FlowId, starts: &[DateTime<Utc>], tz: Tz) -> Vec<Row> {
    let buttons = starts
        .iter()
        .take(MAX_TIMES)
        .map(|start| flow_button(format::time(*start, tz), flow, FlowAction::Time(*start)))
        .collect();
    keyboard::grid(buttons, TIMES_PER_ROW)
}

/// "There are no free days within 14 days" for `service` and `staff`.
pub fn no_days(t: &Text<'_>, service: &str, staff: &str, horizon_days: u16) -> String {
    let horizon = t.with(Msg::DaysAhead, &[("count", i64::from(horizon_days).into())]);
    t.with(
        Msg::BookNoDays,
        &[
            ("service", service.into()),
            ("staff", staff.into()),
            ("days", horizon.into()),
        ],
    )
}

/// The prompt for a time on `day`, after `intro` when the customer must be
/// told something first, with "no free times" when `starts` is empty.
pub fn times_text(
    t: &Text<'_>,
    names: (&str, &str),
    day: NaiveDate,
    no_starts: bool,
    intro: Option<String>,
) -> String {
    let (service, staff) = names;
    let day_text = format::day(t, day);
    let prompt = t.with(
        Msg::BookChooseTime,
        &[
            ("service", service.into()),
            ("staff", staff.into()),
            ("day", day_text.as_str().into()),
        ],
    );
    let text = super::after_intro(intro, prompt);
    if no_starts {
        format!(
            "{text}\n\n{}",
            t.with(Msg::BookNoTimes, &[("day", day_text.into())])
        )
    } else {
        text
    }
}

/// "14:00 on Tue 4 Jun was just taken", the intro above a day's times.
pub fn slot_taken(t: &Text<'_>, start: DateTime<Utc>, day: NaiveDate, tz: Tz) -> String {
    t.with(
        Msg::BookSlotTaken,
        &[
            ("time", format::time(start, tz).into()),
            ("day", format::day(t, day).into()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use chrono::Days;

    use super::*;
    use crate::client::callback::Callback;
    use crate::telegram::Screen;
    use crate::ui::client::testing::*;
    use teloxide::types::InlineKeyboardMarkup;

    fn days(count: u64) -> Vec<NaiveDate> {
        let first = NaiveDate::from_ymd_opt(2030, 6, 3).unwrap();
        (0..count).map(|i| first + Days::new(i)).collect()
    }

    #[test]
    fn a_middle_page_offers_earlier_and_later() {
        let locales = locales();
        let t = locales.text(crate::Language::English);
        let rows = day_rows(&t, FLOW, &days(30), 1).unwrap();
        let screen = Screen::inline("", InlineKeyboardMarkup::new(rows));

        let shown = labels(&screen);
        assert_eq!(shown.len(), DAYS_PER_PAGE + 2);
        assert_eq!(shown[0], "Sat 15 Jun");
        assert_eq!(
            pressing(&screen, "◀️ Earlier"),
            Callback::flow(FLOW, FlowAction::Page(0))
        );
        assert_eq!(
            pressing(&screen, "Later ▶️"),
            Callback::flow(FLOW, FlowAction::Page(2))
        );
    }

    #[test]
    fn no_free_days_draw_no_calendar_and_pages_are_found_by_day() {
        let locales = locales();
        let t = locales.text(crate::Language::English);
        assert!(day_rows(&t, FLOW, &[], 0).is_none());
        let all = days(30);
        assert_eq!(page_of(&all, all[13]), 1);
        assert_eq!(
            page_of(&all, NaiveDate::from_ymd_opt(2031, 1, 1).unwrap()),
            0
        );
        assert_eq!(days_needed_for(0), DAYS_PER_PAGE + 1);
    }

    #[test]
    fn time_buttons_read_local_time_and_carry_the_instant() {
        let start = june(4, 11, 0);
        let screen = Screen::inline(
            "",
            InlineKeyboardMarkup::new(time_rows(FLOW, &[start], tz())),
        );
        assert_eq!(
            pressing(&screen, "11:00"),
            Callback::flow(FLOW, FlowAction::Time(start))
        );
    }
}
