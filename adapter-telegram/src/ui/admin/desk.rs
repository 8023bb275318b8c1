//! The front desk's screens (`/book`): the service, the specialist, the
//! day and the time as buttons, the summary with its Confirm button, and
//! the day view's "book this free time" buttons.

use booking_domain::{Service, StaffMember};
use booking_ports::engine::FreeWindowStarts;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::button;
use crate::admin::callback::AdminCallback;
use crate::i18n::{Msg, Text};
use crate::telegram::{Markup, Screen};
use crate::ui::format;

/// How many "➕ HH:MM" buttons the day view shows per staff member.
pub const FREE_BUTTONS_PER_MEMBER: usize = 8;

/// The services to choose from, one a row; a message when there are none.
pub fn services(t: &Text<'_>, services: &[Service]) -> Screen {
    if services.is_empty() {
        return Screen::text(t.get(Msg::AdminBookNoService));
    }
    let rows: Vec<Vec<InlineKeyboardButton>> = services
        .iter()
        .map(|s| {
            vec![button(
                s.name().to_string(),
                AdminCallback::BookService(s.id()),
            )]
        })
        .collect();
    Screen::inline(
        t.get(Msg::AdminBookService),
        InlineKeyboardMarkup::new(rows),
    )
}

/// The specialists who perform `service`, and "any specialist".
pub fn staff(t: &Text<'_>, service: &Service, performers: &[StaffMember]) -> Screen {
    let buttons: Vec<InlineKeyboardButton> = performers
        .iter()
        .map(|m| button(m.name().to_string(), AdminCallback::BookStaff(Some(m.id()))))
        .collect();
    let mut rows: Vec<Vec<_>> = buttons.chunks(3).map(<[_]>::to_vec).collect();
    rows.push(vec![button(
        t.get(Msg::BtnAnyStaff),
        AdminCallback::BookStaff(None),
    )]);
    let text = t.with(
        Msg::AdminBookStaff,
        &[("service", service.name().to_string().into())],
    );
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// What [`days`] offers.
#[derive(Debug, Clone, Copy)]
pub struct BookDays<'a> {
    pub service: &'a str,
    /// The specialist's name, or "any specialist".
    pub who: &'a str,
    /// The days asked about.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The days in `from..=to` with a free time.
    pub days: &'a [NaiveDate],
    /// The first day of the next page, when staff may book that far.
    pub next: Option<NaiveDate>,
}

