//! The text and buttons of a notification, in the recipient's language,
//! from the booking as it is at sending time.
//!
//! Customers read it in their profile's language (else the business
//! default); staff in the business default. Buttons: a customer reminder of
//! an active booking offers "I'll come" and "Cancel" (client-bot callbacks
//! handled in `client::reminder`); a staff notice opens the booking's card
//! in the admin bot (its own callback format), where the actions live.
//!
//! A staff notice to a group chat names the customer without their phone:
//! everyone in the group reads it, and whoever needs the number opens the
//! booking's card in the admin bot, where the access gate applies.

use booking_domain::BookingStatus;
use booking_ports::{NoticeKind, OutgoingMessage, Recipient};
use chrono_tz::Tz;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::admin::callback::AdminCallback;
use crate::client::callback::Callback;
use crate::i18n::{Locales, Msg, Text};
use crate::ui::format;

/// A message ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub keyboard: Option<InlineKeyboardMarkup>,
}

/// Who reads a message in the chat it goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// One person: a private chat.
    Private,
    /// Whoever is in a group, supergroup or channel.
    Group,
}

impl Audience {
    /// Telegram's chat ids are positive for people and negative for
    /// groups, supergroups and channels.
    pub fn of_chat(chat_id: i64) -> Self {
        if chat_id > 0 {
            Self::Private
        } else {
            Self::Group
        }
    }
}

/// Renders `message` for its recipient, read by `audience`.
pub fn render(
    locales: &Locales,
    tz: Tz,
    message: &OutgoingMessage,
    audience: Audience,
) -> Rendered {
    match message.notification.recipient {
        Recipient::Customer(_) => {
            let language = locales.language_for(
                message
                    .customer
                    .as_ref()
                    .and_then(|c| c.language.as_ref())
                    .map(|l| l.as_str()),
            );
            customer(&locales.text(language), tz, message)
        }
        Recipient::Staff(_) => staff(
            &locales.text(locales.default_language()),
            tz,
            message,
            audience,
        ),
    }
}

fn service(message: &OutgoingMessage) -> String {
    message
        .service
        .as_ref()
        .map_or_else(|| "?".to_owned(), |s| s.name().to_string())
}

fn staff_name(message: &OutgoingMessage) -> String {
    message
        .staff
        .as_ref()
        .map_or_else(|| "?".to_owned(), |s| s.name().to_string())
}

fn reason(message: &OutgoingMessage) -> Option<String> {
    match message.booking.status() {
        BookingStatus::Cancelled(c) => c.reason.as_ref().map(|r| r.expose().to_owned()),
        _ => None,
    }
}

fn customer(t: &Text<'_>, tz: Tz, message: &OutgoingMessage) -> Rendered {
    let b = &message.booking;
    let when = format::when(t, b.start(), tz);
    let common = [
        ("service", service(message).into()),
        ("staff", staff_name(message).into()),
        ("when", when.clone().into()),
    ];
    let mut keyboard = None;
    let mut text = match message.notification.kind {
        NoticeKind::Confirmed => t.with(Msg::NoticeConfirmed, &common),
        NoticeKind::Cancelled => t.with(Msg::NoticeCancelled, &common),
        NoticeKind::Rescheduled => {
            let old = message
                .replaced
                .as_ref()
                .map_or_else(|| "?".to_owned(), |old| format::when(t, old.start(), tz));
            t.with(
                Msg::NoticeRescheduled,
                &[
                    ("service", service(message).into()),
                    ("staff", staff_name(message).into()),
                    ("old", old.into()),
                    ("when", when.into()),
                ],
            )
        }
        // No "in two hours": a reminder delayed by downtime would say it
        // wrong; the date and time always hold.
        NoticeKind::CustomerReminder { .. } | NoticeKind::StaffReminder { .. } => {
            if b.is_active() {
                keyboard = Some(InlineKeyboardMarkup::new(vec![vec![
                    InlineKeyboardButton::callback(
                        t.get(Msg::BtnAttend),
                        Callback::Attend(b.id()).encode(),
                    ),
                    InlineKeyboardButton::callback(
                        t.get(Msg::BtnCancelBooking),
                        Callback::CancelFromReminder(b.id()).encode(),
                    ),
                ]]));
            }
            t.with(
                Msg::NoticeReminder,
                &[
                    ("service", service(message).into()),
                    ("staff", staff_name(message).into()),
                    ("when", when.into()),
                ],
            )
        }
        // Customers are not told of their own new bookings (the bot already
        // said so); render it plainly should one ever be queued.
        NoticeKind::NewBooking { .. } => t.with(Msg::NoticeConfirmed, &common),
    };
    if let Some(reason) = reason(message) {
        text.push('\n');
        text.push_str(&t.with(Msg::NoticeReason, &[("reason", reason.into())]));
    }
    if b.attendance_confirmed_at().is_some() && message.notification.kind.is_reminder() {
        text.push('\n');
        text.push_str(&t.get(Msg::NoticeAttending));
    }
    Rendered { text, keyboard }
}

