//! The booking flow's screens: services, staff, days, times, name, phone,
//! comment, summary, the booking made, and every refusal on the way.

use booking_domain::{InvalidComment, InvalidName, InvalidPhone};
use booking_ports::BookingDetails;
use booking_ports::engine::ServiceOffer;
use chrono_tz::Tz;
use teloxide::types::{ButtonRequest, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup};

use super::calendar::{self, DayPage, DayTimes, day_rows, time_rows};
use super::keyboard::{self, flow_button};
use super::menu::{with_main_menu, with_menu_button};
use crate::client::callback::{FlowAction, FlowId};
use crate::client::state::{Details, Slot, StaffPick};
use crate::i18n::{Msg, Text};
use crate::telegram::{Markup, Screen};
use crate::ui::format;

/// No service is bookable.
pub fn no_services(t: &Text<'_>) -> Screen {
    with_menu_button(t, t.get(Msg::BookNoServices))
}

/// The chosen service is no longer offered.
pub fn unavailable(t: &Text<'_>) -> Screen {
    with_menu_button(t, t.get(Msg::BookUnavailable))
}

/// Whose time the customer picked, by name, or "any specialist".
pub fn staff_label(t: &Text<'_>, offer: &ServiceOffer, staff: StaffPick) -> String {
    match staff {
        StaffPick::Any => t.get(Msg::BtnAnyStaff),
        StaffPick::Only(id) => offer
            .performers
            .iter()
            .find(|m| m.id() == id)
            .map_or_else(|| t.get(Msg::BtnAnyStaff), |m| m.name().to_string()),
    }
}

/// The services, one per row, with their length and price; first, when the
/// Mini App is served, a button that opens its calendar.
pub fn services(
    t: &Text<'_>,
    flow: FlowId,
    offers: &[ServiceOffer],
    mini_app: Option<&url::Url>,
) -> Screen {
    let calendar = mini_app.map(|url| {
        vec![teloxide::types::InlineKeyboardButton::web_app(
            t.get(Msg::BtnOpenMiniApp),
            teloxide::types::WebAppInfo { url: url.clone() },
        )]
    });
    let mut rows: Vec<_> = calendar
        .into_iter()
        .chain(offers.iter().map(|offer| {
            let service = &offer.service;
            let label = t.with(
                Msg::ServiceButton,
                &[
                    ("name", service.name().as_str().into()),
                    ("duration", format::duration(t, service.duration()).into()),
                    ("price", format::price(service.price()).into()),
                ],
            );
            vec![flow_button(label, flow, FlowAction::Service(service.id()))]
        }))
        .collect();
    rows.push(keyboard::back_cancel(t, flow));
    Screen::inline(
        t.get(Msg::BookChooseService),
        InlineKeyboardMarkup::new(rows),
    )
}

/// The staff who perform the service, and "any specialist".
pub fn staff(t: &Text<'_>, flow: FlowId, offer: &ServiceOffer) -> Screen {
    let mut buttons: Vec<_> = offer
        .performers
        .iter()
        .map(|member| {
            flow_button(
                member.name().to_string(),
                flow,
                FlowAction::Staff(member.id()),
            )
        })
        .collect();
    buttons.push(flow_button(
        t.get(Msg::BtnAnyStaff),
        flow,
        FlowAction::AnyStaff,
    ));
    let mut rows = keyboard::grid(buttons, 2);
    rows.push(keyboard::back_cancel(t, flow));
    let text = t.with(
        Msg::BookChooseStaff,
        &[("service", offer.service.name().as_str().into())],
    );
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// A page of free days, or "no free days" within the horizon.
pub fn days(
    t: &Text<'_>,
    flow: FlowId,
    offer: &ServiceOffer,
    staff: StaffPick,
    page: &DayPage<'_>,
) -> Screen {
    let service = offer.service.name().as_str();
    let staff = staff_label(t, offer, staff);
    match day_rows(t, flow, page.days, page.page) {
        Some(mut rows) => {
            rows.push(keyboard::back_cancel(t, flow));
            let text = t.with(
                Msg::BookChooseDay,
                &[("service", service.into()), ("staff", staff.into())],
            );
            Screen::inline(text, InlineKeyboardMarkup::new(rows))
        }
        None => Screen::inline(
            calendar::no_days(t, service, &staff, page.horizon_days),
            InlineKeyboardMarkup::new(vec![keyboard::back_cancel(t, flow)]),
        ),
    }
}

/// The free times of a day, after `intro` when the customer must be told
/// something first (the time they chose was taken).
pub fn times(
    t: &Text<'_>,
    flow: FlowId,
    offer: &ServiceOffer,
    staff: StaffPick,
    times: &DayTimes<'_>,
    intro: Option<String>,
) -> Screen {
    let staff = staff_label(t, offer, staff);
    let names = (offer.service.name().as_str(), staff.as_str());
    let text = calendar::times_text(t, names, times.day, times.starts.is_empty(), intro);
    let mut rows = time_rows(flow, times.starts, times.tz);
    rows.push(keyboard::back_cancel(t, flow));
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// Asks for a name, offering `suggestions` as buttons by position.
pub fn name(t: &Text<'_>, flow: FlowId, suggestions: &[String]) -> Screen {
    let mut rows: Vec<_> = suggestions
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let index = u8::try_from(i).ok()?;
            Some(vec![flow_button(
                name.clone(),
                flow,
                FlowAction::Name(index),
            )])
        })
        .collect();
    rows.push(keyboard::back_cancel(t, flow));
    let prompt = if suggestions.is_empty() {
        Msg::BookAskNamePlain
    } else {
        Msg::BookAskName
    };
    Screen::inline(t.get(prompt), InlineKeyboardMarkup::new(rows))
}

