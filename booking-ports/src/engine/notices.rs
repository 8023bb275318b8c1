//! Which notifications a booking change writes to the outbox, and when they
//! are due. Pure functions, so the rules are tested without a store.
//!
//! - A new booking tells its staff member once (asking for confirmation when
//!   it is pending).
//! - A confirmed booking gets the configured customer reminders (and the
//!   staff reminder, when set); a pending one gets them when staff confirm
//!   it, so nobody is reminded of a visit the business has not accepted.
//!   Offsets already in the past are skipped: a booking made 90 minutes ahead
//!   gets no 24-hour reminder.
//! - Cancelling or moving a booking withdraws its pending reminders in the
//!   same commit; the moved-to booking plans its own.
//! - A pending booking that will expire reminds its staff member to confirm
//!   it before the deadline (see [`super::lifecycle`]).

use booking_domain::{CustomerId, Minutes, StaffId};
use chrono::{DateTime, Utc};

use super::churn::ChurnLimits;
use super::lifecycle::LifecycleSettings;
use crate::ports::outbox::{NewNotice, NoticeKind, Recipient};

/// A reminder offset of zero minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a reminder must be due some time before the visit, not at its start")]
pub struct ZeroReminderOffset;

/// Engine settings the app may configure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSettings {
    customer_reminders: Vec<Minutes>,
    staff_reminder: Option<Minutes>,
    churn_limits: ChurnLimits,
    lifecycle: LifecycleSettings,
}

impl EngineSettings {
    /// Reminders to the customer `customer_reminders` before each confirmed
    /// visit (duplicates dropped), and to staff `staff_reminder` before it.
    ///
    /// # Errors
    /// [`ZeroReminderOffset`] for an offset of zero.
    pub fn new(
        mut customer_reminders: Vec<Minutes>,
        staff_reminder: Option<Minutes>,
    ) -> Result<Self, ZeroReminderOffset> {
        if customer_reminders
            .iter()
            .chain(&staff_reminder)
            .any(|m| m.is_zero())
        {
            return Err(ZeroReminderOffset);
        }
        // Earliest reminder first, which is also the order they fall due.
        customer_reminders.sort_by(|a, b| b.cmp(a));
        customer_reminders.dedup();
        Ok(Self {
            customer_reminders,
            staff_reminder,
            churn_limits: ChurnLimits::default(),
            lifecycle: LifecycleSettings::OFF,
        })
    }

    /// These settings with the lifecycle rules (expiry of pending bookings,
    /// completion of visits).
    #[must_use]
    pub fn with_lifecycle(mut self, lifecycle: LifecycleSettings) -> Self {
        self.lifecycle = lifecycle;
        self
    }

    /// When pending bookings expire and visits complete.
    pub fn lifecycle(&self) -> LifecycleSettings {
        self.lifecycle
    }

    /// These settings with the daily limits of each customer.
    #[must_use]
    pub fn with_churn_limits(mut self, churn_limits: ChurnLimits) -> Self {
        self.churn_limits = churn_limits;
        self
    }

    /// How many bookings one customer may make and cancel a day.
    pub fn churn_limits(&self) -> ChurnLimits {
        self.churn_limits
    }

    /// The customer reminder offsets, longest first.
    pub fn customer_reminders(&self) -> &[Minutes] {
        &self.customer_reminders
    }

    pub fn staff_reminder(&self) -> Option<Minutes> {
        self.staff_reminder
    }
}

impl Default for EngineSettings {
    /// Customer reminders 24 hours and 2 hours before; no staff reminder;
    /// no lifecycle rules ([`LifecycleSettings::OFF`]).
    fn default() -> Self {
        let hours = |h: u32| Minutes::new(i64::from(h) * 60).unwrap_or(Minutes::ZERO);
        Self {
            customer_reminders: vec![hours(24), hours(2)],
            staff_reminder: None,
            churn_limits: ChurnLimits::default(),
            lifecycle: LifecycleSettings::OFF,
        }
    }
}

/// A notice due now.
pub(crate) fn notice_now(recipient: Recipient, kind: NoticeKind, now: DateTime<Utc>) -> NewNotice {
    NewNotice {
        recipient,
        kind,
        due_at: now,
    }
}

/// A notice to the customer due now, unless the booking is anonymised.
pub(crate) fn to_customer(
    customer: Option<CustomerId>,
    kind: NoticeKind,
    now: DateTime<Utc>,
) -> Option<NewNotice> {
    customer.map(|c| notice_now(Recipient::Customer(c), kind, now))
}

/// The reminders of a confirmed visit starting at `start`, skipping those
/// whose time has already passed at `now`.
pub(crate) fn reminders(
    settings: &EngineSettings,
    start: DateTime<Utc>,
    customer: Option<CustomerId>,
    staff: StaffId,
    now: DateTime<Utc>,
) -> Vec<NewNotice> {
    let customer_reminders = customer.into_iter().flat_map(|c| {
        settings
            .customer_reminders
            .iter()
            .map(move |before| NewNotice {
                recipient: Recipient::Customer(c),
                kind: NoticeKind::CustomerReminder { before: *before },
                due_at: start - before.to_duration(),
            })
    });
    let staff_reminder = settings.staff_reminder.map(|before| NewNotice {
        recipient: Recipient::Staff(staff),
        kind: NoticeKind::StaffReminder { before },
        due_at: start - before.to_duration(),
    });
    customer_reminders
        .chain(staff_reminder)
        .filter(|notice| notice.due_at >= now)
        .collect()
}

