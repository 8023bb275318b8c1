//! What staff can do: see and act on bookings, block periods and edit the
//! catalog. Every call takes a [`StaffActor`].
//!
//! Schedule edits that can strand bookings (blocking a period, a date
//! override, new weekly hours, deactivating someone) report the active
//! bookings that no longer fit, so the admin can move or cancel them with a
//! message to each customer. Nothing is ever cancelled silently.

use booking_domain::{
    Booking, BookingId, CancelReason, DateOverride, Service, ServiceId, ServiceSpec, StaffChoice,
    StaffId, StaffMember, StaffSpec, TimeOff, TimeOffId, TimeOffSpec, Version,
};
use chrono::{DateTime, NaiveDate, Utc};

use super::access::Capability;
use super::actor::StaffActor;
use super::cancelling::Canceller;
use super::errors::{
    AddStaffError, BlockPeriodError, BookingChangeError, FindBookingError, OverrideEditError,
    RescheduleBookingError, ServiceEditError, StaffEditError, StaffReadError, UnblockPeriodError,
};
use super::moving::Mover;
use super::notices::{reminders, to_customer};
use super::period::Period;
use super::{BookingDetails, Engine, RescheduledBooking, days_interval};
use crate::error::StoreError;
use crate::ports::bookings::BookingScope;
use crate::ports::catalog::CatalogChangeError;
use crate::ports::outbox::{NoticeKind, OutboxChange};

/// A blocked period and the active bookings it collides with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedPeriod {
    pub time_off: TimeOff,
    /// Upcoming active bookings whose visit overlaps the period, by start.
    /// They still stand: staff decide what to do with each.
    pub colliding: Vec<BookingDetails>,
}

/// A stored schedule edit and the active bookings that no longer fit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleChange<T> {
    pub entry: T,
    /// Upcoming active bookings whose visit now falls outside working hours,
    /// inside a blocked period, or with an inactive staff member, by start.
    pub colliding: Vec<BookingDetails>,
}

fn find_to_change(error: FindBookingError) -> BookingChangeError {
    match error {
        FindBookingError::NotFound => BookingChangeError::NotFound,
        FindBookingError::Forbidden(e) => BookingChangeError::Forbidden(e),
        FindBookingError::Store(e) => BookingChangeError::Store(e),
    }
}

impl Engine {
    /// The bookings starting within `period`, in any status, of `staff` or of
    /// everyone, by start, with the customers' profiles. A staff member's
    /// "everyone" is themselves.
    ///
    /// # Errors
    /// [`StaffReadError::Forbidden`] when a staff member asks for someone
    /// else's; `Store`.
    pub async fn bookings_in(
        &self,
        actor: &StaffActor,
        period: Period,
        staff: Option<StaffId>,
    ) -> Result<Vec<BookingDetails>, StaffReadError> {
        let staff = actor.scope(staff)?;
        let policy = self.policy();
        let Some(interval) = period.interval(&policy) else {
            return Ok(Vec::new());
        };
        let bookings = self
            .bookings
            .bookings_overlapping(interval, staff, BookingScope::AllStatuses)
            .await?;
        let names = self.names().await?;
        let mut details = Vec::new();
        for booking in bookings
            .into_iter()
            .filter(|b| interval.start() <= b.start() && b.start() < interval.end())
        {
            details.push(self.details_with(&names, booking, true).await?);
        }
        Ok(details)
    }

    /// One booking with its customer's profile.
    ///
    /// # Errors
    /// [`FindBookingError::NotFound`] for an unknown id; `Forbidden` for
    /// someone else's booking, asked by a staff member.
    pub async fn booking_details(
        &self,
        actor: &StaffActor,
        id: BookingId,
    ) -> Result<BookingDetails, FindBookingError> {
        let booking = self.booking_for(actor, id).await?;
        Ok(self.details_of(booking, true).await?)
    }

    /// Booking `id`, when `actor` may act on it: staff members on their
    /// own, managers and owners on any.
    pub(super) async fn booking_for(
        &self,
        actor: &StaffActor,
        id: BookingId,
    ) -> Result<Booking, FindBookingError> {
        let booking = self
            .bookings
            .booking(id)
            .await?
            .ok_or(FindBookingError::NotFound)?;
        actor.require_schedule_of(booking.staff())?;
        Ok(booking)
    }

