//! The admin bot's screens: the day view, a booking's card with its
//! actions, the reschedule pickers and the statistics. Staff see customers'
//! names and phones unmasked: that is what they need to call them. Nothing
//! here is logged.

use booking_domain::{BookingStatus, StaffId};
use booking_ports::BookingDetails;
use booking_ports::engine::Statistics;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::callback::AdminCallback;
use crate::i18n::Text;
use crate::telegram::Screen;
use crate::ui::format;

pub(super) fn button(label: impl Into<String>, callback: AdminCallback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label.into(), callback.encode())
}

pub(super) fn status(t: &Text<'_>, status: &BookingStatus) -> String {
    t.get(&format!("admin-status-{}", status.name().replace('_', "-")))
}

fn customer(t: &Text<'_>, details: &BookingDetails) -> String {
    match &details.customer {
        Some(c) => format!("{}, {}", c.name.expose(), c.phone.expose()),
        None => t.get("admin-customer-unknown"),
    }
}

fn service_name(details: &BookingDetails) -> String {
    details
        .service
        .as_ref()
        .map(|s| s.name().to_string())
        .unwrap_or_else(|| "?".to_owned())
}

fn staff_name(details: &BookingDetails) -> String {
    details
        .staff
        .as_ref()
        .map(|s| s.name().to_string())
        .unwrap_or_else(|| "?".to_owned())
}

#[allow(clippy::too_many_arguments)] // One screen, one call site.
/// The day view: one page of `bookings`, with a button per booking, the
/// neighbouring days, staff filters and pages.
pub(super) fn day(
    t: &Text<'_>,
    tz: Tz,
    day: NaiveDate,
    staff: Option<StaffId>,
    page: u8,
    page_size: usize,
    bookings: &[BookingDetails],
    members: &[(StaffId, String)],
) -> Screen {
    let who = staff
        .and_then(|id| members.iter().find(|(m, _)| *m == id))
        .map_or_else(|| t.get("admin-everyone"), |(_, name)| name.clone());
    let pages = bookings.len().div_ceil(page_size.max(1)).max(1);
    let page = usize::from(page).min(pages - 1);
    let shown: Vec<&BookingDetails> = bookings
        .iter()
        .skip(page * page_size)
        .take(page_size)
        .collect();
    let mut text = t.with(
        "admin-day-title",
        &[
            ("day", format::day(t, day).into()),
            ("who", who.into()),
            ("count", (bookings.len() as i64).into()),
        ],
    );
    if bookings.is_empty() {
        text.push_str("\n\n");
        text.push_str(&t.get("admin-day-empty"));
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    for details in &shown {
        let b = &details.booking;
        text.push_str(&format!(
            "\n\n#{} {}–{} · {} · {}\n{} · {}",
            b.id().get(),
            format::time(b.start(), tz),
            format::time(b.end(), tz),
            service_name(details),
            staff_name(details),
            customer(t, details),
            status(t, b.status()),
        ));
        if let Some(comment) = b.comment() {
            text.push_str(&format!("\n💬 {}", comment.expose()));
        }
        let name = details
            .customer
            .as_ref()
            .map(|c| c.name.expose().to_owned())
            .unwrap_or_default();
        rows.push(vec![button(
            format!("#{} {} {}", b.id().get(), format::time(b.start(), tz), name),
            AdminCallback::Booking(b.id()),
        )]);
    }
    if pages > 1 {
        text.push_str("\n\n");
        text.push_str(&t.with(
            "admin-page",
            &[
                ("page", (page as i64 + 1).into()),
                ("pages", (pages as i64).into()),
            ],
        ));
        let mut nav = Vec::new();
        if page > 0 {
            nav.push(button(
                t.get("btn-earlier"),
                AdminCallback::Day {
                    day,
                    staff,
                    page: (page - 1) as u8,
                },
            ));
        }
        if page + 1 < pages {
            nav.push(button(
                t.get("btn-later"),
                AdminCallback::Day {
                    day,
                    staff,
                    page: (page + 1) as u8,
                },
            ));
        }
        rows.push(nav);
    }
    let mut days = Vec::new();
    if let Some(prev) = day.pred_opt() {
        days.push(button(
            t.get("admin-btn-prev-day"),
            AdminCallback::Day {
                day: prev,
                staff,
                page: 0,
            },
        ));
    }
    if let Some(next) = day.succ_opt() {
        days.push(button(
            t.get("admin-btn-next-day"),
            AdminCallback::Day {
                day: next,
                staff,
                page: 0,
            },
        ));
    }
    rows.push(days);
    let mark = |on: bool, label: String| if on { format!("• {label}") } else { label };
    let mut filters = vec![button(
        mark(staff.is_none(), t.get("admin-btn-all-staff")),
        AdminCallback::Day {
            day,
            staff: None,
            page: 0,
        },
    )];
    for (id, name) in members {
        filters.push(button(
            mark(staff == Some(*id), name.clone()),
            AdminCallback::Day {
                day,
                staff: Some(*id),
                page: 0,
            },
        ));
    }
    rows.extend(filters.chunks(3).map(<[_]>::to_vec));
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// A booking's card text.
pub(super) fn card_text(t: &Text<'_>, tz: Tz, details: &BookingDetails) -> String {
    let b = &details.booking;
    let mut text = t.with(
        "admin-card",
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
            "admin-card-comment",
            &[("comment", comment.expose().into())],
        ));
    }
    if let BookingStatus::Cancelled(c) = b.status()
        && let Some(reason) = &c.reason
    {
        text.push('\n');
        text.push_str(&t.with("admin-card-reason", &[("reason", reason.expose().into())]));
    }
    text
}

