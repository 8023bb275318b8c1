//! A booking's card with the actions its status allows, and the
//! reschedule pickers (days, then times) that start from it.

use booking_domain::{BookingId, BookingStatus, StaffId, StaffMember, Version};
use booking_ports::BookingDetails;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::{button, customer, service_name, staff_name, status};
use crate::admin::callback::AdminCallback;
use crate::i18n::{Msg, Text};
use crate::telegram::Screen;
use crate::ui::format;

/// A booking's card text, with its audit trail (`staff` names the staff
/// members in it).
pub fn card_text(t: &Text<'_>, tz: Tz, details: &BookingDetails, staff: &[StaffMember]) -> String {
    let b = &details.booking;
    let mut text = t.with(
        Msg::AdminCard,
        &[
            ("id", b.id().get().into()),
            ("service", service_name(details).into()),
            ("when", format::when(t, b.start(), tz).into()),
            ("end", format::time(b.end(), tz).into()),
            ("staff", staff_name(details).into()),
            ("customer", customer(t, details).into()),
            ("status", status(t, b.status()).into()),
        ],
    );
    if let Some(comment) = b.comment() {
        text.push('\n');
        text.push_str(&t.with(
            Msg::AdminCardComment,
            &[("comment", comment.expose().into())],
        ));
    }
    if let BookingStatus::Cancelled(c) = b.status()
        && let Some(reason) = &c.reason
    {
        text.push('\n');
        text.push_str(&t.with(Msg::AdminCardReason, &[("reason", reason.expose().into())]));
    }
    let audit = b.audit();
    if let Some(by) = audit.created_by {
        text.push('\n');
        let when = format::when(t, b.created_at(), tz);
        let who = format::actor(t, by, staff);
        text.push_str(&t.with(
            Msg::AdminCardCreatedBy,
            &[("who", who.into()), ("when", when.into())],
        ));
    }
    for (stamp, msg) in [
        (audit.confirmed, Msg::AdminCardConfirmedBy),
        (audit.closed, Msg::AdminCardClosedBy),
    ] {
        if let Some(stamp) = stamp {
            text.push('\n');
            let by = format::stamp(t, stamp, staff, tz);
            text.push_str(&t.with(msg, &[("by", by.into())]));
        }
    }
    text
}

