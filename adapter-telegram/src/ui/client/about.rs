//! "About" screens: the business's address, contacts and opening hours,
//! what the business stores about the customer, and erasing it.

use booking_domain::{LocalTimeRange, StaffMember};
use booking_ports::{BookingDetails, CustomerProfile};
use chrono::Weekday;
use chrono_tz::Tz;
use teloxide::types::InlineKeyboardMarkup;

use super::keyboard::{self, flow_button};
use super::menu::with_menu_button;
use crate::client::BusinessInfo;
use crate::client::callback::{FlowAction, FlowId};
use crate::i18n::{Msg, Text};
use crate::telegram::Screen;
use crate::ui::format;

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The business's opening hours per weekday: when at least one staff
/// member who performs a bookable service works (breaks of one covered by
/// another are not breaks of the business).
fn opening_hours(staff: &[StaffMember]) -> [Vec<(u16, u16)>; 7] {
    let mut week: [Vec<(u16, u16)>; 7] = Default::default();
    for (i, weekday) in WEEK.iter().enumerate() {
        let mut periods: Vec<(u16, u16)> = staff
            .iter()
            .flat_map(|m| m.hours().on(*weekday).iter())
            .map(|p: &LocalTimeRange| (p.start_minute(), p.end_minute()))
            .collect();
        periods.sort_unstable();
        let mut merged: Vec<(u16, u16)> = Vec::new();
        for (start, end) in periods {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        week[i] = merged;
    }
    week
}

fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// "Mon–Fri: 10:00–19:00" lines, consecutive days with the same hours
/// grouped.
fn hours_lines(t: &Text<'_>, week: &[Vec<(u16, u16)>; 7]) -> Vec<String> {
    let weekday = |i: usize| t.with(Msg::WeekdayShort, &[("day", (i as i64 + 1).into())]);
    let mut lines = Vec::new();
    let mut i = 0;
    while i < 7 {
        let mut j = i;
        while j + 1 < 7 && week[j + 1] == week[i] {
            j += 1;
        }
        let days = if i == j {
            weekday(i)
        } else {
            format!("{}–{}", weekday(i), weekday(j))
        };
        let periods = if week[i].is_empty() {
            t.get(Msg::HoursClosed)
        } else {
            week[i]
                .iter()
                .map(|(a, b)| format!("{}–{}", clock(*a), clock(*b)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        lines.push(t.with(
            Msg::HoursLine,
            &[("days", days.into()), ("periods", periods.into())],
        ));
        i = j + 1;
    }
    lines
}

/// The business: name, contacts, and opening hours when `staff` (everyone
/// who performs a bookable service) is not empty.
pub fn about(t: &Text<'_>, flow: FlowId, business: &BusinessInfo, staff: &[StaffMember]) -> Screen {
    let mut lines = vec![t.with(
        Msg::AboutTitle,
        &[("business", business.name.as_str().into())],
    )];
    for (id, arg, value) in [
        (Msg::AboutAddress, "address", &business.address),
        (Msg::AboutPhone, "phone", &business.phone),
        (Msg::AboutEmail, "email", &business.email),
        (Msg::AboutWebsite, "website", &business.website),
    ] {
        if let Some(value) = value {
            lines.push(t.with(id, &[(arg, value.as_str().into())]));
        }
    }
    if !staff.is_empty() {
        lines.push(String::new());
        lines.push(t.get(Msg::AboutHours));
        lines.extend(hours_lines(t, &opening_hours(staff)));
    }
    let rows = vec![
        vec![flow_button(t.get(Msg::BtnMyData), flow, FlowAction::MyData)],
        keyboard::back(t, flow),
    ];
    Screen::inline(lines.join("\n"), InlineKeyboardMarkup::new(rows))
}

/// What "My data" shows.
#[derive(Debug, Clone, Copy)]
pub struct MyDataView<'a> {
    pub profile: Option<&'a CustomerProfile>,
    /// Whether anything is stored at all (a profile or bookings), so erasing
    /// means something.
    pub has_data: bool,
    /// Upcoming active bookings.
    pub upcoming: usize,
    /// Every booking stored about them, by start.
    pub bookings: &'a [BookingDetails],
    pub tz: Tz,
}

/// What the business stores about the customer, with "Erase my data".
pub fn my_data(t: &Text<'_>, flow: FlowId, view: &MyDataView<'_>) -> Screen {
    // The customer's own data, shown to them in their own chat: the one
    // place it is meant to be read in full.
    let mut text = match view.profile {
        Some(profile) => t.with(
            Msg::MyData,
            &[
                ("name", profile.name.expose().into()),
                (
                    "phone",
                    profile
                        .phone
                        .as_ref()
                        .map_or("—", |phone| phone.expose())
                        .into(),
                ),
                (
                    "since",
                    format::day(t, profile.consented_at.with_timezone(&view.tz).date_naive())
                        .into(),
                ),
                ("upcoming", (view.upcoming as i64).into()),
            ],
        ),
        None => t.get(Msg::MyDataNone),
    };
    if let Some(stored) = super::history::stored_bookings(t, view.bookings, view.tz) {
        text.push_str("\n\n");
        text.push_str(&stored);
    }
    let mut rows = Vec::new();
    if view.has_data {
        rows.push(vec![flow_button(
            t.get(Msg::BtnEraseData),
            flow,
            FlowAction::Erase,
        )]);
    }
    rows.push(keyboard::back(t, flow));
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// "Erase everything?", naming the upcoming bookings that would be
/// cancelled.
pub fn ask_erase(t: &Text<'_>, flow: FlowId, upcoming: usize) -> Screen {
    let text = if upcoming == 0 {
        t.get(Msg::EraseQuestion)
    } else {
        t.with(
            Msg::EraseQuestionUpcoming,
            &[("count", (upcoming as i64).into())],
        )
    };
    let rows = vec![vec![
        flow_button(t.get(Msg::BtnYesErase), flow, FlowAction::ConfirmErase),
        flow_button(t.get(Msg::BtnKeep), flow, FlowAction::Back),
    ]];
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// The data is erased, after `cancelled` upcoming bookings were cancelled.
pub fn erased(t: &Text<'_>, cancelled: usize) -> Screen {
    let text = if cancelled == 0 {
        t.get(Msg::EraseDone)
    } else {
        t.with(
            Msg::EraseDoneCancelled,
            &[("count", (cancelled as i64).into())],
        )
    };
    with_menu_button(t, text)
}

#[cfg(test)]
mod tests {
    use booking_domain::{StaffId, StaffName, StaffSpec, WeeklyHours};

    use super::*;
    use crate::client::callback::Callback;
    use crate::i18n::{Language, Locales};
    use crate::ui::client::testing::{FLOW, june, pressing, tz};

    fn member(id: i64, periods: &[(Weekday, &str)]) -> StaffMember {
        let hours = WeeklyHours::new(
            periods
                .iter()
                .map(|(d, p)| (*d, LocalTimeRange::parse(p).unwrap())),
        )
        .unwrap();
        StaffMember::new(
            StaffId::new(id).unwrap(),
            StaffSpec {
                name: StaffName::new("X").unwrap(),
                hours,
                active: true,
            },
        )
        .unwrap()
    }

    #[test]
    fn opening_hours_merge_staff_and_group_equal_days() {
        let anna = member(
            1,
            &[
                (Weekday::Mon, "10:00-14:00"),
                (Weekday::Mon, "15:00-19:00"),
                (Weekday::Tue, "10:00-14:00"),
                (Weekday::Tue, "15:00-19:00"),
            ],
        );
        let maria = member(
            2,
            &[(Weekday::Tue, "13:00-16:00"), (Weekday::Sat, "10:00-17:00")],
        );
        let locales = Locales::load(Language::English).unwrap();
        let lines = hours_lines(
            &locales.text(Language::English),
            &opening_hours(&[anna, maria]),
        );
        assert_eq!(
            lines,
            [
                "Mon: 10:00–14:00, 15:00–19:00",
                "Tue: 10:00–19:00",
                "Wed–Fri: closed",
                "Sat: 10:00–17:00",
                "Sun: closed",
            ]
        );
    }

    #[test]
    fn about_lists_the_contacts_given_and_leads_to_my_data() {
        let locales = Locales::load(Language::English).unwrap();
        let t = locales.text(Language::English);
        let business = BusinessInfo {
            name: "Studio Lilac".to_owned(),
            address: Some("Arbat St 1, Moscow".to_owned()),
            phone: None,
            email: Some("hello@lilac.example".to_owned()),
            website: None,
        };

        let screen = about(&t, FLOW, &business, &[]);

        assert!(
            screen
                .text
                .starts_with("Studio Lilac\n📍 Arbat St 1, Moscow\n✉️ hello@lilac.example"),
            "{}",
            screen.text
        );
        assert_eq!(
            pressing(&screen, &t.get(Msg::BtnMyData)),
            Callback::flow(FLOW, FlowAction::MyData)
        );
    }

    #[test]
    fn my_data_shows_the_profile_in_full_and_offers_erasing() {
        let locales = Locales::load(Language::English).unwrap();
        let t = locales.text(Language::English);
        let profile = CustomerProfile {
            id: booking_domain::CustomerId::new(1001).unwrap(),
            name: booking_domain::CustomerName::new("Ivan Petrov").unwrap(),
            phone: Some(
                booking_domain::PhoneNumber::parse(
                    "+79161234567",
                    booking_domain::PhoneRegion::new("RU").unwrap(),
                )
                .unwrap(),
            ),
            telegram: None,
            language: None,
            consented_at: june(3, 10, 0),
            notes: String::new(),
        };
        let view = MyDataView {
            profile: Some(&profile),
            has_data: true,
            upcoming: 2,
            bookings: &[],
            tz: tz(),
        };

        let screen = my_data(&t, FLOW, &view);

        assert!(screen.text.contains("Ivan Petrov"), "{}", screen.text);
        assert!(screen.text.contains("+79161234567"), "{}", screen.text);
        assert_eq!(
            pressing(&screen, &t.get(Msg::BtnEraseData)),
            Callback::flow(FLOW, FlowAction::Erase)
        );
        let nothing = my_data(
            &t,
            FLOW,
            &MyDataView {
                profile: None,
                has_data: false,
                upcoming: 0,
                bookings: &[],
                tz: tz(),
            },
        );
        assert_eq!(nothing.text, t.get(Msg::MyDataNone));
        assert_eq!(
            crate::ui::client::testing::labels(&nothing),
            [t.get(Msg::BtnBack)]
        );
    }
}
