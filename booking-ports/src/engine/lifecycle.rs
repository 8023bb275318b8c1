//! Lifecycle housekeeping: what the business does to bookings nobody acts
//! on, one sweep at a time.
//!
//! - **Unconfirmed requests expire.** A pending booking not confirmed within
//!   [`LifecycleSettings::pending_expiry`] of being made is cancelled by the
//!   system ([`Booking::expire`]), and the customer and the staff member are
//!   told why. Its staff member is reminded
//!   [`LifecycleSettings::confirmation_reminder`] before that deadline; the
//!   reminder is planned when the booking is made and withdrawn by the
//!   dispatcher once the booking is no longer pending.
//! - **Only before the visit.** A pending booking whose visit started is
//!   never expired: the visit may have happened. Staff complete it or mark it
//!   as a no-show (both allowed directly from pending once started). A
//!   request whose deadline falls after its start therefore never expires and
//!   gets no reminder to confirm.
//! - **Visits complete themselves.** A confirmed visit is marked completed
//!   [`LifecycleSettings::complete_after`] after its end unless staff marked
//!   it otherwise first (a no-show is never completed).
//!
//! Each change is the store's conditional update at the version the sweep
//! read, so staff acting at the same moment win or lose cleanly: either
//! their change lands first and the sweep skips the booking, or the sweep's
//! does and theirs is refused as stale. Never both.

use booking_domain::{Actor, Booking, BookingId, Minutes, StaffId};
use chrono::{DateTime, Utc};

use super::Engine;
use super::errors::BookingChangeError;
use super::notices::{notice_now, to_customer};
use crate::error::StoreError;
use crate::ports::outbox::{NewNotice, NoticeKind, OutboxChange, Recipient};

/// How many bookings of each kind one sweep reads at most; a sweep that
/// reads a full batch says [`LifecycleSweep::more_due`].
pub const SWEEP_BATCH: usize = 100;

/// Lifecycle settings that break a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidLifecycleSettings {
    #[error("a delay of zero minutes; leave the rule out to turn it off")]
    ZeroDelay,
    #[error("a reminder to confirm needs pending bookings to expire")]
    ReminderWithoutExpiry,
    #[error(
        "the reminder to confirm ({reminder} before the deadline) must be shorter than the expiry ({expiry})"
    )]
    ReminderNotWithinExpiry { reminder: Minutes, expiry: Minutes },
}

/// When pending bookings expire, when staff are reminded of it, and when
/// confirmed visits are completed. `None` turns a rule off. The engine's
/// default is [`LifecycleSettings::OFF`], so an embedder opts in (the
/// `booking` app starts from [`LifecycleSettings::recommended`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifecycleSettings {
    pending_expiry: Option<Minutes>,
    confirmation_reminder: Option<Minutes>,
    complete_after: Option<Minutes>,
}

impl LifecycleSettings {
    /// Every rule off.
    pub const OFF: Self = Self {
        pending_expiry: None,
        confirmation_reminder: None,
        complete_after: None,
    };

    /// Pending bookings expire `pending_expiry` after they were made, their
    /// staff member reminded `confirmation_reminder` before that; confirmed
    /// visits complete `complete_after` after their end.
    ///
    /// # Errors
    /// [`InvalidLifecycleSettings`] for a zero delay, a reminder without
    /// expiry, or a reminder not shorter than the expiry (it would be due
    /// before the booking was made).
    pub fn new(
        pending_expiry: Option<Minutes>,
        confirmation_reminder: Option<Minutes>,
        complete_after: Option<Minutes>,
    ) -> Result<Self, InvalidLifecycleSettings> {
        if [pending_expiry, confirmation_reminder, complete_after]
            .iter()
            .flatten()
            .any(|m| m.is_zero())
        {
            return Err(InvalidLifecycleSettings::ZeroDelay);
        }
        match (pending_expiry, confirmation_reminder) {
            (None, Some(_)) => return Err(InvalidLifecycleSettings::ReminderWithoutExpiry),
            (Some(expiry), Some(reminder)) if reminder >= expiry => {
                return Err(InvalidLifecycleSettings::ReminderNotWithinExpiry { reminder, expiry });
            }
            _ => {}
        }
        Ok(Self {
            pending_expiry,
            confirmation_reminder,
            complete_after,
        })
    }

