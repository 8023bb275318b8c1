//! The booking store: an atomic "create if free", conditional updates under
//! optimistic locking, an atomic reschedule, and the queries the engine needs.
//!
//! Every change carries the outbox messages it causes and the store commits
//! them in the same transaction: a booking and its notices exist together or
//! not at all.

use async_trait::async_trait;
use booking_domain::{
    Booking, BookingId, CustomerId, Interval, NewBooking, Occupancy, StaffId, TransitionError,
    Version,
};
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;

use crate::error::StoreError;
use crate::ports::catalog::CatalogRevision;
use crate::ports::outbox::{NewNotice, OutboxChange};

/// The active-booking limit a new booking must respect: the customer may hold
/// fewer than `max` *upcoming active* bookings before it is created, that is
/// pending or confirmed bookings whose end is after `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveBookingLimit {
    pub max: u16,
    pub now: DateTime<Utc>,
}

/// What the daily limits count of one customer since an instant
/// ([`BookingStore::customer_churn_since`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CustomerChurn {
    /// Bookings of the customer created after the instant (whoever made
    /// them, whatever became of them).
    pub bookings_made: u32,
    /// Bookings of the customer they cancelled themselves after the
    /// instant.
    pub cancelled_by_customer: u32,
}

/// A customer's upcoming active bookings and their churn, read together
/// ([`BookingStore::customer_standing`]): what a new booking checks first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerStanding {
    /// As [`BookingStore::upcoming_bookings_of_customer`] answers.
    pub upcoming: Vec<Booking>,
    /// As [`BookingStore::customer_churn_since`] answers.
    pub churn: CustomerChurn,
}

/// A calendar's bookings and the catalog revision they were read with
/// ([`BookingStore::occupancy_and_catalog_revision`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarRead {
    /// As [`BookingStore::occupancy_overlapping`] answers.
    pub occupancy: Vec<Occupancy>,
    /// As [`CatalogStore::catalog_revision`](crate::CatalogStore::catalog_revision)
    /// of this same store answers, read by the same statement; `None` from
    /// a store that does not answer it that way (the caller then reads it
    /// itself).
    pub catalog_revision: Option<CatalogRevision>,
}

/// What a new booking reads before it writes, read together
/// ([`BookingStore::standing_and_calendar`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingReads {
    /// As [`BookingStore::customer_standing`] answers.
    pub standing: CustomerStanding,
    /// As [`BookingStore::occupancy_and_catalog_revision`] answers.
    pub calendar: CalendarRead,
}

/// Which bookings a period query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingScope {
    /// Pending and confirmed bookings only: what occupies the calendar.
    ActiveOnly,
    /// Every status, for day views and reports.
    AllStatuses,
}