    /// Confirms a pending booking seen at `expected`. The customer is told
    /// and their reminders are planned.
    ///
    /// # Errors
    /// [`BookingChangeError`]: `Refused` unless pending, `NotFound`,
    /// `VersionConflict`.
    pub async fn confirm_booking(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
    ) -> Result<BookingDetails, BookingChangeError> {
        let settings = self.settings();
        let now = self.clock.now();
        let booking = self.booking_for(actor, id).await.map_err(find_to_change)?;
        let confirmed = self
            .change(
                booking,
                expected,
                |b| b.confirm(actor.as_actor(), now),
                |b| {
                    let mut add: Vec<_> = to_customer(b.customer(), NoticeKind::Confirmed, now)
                        .into_iter()
                        .collect();
                    add.extend(reminders(
                        &settings,
                        b.start(),
                        b.customer(),
                        b.staff(),
                        now,
                    ));
                    OutboxChange {
                        add,
                        withdraw_pending_reminders: false,
                    }
                },
            )
            .await?;
        Ok(self.details_of(confirmed, true).await?)
    }

    /// Cancels an active booking seen at `expected`, at any time, with an
    /// optional reason shown to the customer. The customer is told, and so
    /// is the booking's staff member unless they cancelled it themselves;
    /// pending reminders are withdrawn in the same commit.
    ///
    /// # Errors
    /// [`BookingChangeError`]: `Refused` unless active, `NotFound`,
    /// `VersionConflict`.
    pub async fn cancel_booking(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
        reason: Option<CancelReason>,
    ) -> Result<BookingDetails, BookingChangeError> {
        let booking = self.booking_for(actor, id).await.map_err(find_to_change)?;
        let cancelled = self
            .cancel_and_tell(booking, expected, Canceller::Staff(actor), reason)
            .await?;
        Ok(self.details_of(cancelled, true).await?)
    }

    /// Marks a confirmed booking, seen at `expected`, as completed once its
    /// visit started.
    ///
    /// # Errors
    /// [`BookingChangeError`]: `Refused` unless confirmed and started,
    /// `NotFound`, `VersionConflict`.
    pub async fn complete_booking(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
    ) -> Result<BookingDetails, BookingChangeError> {
        let now = self.clock.now();
        let booking = self.booking_for(actor, id).await.map_err(find_to_change)?;
        let done = self
            .change(
                booking,
                expected,
                |b| b.complete(actor.as_actor(), now),
                |_| withdraw_only(),
            )
            .await?;
        Ok(self.details_of(done, true).await?)
    }

    /// Marks a confirmed booking, seen at `expected`, as a no-show once its
    /// visit started.
    ///
    /// # Errors
    /// As [`Engine::complete_booking`].
    pub async fn mark_no_show(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
    ) -> Result<BookingDetails, BookingChangeError> {
        let now = self.clock.now();
        let booking = self.booking_for(actor, id).await.map_err(find_to_change)?;
        let done = self
            .change(
                booking,
                expected,
                |b| b.mark_no_show(actor.as_actor(), now),
                |_| withdraw_only(),
            )
            .await?;
        Ok(self.details_of(done, true).await?)
    }

    /// Moves a booking, seen at `expected`, on the customer's behalf (no
    /// cutoff; the status is kept). Atomic; the customer is told; reminders
    /// are re-planned.
    ///
    /// # Errors
    /// [`RescheduleBookingError`]: `Refused` when not active, `Slot`,
    /// `SlotTaken`, `NotFound`, `VersionConflict`.
    pub async fn reschedule_booking(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
        staff: StaffChoice,
        start: DateTime<Utc>,
    ) -> Result<RescheduledBooking, RescheduleBookingError> {
        let booking = self.booking_for(actor, id).await.map_err(|e| match e {
            FindBookingError::NotFound => RescheduleBookingError::NotFound,
            FindBookingError::Forbidden(e) => RescheduleBookingError::Forbidden(e),
            FindBookingError::Store(e) => RescheduleBookingError::Store(e),
        })?;
        let staff = actor.scope_choice(staff)?;
        self.move_booking(booking, expected, staff, start, Mover::Staff(actor))
            .await
    }