/// Asks for a phone. "Share my phone" cannot be an inline button, so this
/// step has a reply keyboard, with Back and Cancel on it as text buttons.
pub fn phone(t: &Text<'_>) -> Screen {
    let keyboard = KeyboardMarkup::new(vec![
        vec![KeyboardButton::new(t.get(Msg::BtnSharePhone)).request(ButtonRequest::Contact)],
        vec![
            KeyboardButton::new(t.get(Msg::BtnBack)),
            KeyboardButton::new(t.get(Msg::BtnCancel)),
        ],
    ])
    .resize_keyboard()
    .one_time_keyboard();
    Screen::new(t.get(Msg::BookAskPhone), Markup::Reply(keyboard))
}

/// The phone as understood, removing the phone step's keyboard.
pub fn phone_saved(t: &Text<'_>, phone: &str) -> Screen {
    Screen::new(
        t.with(Msg::PhoneSaved, &[("phone", phone.into())]),
        Markup::RemoveReply,
    )
}

/// Asks for an optional comment.
pub fn comment(t: &Text<'_>, flow: FlowId) -> Screen {
    Screen::inline(
        t.get(Msg::BookAskComment),
        keyboard::one_then_back_cancel(
            t,
            flow,
            t.get(Msg::BtnSkipComment),
            FlowAction::SkipComment,
        ),
    )
}

/// What the summary step shows.
#[derive(Debug, Clone, Copy)]
pub struct SummaryView<'a> {
    pub offer: &'a ServiceOffer,
    pub slot: Slot,
    pub details: &'a Details,
    pub tz: Tz,
}

/// Everything the customer chose and gave, with Confirm.
pub fn summary(t: &Text<'_>, flow: FlowId, view: &SummaryView<'_>) -> Screen {
    let service = &view.offer.service;
    let mut text = t.with(
        Msg::BookSummary,
        &[
            ("service", service.name().as_str().into()),
            ("duration", format::duration(t, service.duration()).into()),
            ("price", format::price(service.price()).into()),
            ("staff", staff_label(t, view.offer, view.slot.staff).into()),
            ("when", format::when(t, view.slot.start, view.tz).into()),
            ("name", view.details.name.as_str().into()),
            ("phone", view.details.phone.as_str().into()),
        ],
    );
    if let Some(comment) = &view.details.comment {
        text.push('\n');
        text.push_str(&t.with(
            Msg::BookSummaryComment,
            &[("comment", comment.as_str().into())],
        ));
    }
    Screen::inline(
        text,
        keyboard::one_then_back_cancel(t, flow, t.get(Msg::BtnConfirm), FlowAction::Confirm),
    )
}

