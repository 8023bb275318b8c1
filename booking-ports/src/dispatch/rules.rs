//! Whether a due reminder still makes sense: pure functions over the
//! reminder, its booking as stored now and the booking's other
//! notifications, so the rules are tested without a store.
//!
//! - A reminder of a booking that is not active (cancelled, moved, closed)
//!   is never sent. The engine withdraws them in the same commit as the
//!   change; this is the dispatcher's own check at sending time.
//! - A reminder is never sent once the visit has started, however late the
//!   dispatcher is.
//! - A staff reminder to confirm a pending booking goes out only while the
//!   booking is still pending and its confirmation deadline is ahead: once
//!   staff confirmed it (or the deadline passed) it has nothing to say.
//! - A reminder whose time passed while the process was down is still sent
//!   if the visit is ahead, unless a later reminder to the same recipient
//!   (a shorter offset) is due too: then only the later one goes, so a
//!   customer is not told "tomorrow" and "in two hours" at once.
//!
//! Notices (new booking, confirmed, cancelled, rescheduled) are always sent:
//! they report a change that did happen.

use std::fmt;

use booking_domain::{Booking, BookingStatus, Minutes};
use chrono::{DateTime, Utc};

use crate::ports::outbox::{DeliveryState, NoticeKind, Notification};

/// Why a due notification is withdrawn instead of sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WithdrawReason {
    /// Its booking is no longer pending or confirmed; `status` is its
    /// status now (`cancelled`, `rescheduled`, `completed`, `no_show`).
    BookingNotActive { status: &'static str },
    /// The visit started at `start`; a reminder would come too late.
    VisitStarted { start: DateTime<Utc> },
    /// A reminder `before` the visit to the same recipient is due too and
    /// goes instead.
    Superseded { by: Minutes },
    /// Addressed to a customer who cannot be reached: their record has no
    /// Telegram account (staff recorded them), or it was erased.
    CustomerUnreachable,
    /// A reminder to confirm a booking that is no longer pending; `status`
    /// is its status now (`confirmed`).
    NoLongerPending { status: &'static str },
    /// A reminder to confirm a booking before `deadline`, which has passed.
    DeadlinePassed { deadline: DateTime<Utc> },
}

impl fmt::Display for WithdrawReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BookingNotActive { status } => write!(f, "its booking is {status}"),
            Self::VisitStarted { start } => write!(f, "the visit started at {start}"),
            Self::CustomerUnreachable => f.write_str("the customer has no Telegram account"),
            Self::Superseded { by } => write!(f, "the reminder {by} before the visit replaces it"),
            Self::NoLongerPending { status } => {
                write!(f, "its booking no longer awaits confirmation ({status})")
            }
            Self::DeadlinePassed { deadline } => {
                write!(f, "the confirmation deadline {deadline} passed")
            }
        }
    }
}

/// What to do with a due notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Send,
    Withdraw(WithdrawReason),
}

/// The offset of a reminder, or `None` for a notice.
fn reminder_offset(kind: NoticeKind) -> Option<Minutes> {
    match kind {
        NoticeKind::CustomerReminder { before }
        | NoticeKind::StaffReminder { before }
        | NoticeKind::ConfirmationReminder { before } => Some(before),
        _ => None,
    }
}

/// Whether `notification`, due at `now`, should be sent, given its
/// `booking` as stored now and every notification of that booking
/// (`siblings`, which may include `notification` itself).
pub fn verdict(
    notification: &Notification,
    booking: &Booking,
    siblings: &[Notification],
    now: DateTime<Utc>,
) -> Verdict {
    let Some(offset) = reminder_offset(notification.kind) else {
        return Verdict::Send;
    };
    if let Some(reason) = pointless(notification, booking, now) {
        return Verdict::Withdraw(reason);
    }
    let same_kind = |other: NoticeKind| {
        std::mem::discriminant(&other) == std::mem::discriminant(&notification.kind)
    };
    // A later reminder that is already due (or went out) makes this one
    // redundant. A withdrawn one does not: it was withdrawn for a reason of
    // its own (and then this one is withdrawn for the same reason above).
    let superseding = siblings
        .iter()
        .filter(|other| other.id != notification.id)
        .filter(|other| other.recipient == notification.recipient && same_kind(other.kind))
        .filter(|other| other.due_at <= now && other.state != DeliveryState::Withdrawn)
        .filter_map(|other| reminder_offset(other.kind))
        .filter(|other_offset| *other_offset < offset)
        .min();
    match superseding {
        Some(by) => Verdict::Withdraw(WithdrawReason::Superseded { by }),
        None => Verdict::Send,
    }
}