/// Why a booking was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateBookingError {
    /// An active booking of the same staff member overlaps (buffers
    /// included). `start` is the start that was asked for.
    #[error("the time starting at {start} is taken")]
    SlotTaken { start: DateTime<Utc> },
    /// The customer already holds `limit` upcoming active bookings.
    #[error("the customer already holds {limit} upcoming bookings")]
    TooManyActiveBookings { limit: u16 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a booking change was not stored.
#[derive(Debug, thiserror::Error)]
pub enum UpdateBookingError {
    #[error("no such booking")]
    NotFound,
    /// The stored booking changed since the caller read it; `current` is what
    /// is stored now. Nothing was written.
    #[error("the booking changed meanwhile (now {})", current.version())]
    VersionConflict { current: Box<Booking> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a reschedule was not stored. In every case nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum RescheduleError {
    #[error("no such booking")]
    NotFound,
    /// The old booking changed since the caller read it; `current` is what is
    /// stored now.
    #[error("the booking changed meanwhile (now {})", current.version())]
    VersionConflict { current: Box<Booking> },
    /// Another active booking of the new staff member overlaps the new time.
    #[error("the time starting at {start} is taken")]
    SlotTaken { start: DateTime<Utc> },
    /// The old booking, as the caller passed it, cannot be closed (it is not
    /// active). A caller that planned with the domain rules never sees this.
    #[error(transparent)]
    NotMovable(#[from] TransitionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The outcome of a reschedule: the old booking closed as
/// [`Rescheduled`](booking_domain::BookingStatus::Rescheduled) and linked to
/// the new one, and the new booking linked back through `rescheduled_from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rescheduled {
    pub old: Booking,
    pub new: Booking,
}

/// Where bookings live.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Creates `new` if its staff member is free and the customer is under
    /// the limit, and stores `notices` about it, all in one atomic step.
    ///
    /// Free means: no pending or confirmed booking of `new.staff()` whose
    /// [`occupied`](Booking::occupied) interval overlaps
    /// [`new.occupied()`](NewBooking::occupied) (half-open: touching is
    /// free). The limit: fewer than `limit.max` bookings of `new.customer()`
    /// that are pending or confirmed and end after `limit.now`.
    ///
    /// MUST decide both conditions and insert atomically with respect to every
    /// concurrent `create_booking` and `reschedule_booking`, whatever the
    /// number of processes: two overlapping creations never both succeed.
    /// MUST assign a fresh id and return `Booking::created(id, new)` (version
    /// 1). MUST link every notice to the new booking and store it pending
    /// with `next_attempt_at = due_at`. On any error MUST store nothing, no
    /// booking and no notice.
    ///
    /// # Errors
    /// [`CreateBookingError::SlotTaken`], [`CreateBookingError::TooManyActiveBookings`]
    /// (when both apply either may be reported), [`CreateBookingError::Store`].
    async fn create_booking(
        &self,
        new: NewBooking,
        limit: ActiveBookingLimit,
        notices: Vec<NewNotice>,
    ) -> Result<Booking, CreateBookingError>;

    /// Stores `updated` if the stored booking with its id is still at
    /// version `expected`, and applies `outbox` to that booking, in one
    /// atomic step.
    ///
    /// MUST compare versions in the same atomic step as the write (one
    /// conditional update, not read-compare-write) and fail with
    /// [`UpdateBookingError::VersionConflict`] carrying the stored booking
    /// when they differ. On success MUST store the version `expected.next()`
    /// (exactly one more; domain transitions already return that) and return
    /// the booking as stored. MUST add `outbox.add` linked to the booking and,
    /// when `outbox.withdraw_pending_reminders`, mark every pending reminder
    /// of the booking withdrawn, in the same commit. On any error MUST change
    /// nothing.
    ///
    /// `updated` changes status, attendance or (for erasure) customer and
    /// comment; callers never change its staff member or times here, which is
    /// what [`BookingStore::reschedule_booking`] is for.
    ///
    /// # Errors
    /// [`UpdateBookingError::NotFound`], [`UpdateBookingError::VersionConflict`],
    /// [`UpdateBookingError::Store`].
    async fn update_booking(
        &self,
        expected: Version,
        updated: Booking,
        outbox: OutboxChange,
    ) -> Result<Booking, UpdateBookingError>;

    /// Moves `old` (as the caller read it: its version is the expected one)
    /// to `new` in one atomic step: creates `new` if its staff member is free
    /// ignoring `old`, closes `old` with
    /// [`Booking::close_as_rescheduled`] to the new id, stores `outbox.add`
    /// linked to the new booking and, when
    /// `outbox.withdraw_pending_reminders`, withdraws the old booking's
    /// pending reminders.
    ///
    /// MUST check the old booking's version and the new time's freedom in
    /// the same atomic step as the writes. MUST leave everything unchanged on
    /// any error: if the new time is taken, the old booking stays as it was.
    /// The closed old booking's version is one more than before; the new
    /// booking has version 1. No customer limit applies: one active booking
    /// replaces another.
    ///
    /// # Errors
    /// [`RescheduleError::NotFound`], [`RescheduleError::VersionConflict`],
    /// [`RescheduleError::SlotTaken`], [`RescheduleError::NotMovable`],
    /// [`RescheduleError::Store`].
    async fn reschedule_booking(
        &self,
        old: Booking,
        new: NewBooking,
        outbox: OutboxChange,
    ) -> Result<Rescheduled, RescheduleError>;

    /// The booking `id`, in any status.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or the row is corrupt.
    async fn booking(&self, id: BookingId) -> Result<Option<Booking>, StoreError>;

    /// The customer's upcoming active bookings: pending or confirmed, ending
    /// after `now`, ordered by start.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a row is corrupt.
    async fn upcoming_bookings_of_customer(
        &self,
        customer: CustomerId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError>;

    /// Every booking the customer holds, in any status, ordered by start
    /// (anonymised bookings belong to nobody and are not returned).
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a row is corrupt.
    async fn bookings_of_customer(&self, customer: CustomerId) -> Result<Vec<Booking>, StoreError>;

    /// How many bookings of `customer` were created after `since`, and how
    /// many the customer cancelled after `since`: what the daily limits on
    /// bookings and cancellations count, counted by the store, so a booking
    /// reads two numbers instead of the customer's recent bookings.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn customer_churn_since(
        &self,
        customer: CustomerId,
        since: DateTime<Utc>,
    ) -> Result<CustomerChurn, StoreError>;

    /// [`upcoming_bookings_of_customer`](Self::upcoming_bookings_of_customer)
    /// at `now` and [`customer_churn_since`](Self::customer_churn_since)
    /// `since`, in one read where the store can: every new booking asks
    /// both, and on a server each read is a round trip. By default, the
    /// two reads one after the other.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a row is corrupt.
    async fn customer_standing(
        &self,
        customer: CustomerId,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> Result<CustomerStanding, StoreError> {
        let upcoming = self.upcoming_bookings_of_customer(customer, now).await?;
        let churn = self.customer_churn_since(customer, since).await?;
        Ok(CustomerStanding { upcoming, churn })
    }

    /// The bookings whose [`occupied`](Booking::occupied) interval overlaps
    /// `period` (half-open), of `staff` only when given, in `scope`, ordered
    /// by start then id. A booking starting within `period` always overlaps
    /// it.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a row is corrupt.
    async fn bookings_overlapping(
        &self,
        period: Interval,
        staff: Option<StaffId>,
        scope: BookingScope,
    ) -> Result<Vec<Booking>, StoreError>;

    /// The time the active bookings overlapping `period` keep their staff
    /// members busy, ordered by start then booking id: what a calendar
    /// needs of them (the slot engine reads nothing else), without reading
    /// whole bookings. The same bookings as [`Self::bookings_overlapping`]
    /// with no staff member and [`BookingScope::ActiveOnly`] give.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a row is corrupt.
    async fn occupancy_overlapping(&self, period: Interval) -> Result<Vec<Occupancy>, StoreError>;

    /// [`occupancy_overlapping`](Self::occupancy_overlapping) `period` and,
    /// from a store that also holds the catalog, its catalog revision, in
    /// one read: every calendar (the free days, the free times, a booking)
    /// needs both, and on a server each read is a round trip. A revision
    /// answered MUST be what `catalog_revision` would answer at the same
    /// moment. By default, the occupancy alone and no revision.
    ///
    /// The engine trusts the revision only when it was built on one store
    /// ([`Engine::on_store`](crate::Engine::on_store)): with separate
    /// stores, the bookings' store's catalog may not be the engine's.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a row is corrupt.
    async fn occupancy_and_catalog_revision(
        &self,
        period: Interval,
    ) -> Result<CalendarRead, StoreError> {
        Ok(CalendarRead {
            occupancy: self.occupancy_overlapping(period).await?,
            catalog_revision: None,
        })
    }

    /// [`customer_standing`](Self::customer_standing) and
    /// [`occupancy_and_catalog_revision`](Self::occupancy_and_catalog_revision)
    /// `period`, in one read where the store can: a new booking needs both
    /// before it writes, and on a server each read is a round trip. By
    /// default, the two reads one after the other.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a row is corrupt.
    async fn standing_and_calendar(
        &self,
        customer: CustomerId,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
        period: Interval,
    ) -> Result<BookingReads, StoreError> {
        let standing = self.customer_standing(customer, now, since).await?;
        let calendar = self.occupancy_and_catalog_revision(period).await?;
        Ok(BookingReads { standing, calendar })
    }

    /// Up to `limit` pending bookings created at or before `created_by`
    /// whose visit starts after `starting_after`, ordered by creation time
    /// then id: the requests the lifecycle sweep expires.
    ///
    /// Called every minute: MUST NOT read the whole history (the SQLite
    /// adapter reads a partial index of pending bookings).
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a row is corrupt.
    async fn pending_bookings_created_by(
        &self,
        created_by: DateTime<Utc>,
        starting_after: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Booking>, StoreError>;

    /// Up to `limit` confirmed bookings whose visit ended at or before
    /// `ended_by`, ordered by end then id: the visits the lifecycle sweep
    /// completes.
    ///
    /// Called every minute: MUST NOT read the whole history (the SQLite
    /// adapter reads a partial index of confirmed bookings).
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a row is corrupt.
    async fn confirmed_bookings_ended_by(
        &self,
        ended_by: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Booking>, StoreError>;

    /// The bookings that start within `period` (half-open), in any status,
    /// ordered by start then id, as a stream. MUST NOT load the period into
    /// memory: rows are read as the stream is polled (or in bounded batches).
    fn export_bookings(&self, period: Interval) -> BoxStream<'_, Result<Booking, StoreError>>;

    /// Those of `among` that hold a booking, in any status, starting before
    /// `before`: the returning customers of a period that starts at `before`.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn customers_with_bookings_before(
        &self,
        before: DateTime<Utc>,
        among: Vec<CustomerId>,
    ) -> Result<Vec<CustomerId>, StoreError>;
}