/// The booking made: pending staff confirmation, or confirmed.
pub fn done(t: &Text<'_>, booked: &BookingDetails, tz: Tz) -> Screen {
    let booking = &booked.booking;
    let service = booked
        .service
        .as_ref()
        .map_or_else(String::new, |sv| sv.name().to_string());
    let staff = booked
        .staff
        .as_ref()
        .map_or_else(String::new, |m| m.name().to_string());
    let id = if booking.is_active() && *booking.status() == booking_domain::BookingStatus::Pending {
        Msg::BookDonePending
    } else {
        Msg::BookDoneConfirmed
    };
    let text = t.with(
        id,
        &[
            ("service", service.into()),
            ("staff", staff.into()),
            ("when", format::when(t, booking.start(), tz).into()),
        ],
    );
    with_menu_button(t, text)
}

/// The customer already has `limit` active bookings.
pub fn too_many(t: &Text<'_>, limit: u16) -> Screen {
    with_main_menu(
        t,
        t.with(Msg::BookTooMany, &[("limit", i64::from(limit).into())]),
    )
}

/// The customer made `limit` bookings in the last 24 hours.
pub fn too_many_today(t: &Text<'_>, limit: u16) -> Screen {
    with_main_menu(
        t,
        t.with(Msg::BookTooManyToday, &[("limit", i64::from(limit).into())]),
    )
}

/// Typed text that looks like one of our buttons, not a name.
pub fn name_is_button(t: &Text<'_>, typed: &str) -> String {
    let shown: String = typed.trim().chars().take(40).collect();
    t.with(Msg::NameIsButton, &[("text", shown.into())])
}

pub fn name_refusal(t: &Text<'_>, error: &InvalidName) -> String {
    match error {
        InvalidName::TooShort { min } => {
            t.with(Msg::NameTooShort, &[("min", (*min as i64).into())])
        }
        InvalidName::TooLong { max } => t.with(Msg::NameTooLong, &[("max", (*max as i64).into())]),
        InvalidName::ControlCharacter => t.get(Msg::NameControl),
        InvalidName::NoLetter => t.get(Msg::NameNoLetter),
    }
}

pub fn phone_refusal(t: &Text<'_>, error: &InvalidPhone) -> String {
    match error {
        InvalidPhone::Empty => t.get(Msg::PhoneEmpty),
        InvalidPhone::TooLong { max } => {
            t.with(Msg::PhoneTooLong, &[("max", (*max as i64).into())])
        }
        InvalidPhone::UnexpectedCharacter => t.get(Msg::PhoneCharacters),
        InvalidPhone::NotAPhone => t.get(Msg::PhoneNotAPhone),
        InvalidPhone::NotInUse => t.get(Msg::PhoneNotInUse),
    }
}

pub fn comment_refusal(t: &Text<'_>, error: &InvalidComment) -> String {
    match error {
        InvalidComment::Empty => t.get(Msg::CommentEmpty),
        InvalidComment::TooLong { max, got } => t.with(
            Msg::CommentTooLong,
            &[("max", (*max as i64).into()), ("got", (*got as i64).into())],
        ),
        InvalidComment::ControlCharacter => t.get(Msg::CommentControl),
    }
}

#[cfg(test)]
mod tests {
    use booking_domain::StaffId;

    use super::*;
    use crate::Language;
    use crate::client::callback::Callback;
    use crate::ui::client::testing::*;

    #[test]
    fn a_name_without_a_letter_is_refused_with_that_reason() {
        let locales = locales();
        let t = locales.text(Language::English);
        let error = booking_domain::CustomerName::new("...").unwrap_err();

        assert_eq!(
            name_refusal(&t, &error),
            "A name needs at least one letter. Please type your name."
        );
    }

    #[test]
    fn the_daily_limit_says_how_many_and_when_to_come_back_in_both_languages() {
        let locales = locales();

        let en = too_many_today(&locales.text(Language::English), 10);
        let ru = too_many_today(&locales.text(Language::Russian), 3);

        assert!(
            en.text
                .starts_with("You have made 10 bookings in the last 24 hours"),
            "{}",
            en.text
        );
        assert!(en.text.contains("try again tomorrow"), "{}", en.text);
        assert!(
            ru.text
                .starts_with("За последние 24 часа вы записались 3 раза"),
            "{}",
            ru.text
        );
    }

