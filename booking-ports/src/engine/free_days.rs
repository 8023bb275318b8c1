//! The free days and times, shared by customers (their policy) and staff
//! (the staff policy, [`Policy::for_staff`]): read a few weeks at a time and
//! no further than needed.

use booking_domain::{FreeStart, Policy, ServiceId, StaffChoice};
use chrono::{Days, NaiveDate};

use super::Engine;
use super::errors::AvailabilityError;

impl Engine {
    /// The free starts of local `day` for `service` with `staff` under
    /// `policy`, in time order, each with the staff members free at it.
    pub(crate) async fn free_starts_under(
        &self,
        policy: &Policy,
        service: ServiceId,
        staff: StaffChoice,
        day: NaiveDate,
    ) -> Result<Vec<FreeStart>, AvailabilityError> {
        let now = self.clock.now();
        let calendar = self.calendar(policy, day, day).await?;
        let service = calendar
            .service(service)
            .ok_or(AvailabilityError::UnknownService)?;
        Ok(calendar
            .availability(policy, now)
            .free_starts(service, day, staff))
    }

    /// The first `count` local days in `from..=to` (clamped to today and
    /// `policy`'s horizon) with a free start for `service` with `staff`
    /// under `policy`.
    pub(crate) async fn free_days(
        &self,
        policy: &Policy,
        service: ServiceId,
        staff: StaffChoice,
        from: NaiveDate,
        to: NaiveDate,
        count: usize,
    ) -> Result<Vec<NaiveDate>, AvailabilityError> {
        let now = self.clock.now();
        let first = from.max(policy.today(now));
        let last = to.min(policy.last_bookable_day(now));
        if last < first || count == 0 {
            self.known_service(service).await?;
            return Ok(Vec::new());
        }
        // Most businesses work most days: a stretch half again as long as
        // the days wanted usually holds them; each further one is twice as
        // long as the one before. A day's free starts depend on its own
        // calendar and its neighbours', which `calendar` reads, so stretches
        // give the same days as one read of the whole range. Without a
        // limit, the first stretch is the whole range.
        let mut span = u64::try_from(count)
            .unwrap_or(u64::MAX)
            .saturating_mul(3)
            .div_ceil(2)
            .max(7);
        let mut days = Vec::new();
        let mut start = Some(first);
        while let Some(stretch_start) = start.filter(|s| *s <= last && days.len() < count) {
            let stretch_end = stretch_start
                .checked_add_days(Days::new(span - 1))
                .map_or(last, |end| end.min(last));
            let calendar = self.calendar(policy, stretch_start, stretch_end).await?;
            let service = calendar
                .service(service)
                .ok_or(AvailabilityError::UnknownService)?;
            days.extend(calendar.availability(policy, now).days_with_free_starts(
                service,
                stretch_start,
                stretch_end,
                staff,
            ));
            start = stretch_end.succ_opt();
            span = span.saturating_mul(2);
        }
        days.truncate(count);
        Ok(days)
    }

    pub(crate) async fn known_service(&self, id: ServiceId) -> Result<(), AvailabilityError> {
        let catalog = self.catalog_now().await?;
        if catalog.services.iter().any(|s| s.id() == id) {
            Ok(())
        } else {
            Err(AvailabilityError::UnknownService)
        }
    }
}
