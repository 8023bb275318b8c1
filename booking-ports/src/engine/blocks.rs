//! Blocked periods beyond one stretch: the same local hours on each day of
//! a period, and the list of upcoming blocks staff can remove one by one
//! (with [`Engine::unblock_period`]).

use booking_domain::{
    CancelReason, Interval, InvalidTimeOff, LocalTimeRange, StaffId, TimeOff, TimeOffSpec,
    wall_clock_hours,
};
use chrono::Duration;

use super::actor::StaffActor;
use super::errors::BlockPeriodError;
use super::period::Period;
use super::staff::visible_blocks;
use super::{BookingDetails, Engine, days_interval};
use crate::error::StoreError;

/// The same local hours blocked on each day of a period: "12:00-13:00
/// from Monday to Friday" is five blocks of an hour, not four days and
/// an hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyBlockSpec {
    /// `None`: everyone.
    pub staff: Option<StaffId>,
    pub days: Period,
    /// Wall-clock hours, the same each day whatever the UTC offset.
    pub hours: LocalTimeRange,
    pub reason: Option<CancelReason>,
}

/// The blocks [`Engine::block_hours_daily`] stored and the active bookings
/// they collide with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedDays {
    /// By start; one per day, two on a day whose repeated hour (clocks
    /// falling back) splits the hours, none on a day the clocks skip them.
    pub time_off: Vec<TimeOff>,
    /// Upcoming active bookings overlapping any of them, by start. They
    /// still stand: staff decide what to do with each.
    pub colliding: Vec<BookingDetails>,
}

impl Engine {
    /// Blocks `spec.hours` on each day of `spec.days`, read on each day's
    /// wall clock, and reports the active bookings they collide with.
    ///
    /// Everything is checked before the first block is stored; the blocks
    /// are then stored one by one, so a store failure midway leaves the
    /// earlier days blocked (each is listed by `/blocks` and removable).
    ///
    /// # Errors
    /// [`BlockPeriodError`]: `Invalid` for a period longer than a blocked
    /// period may be, `NoSuchHours` when the hours occur on none of the
    /// days, `UnknownStaff`, `Store`.
    pub async fn block_hours_daily(
        &self,
        actor: &StaffActor,
        spec: DailyBlockSpec,
    ) -> Result<BlockedDays, BlockPeriodError> {
        actor.require_schedule_for(spec.staff)?;
        let (first, last) = (spec.days.first(), spec.days.last());
        if (last - first).num_days() >= TimeOffSpec::MAX_DAYS {
            return Err(BlockPeriodError::Invalid(InvalidTimeOff::TooLong {
                max_days: TimeOffSpec::MAX_DAYS,
            }));
        }
        if let Some(id) = spec.staff {
            self.require_staff(id)
                .await?
                .ok_or(BlockPeriodError::UnknownStaff { id })?;
        }
        let policy = self.policy();
        let tz = policy.time_zone();
        let periods: Vec<Interval> = first
            .iter_days()
            .take_while(|day| *day <= last)
            .flat_map(|day| wall_clock_hours(tz, day, spec.hours))
            .collect();
        if periods.is_empty() {
            return Err(BlockPeriodError::NoSuchHours);
        }
        let mut time_off = Vec::with_capacity(periods.len());
        for period in periods {
            let one = TimeOffSpec {
                staff: spec.staff,
                period,
                reason: spec.reason.clone(),
            };
            one.validate().map_err(BlockPeriodError::Invalid)?;
            time_off.push(self.catalog.add_time_off(one).await?);
        }
        let colliding = match days_interval(&policy, first, last) {
            Some(window) => self.schedule_conflicts(window, spec.staff).await?,
            None => Vec::new(),
        };
        Ok(BlockedDays {
            time_off,
            colliding,
        })
    }

    /// The blocked periods that have not ended yet (running or to come),
    /// by start: every one for managers and owners; for a staff member,
    /// their own and everyone's.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn upcoming_blocks(&self, actor: &StaffActor) -> Result<Vec<TimeOff>, StoreError> {
        Ok(visible_blocks(actor, self.upcoming_time_off().await?))
    }

    /// Every blocked period that has not ended yet, by start.
    pub(super) async fn upcoming_time_off(&self) -> Result<Vec<TimeOff>, StoreError> {
        let now = self.clock.now();
        // No block lasts longer than a year, and none is planned further
        // ahead than a period can reach.
        match Interval::new(now, now + Duration::days(Period::MAX_DAYS)) {
            Some(ahead) => self.catalog.time_off(ahead).await,
            None => Ok(Vec::new()),
        }
    }
}
