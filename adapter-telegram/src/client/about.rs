//! "About": the business's address, contacts and opening hours, and the
//! customer's own data: what is stored, and erasing it after a confirmation
//! (upcoming bookings are cancelled first, with the usual notices to staff).

use booking_domain::{LocalTimeRange, StaffMember};
use chrono::Weekday;
use teloxide::types::InlineKeyboardMarkup;

use super::Answer;
use super::callback::{FlowAction, FlowId};
use super::keyboard::{self, flow_button};
use super::menu;
use super::session::Session;
use super::state::{AboutStep, State};
use crate::error::HandlerError;
use crate::i18n::Text;
use crate::telegram::{Place, Screen};
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

fn state(flow: FlowId, step: AboutStep) -> State {
    State::About { flow, step }
}

/// Opens "About".
pub(crate) async fn start(s: &Session<'_>, place: Place) -> Result<(), HandlerError> {
    show_about(s, s.new_flow(), place).await
}

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
    let weekday = |i: usize| t.with("weekday-short", &[("day", (i as i64 + 1).into())]);
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
            t.get("hours-closed")
        } else {
            week[i]
                .iter()
                .map(|(a, b)| format!("{}–{}", clock(*a), clock(*b)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        lines.push(t.with(
            "hours-line",
            &[("days", days.into()), ("periods", periods.into())],
        ));
        i = j + 1;
    }
    lines
}

async fn show_about(s: &Session<'_>, flow: FlowId, place: Place) -> Result<(), HandlerError> {
    let business = s.business;
    let mut lines = vec![s.t.with(
        "about-title",
        &[("business", business.name.as_str().into())],
    )];
    for (id, arg, value) in [
        ("about-address", "address", &business.address),
        ("about-phone", "phone", &business.phone),
        ("about-email", "email", &business.email),
        ("about-website", "website", &business.website),
    ] {
        if let Some(value) = value {
            lines.push(s.t.with(id, &[(arg, value.as_str().into())]));
        }
    }
    let offers = s
        .engine
        .services()
        .await
        .map_err(|e| HandlerError::engine("list services", e))?;
    let mut staff: Vec<StaffMember> = Vec::new();
    for member in offers.into_iter().flat_map(|o| o.performers) {
        if !staff.iter().any(|m| m.id() == member.id()) {
            staff.push(member);
        }
    }
    if !staff.is_empty() {
        lines.push(String::new());
        lines.push(s.t.get("about-hours"));
        lines.extend(hours_lines(&s.t, &opening_hours(&staff)));
    }
    let rows = vec![
        vec![flow_button(
            s.t.get("btn-my-data"),
            flow,
            FlowAction::MyData,
        )],
        keyboard::back(&s.t, flow),
    ];
    s.go(
        &state(flow, AboutStep::About),
        &Screen::inline(lines.join("\n"), InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

/// How many of the customer's bookings are upcoming and active.
async fn upcoming_count(s: &Session<'_>) -> Result<usize, HandlerError> {
    Ok(s.engine
        .my_bookings(s.customer)
        .await
        .map_err(|e| HandlerError::engine("list a customer's bookings", e))?
        .len())
}

async fn show_my_data(
    s: &Session<'_>,
    flow: FlowId,
    intro: Option<String>,
    place: Place,
) -> Result<(), HandlerError> {
    let data = s
        .engine
        .my_data(s.customer)
        .await
        .map_err(|e| HandlerError::engine("read a customer's data", e))?;
    let upcoming = upcoming_count(s).await?;
    // The customer's own data, shown to them in their own chat: the one
    // place it is meant to be read in full.
    let body = match &data.profile {
        Some(profile) => s.t.with(
            "my-data",
            &[
                ("name", profile.name.expose().into()),
                ("phone", profile.phone.expose().into()),
                (
                    "since",
                    format::day(
                        &s.t,
                        profile.consented_at.with_timezone(&s.tz()).date_naive(),
                    )
                    .into(),
                ),
                ("upcoming", (upcoming as i64).into()),
            ],
        ),
        None => s.t.get("my-data-none"),
    };
    let mut rows = Vec::new();
    if data.profile.is_some() || !data.bookings.is_empty() {
        rows.push(vec![flow_button(
            s.t.get("btn-erase-data"),
            flow,
            FlowAction::Erase,
        )]);
    }
    rows.push(keyboard::back(&s.t, flow));
    let text = intro.map_or(body.clone(), |intro| format!("{intro}\n\n{body}"));
    s.go(
        &state(flow, AboutStep::MyData),
        &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

async fn ask_erase(s: &Session<'_>, flow: FlowId, place: Place) -> Result<(), HandlerError> {
    let upcoming = upcoming_count(s).await?;
    let text = if upcoming == 0 {
        s.t.get("erase-question")
    } else {
        s.t.with(
            "erase-question-upcoming",
            &[("count", (upcoming as i64).into())],
        )
    };
    let rows = vec![vec![
        flow_button(s.t.get("btn-yes-erase"), flow, FlowAction::ConfirmErase),
        flow_button(s.t.get("btn-keep"), flow, FlowAction::Back),
    ]];
    s.go(
        &state(flow, AboutStep::ConfirmErase),
        &Screen::inline(text, InlineKeyboardMarkup::new(rows)),
        place,
    )
    .await
}

async fn erase(s: &Session<'_>, place: Place) -> Result<(), HandlerError> {
    let forgotten = s
        .engine
        .forget_me(s.customer)
        .await
        .map_err(|e| HandlerError::engine("erase a customer's data", e))?;
    tracing::info!(
        cancelled = forgotten.cancelled.len(),
        anonymised = forgotten.erasure.bookings_anonymised,
        "customer data erased on request"
    );
    let text = if forgotten.cancelled.is_empty() {
        s.t.get("erase-done")
    } else {
        s.t.with(
            "erase-done-cancelled",
            &[("count", (forgotten.cancelled.len() as i64).into())],
        )
    };
    s.go(
        &State::Idle,
        &Screen::inline(text, keyboard::to_menu(&s.t)),
        place,
    )
    .await
}

/// A pressed button in "About".
pub(crate) async fn on_action(
    s: &Session<'_>,
    flow: FlowId,
    step: AboutStep,
    action: FlowAction,
    place: Place,
) -> Result<Answer, HandlerError> {
    match (step, action) {
        (AboutStep::About, FlowAction::Back) => menu::show_main(s, None, place).await?,
        (AboutStep::About, FlowAction::MyData) => show_my_data(s, flow, None, place).await?,
        (AboutStep::MyData, FlowAction::Back) => show_about(s, flow, place).await?,
        (AboutStep::MyData, FlowAction::Erase) => ask_erase(s, flow, place).await?,
        (AboutStep::ConfirmErase, FlowAction::Back) => show_my_data(s, flow, None, place).await?,
        (AboutStep::ConfirmErase, FlowAction::ConfirmErase) => erase(s, place).await?,
        _ => return Ok(Answer::Expired),
    }
    Ok(Answer::Silent)
}

#[cfg(test)]
mod tests {
    use booking_domain::{StaffId, StaffName, StaffSpec, WeeklyHours};

    use super::*;
    use crate::i18n::{Language, Locales};

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
}
