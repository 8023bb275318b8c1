//! The day view: the day's blocked periods, one page of its bookings, a
//! button per booking, the neighbouring days, pages and a filter per active
//! staff member. Pages are cut by count and by length, so a page always
//! fits one message.

use std::ops::Range;

use booking_domain::{StaffId, StaffMember, TimeOff};
use booking_ports::BookingDetails;
use chrono::NaiveDate;
use chrono_tz::Tz;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::{button, customer, service_name, staff_name, status};
use crate::admin::callback::AdminCallback;
use crate::i18n::{Msg, Text};
use crate::limits;
use crate::telegram::Screen;
use crate::ui::format;

/// What the day view shows.
#[derive(Debug, Clone, Copy)]
pub struct DayView<'a> {
    pub day: NaiveDate,
    /// The staff filter; `None`: everyone.
    pub staff: Option<StaffId>,
    /// Asked for; past the last page shows the last page.
    pub page: u8,
    pub page_size: usize,
    pub tz: Tz,
    /// The day's bookings, by start.
    pub bookings: &'a [BookingDetails],
    /// Every staff member; the active ones get a filter button.
    pub members: &'a [StaffMember],
    /// The blocked periods overlapping the day that apply to the filter,
    /// by start; shown above the bookings on every page.
    pub blocked: &'a [TimeOff],
}

/// The day view.
///
/// A page holds at most `page_size` bookings and never more text than one
/// message takes: a busy day with long comments gets more, shorter pages
/// rather than a message Telegram refuses.
pub fn day(t: &Text<'_>, view: &DayView<'_>) -> Screen {
    let who = view
        .staff
        .and_then(|id| view.members.iter().find(|m| m.id() == id))
        .map_or_else(|| t.get(Msg::AdminEveryone), |m| m.name().to_string());
    let mut text = t.with(
        Msg::AdminDayTitle,
        &[
            ("day", format::day(t, view.day).into()),
            ("who", who.into()),
            ("count", (view.bookings.len() as i64).into()),
        ],
    );
    for block in view.blocked {
        text.push_str("\n\n");
        text.push_str(&blocked_line(t, view, block));
    }
    if view.bookings.is_empty() {
        text.push_str("\n\n");
        text.push_str(&t.get(Msg::AdminDayEmpty));
    }
    let entries: Vec<String> = view
        .bookings
        .iter()
        .map(|details| entry(t, view.tz, details))
        .collect();
    // The page line can be no longer than with the largest numbers.
    let most = entries.len().max(1);
    let frame = limits::units(&text) + limits::units(&page_line(t, most, most));
    let budget = limits::MAX_TEXT_UNITS.saturating_sub(frame);
    let pages = paginate(&entries, view.page_size.max(1), budget);
    let page = usize::from(view.page).min(pages.len() - 1);
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    for index in pages[page].clone() {
        text.push_str(&entries[index]);
        rows.push(vec![booking_button(view.tz, &view.bookings[index])]);
    }
    if pages.len() > 1 {
        text.push_str(&page_line(t, page + 1, pages.len()));
        rows.push(page_buttons(t, view, page, pages.len()));
    }
    rows.push(day_buttons(t, view));
    rows.extend(filter_buttons(t, view).chunks(3).map(<[_]>::to_vec));
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// "⛔ Blocked Tue 4 Jun, 11:00 – Tue 4 Jun, 15:00 for Anna (block #3) ·
/// Training".
fn blocked_line(t: &Text<'_>, view: &DayView<'_>, block: &TimeOff) -> String {
    let who = match block.spec().staff {
        Some(id) => view
            .members
            .iter()
            .find(|m| m.id() == id)
            .map_or_else(|| super::who(t, Some(id)), |m| m.name().to_string()),
        None => t.get(Msg::AdminEveryone),
    };
    let mut line = t.with(
        Msg::AdminDayBlocked,
        &[
            (
                "from",
                format::when(t, block.period().start(), view.tz).into(),
            ),
            ("to", format::when(t, block.period().end(), view.tz).into()),
            ("who", who.into()),
            ("id", block.id().get().into()),
        ],
    );
    if let Some(reason) = &block.spec().reason {
        line.push_str(" · ");
        line.push_str(&super::blocks::short_reason(reason));
    }
    line
}

/// "Page 2 of 3", after a blank line.
fn page_line(t: &Text<'_>, page: usize, pages: usize) -> String {
    let page_line = t.with(
        Msg::AdminPage,
        &[
            ("page", (page as i64).into()),
            ("pages", (pages as i64).into()),
        ],
    );
    format!("\n\n{page_line}")
}

/// The entries of each page, in order: a page ends before the entry that
/// would make it longer than `per_page` entries or `budget` units. An
/// entry longer than `budget` alone fills a page (the domain's limits on
/// names and comments keep that from happening). Always one page at least.
fn paginate(entries: &[String], per_page: usize, budget: usize) -> Vec<Range<usize>> {
    let mut pages = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (index, entry) in entries.iter().enumerate() {
        let length = limits::units(entry);
        if index > start && (index - start >= per_page || used + length > budget) {
            pages.push(start..index);
            start = index;
            used = 0;
        }
        used += length;
    }
    if start < entries.len() || pages.is_empty() {
        pages.push(start..entries.len());
    }
    pages
}

/// One booking in the day's text.
fn entry(t: &Text<'_>, tz: Tz, details: &BookingDetails) -> String {
    let b = &details.booking;
    let mut text = format!(
        "\n\n#{} {}–{} · {} · {}\n{} · {}",
        b.id().get(),
        format::time(b.start(), tz),
        format::time(b.end(), tz),
        service_name(details),
        staff_name(details),
        customer(t, details),
        status(t, b.status()),
    );
    if let Some(comment) = b.comment() {
        text.push_str(&format!("\n💬 {}", comment.expose()));
    }
    text
}

fn booking_button(tz: Tz, details: &BookingDetails) -> InlineKeyboardButton {
    let b = &details.booking;
    let name = b
        .booked_for()
        .map(|who| who.name.expose().to_owned())
        .unwrap_or_default();
    button(
        format!("#{} {} {}", b.id().get(), format::time(b.start(), tz), name),
        AdminCallback::Booking(b.id()),
    )
}

fn at_page(view: &DayView<'_>, page: usize) -> AdminCallback {
    AdminCallback::Day {
        day: view.day,
        staff: view.staff,
        page: u8::try_from(page).unwrap_or(u8::MAX),
    }
}

fn page_buttons(
    t: &Text<'_>,
    view: &DayView<'_>,
    page: usize,
    pages: usize,
) -> Vec<InlineKeyboardButton> {
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(button(t.get(Msg::BtnEarlier), at_page(view, page - 1)));
    }
    if page + 1 < pages {
        nav.push(button(t.get(Msg::BtnLater), at_page(view, page + 1)));
    }
    nav
}