/// Why the reminder `notification` of `booking` may not go out at `now`, if
/// it may not: the booking closed or its visit started, or, for a reminder
/// to confirm, the booking is no longer pending or its deadline passed. The
/// check made again right before each reminder is handed to the sender.
pub fn pointless(
    notification: &Notification,
    booking: &Booking,
    now: DateTime<Utc>,
) -> Option<WithdrawReason> {
    if let Some(reason) = closed_or_started(booking, now) {
        return Some(reason);
    }
    if let NoticeKind::ConfirmationReminder { before } = notification.kind {
        if *booking.status() != BookingStatus::Pending {
            return Some(WithdrawReason::NoLongerPending {
                status: booking.status().name(),
            });
        }
        let deadline = notification.due_at + before.to_duration();
        if now >= deadline {
            return Some(WithdrawReason::DeadlinePassed { deadline });
        }
    }
    None
}

/// Why no reminder of `booking` may go out at `now`, if one may not.
pub fn closed_or_started(booking: &Booking, now: DateTime<Utc>) -> Option<WithdrawReason> {
    if !booking.is_active() {
        return Some(WithdrawReason::BookingNotActive {
            status: booking.status().name(),
        });
    }
    if now >= booking.start() {
        return Some(WithdrawReason::VisitStarted {
            start: booking.start(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::outbox::{NotificationId, Recipient};
    use booking_domain::{
        BookingId, BookingStatus, CustomerId, NewBooking, NewBookingParts, ServiceId, StaffId,
    };
    use chrono::{Duration, TimeZone};

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 3, 5, 12, 0, 0).unwrap()
    }

    fn minutes(m: i64) -> Minutes {
        Minutes::new(m).unwrap()
    }

    fn booking(status: BookingStatus) -> Booking {
        let confirmed = Booking::created(
            BookingId::new(7).unwrap(),
            NewBooking::new(NewBookingParts {
                customer: CustomerId::new(5).unwrap(),
                service: ServiceId::new(1).unwrap(),
                staff: StaffId::new(1).unwrap(),
                start: start(),
                end: start() + Duration::hours(1),
                buffer_before: Minutes::ZERO,
                buffer_after: Minutes::ZERO,
                comment: None,
                status: BookingStatus::Confirmed,
                created_at: start() - Duration::days(3),
                rescheduled_from: None,
                booked_for: None,
                price: None,
                created_by: booking_domain::Actor::Customer,
            })
            .unwrap(),
        );
        match status {
            BookingStatus::Confirmed => confirmed,
            BookingStatus::Rescheduled { to } => confirmed
                .close_as_rescheduled(
                    to,
                    booking_domain::Stamp {
                        by: booking_domain::Actor::Customer,
                        at: start(),
                    },
                )
                .unwrap(),
            _ => confirmed
                .complete(booking_domain::Actor::System, start())
                .unwrap(),
        }
    }

    fn reminder(id: i64, recipient: Recipient, before: i64) -> Notification {
        let kind = match recipient {
            Recipient::Customer(_) => NoticeKind::CustomerReminder {
                before: minutes(before),
            },
            Recipient::Staff(_) => NoticeKind::StaffReminder {
                before: minutes(before),
            },
        };
        let due_at = start() - Duration::minutes(before);
        Notification {
            id: NotificationId::new(id).unwrap(),
            booking: BookingId::new(7).unwrap(),
            recipient,
            kind,
            due_at,
            state: DeliveryState::Pending,
            attempts: 0,
            next_attempt_at: due_at,
            claims: 0,
            claimed_until: None,
        }
    }

    fn customer() -> Recipient {
        Recipient::Customer(CustomerId::new(5).unwrap())
    }

    #[test]
    fn a_reminder_on_time_is_sent() {
        let day = reminder(1, customer(), 1440);
        let soon = reminder(2, customer(), 120);
        let siblings = [day.clone(), soon];
        let now = start() - Duration::hours(24);
        assert_eq!(
            verdict(&day, &booking(BookingStatus::Confirmed), &siblings, now),
            Verdict::Send
        );
    }

    #[test]
    fn a_late_reminder_is_sent_while_the_later_one_is_not_due() {
        let day = reminder(1, customer(), 1440);
        let siblings = [day.clone(), reminder(2, customer(), 120)];
        let after_downtime = start() - Duration::hours(5);
        assert_eq!(
            verdict(
                &day,
                &booking(BookingStatus::Confirmed),
                &siblings,
                after_downtime
            ),
            Verdict::Send
        );
    }

    #[test]
    fn a_late_reminder_is_superseded_by_a_later_one_that_is_due_too() {
        let day = reminder(1, customer(), 1440);
        let soon = reminder(2, customer(), 120);
        let siblings = [day.clone(), soon.clone()];
        let now = start() - Duration::minutes(90);
        let confirmed = booking(BookingStatus::Confirmed);
        assert_eq!(
            verdict(&day, &confirmed, &siblings, now),
            Verdict::Withdraw(WithdrawReason::Superseded { by: minutes(120) })
        );
        assert_eq!(verdict(&soon, &confirmed, &siblings, now), Verdict::Send);
    }

    #[test]
    fn only_reminders_to_the_same_recipient_supersede() {
        let day = reminder(1, customer(), 1440);
        let staff = reminder(2, Recipient::Staff(StaffId::new(1).unwrap()), 60);
        let siblings = [day.clone(), staff];
        let now = start() - Duration::minutes(30);
        assert_eq!(
            verdict(&day, &booking(BookingStatus::Confirmed), &siblings, now),
            Verdict::Send
        );
    }

    #[test]
    fn a_withdrawn_later_reminder_does_not_supersede() {
        let day = reminder(1, customer(), 1440);
        let mut soon = reminder(2, customer(), 120);
        soon.state = DeliveryState::Withdrawn;
        let now = start() - Duration::minutes(90);
        assert_eq!(
            verdict(
                &day,
                &booking(BookingStatus::Confirmed),
                &[day.clone(), soon],
                now
            ),
            Verdict::Send
        );
    }

    #[test]
    fn no_reminder_once_the_visit_started_or_the_booking_closed() {
        let soon = reminder(2, customer(), 120);
        assert_eq!(
            verdict(
                &soon,
                &booking(BookingStatus::Confirmed),
                std::slice::from_ref(&soon),
                start()
            ),
            Verdict::Withdraw(WithdrawReason::VisitStarted { start: start() })
        );
        let moved = booking(BookingStatus::Rescheduled {
            to: BookingId::new(8).unwrap(),
        });
        assert_eq!(
            verdict(
                &soon,
                &moved,
                std::slice::from_ref(&soon),
                start() - Duration::hours(2)
            ),
            Verdict::Withdraw(WithdrawReason::BookingNotActive {
                status: "rescheduled"
            })
        );
    }

    fn confirmation_reminder(before: i64, due_at: DateTime<Utc>) -> Notification {
        let mut reminder = reminder(4, Recipient::Staff(StaffId::new(1).unwrap()), before);
        reminder.kind = NoticeKind::ConfirmationReminder {
            before: minutes(before),
        };
        reminder.due_at = due_at;
        reminder.next_attempt_at = due_at;
        reminder
    }

    #[test]
    fn a_reminder_to_confirm_goes_only_while_pending_and_before_its_deadline() {
        // Deadline 10:00 the day before the visit, reminder two hours ahead.
        let due_at = start() - Duration::hours(28);
        let deadline = due_at + Duration::hours(2);
        let reminder = confirmation_reminder(120, due_at);
        let mut pending = booking(BookingStatus::Confirmed).into_parts();
        pending.status = BookingStatus::Pending;
        pending.version = booking_domain::Version::FIRST;
        let pending = Booking::from_parts(pending).unwrap();
        let siblings = std::slice::from_ref(&reminder);

        assert_eq!(
            verdict(&reminder, &pending, siblings, due_at),
            Verdict::Send
        );
        assert_eq!(
            verdict(
                &reminder,
                &pending
                    .confirm(booking_domain::Actor::System, start())
                    .unwrap(),
                siblings,
                due_at
            ),
            Verdict::Withdraw(WithdrawReason::NoLongerPending {
                status: "confirmed"
            })
        );
        assert_eq!(
            verdict(&reminder, &pending, siblings, deadline),
            Verdict::Withdraw(WithdrawReason::DeadlinePassed { deadline })
        );
    }

    #[test]
    fn notices_are_always_sent() {
        let mut notice = reminder(3, customer(), 120);
        notice.kind = NoticeKind::Cancelled;
        let closed = booking(BookingStatus::Completed);
        assert_eq!(
            verdict(&notice, &closed, &[], start() + Duration::days(1)),
            Verdict::Send
        );
    }
}