/// A booking's card with the actions its status allows now, under
/// `notice` when given.
pub(super) fn card(
    t: &Text<'_>,
    tz: Tz,
    now: DateTime<Utc>,
    details: &BookingDetails,
    notice: Option<String>,
) -> Screen {
    let b = &details.booking;
    let (id, v) = (b.id(), b.version());
    let mut text = notice.map(|n| format!("{n}\n\n")).unwrap_or_default();
    text.push_str(&card_text(t, tz, details));
    let mut rows = Vec::new();
    match b.status() {
        BookingStatus::Pending => rows.push(vec![
            button(t.get("admin-btn-confirm"), AdminCallback::Confirm(id, v)),
            button(t.get("admin-btn-cancel"), AdminCallback::Cancel(id, v)),
        ]),
        BookingStatus::Confirmed => rows.push(vec![button(
            t.get("admin-btn-cancel"),
            AdminCallback::Cancel(id, v),
        )]),
        _ => {}
    }
    if b.is_active() {
        rows.push(vec![button(
            t.get("admin-btn-move"),
            AdminCallback::Move(id, v),
        )]);
    }
    if *b.status() == BookingStatus::Confirmed && b.start() <= now {
        rows.push(vec![
            button(t.get("admin-btn-complete"), AdminCallback::Complete(id, v)),
            button(t.get("admin-btn-no-show"), AdminCallback::NoShow(id, v)),
        ]);
    }
    let day = b.start().with_timezone(&tz).date_naive();
    rows.push(vec![button(
        t.get("admin-btn-back-day"),
        AdminCallback::Day {
            day,
            staff: None,
            page: 0,
        },
    )]);
    Screen::inline(text, InlineKeyboardMarkup::new(rows))
}

/// A list of bookings (collisions), one line each.
pub(super) fn lines(t: &Text<'_>, tz: Tz, bookings: &[BookingDetails]) -> String {
    bookings
        .iter()
        .map(|d| {
            format!(
                "#{} {} · {} · {} · {}",
                d.booking.id().get(),
                format::when(t, d.booking.start(), tz),
                service_name(d),
                staff_name(d),
                customer(t, d)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The statistics of a period.
pub(super) fn statistics(t: &Text<'_>, stats: &Statistics) -> String {
    let s = &stats.by_status;
    let rate = |r: &booking_ports::engine::Rate| match r.percent() {
        Some(p) => format!("{p:.0}% ({}/{})", r.count, r.out_of),
        None => "—".to_owned(),
    };
    let revenue = if stats.estimated_revenue.is_empty() {
        "0".to_owned()
    } else {
        stats
            .estimated_revenue
            .iter()
            .map(|m| format::price(*m))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let top = if stats.top_services.is_empty() {
        "—".to_owned()
    } else {
        stats
            .top_services
            .iter()
            .map(|c| {
                let name = c
                    .name
                    .as_ref()
                    .map_or_else(|| format!("#{}", c.service.get()), ToString::to_string);
                format!("{name} — {}", c.bookings)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let n = |v: usize| v as i64;
    t.with(
        "admin-stats",
        &[
            ("first", format::day(t, stats.period.first()).into()),
            ("last", format::day(t, stats.period.last()).into()),
            ("total", n(stats.total).into()),
            ("pending", n(s.pending).into()),
            ("confirmed", n(s.confirmed).into()),
            ("completed", n(s.completed).into()),
            ("noshow", n(s.no_show).into()),
            ("cancelled", n(s.cancelled).into()),
            ("moved", n(s.rescheduled).into()),
            ("revenue", revenue.into()),
            ("top", top.into()),
            ("new", n(stats.new_customers).into()),
            ("returning", n(stats.returning_customers).into()),
            ("cancelrate", rate(&stats.cancellation_rate).into()),
            ("noshowrate", rate(&stats.no_show_rate).into()),
        ],
    )
}