fn day_buttons(t: &Text<'_>, view: &DayView<'_>) -> Vec<InlineKeyboardButton> {
    let other = |day: NaiveDate| AdminCallback::Day {
        day,
        staff: view.staff,
        page: 0,
    };
    let mut days = Vec::new();
    if let Some(prev) = view.day.pred_opt() {
        days.push(button(t.get(Msg::AdminBtnPrevDay), other(prev)));
    }
    if let Some(next) = view.day.succ_opt() {
        days.push(button(t.get(Msg::AdminBtnNextDay), other(next)));
    }
    days
}

/// "All staff" and one button per active member, the chosen one marked.
fn filter_buttons(t: &Text<'_>, view: &DayView<'_>) -> Vec<InlineKeyboardButton> {
    let mark = |on: bool, label: String| if on { format!("• {label}") } else { label };
    let only = |staff: Option<StaffId>| AdminCallback::Day {
        day: view.day,
        staff,
        page: 0,
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
    use super::*;
    use crate::ui::admin::fixtures::{
        anna, booking, callbacks, english, maria_inactive, tz, wordy,
    };

    #[test]
    fn a_day_lists_its_bookings_unmasked_with_a_button_each() {
        let locales = english();
        let t = locales.text(crate::i18n::Language::English);
        let bookings = [booking(7, 11), booking(8, 15)];
        let members = [anna(), maria_inactive()];
        let screen = day(
            &t,
            &DayView {
                day: NaiveDate::from_ymd_opt(2030, 6, 4).unwrap(),
                staff: None,
                page: 0,
                page_size: 10,
                tz: tz(),
                bookings: &bookings,
                members: &members,
                blocked: &[],
            },
        );
        assert!(
            screen
                .text
                .starts_with("Tue 4 Jun · all staff · 2 bookings"),
            "{}",
            screen.text
        );
        assert!(screen.text.contains("#7 11:00–12:00 · Haircut · Anna"));
        assert!(screen.text.contains("Ivan Petrov, +79161234567"));
        assert!(!screen.text.contains("Page"));
        let data = callbacks(&screen);
        assert!(data.contains(&("#7 11:00 Ivan Petrov".to_owned(), "b:7".to_owned())));
        assert!(data.contains(&("• All staff".to_owned(), "d:20300604:0:0".to_owned())));
        assert!(data.contains(&("Anna".to_owned(), "d:20300604:1:0".to_owned())));
        assert!(
            !data.iter().any(|(label, _)| label.contains("Maria")),
            "inactive staff get no filter"
        );
    }

    #[test]
    fn pages_past_the_last_show_the_last_with_a_way_back() {
        let locales = english();
        let t = locales.text(crate::i18n::Language::English);
        let bookings = [booking(7, 11), booking(8, 13), booking(9, 15)];
        let members = [anna()];
        let screen = day(
            &t,
            &DayView {
                day: NaiveDate::from_ymd_opt(2030, 6, 4).unwrap(),
                staff: Some(anna().id()),
                page: 9,
                page_size: 2,
                tz: tz(),
                bookings: &bookings,
                members: &members,
                blocked: &[],
            },
        );
        assert!(screen.text.starts_with("Tue 4 Jun · Anna · 3 bookings"));
        assert!(screen.text.ends_with("Page 2 of 2"), "{}", screen.text);
        assert!(screen.text.contains("#9 "));
        let data = callbacks(&screen);
        assert!(data.contains(&("◀️ Earlier".to_owned(), "d:20300604:1:0".to_owned())));
        assert!(!data.iter().any(|(label, _)| label.contains("Later")));
    }

    #[test]
    fn a_busy_day_of_long_bookings_pages_within_telegrams_limits() {
        let locales = english();
        let t = locales.text(crate::i18n::Language::English);
        let bookings: Vec<_> = (1..=60).map(wordy).collect();
        let members = [anna()];
        let view = |page| DayView {
            day: NaiveDate::from_ymd_opt(2030, 6, 4).unwrap(),
            staff: Some(anna().id()),
            page,
            // More than fit in one message: the length must cut pages.
            page_size: 10,
            tz: tz(),
            bookings: &bookings,
            members: &members,
            blocked: &[],
        };
        let mut seen = Vec::new();
        let mut page = 0;
        loop {
            let screen = day(&t, &view(page));
            let units = limits::units(&screen.text);
            assert!(units <= limits::MAX_TEXT_UNITS, "page {page}: {units}");
            assert!(crate::telegram::callbacks_fit(&screen.markup));
            let data = callbacks(&screen);
            seen.extend(
                data.iter()
                    .filter_map(|(_, d)| d.strip_prefix("b:"))
                    .map(|id| id.parse::<i64>().unwrap()),
            );
            let later = data.iter().find(|(label, _)| label.contains("Later"));
            match later {
                Some((_, next)) => {
                    page += 1;
                    assert_eq!(next, &format!("d:20300604:1:{page}"));
                }
                None => break,
            }
        }
        assert_eq!(
            seen,
            (1..=60).collect::<Vec<_>>(),
            "each booking on one page"
        );
        assert!(page >= 12, "at most four such bookings fit a page: {page}");
    }

    #[test]
    fn pages_close_at_the_count_or_at_the_length() {
        let entries: Vec<String> = ["aaaa", "bb", "cc", "d", "eeeeeeee", "f"]
            .map(str::to_owned)
            .to_vec();
        assert_eq!(paginate(&entries, 2, 100), [0..2, 2..4, 4..6]);
        assert_eq!(paginate(&entries, 10, 6), [0..2, 2..4, 4..5, 5..6]);
        assert_eq!(paginate(&[], 5, 100), vec![0..0]);
    }
}