    /// How long after it was made a pending booking is cancelled.
    pub fn pending_expiry(&self) -> Option<Minutes> {
        self.pending_expiry
    }

    /// How long before that deadline its staff member is reminded.
    pub fn confirmation_reminder(&self) -> Option<Minutes> {
        self.confirmation_reminder
    }

    /// How long after its end a confirmed visit is completed.
    pub fn complete_after(&self) -> Option<Minutes> {
        self.complete_after
    }

    /// When a pending booking made at `created_at` and starting at `start`
    /// expires, if it ever does: only a deadline before the visit counts.
    pub fn deadline(
        &self,
        created_at: DateTime<Utc>,
        start: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let deadline = created_at + self.pending_expiry?.to_duration();
        (deadline < start).then_some(deadline)
    }
}

impl LifecycleSettings {
    /// Pending bookings expire 24 hours after they were made, their staff
    /// member reminded 2 hours before; visits complete 2 hours after their
    /// end.
    pub fn recommended() -> Self {
        let hours = |h: i64| Minutes::new(h * 60).ok();
        Self {
            pending_expiry: hours(24),
            confirmation_reminder: hours(2),
            complete_after: hours(2),
        }
    }
}

/// The reminder to confirm a pending booking made at `created_at`, starting
/// at `start`, with `staff`, planned at `now`: none when the booking never
/// expires or the reminder's time already passed.
pub(crate) fn confirmation_reminder(
    settings: &LifecycleSettings,
    created_at: DateTime<Utc>,
    start: DateTime<Utc>,
    staff: StaffId,
    now: DateTime<Utc>,
) -> Option<NewNotice> {
    let deadline = settings.deadline(created_at, start)?;
    let before = settings.confirmation_reminder?;
    let due_at = deadline - before.to_duration();
    (due_at >= now).then_some(NewNotice {
        recipient: Recipient::Staff(staff),
        kind: NoticeKind::ConfirmationReminder { before },
        due_at,
    })
}

/// What one sweep changed. Ids only: no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LifecycleSweep {
    /// The instant the sweep ran at.
    pub now: DateTime<Utc>,
    /// Pending bookings cancelled because nobody confirmed them in time.
    pub expired: Vec<BookingId>,
    /// Confirmed visits marked completed.
    pub completed: Vec<BookingId>,
    /// Bookings someone else changed between the sweep's read and its write
    /// (staff confirmed, cancelled or marked them): left as they are now.
    pub skipped: Vec<BookingId>,
    /// A query returned a full batch, so more may be due: sweep again.
    pub more_due: bool,
}

/// Which rule a sweep applies to a booking.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Expire,
    Complete,
}

impl Engine {
    /// One lifecycle sweep at the clock's now: expires the pending bookings
    /// whose deadline passed (before their visit), completes the confirmed
    /// visits that ended long enough ago, at most [`SWEEP_BATCH`] of each,
    /// and reports what it changed. Safe to run at any time and from
    /// several processes: every change is a conditional update.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails; what was committed before stays.
    pub async fn sweep_lifecycle(&self) -> Result<LifecycleSweep, StoreError> {
        let settings = self.settings().lifecycle();
        let now = self.clock.now();
        let mut sweep = LifecycleSweep {
            now,
            ..LifecycleSweep::default()
        };
        if let Some(expiry) = settings.pending_expiry() {
            let due = self
                .bookings
                .pending_bookings_created_by(now - expiry.to_duration(), now, SWEEP_BATCH)
                .await?;
            sweep.more_due |= due.len() >= SWEEP_BATCH;
            for booking in due {
                self.apply(Rule::Expire, booking, now, &mut sweep).await?;
            }
        }
        if let Some(after) = settings.complete_after() {
            let due = self
                .bookings
                .confirmed_bookings_ended_by(now - after.to_duration(), SWEEP_BATCH)
                .await?;
            sweep.more_due |= due.len() >= SWEEP_BATCH;
            for booking in due {
                self.apply(Rule::Complete, booking, now, &mut sweep).await?;
            }
        }
        Ok(sweep)
    }