/// A booking's card with the actions its status allows at `now`, under
/// `notice` when given.
pub fn card(
    t: &Text<'_>,
    tz: Tz,
    now: DateTime<Utc>,
    details: &BookingDetails,
    staff: &[StaffMember],
    notice: Option<String>,
) -> Screen {
    let b = &details.booking;
    let (id, v) = (b.id(), b.version());
    let mut text = notice.map(|n| format!("{n}\n\n")).unwrap_or_default();
    text.push_str(&card_text(t, tz, details, staff));
    let mut rows = Vec::new();
    match b.status() {
        BookingStatus::Pending => rows.push(vec![
            button(t.get(Msg::AdminBtnConfirm), AdminCallback::Confirm(id, v)),
            button(t.get(Msg::AdminBtnCancel), AdminCallback::Cancel(id, v)),
        ]),
        BookingStatus::Confirmed => rows.push(vec![button(
            t.get(Msg::AdminBtnCancel),
            AdminCallback::Cancel(id, v),
        )]),
        _ => {}
    }
    if b.is_active() {
        rows.push(vec![button(
            t.get(Msg::AdminBtnMove),
            AdminCallback::Move(id, v),
        )]);
    }
    // A pending visit that started is marked directly too: nobody
    // confirmed it, but it happened (or did not), and the sweep leaves it
    // to staff.
    if b.is_active() && b.start() <= now {
        rows.push(vec![
            button(t.get(Msg::AdminBtnComplete), AdminCallback::Complete(id, v)),
            button(t.get(Msg::AdminBtnNoShow), AdminCallback::NoShow(id, v)),
        ]);
    }
    let day = b.start().with_timezone(&tz).date_naive();
    rows.push(vec![button(
        t.get(Msg::AdminBtnBackDay),
        AdminCallback::Day {
            day,
            staff: None,
            page: 0,
        },
    )]);
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// The question a cancel button asks first.
pub fn ask_reason(t: &Text<'_>, id: BookingId) -> Screen {
    Screen::text(t.with(Msg::AdminAskReason, &[("id", id.get().into())]))
}

/// Who booking `id` (at version `v`) can move to: `staff`, its own
/// specialist `own` first and marked, one a row, and the way back to its
/// card.
pub fn move_staff(
    t: &Text<'_>,
    id: BookingId,
    v: Version,
    own: StaffId,
    staff: &[StaffMember],
) -> Screen {
    let mut rows: Vec<Vec<_>> = staff
        .iter()
        .map(|member| {
            let name = member.name().to_string();
            let label = if member.id() == own {
                t.with(Msg::AdminMoveStaffCurrent, &[("name", name.into())])
            } else {
                name
            };
            vec![button(label, AdminCallback::MoveWith(id, v, member.id()))]
        })
        .collect();
    rows.push(vec![button(
        t.get(Msg::BtnBack),
        AdminCallback::Booking(id),
    )]);
    let text = t.with(Msg::AdminMoveStaff, &[("id", id.get().into())]);
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// The days booking `id` (at version `v`) can move to, three a row, and
/// the way back to its card.
pub fn move_days(t: &Text<'_>, id: BookingId, v: Version, days: &[NaiveDate]) -> Screen {
    let buttons: Vec<InlineKeyboardButton> = days
        .iter()
        .map(|day| button(format::day(t, *day), AdminCallback::MoveDay(id, v, *day)))
        .collect();
    let mut rows: Vec<Vec<_>> = buttons.chunks(3).map(<[_]>::to_vec).collect();
    rows.push(vec![button(
        t.get(Msg::BtnBack),
        AdminCallback::Booking(id),
    )]);
    let text = if days.is_empty() {
        t.get(Msg::AdminMoveNone)
    } else {
        t.with(Msg::AdminMoveDays, &[("id", id.get().into())])
    };
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// What [`move_times`] offers.
#[derive(Debug, Clone, Copy)]
pub struct MoveTimes<'a> {
    pub id: BookingId,
    pub version: Version,
    /// The specialist it moves to: the way back lists their days.
    pub staff: StaffId,
    pub day: NaiveDate,
    /// The free starts that day.
    pub starts: &'a [DateTime<Utc>],
    pub tz: Tz,
}

/// The free times of a day to move a booking to, four a row, and the way
/// back to the days.
pub fn move_times(t: &Text<'_>, times: &MoveTimes<'_>) -> Screen {
    let (id, v) = (times.id, times.version);
    let buttons: Vec<InlineKeyboardButton> = times
        .starts
        .iter()
        .map(|start| {
            button(
                format::time(*start, times.tz),
                AdminCallback::MoveTo(id, v, *start),
            )
        })
        .collect();
    let mut rows: Vec<Vec<_>> = buttons.chunks(4).map(<[_]>::to_vec).collect();
    rows.push(vec![button(
        t.get(Msg::BtnBack),
        AdminCallback::MoveWith(id, v, times.staff),
    )]);
    let text = t.with(
        Msg::AdminMoveTimes,
        &[("day", format::day(t, times.day).into())],
    );
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

#[cfg(test)]
mod tests {
    use booking_domain::{CancelReason, Cancellation, CancelledBy};

    use super::*;
    use crate::i18n::Language;
    use crate::ui::admin::fixtures::{anna, booking, callbacks, english, local, tz, with_status};

    #[test]
    fn the_card_names_who_booked_confirmed_and_closed_it() {
        let locales = english();
        let t = locales.text(Language::English);
        let mut details = with_status(7, 11, BookingStatus::Pending);
        let owner = booking_domain::Actor::Staff {
            user: booking_domain::StaffUser::new(500),
            member: None,
            role: booking_domain::StaffRole::Owner,
        };
        let stylist = booking_domain::Actor::Staff {
            user: booking_domain::StaffUser::new(9),
            member: Some(anna().id()),
            role: booking_domain::StaffRole::Staff,
        };
        details.booking = details
            .booking
            .confirm(owner, local(3, 12))
            .unwrap()
            .complete(stylist, local(4, 13))
            .unwrap();
        let text = card_text(&t, tz(), &details, &[anna()]);
        assert!(
            text.contains("\nConfirmed by: owner (Telegram id 500), Mon 3 Jun, 12:00"),
            "{text}"
        );
        assert!(
            text.contains("\nStatus set by: Anna, Tue 4 Jun, 13:00"),
            "{text}"
        );
        // A staff member the catalog does not list is named by id.
        let text = card_text(&t, tz(), &details, &[]);
        assert!(
            text.contains(&format!(
                "Status set by: staff member #{}",
                anna().id().get()
            )),
            "{text}"
        );
    }

    #[test]
    fn a_pending_card_offers_confirm_cancel_and_reschedule_but_not_completion() {
        let locales = english();
        let t = locales.text(Language::English);
        let details = with_status(7, 11, BookingStatus::Pending);
        let screen = card(
            &t,
            tz(),
            local(4, 10),
            &details,
            &[],
            Some("Done.".to_owned()),
        );
        assert!(screen.text.starts_with("Done.\n\nBooking #7 · Haircut"));
        assert!(screen.text.contains("When: Tue 4 Jun, 11:00–12:00"));
        assert!(screen.text.contains("Customer: Ivan Petrov, +79161234567"));
        assert!(screen.text.contains("Status: pending"));
        assert!(screen.text.contains("Comment: Short, please"));
        let data = callbacks(&screen);
        assert_eq!(
            data,
            [
                ("✅ Confirm".to_owned(), "c:7:2".to_owned()),
                ("✖️ Cancel booking".to_owned(), "x:7:2".to_owned()),
                ("Reschedule".to_owned(), "m:7:2".to_owned()),
                ("⬅️ Day view".to_owned(), "d:20300604:0:0".to_owned()),
            ]
        );
    }

    #[test]
    fn a_started_pending_visit_can_be_completed_or_marked_a_no_show_directly() {
        let locales = english();
        let t = locales.text(Language::English);
        let pending = with_status(7, 11, BookingStatus::Pending);
        let before = callbacks(&card(&t, tz(), local(4, 10), &pending, &[], None));
        assert!(!before.iter().any(|(label, _)| label == "Completed"));
        let after = callbacks(&card(&t, tz(), local(4, 11), &pending, &[], None));
        assert!(after.contains(&("Completed".to_owned(), "k:7:2".to_owned())));
        assert!(after.contains(&("No-show".to_owned(), "n:7:2".to_owned())));
        assert!(
            after.contains(&("✅ Confirm".to_owned(), "c:7:2".to_owned())),
            "confirming stays possible"
        );
    }

    #[test]
    fn a_started_confirmed_visit_can_be_completed_or_marked_a_no_show() {
        let locales = english();
        let t = locales.text(Language::English);
        let before = callbacks(&card(&t, tz(), local(4, 10), &booking(7, 11), &[], None));
        assert!(!before.iter().any(|(label, _)| label == "Completed"));
        let after = callbacks(&card(&t, tz(), local(4, 11), &booking(7, 11), &[], None));
        assert!(after.contains(&("Completed".to_owned(), "k:7:2".to_owned())));
        assert!(after.contains(&("No-show".to_owned(), "n:7:2".to_owned())));
    }

    #[test]
    fn a_cancelled_card_shows_the_reason_and_no_actions_but_the_way_back() {
        let locales = english();
        let t = locales.text(Language::English);
        let status = BookingStatus::Cancelled(Cancellation {
            by: CancelledBy::Customer,
            reason: Some(CancelReason::new("Ill").unwrap()),
            at: local(3, 9),
        });
        let screen = card(
            &t,
            tz(),
            local(3, 10),
            &with_status(7, 11, status),
            &[],
            None,
        );
        assert!(
            screen
                .text
                .contains("Status: cancelled\nComment: Short, please\nReason: Ill")
        );
        assert_eq!(callbacks(&screen).len(), 1);
    }

    #[test]
    fn the_pickers_carry_the_version_seen_and_lead_back() {
        let locales = english();
        let t = locales.text(Language::English);
        let (id, v) = (BookingId::new(7).unwrap(), Version::new(2).unwrap());
        let day = NaiveDate::from_ymd_opt(2030, 6, 5).unwrap();
        let days = move_days(&t, id, v, &[day]);
        assert_eq!(days.text, "Pick the new day for booking #7:");
        assert_eq!(
            callbacks(&days),
            [
                ("Wed 5 Jun".to_owned(), "md:7:2:20300605".to_owned()),
                ("⬅️ Back".to_owned(), "b:7".to_owned()),
            ]
        );
        assert_eq!(
            move_days(&t, id, v, &[]).text,
            "There are no free times to move this booking to."
        );
        let starts = [local(5, 13)];
        let times = move_times(
            &t,
            &MoveTimes {
                id,
                version: v,
                staff: anna().id(),
                day,
                starts: &starts,
                tz: tz(),
            },
        );
        assert_eq!(times.text, "Pick the new time on Wed 5 Jun:");
        let data = callbacks(&times);
        assert_eq!(data[0].0, "13:00");
        assert_eq!(data[1], ("⬅️ Back".to_owned(), "mw:7:2:1".to_owned()));
    }

    #[test]
    fn the_specialists_to_move_to_start_with_the_current_one() {
        let locales = english();
        let t = locales.text(Language::English);
        let (id, v) = (BookingId::new(7).unwrap(), Version::new(2).unwrap());
        let boris = StaffMember::new(
            StaffId::new(2).unwrap(),
            booking_domain::StaffSpec {
                name: booking_domain::StaffName::new("Boris").unwrap(),
                ..anna().spec().clone()
            },
        )
        .unwrap();
        let screen = move_staff(&t, id, v, anna().id(), &[anna(), boris]);
        assert_eq!(screen.text, "Move booking #7 to which specialist?");
        assert_eq!(
            callbacks(&screen),
            [
                ("Anna (now)".to_owned(), "mw:7:2:1".to_owned()),
                ("Boris".to_owned(), "mw:7:2:2".to_owned()),
                ("⬅️ Back".to_owned(), "b:7".to_owned()),
            ]
        );
    }
}
