//! The engine as the admin bot sees it: the staff use cases, behind a trait
//! so the handler tree is not generic over the store types and tests can
//! drive the bot with the in-memory engine. Each method is the engine's use
//! case of the same name; see `booking_ports::Engine` for the contracts.

use std::sync::Arc;

use async_trait::async_trait;
use booking_domain::{
    BookingId, CancelReason, DateOverride, FreeStart, Policy, Service, ServiceId, ServiceSpec,
    StaffChoice, StaffId, StaffMember, StaffSpec, TimeOffSpec, Version,
};
use booking_ports::engine::{
    BlockPeriodError, BlockedPeriod, BookingChangeError, FindBookingError, Mover,
    OverrideEditError, Period, RescheduleBookingError, RescheduledBooking, ScheduleChange,
    ServiceEditError, StaffActor, StaffEditError, Statistics,
};
use booking_ports::{
    BookingDetails, BookingStore, CatalogStore, Clock, CustomerStore, Engine, StoreError,
};
use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::BoxStream;

/// What staff can ask of the engine.
#[async_trait]
pub trait AdminEngine: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    fn policy(&self) -> Arc<Policy>;
    async fn bookings_in(
        &self,
        actor: &StaffActor,
        period: Period,
        staff: Option<StaffId>,
    ) -> Result<Vec<BookingDetails>, StoreError>;
    async fn booking_details(
        &self,
        actor: &StaffActor,
        id: BookingId,
    ) -> Result<BookingDetails, FindBookingError>;
    async fn confirm_booking(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
    ) -> Result<BookingDetails, BookingChangeError>;
    async fn cancel_booking(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
        reason: Option<CancelReason>,
    ) -> Result<BookingDetails, BookingChangeError>;
    async fn complete_booking(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
    ) -> Result<BookingDetails, BookingChangeError>;
    async fn mark_no_show(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
    ) -> Result<BookingDetails, BookingChangeError>;
    async fn reschedule_booking(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
        staff: StaffChoice,
        start: DateTime<Utc>,
    ) -> Result<RescheduledBooking, RescheduleBookingError>;
    async fn days_to_move(
        &self,
        actor: &StaffActor,
        id: BookingId,
        from: NaiveDate,
        to: NaiveDate,
        staff: StaffChoice,
    ) -> Result<Vec<NaiveDate>, FindBookingError>;
    async fn free_times_to_move(
        &self,
        actor: &StaffActor,
        id: BookingId,
        day: NaiveDate,
        staff: StaffChoice,
    ) -> Result<Vec<FreeStart>, FindBookingError>;
    async fn block_period(
        &self,
        actor: &StaffActor,
        spec: TimeOffSpec,
    ) -> Result<BlockedPeriod, BlockPeriodError>;
    async fn statistics(
        &self,
        actor: &StaffActor,
        period: Period,
    ) -> Result<Statistics, StoreError>;
    fn export<'a>(
        &'a self,
        actor: &StaffActor,
        period: Period,
    ) -> BoxStream<'a, Result<BookingDetails, StoreError>>;
    async fn all_services(&self, actor: &StaffActor) -> Result<Vec<Service>, StoreError>;
    async fn all_staff(&self, actor: &StaffActor) -> Result<Vec<StaffMember>, StoreError>;
    async fn add_service(
        &self,
        actor: &StaffActor,
        spec: ServiceSpec,
    ) -> Result<Service, ServiceEditError>;
    async fn update_service(
        &self,
        actor: &StaffActor,
        id: ServiceId,
        spec: ServiceSpec,
    ) -> Result<Service, ServiceEditError>;
    async fn add_staff(
        &self,
        actor: &StaffActor,
        spec: StaffSpec,
    ) -> Result<StaffMember, StoreError>;
    async fn update_staff(
        &self,
        actor: &StaffActor,
        id: StaffId,
        spec: StaffSpec,
    ) -> Result<ScheduleChange<StaffMember>, StaffEditError>;
    async fn date_overrides(
        &self,
        actor: &StaffActor,
        period: Period,
    ) -> Result<Vec<DateOverride>, StoreError>;
    async fn set_date_override(
        &self,
        actor: &StaffActor,
        date_override: DateOverride,
    ) -> Result<ScheduleChange<DateOverride>, OverrideEditError>;
    async fn remove_date_override(
        &self,
        actor: &StaffActor,
        date: NaiveDate,
        staff: Option<StaffId>,
    ) -> Result<(), OverrideEditError>;
}