/// The reminders of a visit staff booked for a customer record. A customer
/// with Telegram gets the usual [`reminders`]; one without cannot be
/// reached, so the staff member gets one reminder instead, to call them:
/// at the staff reminder offset when one is set, else at the longest
/// customer offset. Past offsets are skipped, as always.
pub(crate) fn desk_reminders(
    settings: &EngineSettings,
    start: DateTime<Utc>,
    customer: CustomerId,
    has_telegram: bool,
    staff: StaffId,
    now: DateTime<Utc>,
) -> Vec<NewNotice> {
    if has_telegram {
        return reminders(settings, start, Some(customer), staff, now);
    }
    settings
        .staff_reminder
        .or_else(|| settings.customer_reminders.first().copied())
        .map(|before| NewNotice {
            recipient: Recipient::Staff(staff),
            kind: NoticeKind::StaffReminder { before },
            due_at: start - before.to_duration(),
        })
        .filter(|notice| notice.due_at >= now)
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn minutes(m: i64) -> Minutes {
        Minutes::new(m).unwrap()
    }

    #[test]
    fn default_settings_remind_customers_a_day_and_two_hours_ahead() {
        let settings = EngineSettings::default();
        assert_eq!(
            settings.customer_reminders(),
            &[minutes(1440), minutes(120)]
        );
        assert_eq!(settings.staff_reminder(), None);
    }

    #[test]
    fn settings_refuse_a_zero_offset_and_drop_duplicates() {
        assert_eq!(
            EngineSettings::new(vec![Minutes::ZERO], None),
            Err(ZeroReminderOffset)
        );
        assert_eq!(
            EngineSettings::new(vec![], Some(Minutes::ZERO)),
            Err(ZeroReminderOffset)
        );
        let settings =
            EngineSettings::new(vec![minutes(60), minutes(600), minutes(60)], None).unwrap();
        assert_eq!(settings.customer_reminders(), &[minutes(600), minutes(60)]);
    }

    #[test]
    fn a_booking_made_ninety_minutes_ahead_gets_no_reminder_in_the_past() {
        let now = Utc.with_ymd_and_hms(2030, 3, 1, 10, 0, 0).unwrap();
        let customer = CustomerId::new(5).unwrap();
        let staff = StaffId::new(1).unwrap();
        let settings = EngineSettings::default();

        let soon = reminders(
            &settings,
            now + Duration::minutes(90),
            Some(customer),
            staff,
            now,
        );
        assert!(soon.is_empty(), "both offsets are past: {soon:?}");

        let later = reminders(
            &settings,
            now + Duration::hours(5),
            Some(customer),
            staff,
            now,
        );
        assert_eq!(later.len(), 1);
        assert_eq!(
            later[0].kind,
            NoticeKind::CustomerReminder {
                before: minutes(120)
            }
        );
        assert_eq!(later[0].due_at, now + Duration::hours(3));
    }

    #[test]
    fn an_anonymised_booking_gets_only_the_staff_reminder() {
        let now = Utc.with_ymd_and_hms(2030, 3, 1, 10, 0, 0).unwrap();
        let settings = EngineSettings::new(vec![minutes(60)], Some(minutes(30))).unwrap();
        let planned = reminders(
            &settings,
            now + Duration::days(2),
            None,
            StaffId::new(1).unwrap(),
            now,
        );
        assert_eq!(planned.len(), 1);
        assert_eq!(
            planned[0].recipient,
            Recipient::Staff(StaffId::new(1).unwrap())
        );
    }
    #[test]
    fn a_desk_booking_without_telegram_reminds_the_staff_member_once() {
        let now = Utc.with_ymd_and_hms(2030, 3, 1, 10, 0, 0).unwrap();
        let customer = CustomerId::new(5).unwrap();
        let staff = StaffId::new(1).unwrap();
        let start = now + Duration::days(2);

        let by_customer_offset = desk_reminders(
            &EngineSettings::default(),
            start,
            customer,
            false,
            staff,
            now,
        );
        assert_eq!(by_customer_offset.len(), 1);
        assert_eq!(by_customer_offset[0].recipient, Recipient::Staff(staff));
        assert_eq!(
            by_customer_offset[0].kind,
            NoticeKind::StaffReminder {
                before: minutes(1440)
            }
        );

        let settings = EngineSettings::new(vec![minutes(60)], Some(minutes(30))).unwrap();
        let by_staff_offset = desk_reminders(&settings, start, customer, false, staff, now);
        assert_eq!(by_staff_offset.len(), 1);
        assert_eq!(by_staff_offset[0].due_at, start - Duration::minutes(30));

        let with_telegram = desk_reminders(&settings, start, customer, true, staff, now);
        assert_eq!(
            with_telegram,
            reminders(&settings, start, Some(customer), staff, now)
        );
    }
}