    /// Blocks a period for one staff member or everyone, and reports the
    /// active bookings it collides with. Those bookings stand until staff
    /// cancel or move them.
    ///
    /// # Errors
    /// [`BlockPeriodError`]: `Invalid`, `UnknownStaff`, `Store`.
    pub async fn block_period(
        &self,
        actor: &StaffActor,
        spec: TimeOffSpec,
    ) -> Result<BlockedPeriod, BlockPeriodError> {
        actor.require_schedule_for(spec.staff)?;
        spec.validate().map_err(BlockPeriodError::Invalid)?;
        if let Some(id) = spec.staff {
            self.require_staff(id)
                .await?
                .ok_or(BlockPeriodError::UnknownStaff { id })?;
        }
        let (period, staff) = (spec.period, spec.staff);
        let time_off = self.catalog.add_time_off(spec).await?;
        let colliding = self.schedule_conflicts(period, staff).await?;
        Ok(BlockedPeriod {
            time_off,
            colliding,
        })
    }

    /// Unblocks a period. A staff member may unblock their own upcoming
    /// blocks; managers and owners any.
    ///
    /// # Errors
    /// [`UnblockPeriodError::NotFound`] for an unknown id; `Forbidden` for
    /// a block of someone else or of everyone, asked by a staff member.
    pub async fn unblock_period(
        &self,
        actor: &StaffActor,
        id: TimeOffId,
    ) -> Result<(), UnblockPeriodError> {
        if !actor.may(Capability::WholeSchedule) {
            let block = self
                .upcoming_time_off()
                .await?
                .into_iter()
                .find(|b| b.id() == id)
                .ok_or(UnblockPeriodError::NotFound)?;
            actor.require_schedule_for(block.spec().staff)?;
        }
        self.catalog.remove_time_off(id).await.map_err(|e| match e {
            CatalogChangeError::NotFound => UnblockPeriodError::NotFound,
            CatalogChangeError::Store(e) => UnblockPeriodError::Store(e),
        })
    }

    /// The blocked periods overlapping `period`, by start; for a staff
    /// member, those that apply to them (their own and everyone's).
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn blocked_periods(
        &self,
        actor: &StaffActor,
        period: Period,
    ) -> Result<Vec<TimeOff>, StoreError> {
        let blocks = match period.interval(&self.policy()) {
            Some(interval) => self.catalog.time_off(interval).await?,
            None => Vec::new(),
        };
        Ok(visible_blocks(actor, blocks))
    }

