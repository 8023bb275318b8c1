//! The engine as the client bot sees it: the customer use cases, behind a
//! trait so the handler tree is not generic over four store types and tests
//! can drive the bot with the in-memory engine.

use std::sync::Arc;

use async_trait::async_trait;
use booking_domain::{BookingId, CustomerId, FreeStart, Policy, ServiceId, StaffChoice, Version};
use booking_ports::engine::{
    AvailabilityError, BookError, BookingChangeError, BookingForm, CustomerData, FindBookingError,
    ForgetError, Forgotten, RescheduleBookingError, RescheduledBooking, ServiceOffer,
};
use booking_ports::{
    BookingDetails, BookingStore, CatalogStore, Clock, CustomerProfile, CustomerStore, Engine,
    StoreError,
};
use chrono::{DateTime, NaiveDate, Utc};

/// What a customer can ask of the engine. Each method is the engine's use
/// case of the same name; see `booking_ports::Engine` for the contracts.
#[async_trait]
pub trait ClientEngine: Send + Sync {
    /// The current instant, from the engine's clock.
    fn now(&self) -> DateTime<Utc>;
    /// The policy in force.
    fn policy(&self) -> Arc<Policy>;
    async fn services(&self) -> Result<Vec<ServiceOffer>, StoreError>;
    async fn days_with_free_times(
        &self,
        service: ServiceId,
        staff: StaffChoice,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, AvailabilityError>;
    async fn first_days_with_free_times(
        &self,
        service: ServiceId,
        staff: StaffChoice,
        from: NaiveDate,
        to: NaiveDate,
        count: usize,
    ) -> Result<Vec<NaiveDate>, AvailabilityError>;
    async fn free_times(
        &self,
        service: ServiceId,
        staff: StaffChoice,
        day: NaiveDate,
    ) -> Result<Vec<FreeStart>, AvailabilityError>;
    async fn book(
        &self,
        customer: CustomerId,
        form: BookingForm,
    ) -> Result<BookingDetails, BookError>;
    async fn profile(&self, customer: CustomerId) -> Result<Option<CustomerProfile>, StoreError>;
    async fn my_bookings(&self, customer: CustomerId) -> Result<Vec<BookingDetails>, StoreError>;
    async fn my_booking(
        &self,
        customer: CustomerId,
        id: BookingId,
    ) -> Result<BookingDetails, FindBookingError>;
    async fn cancel_my_booking(
        &self,
        customer: CustomerId,
        id: BookingId,
        expected: Version,
    ) -> Result<BookingDetails, BookingChangeError>;
    async fn reschedule_my_booking(
        &self,
        customer: CustomerId,
        id: BookingId,
        expected: Version,
        staff: StaffChoice,
        start: DateTime<Utc>,
    ) -> Result<RescheduledBooking, RescheduleBookingError>;
    /// "I'll come", pressed under a reminder.
    async fn confirm_attendance(
        &self,
        customer: CustomerId,
        id: BookingId,
    ) -> Result<BookingDetails, BookingChangeError>;
    async fn my_data(&self, customer: CustomerId) -> Result<CustomerData, StoreError>;
    async fn forget_me(&self, customer: CustomerId) -> Result<Forgotten, ForgetError>;
}

#[async_trait]
impl<C, B, U, K> ClientEngine for Engine<C, B, U, K>
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

    async fn services(&self) -> Result<Vec<ServiceOffer>, StoreError> {
        Engine::services(self).await
    }

    async fn days_with_free_times(
        &self,
        service: ServiceId,
        staff: StaffChoice,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, AvailabilityError> {
        Engine::days_with_free_times(self, service, staff, from, to).await
    }

    async fn first_days_with_free_times(
        &self,
        service: ServiceId,
        staff: StaffChoice,
        from: NaiveDate,
        to: NaiveDate,
        count: usize,
    ) -> Result<Vec<NaiveDate>, AvailabilityError> {
        Engine::first_days_with_free_times(self, service, staff, from, to, count).await
    }

    async fn free_times(
        &self,
        service: ServiceId,
        staff: StaffChoice,
        day: NaiveDate,
    ) -> Result<Vec<FreeStart>, AvailabilityError> {
        Engine::free_times(self, service, staff, day).await
    }

    async fn book(
        &self,
        customer: CustomerId,
        form: BookingForm,
    ) -> Result<BookingDetails, BookError> {
        Engine::book(self, customer, form).await
    }

    async fn profile(&self, customer: CustomerId) -> Result<Option<CustomerProfile>, StoreError> {
        Engine::profile(self, customer).await
    }

    async fn my_bookings(&self, customer: CustomerId) -> Result<Vec<BookingDetails>, StoreError> {
        Engine::my_bookings(self, customer).await
    }

    async fn my_booking(
        &self,
        customer: CustomerId,
        id: BookingId,
    ) -> Result<BookingDetails, FindBookingError> {
        Engine::my_booking(self, customer, id).await
    }

    async fn cancel_my_booking(
        &self,
        customer: CustomerId,
        id: BookingId,
        expected: Version,
    ) -> Result<BookingDetails, BookingChangeError> {
        Engine::cancel_my_booking(self, customer, id, expected).await
    }

    async fn confirm_attendance(
        &self,
        customer: CustomerId,
        id: BookingId,
    ) -> Result<BookingDetails, BookingChangeError> {
        Engine::confirm_attendance(self, customer, id).await
    }

    async fn reschedule_my_booking(
        &self,
        customer: CustomerId,
        id: BookingId,
        expected: Version,
        staff: StaffChoice,
        start: DateTime<Utc>,
    ) -> Result<RescheduledBooking, RescheduleBookingError> {
        Engine::reschedule_my_booking(self, customer, id, expected, staff, start).await
    }

    async fn my_data(&self, customer: CustomerId) -> Result<CustomerData, StoreError> {
        Engine::my_data(self, customer).await
    }

    async fn forget_me(&self, customer: CustomerId) -> Result<Forgotten, ForgetError> {
        Engine::forget_me(self, customer).await
    }
}