    #[test]
    fn services_show_length_and_price_and_carry_their_id() {
        let locales = locales();
        let t = locales.text(Language::English);
        let offer = haircut(&[1, 2]);

        let screen = services(&t, FLOW, std::slice::from_ref(&offer), None);

        assert_eq!(screen.text, "Choose a service:");
        assert_eq!(
            labels(&screen),
            ["Women's haircut · 1 h · 2500 RUB", "⬅️ Back", "✖️ Cancel"]
        );
        assert_eq!(
            pressing(&screen, "Women's haircut · 1 h · 2500 RUB"),
            Callback::flow(FLOW, FlowAction::Service(offer.service.id()))
        );
    }

    #[test]
    fn with_the_mini_app_served_the_services_offer_its_calendar_first() {
        let locales = locales();
        let t = locales.text(Language::English);
        let url = url::Url::parse("https://bots.example.com/app/").unwrap();

        let screen = services(&t, FLOW, &[haircut(&[1])], Some(&url));

        let crate::telegram::Markup::Inline(keyboard) = &screen.markup else {
            panic!("an inline keyboard");
        };
        let first = &keyboard.inline_keyboard[0][0];
        assert_eq!(first.text, "📅 Open the calendar");
        assert_eq!(
            first.kind,
            teloxide::types::InlineKeyboardButtonKind::WebApp(teloxide::types::WebAppInfo { url })
        );
    }

    #[test]
    fn the_staff_step_names_each_performer_and_offers_anyone() {
        let locales = locales();
        let t = locales.text(Language::English);

        let screen = staff(&t, FLOW, &haircut(&[1, 2]));

        assert!(screen.text.contains("Women's haircut"), "{}", screen.text);
        assert_eq!(
            pressing(&screen, "Maria"),
            Callback::flow(FLOW, FlowAction::Staff(StaffId::new(2).unwrap()))
        );
        assert_eq!(
            pressing(&screen, &t.get(Msg::BtnAnyStaff)),
            Callback::flow(FLOW, FlowAction::AnyStaff)
        );
    }

    #[test]
    fn no_free_days_name_the_horizon_and_keep_back_and_cancel() {
        let locales = locales();
        let t = locales.text(Language::English);
        let offer = haircut(&[1]);
        let page = DayPage {
            days: &[],
            page: 0,
            horizon_days: 14,
        };

        let screen = days(
            &t,
            FLOW,
            &offer,
            StaffPick::Only(StaffId::new(1).unwrap()),
            &page,
        );

        assert!(
            screen.text.starts_with("Women's haircut · Anna"),
            "{}",
            screen.text
        );
        assert!(screen.text.contains("14 days"), "{}", screen.text);
        assert_eq!(labels(&screen), ["⬅️ Back", "✖️ Cancel"]);
    }

    #[test]
    fn the_summary_lists_the_choice_and_the_details_with_confirm() {
        let locales = locales();
        let t = locales.text(Language::English);
        let offer = haircut(&[1, 2]);
        let details = Details {
            name: "Ivan Petrov".to_owned(),
            phone: "+79161234567".to_owned(),
            comment: Some("Short, please".to_owned()),
        };
        let view = SummaryView {
            offer: &offer,
            slot: Slot {
                service: offer.service.id(),
                staff: StaffPick::Any,
                start: june(4, 11, 0),
            },
            details: &details,
            tz: tz(),
        };

        let screen = summary(&t, FLOW, &view);

        for part in [
            "Women's haircut",
            "Tue 4 Jun, 11:00",
            "Ivan Petrov",
            "+79161234567",
            "Short, please",
        ] {
            assert!(
                screen.text.contains(part),
                "{part} missing from {}",
                screen.text
            );
        }
        assert_eq!(
            pressing(&screen, &t.get(Msg::BtnConfirm)),
            Callback::flow(FLOW, FlowAction::Confirm)
        );
    }

    #[test]
    fn the_phone_step_asks_for_a_contact_on_a_reply_keyboard() {
        let locales = locales();
        let t = locales.text(Language::English);

        let screen = phone(&t);

        let Markup::Reply(keyboard) = &screen.markup else {
            panic!("not a reply keyboard: {:?}", screen.markup);
        };
        assert!(matches!(
            keyboard.keyboard[0][0].request,
            Some(ButtonRequest::Contact)
        ));
        assert_eq!(phone_saved(&t, "+79161234567").markup, Markup::RemoveReply);
    }
}