/// A page of days with free times, three a row, and the next page.
pub fn days(t: &Text<'_>, view: &BookDays<'_>) -> Screen {
    let buttons: Vec<InlineKeyboardButton> = view
        .days
        .iter()
        .map(|day| button(format::day(t, *day), AdminCallback::BookDay(*day)))
        .collect();
    let mut rows: Vec<Vec<_>> = buttons.chunks(3).map(<[_]>::to_vec).collect();
    if let Some(next) = view.next {
        rows.push(vec![button(
            t.get(Msg::BtnLater),
            AdminCallback::BookDays(next),
        )]);
    }
    let text = if view.days.is_empty() {
        t.with(
            Msg::AdminBookNoDays,
            &[
                ("from", format::day(t, view.from).into()),
                ("to", format::day(t, view.to).into()),
            ],
        )
    } else {
        t.with(
            Msg::AdminBookDays,
            &[
                ("service", view.service.to_owned().into()),
                ("who", view.who.to_owned().into()),
            ],
        )
    };
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// The free times of `day`, four a row, and the way back to the days.
pub fn times(t: &Text<'_>, day: NaiveDate, starts: &[DateTime<Utc>], tz: Tz) -> Screen {
    let buttons: Vec<InlineKeyboardButton> = starts
        .iter()
        .map(|start| button(format::time(*start, tz), AdminCallback::BookTime(*start)))
        .collect();
    let mut rows: Vec<Vec<_>> = buttons.chunks(4).map(<[_]>::to_vec).collect();
    rows.push(vec![button(
        t.get(Msg::BtnBack),
        AdminCallback::BookDays(day),
    )]);
    let text = if starts.is_empty() {
        t.with(
            Msg::AdminBookNoTimes,
            &[("day", format::day(t, day).into())],
        )
    } else {
        t.with(Msg::AdminBookTimes, &[("day", format::day(t, day).into())])
    };
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// What the summary shows.
#[derive(Debug, Clone, Copy)]
pub struct BookSummary<'a> {
    pub service: &'a str,
    /// The specialist's name, or "any specialist".
    pub who: &'a str,
    pub start: DateTime<Utc>,
    pub tz: Tz,
    /// "Name, phone".
    pub customer: &'a str,
    pub comment: Option<&'a str>,
}

/// The booking about to be made, with its Confirm button.
pub fn summary(t: &Text<'_>, view: &BookSummary<'_>) -> Screen {
    let mut text = t.with(
        Msg::AdminBookSummary,
        &[
            ("service", view.service.to_owned().into()),
            ("staff", view.who.to_owned().into()),
            ("when", format::when(t, view.start, view.tz).into()),
            ("customer", view.customer.to_owned().into()),
        ],
    );
    if let Some(comment) = view.comment {
        text.push_str(&format!("\n💬 {comment}"));
    }
    let rows = vec![vec![button(
        t.get(Msg::AdminBtnBookConfirm),
        AdminCallback::BookConfirm,
    )]];
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// `screen` (the day view) with up to [`FREE_BUTTONS_PER_MEMBER`]
/// "➕ HH:MM" buttons per staff member, one per free window, each starting
/// `/book` at that time. With more than one member, each label names them.
pub fn with_free_times(
    mut screen: Screen,
    tz: Tz,
    members: &[StaffMember],
    free: &[FreeWindowStarts],
) -> Screen {
    let Markup::Inline(keyboard) = &mut screen.markup else {
        return screen;
    };
    let named = free.iter().filter(|f| !f.starts.is_empty()).count() > 1;
    for member_free in free {
        let name = members
            .iter()
            .find(|m| m.id() == member_free.staff)
            .map(|m| m.name().to_string())
            .unwrap_or_default();
        let buttons: Vec<InlineKeyboardButton> = member_free
            .starts
            .iter()
            .take(FREE_BUTTONS_PER_MEMBER)
            .map(|start| {
                let time = format::time(*start, tz);
                let label = if named {
                    format!("➕ {time} {name}")
                } else {
                    format!("➕ {time}")
                };
                button(
                    label,
                    AdminCallback::BookFree {
                        staff: member_free.staff,
                        start: *start,
                    },
                )
            })
            .collect();
        keyboard
            .inline_keyboard
            .extend(buttons.chunks(4).map(<[_]>::to_vec));
    }
    screen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;
    use crate::ui::admin::fixtures::{anna, callbacks, english, haircut, local, tz};

    #[test]
    fn the_summary_names_everything_and_offers_to_book() {
        let locales = english();
        let t = locales.text(Language::English);
        let screen = summary(
            &t,
            &BookSummary {
                service: "Haircut",
                who: "Anna",
                start: local(4, 11),
                tz: tz(),
                customer: "Maria, +79165550102",
                comment: Some("Called"),
            },
        );
        assert!(screen.text.contains("Haircut"), "{}", screen.text);
        assert!(screen.text.contains("Tue 4 Jun, 11:00"), "{}", screen.text);
        assert!(
            screen.text.contains("Maria, +79165550102"),
            "{}",
            screen.text
        );
        assert!(screen.text.contains("💬 Called"), "{}", screen.text);
        assert_eq!(callbacks(&screen)[0].1, "by");
    }

    #[test]
    fn the_day_view_gets_at_most_eight_free_time_buttons_a_member() {
        let locales = english();
        let t = locales.text(Language::English);
        let base = services(&t, &[haircut()]);
        let starts: Vec<_> = (9..19).map(|h| local(4, h)).collect();
        let free = [FreeWindowStarts {
            staff: anna().id(),
            starts,
        }];
        let screen = with_free_times(base, tz(), &[anna()], &free);
        let plus: Vec<_> = callbacks(&screen)
            .into_iter()
            .filter(|(label, _)| label.starts_with('➕'))
            .collect();
        assert_eq!(plus.len(), FREE_BUTTONS_PER_MEMBER);
        assert_eq!(plus[0].0, "➕ 09:00");
        assert!(plus[0].1.starts_with("bn:1:"), "{}", plus[0].1);
    }
}
