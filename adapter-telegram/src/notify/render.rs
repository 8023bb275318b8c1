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
use crate::i18n::{Language, Locales, Msg, Text};
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

/// Renders `message` for its recipient, read by `audience`; a staff notice
/// in the business's default language.
pub fn render(
    locales: &Locales,
    tz: Tz,
    message: &OutgoingMessage,
    audience: Audience,
) -> Rendered {
    render_for(locales, tz, message, audience, None)
}

/// As [`render`], a staff notice in `staff_language` when known (the
/// language the staff member uses the admin bot in).
pub fn render_for(
    locales: &Locales,
    tz: Tz,
    message: &OutgoingMessage,
    audience: Audience,
    staff_language: Option<Language>,
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
            &locales.text(staff_language.unwrap_or_else(|| locales.default_language())),
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
        NoticeKind::Expired => t.with(Msg::NoticeExpired, &common),
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
        // said so), nor asked to confirm; render them plainly should one
        // ever be queued.
        NoticeKind::NewBooking { .. } => t.with(Msg::NoticeConfirmed, &common),
        NoticeKind::ConfirmationReminder { .. } => t.with(Msg::NoticeReminder, &common),
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
    // Who the booking was made for, from its own copy.
    let customer = b.booked_for().map_or_else(
        || t.get(Msg::AdminCustomerUnknown),
        |who| match (audience, &who.phone) {
            (Audience::Private, Some(phone)) => {
                format!("{}, {}", who.name.expose(), phone.expose())
            }
            _ => who.name.expose().to_owned(),
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
        NoticeKind::Expired => t.with(Msg::NoticeStaffExpired, &args(when)),
        NoticeKind::ConfirmationReminder { before } => {
            // The deadline is where the reminder was planned from: its due
            // time plus its offset, in the business's time zone.
            let deadline = message.notification.due_at + before.to_duration();
            let mut text = t.with(Msg::NoticeStaffConfirmDue, &args(when));
            text.push('\n');
            text.push_str(&t.with(
                Msg::NoticeStaffConfirmDeadline,
                &[("deadline", format::when(t, deadline, tz).into())],
            ));
            text
        }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use booking_domain::{
        Booking, BookingParts, CancelReason, Cancellation, CancelledBy, Minutes, ServiceName,
        StaffName,
    };
    use booking_ports::{DeliveryState, Notification, NotificationId};

    use super::*;
    use crate::i18n::Language;
    use crate::limits;
    use crate::ui::admin::fixtures::{local, tz, wordy};

    /// 100 characters, every one an emoji: 200 UTF-16 units.
    fn longest_name() -> String {
        "💇".repeat(100)
    }

    /// A notice about a booking with every text as long as the domain
    /// allows: names of 100 characters (emoji but the customer's first
    /// letter), a comment of 500, and a cancellation reason of 300 emoji.
    fn longest(kind: NoticeKind, recipient: Recipient, cancelled: bool) -> OutgoingMessage {
        let mut details = wordy(7);
        let b = &details.booking;
        let status = if cancelled {
            BookingStatus::Cancelled(Cancellation {
                by: CancelledBy::System,
                reason: Some(CancelReason::new(&"💇".repeat(300)).unwrap()),
                at: local(2, 9),
            })
        } else {
            BookingStatus::Pending
        };
        let booking = Booking::from_parts(BookingParts {
            id: b.id(),
            customer: b.customer(),
            service: b.service(),
            staff: b.staff(),
            start: b.start(),
            end: b.end(),
            buffer_before: Minutes::ZERO,
            buffer_after: Minutes::ZERO,
            comment: b.comment().cloned(),
            status,
            version: b.version(),
            created_at: local(1, 9),
            rescheduled_from: None,
            attendance_confirmed_at: Some(local(2, 9)),
            // A customer's name needs a letter.
            booked_for: Some(booking_domain::BookedFor {
                name: booking_domain::CustomerName::new(&format!(
                    "Я{}",
                    "💇".repeat(booking_domain::CustomerName::MAX_CHARS - 1)
                ))
                .unwrap(),
                phone: b.booked_for().and_then(|who| who.phone.clone()),
            }),
            price: b.price(),
            audit: booking_domain::AuditTrail::default(),
        })
        .unwrap();
        let mut service = details.service.take().unwrap().spec().clone();
        service.name = ServiceName::new(&longest_name()).unwrap();
        let mut staff = details.staff.take().unwrap().spec().clone();
        staff.name = StaffName::new(&longest_name()).unwrap();
        let mut customer = details.customer.take().unwrap();
        // A customer's name needs a letter.
        let name = format!(
            "Я{}",
            "💇".repeat(booking_domain::CustomerName::MAX_CHARS - 1)
        );
        customer.name = booking_domain::CustomerName::new(&name).unwrap();
        OutgoingMessage {
            notification: Notification {
                id: NotificationId::new(1).unwrap(),
                booking: booking.id(),
                recipient,
                kind,
                due_at: local(2, 9),
                state: DeliveryState::Pending,
                attempts: 0,
                next_attempt_at: local(2, 9),
                claims: 0,
                claimed_until: None,
            },
            replaced: Some(booking.clone()),
            booking,
            service: Some(
                booking_domain::Service::new(booking_domain::ServiceId::new(1).unwrap(), service)
                    .unwrap(),
            ),
            staff: Some(
                booking_domain::StaffMember::new(booking_domain::StaffId::new(1).unwrap(), staff)
                    .unwrap(),
            ),
            customer: Some(customer),
        }
    }

    /// A short notice of `kind` to `recipient` about a pending booking (or
    /// one the system cancelled, when `expired`), in `language`.
    fn rendered(kind: NoticeKind, recipient: Recipient, language: Language) -> Rendered {
        let mut message = longest(kind, recipient, false);
        let mut parts = message.booking.clone().into_parts();
        if kind == NoticeKind::Expired {
            parts.status = BookingStatus::Cancelled(Cancellation {
                by: CancelledBy::System,
                reason: None,
                at: local(2, 9),
            });
        }
        parts.attendance_confirmed_at = None;
        message.booking = Booking::from_parts(parts).unwrap();
        render(
            &Locales::load(language).unwrap(),
            tz(),
            &message,
            Audience::Private,
        )
    }

    #[test]
    fn staff_are_reminded_to_confirm_before_the_deadline_in_every_language() {
        let staff = Recipient::Staff(booking_domain::StaffId::new(1).unwrap());
        let kind = NoticeKind::ConfirmationReminder {
            before: Minutes::new(120).unwrap(),
        };
        // Due at local(2, 9) (day 2, 09:00), two hours before the deadline.
        let deadline = local(2, 11);
        for language in [Language::English, Language::Russian] {
            let t = Locales::load(language).unwrap();
            let t = t.text(language);
            let text = rendered(kind, staff, language).text;
            let expected = t.with(
                Msg::NoticeStaffConfirmDeadline,
                &[("deadline", format::when(&t, deadline, tz()).into())],
            );
            assert!(text.contains(&expected), "{language}: {text}");
            assert!(text.contains("#7"), "{language}: {text}");
        }
        let english = rendered(kind, staff, Language::English).text;
        assert!(
            english.contains("awaits your confirmation") && english.contains("cancelled at"),
            "{english}"
        );
        let russian = rendered(kind, staff, Language::Russian).text;
        assert!(russian.contains("ждёт вашего подтверждения"), "{russian}");
    }

    #[test]
    fn the_customer_learns_why_an_unconfirmed_request_was_cancelled_in_every_language() {
        let customer = Recipient::Customer(booking_domain::CustomerId::new(9007).unwrap());
        let english = rendered(NoticeKind::Expired, customer, Language::English);
        assert!(
            english.text.contains("was not confirmed in time")
                && english.text.contains("choose another time"),
            "{}",
            english.text
        );
        assert_eq!(english.keyboard, None, "nothing left to press");
        let russian = rendered(NoticeKind::Expired, customer, Language::Russian);
        assert!(
            russian.text.contains("не подтвердили вовремя"),
            "{}",
            russian.text
        );
        let staff = Recipient::Staff(booking_domain::StaffId::new(1).unwrap());
        let to_staff = rendered(NoticeKind::Expired, staff, Language::English).text;
        assert!(to_staff.contains("cancelled automatically"), "{to_staff}");
    }

    #[test]
    fn the_longest_notices_and_reminders_fit_one_message() {
        let before = Minutes::new(120).unwrap();
        let kinds = [
            NoticeKind::NewBooking {
                awaiting_confirmation: true,
            },
            NoticeKind::Confirmed,
            NoticeKind::Cancelled,
            NoticeKind::Rescheduled,
            NoticeKind::CustomerReminder { before },
            NoticeKind::StaffReminder { before },
            NoticeKind::ConfirmationReminder { before },
            NoticeKind::Expired,
        ];
        let recipients = [
            Recipient::Customer(booking_domain::CustomerId::new(9007).unwrap()),
            Recipient::Staff(booking_domain::StaffId::new(1).unwrap()),
        ];
        for language in [Language::English, Language::Russian] {
            let locales = Locales::load(language).unwrap();
            for kind in kinds {
                for recipient in recipients {
                    for cancelled in [false, true] {
                        let message = longest(kind, recipient, cancelled);
                        let rendered = render(&locales, tz(), &message, Audience::Private);
                        let units = limits::units(&rendered.text);
                        assert!(
                            units <= limits::MAX_TEXT_UNITS,
                            "{kind:?} to {recipient:?}: {units}"
                        );
                        // Long enough that the limit is what is tested.
                        assert!(units > 400, "{}", rendered.text);
                        let keyboard = rendered.keyboard.map(crate::telegram::Markup::Inline);
                        assert!(crate::telegram::callbacks_fit(
                            &keyboard.unwrap_or(crate::telegram::Markup::None)
                        ));
                    }
                }
            }
        }
    }
}