    /// Every service, active or not, by id.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn all_services(&self, _actor: &StaffActor) -> Result<Vec<Service>, StoreError> {
        Ok(self.catalog_now().await?.services.clone())
    }

    /// Every staff member, active or not, by id.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn all_staff(&self, _actor: &StaffActor) -> Result<Vec<StaffMember>, StoreError> {
        Ok(self.catalog_now().await?.staff.clone())
    }

    /// Adds a service.
    ///
    /// # Errors
    /// [`ServiceEditError`]: `Invalid`, `UnknownStaff` for a performer that
    /// does not exist, `Store`.
    pub async fn add_service(
        &self,
        actor: &StaffActor,
        spec: ServiceSpec,
    ) -> Result<Service, ServiceEditError> {
        actor.require(Capability::Catalog)?;
        self.check_service_spec(&spec).await?;
        Ok(self.catalog.add_service(spec).await?)
    }

    /// Replaces a service's spec (name, duration, price, buffers, active,
    /// performers). Existing bookings keep the times and buffers they were
    /// booked with.
    ///
    /// # Errors
    /// As [`Engine::add_service`], plus `NotFound`.
    pub async fn update_service(
        &self,
        actor: &StaffActor,
        id: ServiceId,
        spec: ServiceSpec,
    ) -> Result<Service, ServiceEditError> {
        actor.require(Capability::Catalog)?;
        self.check_service_spec(&spec).await?;
        self.catalog
            .update_service(id, spec)
            .await
            .map_err(|e| match e {
                CatalogChangeError::NotFound => ServiceEditError::NotFound,
                CatalogChangeError::Store(e) => ServiceEditError::Store(e),
            })
    }

    async fn check_service_spec(&self, spec: &ServiceSpec) -> Result<(), ServiceEditError> {
        spec.validate().map_err(ServiceEditError::Invalid)?;
        let catalog = self.catalog_now().await?;
        let staff = &catalog.staff;
        match spec
            .performers
            .iter()
            .find(|id| !staff.iter().any(|m| m.id() == **id))
        {
            Some(id) => Err(ServiceEditError::UnknownStaff { id: *id }),
            None => Ok(()),
        }
    }

    /// Adds a staff member.
    ///
    /// # Errors
    /// [`AddStaffError`]: `Forbidden` unless an owner, `Store`.
    pub async fn add_staff(
        &self,
        actor: &StaffActor,
        spec: StaffSpec,
    ) -> Result<StaffMember, AddStaffError> {
        actor.require(Capability::Catalog)?;
        Ok(self.catalog.add_staff(spec).await?)
    }

    /// Replaces a staff member's spec (name, weekly hours, active), and
    /// reports their upcoming bookings that no longer fit.
    ///
    /// # Errors
    /// [`StaffEditError::NotFound`] for an unknown id.
    pub async fn update_staff(
        &self,
        actor: &StaffActor,
        id: StaffId,
        spec: StaffSpec,
    ) -> Result<ScheduleChange<StaffMember>, StaffEditError> {
        actor.require(Capability::Catalog)?;
        let member = self
            .catalog
            .update_staff(id, spec)
            .await
            .map_err(|e| match e {
                CatalogChangeError::NotFound => StaffEditError::NotFound,
                CatalogChangeError::Store(e) => StaffEditError::Store(e),
            })?;
        let policy = self.policy();
        let now = self.clock.now();
        let colliding =
            match days_interval(&policy, policy.today(now), policy.last_bookable_day(now)) {
                Some(window) => self.schedule_conflicts(window, Some(id)).await?,
                None => Vec::new(),
            };
        Ok(ScheduleChange {
            entry: member,
            colliding,
        })
    }

    /// The date overrides within `period`, by date.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn date_overrides(
        &self,
        _actor: &StaffActor,
        period: Period,
    ) -> Result<Vec<DateOverride>, StoreError> {
        self.catalog
            .date_overrides(period.first(), period.last())
            .await
    }

    /// Sets the override of its date for its staff member (or the whole
    /// business), replacing any earlier one, and reports the bookings of
    /// that day that no longer fit.
    ///
    /// # Errors
    /// [`OverrideEditError::UnknownStaff`], or the store failed.
    pub async fn set_date_override(
        &self,
        actor: &StaffActor,
        date_override: DateOverride,
    ) -> Result<ScheduleChange<DateOverride>, OverrideEditError> {
        actor.require(Capability::WholeSchedule)?;
        if let Some(id) = date_override.staff() {
            self.require_staff(id)
                .await?
                .ok_or(OverrideEditError::UnknownStaff { id })?;
        }
        self.catalog
            .set_date_override(date_override.clone())
            .await?;
        let policy = self.policy();
        let date = date_override.date();
        let colliding = match days_interval(&policy, date, date) {
            Some(window) => {
                self.schedule_conflicts(window, date_override.staff())
                    .await?
            }
            None => Vec::new(),
        };
        Ok(ScheduleChange {
            entry: date_override,
            colliding,
        })
    }

    /// Removes the override of `date` for `staff` (`None`: business-wide).
    ///
    /// # Errors
    /// [`OverrideEditError::NotFound`] when there is none.
    pub async fn remove_date_override(
        &self,
        actor: &StaffActor,
        date: NaiveDate,
        staff: Option<StaffId>,
    ) -> Result<(), OverrideEditError> {
        actor.require(Capability::WholeSchedule)?;
        self.catalog
            .remove_date_override(date, staff)
            .await
            .map_err(|e| match e {
                CatalogChangeError::NotFound => OverrideEditError::NotFound,
                CatalogChangeError::Store(e) => OverrideEditError::Store(e),
            })
    }

    pub(super) async fn require_staff(
        &self,
        id: StaffId,
    ) -> Result<Option<StaffMember>, StoreError> {
        Ok(self
            .catalog
            .staff()
            .await?
            .into_iter()
            .find(|m| m.id() == id))
    }
}

/// Closing a visit leaves nothing to remind anyone of.
fn withdraw_only() -> OutboxChange {
    OutboxChange {
        add: Vec::new(),
        withdraw_pending_reminders: true,
    }
}

/// The blocks `actor` sees: all for managers and owners; a staff member's
/// own and everyone's for a staff member.
pub(super) fn visible_blocks(actor: &StaffActor, blocks: Vec<TimeOff>) -> Vec<TimeOff> {
    if actor.may(Capability::WholeSchedule) {
        return blocks;
    }
    blocks
        .into_iter()
        .filter(|b| actor.member().is_some_and(|own| b.applies_to(own)))
        .collect()
}
