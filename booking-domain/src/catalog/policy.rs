//! The business policy: the rules every booking is held to (step, notice,
//! horizon, cutoffs, limits, confirmation, phone region), validated once.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

use crate::values::{Minutes, PhoneRegion};

use super::MINUTES_PER_DAY;

/// Why a policy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPolicy {
    #[error("the slot step must be between 5 and 720 minutes and divide a day evenly, got {0}")]
    SlotStep(u32),
    #[error("the booking horizon must be between 1 and 366 days, got {0}")]
    Horizon(u16),
    #[error("a customer must be allowed at least one active booking")]
    ZeroActiveBookings,
}

/// What an owner sets for the whole business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySettings {
    /// The IANA time zone in which hours are read and days begin.
    pub time_zone: Tz,
    /// Offered starts are multiples of this since local midnight.
    pub slot_step: Minutes,
    /// How far ahead of now a booking must start.
    pub min_notice: Minutes,
    /// How many days ahead, counting from today, can be booked.
    pub horizon_days: u16,
    /// A customer cannot cancel later than this before the start.
    pub cancellation_cutoff: Minutes,
    /// A customer cannot reschedule later than this before the start.
    pub reschedule_cutoff: Minutes,
    /// Upcoming pending or confirmed bookings one customer may hold.
    pub max_active_bookings_per_customer: u16,
    /// Whether new bookings wait for staff confirmation (pending) or are
    /// confirmed at once.
    pub requires_confirmation: bool,
    /// The region of phone numbers typed without a country code.
    pub phone_region: PhoneRegion,
}

/// The business policy, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy(pub(crate) PolicySettings);

impl Policy {
    /// # Errors
    /// [`InvalidPolicy`] naming the setting that is out of range.
    pub fn new(settings: PolicySettings) -> Result<Self, InvalidPolicy> {
        let step = settings.slot_step.get();
        if !(5..=720).contains(&step) || u32::from(MINUTES_PER_DAY) % step != 0 {
            return Err(InvalidPolicy::SlotStep(step));
        }
        if !(1..=366).contains(&settings.horizon_days) {
            return Err(InvalidPolicy::Horizon(settings.horizon_days));
        }
        if settings.max_active_bookings_per_customer == 0 {
            return Err(InvalidPolicy::ZeroActiveBookings);
        }
        Ok(Self(settings))
    }

    pub fn settings(&self) -> &PolicySettings {
        &self.0
    }

    pub fn time_zone(&self) -> Tz {
        self.0.time_zone
    }

    pub fn slot_step(&self) -> Minutes {
        self.0.slot_step
    }

    pub fn min_notice(&self) -> Minutes {
        self.0.min_notice
    }

    pub fn horizon_days(&self) -> u16 {
        self.0.horizon_days
    }

    pub fn cancellation_cutoff(&self) -> Minutes {
        self.0.cancellation_cutoff
    }

    pub fn reschedule_cutoff(&self) -> Minutes {
        self.0.reschedule_cutoff
    }

    pub fn max_active_bookings_per_customer(&self) -> u16 {
        self.0.max_active_bookings_per_customer
    }

    pub fn requires_confirmation(&self) -> bool {
        self.0.requires_confirmation
    }

    pub fn phone_region(&self) -> PhoneRegion {
        self.0.phone_region
    }

    /// The business's local date at `now`.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.0.time_zone).date_naive()
    }

    /// The last local date that can be booked at `now`.
    pub fn last_bookable_day(&self, now: DateTime<Utc>) -> NaiveDate {
        self.today(now) + chrono::Days::new(u64::from(self.0.horizon_days))
    }

    /// The weekday of a local date, for reading weekly hours.
    pub fn weekday(date: NaiveDate) -> Weekday {
        date.weekday()
    }
}