#[async_trait]
impl<C, B, U, K> AdminEngine for Engine<C, B, U, K>
where
    C: CatalogStore + 'static,
    B: BookingStore + 'static,
    U: CustomerStore + 'static,
    K: Clock + 'static,
{
    fn now(&self) -> DateTime<Utc> {
        self.clock().now()
    }

    fn policy(&self) -> Arc<Policy> {
        Engine::policy(self)
    }

    async fn bookings_in(
        &self,
        actor: &StaffActor,
        period: Period,
        staff: Option<StaffId>,
    ) -> Result<Vec<BookingDetails>, StoreError> {
        Engine::bookings_in(self, actor, period, staff).await
    }

    async fn booking_details(
        &self,
        actor: &StaffActor,
        id: BookingId,
    ) -> Result<BookingDetails, FindBookingError> {
        Engine::booking_details(self, actor, id).await
    }

    async fn confirm_booking(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
    ) -> Result<BookingDetails, BookingChangeError> {
        Engine::confirm_booking(self, actor, id, expected).await
    }

    async fn cancel_booking(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
        reason: Option<CancelReason>,
    ) -> Result<BookingDetails, BookingChangeError> {
        Engine::cancel_booking(self, actor, id, expected, reason).await
    }

    async fn complete_booking(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
    ) -> Result<BookingDetails, BookingChangeError> {
        Engine::complete_booking(self, actor, id, expected).await
    }

    async fn mark_no_show(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
    ) -> Result<BookingDetails, BookingChangeError> {
        Engine::mark_no_show(self, actor, id, expected).await
    }

    async fn reschedule_booking(
        &self,
        actor: &StaffActor,
        id: BookingId,
        expected: Version,
        staff: StaffChoice,
        start: DateTime<Utc>,
    ) -> Result<RescheduledBooking, RescheduleBookingError> {
        Engine::reschedule_booking(self, actor, id, expected, staff, start).await
    }

    async fn days_to_move(
        &self,
        actor: &StaffActor,
        id: BookingId,
        from: NaiveDate,
        to: NaiveDate,
        staff: StaffChoice,
    ) -> Result<Vec<NaiveDate>, FindBookingError> {
        Engine::days_to_move(self, Mover::Staff(actor), id, staff, from, to).await
    }

    async fn free_times_to_move(
        &self,
        actor: &StaffActor,
        id: BookingId,
        day: NaiveDate,
        staff: StaffChoice,
    ) -> Result<Vec<FreeStart>, FindBookingError> {
        Engine::free_times_to_move(self, Mover::Staff(actor), id, staff, day).await
    }

    async fn block_period(
        &self,
        actor: &StaffActor,
        spec: TimeOffSpec,
    ) -> Result<BlockedPeriod, BlockPeriodError> {
        Engine::block_period(self, actor, spec).await
    }

    async fn statistics(
        &self,
        actor: &StaffActor,
        period: Period,
    ) -> Result<Statistics, StoreError> {
        Engine::statistics(self, actor, period).await
    }

    fn export<'a>(
        &'a self,
        actor: &StaffActor,
        period: Period,
    ) -> BoxStream<'a, Result<BookingDetails, StoreError>> {
        Engine::export(self, actor, period)
    }

    async fn all_services(&self, actor: &StaffActor) -> Result<Vec<Service>, StoreError> {
        Engine::all_services(self, actor).await
    }

    async fn all_staff(&self, actor: &StaffActor) -> Result<Vec<StaffMember>, StoreError> {
        Engine::all_staff(self, actor).await
    }

    async fn add_service(
        &self,
        actor: &StaffActor,
        spec: ServiceSpec,
    ) -> Result<Service, ServiceEditError> {
        Engine::add_service(self, actor, spec).await
    }

    async fn update_service(
        &self,
        actor: &StaffActor,
        id: ServiceId,
        spec: ServiceSpec,
    ) -> Result<Service, ServiceEditError> {
        Engine::update_service(self, actor, id, spec).await
    }

    async fn add_staff(
        &self,
        actor: &StaffActor,
        spec: StaffSpec,
    ) -> Result<StaffMember, StoreError> {
        Engine::add_staff(self, actor, spec).await
    }

    async fn update_staff(
        &self,
        actor: &StaffActor,
        id: StaffId,
        spec: StaffSpec,
    ) -> Result<ScheduleChange<StaffMember>, StaffEditError> {
        Engine::update_staff(self, actor, id, spec).await
    }

    async fn date_overrides(
        &self,
        actor: &StaffActor,
        period: Period,
    ) -> Result<Vec<DateOverride>, StoreError> {
        Engine::date_overrides(self, actor, period).await
    }

    async fn set_date_override(
        &self,
        actor: &StaffActor,
        date_override: DateOverride,
    ) -> Result<ScheduleChange<DateOverride>, OverrideEditError> {
        Engine::set_date_override(self, actor, date_override).await
    }

    async fn remove_date_override(
        &self,
        actor: &StaffActor,
        date: NaiveDate,
        staff: Option<StaffId>,
    ) -> Result<(), OverrideEditError> {
        Engine::remove_date_override(self, actor, date, staff).await
    }
}