fn staff(t: &Text<'_>, tz: Tz, message: &OutgoingMessage, audience: Audience) -> Rendered {
    let b = &message.booking;
    let customer = message.customer.as_ref().map_or_else(
        || t.get(Msg::AdminCustomerUnknown),
        |c| match audience {
            Audience::Private => format!("{}, {}", c.name.expose(), c.phone.expose()),
            Audience::Group => c.name.expose().to_owned(),
        },
    );
    let when = format::when(t, b.start(), tz);
    let args = |when: String| {
        [
            ("id", b.id().get().into()),
            ("service", service(message).into()),
            ("staff", staff_name(message).into()),
            ("customer", customer.clone().into()),
            ("when", when.into()),
        ]
    };
    let mut text = match message.notification.kind {
        NoticeKind::NewBooking {
            awaiting_confirmation,
        } => {
            let mut text = t.with(Msg::NoticeStaffNew, &args(when));
            if awaiting_confirmation {
                text.push('\n');
                text.push_str(&if *b.status() == BookingStatus::Pending {
                    t.get(Msg::NoticeStaffAwaiting)
                } else {
                    // Already confirmed or cancelled by now: say so.
                    t.with(
                        Msg::NoticeStaffNow,
                        &[("status", format::status(t, b.status()).into())],
                    )
                });
            }
            text
        }
        NoticeKind::Confirmed => t.with(Msg::NoticeStaffConfirmed, &args(when)),
        NoticeKind::Cancelled => t.with(Msg::NoticeStaffCancelled, &args(when)),
        NoticeKind::Rescheduled => {
            let old = message
                .replaced
                .as_ref()
                .map_or_else(|| "?".to_owned(), |old| format::when(t, old.start(), tz));
            let mut text = t.with(Msg::NoticeStaffRescheduled, &args(when));
            text.push('\n');
            text.push_str(&t.with(Msg::NoticeStaffMovedFrom, &[("old", old.into())]));
            text
        }
        NoticeKind::StaffReminder { .. } | NoticeKind::CustomerReminder { .. } => {
            let mut text = t.with(Msg::NoticeStaffReminder, &args(when));
            text.push('\n');
            text.push_str(&t.get(if b.attendance_confirmed_at().is_some() {
                Msg::NoticeStaffAttending
            } else {
                Msg::NoticeStaffNotConfirmed
            }));
            text
        }
    };
    if let Some(reason) = reason(message) {
        text.push('\n');
        text.push_str(&t.with(Msg::NoticeReason, &[("reason", reason.into())]));
    }
    let keyboard = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        t.get(Msg::NoticeBtnOpen),
        AdminCallback::Booking(b.id()).encode(),
    )]]);
    Rendered {
        text,
        keyboard: Some(keyboard),
    }
}