    async fn apply(
        &self,
        rule: Rule,
        booking: Booking,
        now: DateTime<Utc>,
        sweep: &mut LifecycleSweep,
    ) -> Result<(), StoreError> {
        let (id, expected) = (booking.id(), booking.version());
        let outcome = match rule {
            Rule::Expire => {
                self.change(
                    booking,
                    expected,
                    |b| b.expire(now),
                    |b| OutboxChange {
                        add: to_customer(b.customer(), NoticeKind::Expired, now)
                            .into_iter()
                            .chain([notice_now(
                                Recipient::Staff(b.staff()),
                                NoticeKind::Expired,
                                now,
                            )])
                            .collect(),
                        withdraw_pending_reminders: true,
                    },
                )
                .await
            }
            Rule::Complete => {
                self.change(
                    booking,
                    expected,
                    |b| b.complete(Actor::System, now),
                    |_| OutboxChange {
                        add: Vec::new(),
                        withdraw_pending_reminders: true,
                    },
                )
                .await
            }
        };
        match outcome {
            Ok(stored) => match rule {
                Rule::Expire => {
                    crate::metrics::booking_expired(stored.service());
                    sweep.expired.push(id);
                }
                Rule::Complete => {
                    crate::metrics::booking_auto_completed(stored.service());
                    sweep.completed.push(id);
                }
            },
            // Staff got there first (or the booking no longer fits the
            // rule): what they did stands.
            Err(
                BookingChangeError::VersionConflict { .. }
                | BookingChangeError::Refused(_)
                | BookingChangeError::NotFound
                | BookingChangeError::TooManyToday { .. }
                | BookingChangeError::Forbidden(_),
            ) => sweep.skipped.push(id),
            Err(BookingChangeError::Store(e)) => return Err(e),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn minutes(m: i64) -> Option<Minutes> {
        Some(Minutes::new(m).unwrap())
    }

    #[test]
    fn settings_refuse_zero_delays_and_a_reminder_that_cannot_come_before_the_deadline() {
        assert_eq!(
            LifecycleSettings::new(Some(Minutes::ZERO), None, None),
            Err(InvalidLifecycleSettings::ZeroDelay)
        );
        assert_eq!(
            LifecycleSettings::new(None, minutes(60), None),
            Err(InvalidLifecycleSettings::ReminderWithoutExpiry)
        );
        assert_eq!(
            LifecycleSettings::new(minutes(60), minutes(60), None),
            Err(InvalidLifecycleSettings::ReminderNotWithinExpiry {
                reminder: Minutes::new(60).unwrap(),
                expiry: Minutes::new(60).unwrap(),
            })
        );
        assert!(LifecycleSettings::new(minutes(60), minutes(59), None).is_ok());
        assert_eq!(
            LifecycleSettings::recommended(),
            LifecycleSettings::new(minutes(1440), minutes(120), minutes(120)).unwrap()
        );
    }

    #[test]
    fn a_request_expires_only_when_its_deadline_comes_before_the_visit() {
        let made = Utc.with_ymd_and_hms(2030, 3, 1, 10, 0, 0).unwrap();
        let settings = LifecycleSettings::recommended();
        let staff = StaffId::new(1).unwrap();

        let far = made + Duration::days(3);
        assert_eq!(
            settings.deadline(made, far),
            Some(made + Duration::hours(24))
        );
        let reminder = confirmation_reminder(&settings, made, far, staff, made).unwrap();
        assert_eq!(reminder.due_at, made + Duration::hours(22));
        assert_eq!(reminder.recipient, Recipient::Staff(staff));

        let tomorrow_morning = made + Duration::hours(20);
        assert_eq!(settings.deadline(made, tomorrow_morning), None);
        assert_eq!(
            confirmation_reminder(&settings, made, tomorrow_morning, staff, made),
            None
        );
        assert_eq!(LifecycleSettings::OFF.deadline(made, far), None);
    }
}
