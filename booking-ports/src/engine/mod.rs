//! The booking engine: every use case of customers and staff, over the driven
//! ports.
//!
//! The engine reads the calendar through the ports, decides with the domain
//! (the slot engine, the booking rules, the lifecycle transitions) and writes
//! each change in one store call together with the notifications it causes.
//! It holds the business [`Policy`], which the app may swap at run time.
//!
//! - Customer use cases ([`customer`]) take the acting [`CustomerId`](booking_domain::CustomerId): a
//!   booking of someone else is "not found", exactly like a missing one.
//! - Staff use cases ([`staff`], [`reports`]) take a [`StaffActor`], which
//!   only [`StaffActor::authenticated`] makes, and check its role there
//!   ([`access`]): a refusal is a `Forbidden` variant of the use case's
//!   error, before anything is read or written.
//! - Every change names the version the caller saw; a stale one is refused
//!   with the current state and nothing is overwritten.

pub mod access;
pub mod actor;
pub mod blocks;
mod cancelling;
pub mod cards;
mod catalog_cache;
pub mod churn;
pub mod contact;
pub mod customer;
pub mod desk;
pub mod erasure;
pub mod errors;
mod free_days;
pub mod history;
pub mod lifecycle;
pub mod moving;
pub mod notices;
pub mod period;
pub mod policy;
pub mod records;
mod repeat;
pub mod reports;
mod rescheduling;
mod schedule_conflicts;
pub mod staff;
pub mod week;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use booking_domain::{
    Availability, Booking, BookingStatus, DateOverride, Interval, Occupancy, Policy,
    PolicyOverrides, Service, ServiceId, StaffId, StaffMember, TimeOff, TransitionError, Version,
};
use chrono::{DateTime, NaiveDate, Utc};

use self::catalog_cache::{CatalogCache, CatalogNow};
use crate::dispatch::DispatchWakeup;
use crate::error::StoreError;
use crate::ports::bookings::{BookingStore, CalendarRead, UpdateBookingError};
use crate::ports::catalog::{CatalogSnapshot, CatalogStore, ImportCatalogError};
use crate::ports::clock::Clock;
use crate::ports::customers::{CustomerProfile, CustomerStore};
use crate::ports::outbox::OutboxChange;

pub use access::{Capability, Forbidden};
pub use actor::{StaffActor, StaffRole, StaffUser};
pub use blocks::{BlockedDays, DailyBlockSpec};
pub use cards::{CustomerCard, FoundCustomers, MAX_FOUND_CUSTOMERS, StaffErasure};
pub use contact::{ContactSaved, ShareContactError, SharedContact};
pub use customer::{BookingForm, ServiceOffer};
pub use desk::{
    FreeWindowStarts, PhoneLookupError, RecordCustomerError, StaffBookError, StaffBookingForm,
};
pub use erasure::{CustomerData, Forgotten};
pub use errors::{
    AddStaffError, AvailabilityError, BlockPeriodError, BookError, BookingChangeError,
    FindBookingError, ForgetError, OverrideEditError, RescheduleBookingError, ServiceEditError,
    StaffEditError, StaffReadError, UnblockPeriodError, WeekError,
};
pub use errors::{EraseCustomerError, FindCustomerError, UpdateDetailsError};
pub use lifecycle::{InvalidLifecycleSettings, LifecycleSettings, LifecycleSweep};
pub use moving::Mover;
pub use notices::{EngineSettings, ZeroReminderOffset};
pub use period::{InvalidPeriod, Period};
pub use policy::{ChangePolicyError, PolicyError, PolicyView};
pub use records::details_differ;
pub use reports::{Rate, ServiceCount, Statistics, StatusCounts, TOP_SERVICES};
pub use staff::{BlockedPeriod, ScheduleChange};
pub use week::{DaySummary, StaffWeek, WEEK_DAYS, Week};

/// A booking with what a person needs to read it: its service, its staff
/// member and, in staff views, the customer's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingDetails {
    pub booking: Booking,
    /// `None` only if the catalog lost the entry (entries are never deleted).
    pub service: Option<Service>,
    pub staff: Option<StaffMember>,
    /// Filled in staff views; `None` in customer views and for anonymised
    /// bookings.
    pub customer: Option<CustomerProfile>,
}

/// The outcome of a reschedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RescheduledBooking {
    /// The old booking, now closed and linked to the new one.
    pub old: Booking,
    pub new: BookingDetails,
}

/// The booking engine: every customer and staff use case, over the driven
/// ports behind trait objects, so an application picks its store at run
/// time (SQLite or PostgreSQL from a database URL) without compiling the
/// engine, the bots and the command line once per store. With one store that
/// implements every port, see [`Engine::on_store`].
///
/// Bots, the command line and any web API call these use cases and never a
/// store: the engine is where every rule and every authorization check lives.
pub struct Engine {
    catalog: Arc<dyn CatalogStore>,
    /// The services and staff members, kept while the catalog's revision
    /// stays the same.
    catalog_cache: CatalogCache,
    bookings: Arc<dyn BookingStore>,
    /// `catalog` and `bookings` are one store ([`Engine::on_store`]), so the
    /// catalog revision a calendar's read of bookings answers is the
    /// catalog's.
    catalog_beside_bookings: bool,
    customers: Arc<dyn CustomerStore>,
    clock: Arc<dyn Clock>,
    /// The policy in force: the configuration's with the owners' overrides.
    policy: RwLock<Arc<Policy>>,
    /// The configuration's policy and the owners' overrides it was made
    /// of, so either can change without losing the other.
    policy_sources: RwLock<(Arc<Policy>, PolicyOverrides)>,
    settings: RwLock<Arc<EngineSettings>>,
    /// Pokes the dispatcher after a change wrote notifications.
    wakeup: Option<DispatchWakeup>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("policy", &self.policy())
            .field("settings", &self.settings())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine whose catalog, bookings and customers all live in `store`.
    pub fn on_store<S>(
        store: S,
        clock: impl Clock + 'static,
        policy: Policy,
        settings: EngineSettings,
    ) -> Self
    where
        S: CatalogStore + BookingStore + CustomerStore + 'static,
    {
        let store = Arc::new(store);
        Self {
            catalog_beside_bookings: true,
            ..Self::new(
                Arc::clone(&store) as Arc<dyn CatalogStore>,
                Arc::clone(&store) as Arc<dyn BookingStore>,
                store,
                Arc::new(clock),
                policy,
                settings,
            )
        }
    }

    /// An engine over separate ports (mocks in tests, or split stores).
    pub fn new(
        catalog: Arc<dyn CatalogStore>,
        bookings: Arc<dyn BookingStore>,
        customers: Arc<dyn CustomerStore>,
        clock: Arc<dyn Clock>,
        policy: Policy,
        settings: EngineSettings,
    ) -> Self {
        let policy = Arc::new(policy);
        Self {
            catalog,
            catalog_cache: CatalogCache::default(),
            bookings,
            catalog_beside_bookings: false,
            customers,
            clock,
            policy_sources: RwLock::new((Arc::clone(&policy), PolicyOverrides::default())),
            policy: RwLock::new(policy),
            settings: RwLock::new(Arc::new(settings)),
            wakeup: None,
        }
    }

    /// Wakes the dispatcher behind `wakeup` after every change that wrote
    /// notifications, so notices go out at once rather than at its next
    /// poll. See [`Dispatcher::with_wakeup`](crate::Dispatcher::with_wakeup).
    pub fn with_dispatch_wakeup(mut self, wakeup: DispatchWakeup) -> Self {
        self.wakeup = Some(wakeup);
        self
    }

    /// Tells the dispatcher, if one listens, that the outbox changed.
    pub(crate) fn outbox_changed(&self) {
        if let Some(wakeup) = &self.wakeup {
            wakeup.wake();
        }
    }

    /// The policy in force. Each use case reads it once, so a swap never
    /// mixes two policies in one decision.
    pub fn policy(&self) -> Arc<Policy> {
        // The lock guards an `Arc` swapped in one step: a poisoned lock still
        // holds a whole policy.
        Arc::clone(&self.policy.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replaces the configuration's policy for every later call (a
    /// configuration reload). The settings owners changed from a bot
    /// ([`Engine::change_policy`]) still win over it.
    pub fn set_policy(&self, policy: Policy) {
        let mut sources = self.policy_sources_mut();
        sources.0 = Arc::new(policy);
        self.put_in_force(&sources);
    }

    /// Makes the policy in force `sources`' file policy with its overrides.
    /// Overrides are checked when they are set; should the file's policy
    /// leave them invalid together, the file's policy alone applies.
    pub(crate) fn put_in_force(&self, sources: &(Arc<Policy>, PolicyOverrides)) {
        let (base, overrides) = sources;
        let policy = if overrides.is_empty() {
            Arc::clone(base)
        } else {
            match overrides.apply(base) {
                Ok(policy) => Arc::new(policy),
                Err(e) => {
                    tracing::warn!(error = %e, "the policy set from the bot does not fit the configuration's; the configuration's applies");
                    Arc::clone(base)
                }
            }
        };
        *self.policy.write().unwrap_or_else(PoisonError::into_inner) = policy;
    }

    /// The settings in force.
    pub fn settings(&self) -> Arc<EngineSettings> {
        Arc::clone(&self.settings.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replaces the settings for every later change.
    pub fn set_settings(&self, settings: EngineSettings) {
        *self
            .settings
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(settings);
    }

    pub fn catalog_store(&self) -> &dyn CatalogStore {
        self.catalog.as_ref()
    }

    pub fn booking_store(&self) -> &dyn BookingStore {
        self.bookings.as_ref()
    }

    pub fn customer_store(&self) -> &dyn CustomerStore {
        self.customers.as_ref()
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The current instant, from the engine's clock: what every use case
    /// calls "now", so a screen and the decision behind it agree.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// The catalog entries, by id, for rendering bookings.
#[derive(Debug, Default)]
pub(crate) struct Names {
    services: HashMap<ServiceId, Service>,
    staff: HashMap<StaffId, StaffMember>,
}

impl Names {
    fn of(services: &[Service], staff: &[StaffMember]) -> Self {
        Self {
            services: services.iter().map(|s| (s.id(), s.clone())).collect(),
            staff: staff.iter().map(|m| (m.id(), m.clone())).collect(),
        }
    }

    fn details(&self, booking: Booking, customer: Option<CustomerProfile>) -> BookingDetails {
        BookingDetails {
            service: self.services.get(&booking.service()).cloned(),
            staff: self.staff.get(&booking.staff()).cloned(),
            customer,
            booking,
        }
    }

    pub(crate) fn service(&self, id: ServiceId) -> Option<&Service> {
        self.services.get(&id)
    }
}

/// Everything the slot engine reads for a few days.
#[derive(Debug, Default)]
pub(crate) struct Calendar {
    catalog: Arc<CatalogNow>,
    overrides: Vec<DateOverride>,
    time_off: Vec<TimeOff>,
    /// The active bookings' time, not whole bookings: the slot engine
    /// reads nothing else of them, and decoding whole ones was most of a
    /// calendar's cost (docs/BENCHMARKS.md, figures 4c and 4d).
    bookings: Vec<Occupancy>,
}

impl Calendar {
    fn availability<'a>(
        &'a self,
        policy: &'a Policy,
        now: DateTime<Utc>,
    ) -> Availability<'a, Occupancy> {
        Availability {
            policy,
            staff: &self.catalog.staff,
            overrides: &self.overrides,
            time_off: &self.time_off,
            bookings: &self.bookings,
            now,
            ignoring: None,
        }
    }

    fn service(&self, id: ServiceId) -> Option<&Service> {
        self.catalog.services.iter().find(|s| s.id() == id)
    }

    /// The catalog the calendar was read with, for rendering what was
    /// decided on it: the same two reads [`Engine::names`] would repeat.
    fn into_names(self) -> Names {
        Names::of(&self.catalog.services, &self.catalog.staff)
    }
}

/// The local days a calendar covers and the instants they span.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CalendarSpan {
    from: NaiveDate,
    to: NaiveDate,
    /// `None` only at the ends of the calendar's range of dates.
    pub(crate) window: Option<Interval>,
}

impl CalendarSpan {
    /// Local days `first..=last` and a day on each side, so that bookings
    /// crossing midnight and buffers are seen.
    pub(crate) fn around(policy: &Policy, first: NaiveDate, last: NaiveDate) -> Self {
        let from = first.pred_opt().unwrap_or(first);
        let to = last.succ_opt().unwrap_or(last);
        CalendarSpan {
            from,
            to,
            window: days_interval(policy, from, to),
        }
    }
}

/// The interval from the start of local day `first` to the end of `last`.
fn days_interval(policy: &Policy, first: NaiveDate, last: NaiveDate) -> Option<Interval> {
    Interval::new(
        period::start_of_day(policy, first),
        period::start_of_day(policy, last.succ_opt()?),
    )
}

/// Refuses a change computed from a stale read before any write.
fn check_version(booking: &Booking, expected: Version) -> Result<(), Box<Booking>> {
    if booking.version() == expected {
        Ok(())
    } else {
        Err(Box::new(booking.clone()))
    }
}

impl Engine {
    /// Imports `catalog` (from configuration) when the store has none yet.
    /// Returns whether it was imported; `false` means the store's catalog,
    /// which staff may have edited, stays the source of truth.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails.
    pub async fn import_catalog_if_empty(
        &self,
        catalog: CatalogSnapshot,
    ) -> Result<bool, StoreError> {
        if !self.catalog.is_catalog_empty().await? {
            return Ok(false);
        }
        match self.catalog.import_catalog(catalog).await {
            Ok(()) => Ok(true),
            // Another process imported it between the two calls.
            Err(ImportCatalogError::NotEmpty) => Ok(false),
            Err(ImportCatalogError::Store(e)) => Err(e),
        }
    }

    /// The services and staff members now (see [`catalog_cache`]).
    pub(crate) async fn catalog_now(&self) -> Result<Arc<CatalogNow>, StoreError> {
        self.catalog_cache
            .read(self.catalog.as_ref(), self.clock.now())
            .await
    }

    /// The date overrides dated `from..=to`: those `catalog` kept when it
    /// kept that range, otherwise the store's.
    pub(crate) async fn overrides_between(
        &self,
        catalog: &CatalogNow,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DateOverride>, StoreError> {
        match catalog.overrides_in(from, to) {
            Some(kept) => Ok(kept),
            None => self.catalog.date_overrides(from, to).await,
        }
    }

    /// The blocked periods overlapping `window`: those `catalog` kept when
    /// it kept that window, otherwise the store's.
    pub(crate) async fn time_off_within(
        &self,
        catalog: &CatalogNow,
        window: Interval,
    ) -> Result<Vec<TimeOff>, StoreError> {
        match catalog.time_off_in(window) {
            Some(kept) => Ok(kept),
            None => self.catalog.time_off(window).await,
        }
    }

    pub(crate) async fn names(&self) -> Result<Names, StoreError> {
        let catalog = self.catalog_now().await?;
        Ok(Names::of(&catalog.services, &catalog.staff))
    }

    /// The calendar around local days `first..=last`: a day on each side, so
    /// that bookings crossing midnight and buffers are seen.
    pub(crate) async fn calendar(
        &self,
        policy: &Policy,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Calendar, StoreError> {
        let span = CalendarSpan::around(policy, first, last);
        let read = match span.window {
            // The bookings and the catalog's revision in one read.
            Some(window) if self.catalog_beside_bookings => {
                self.bookings.occupancy_and_catalog_revision(window).await?
            }
            Some(window) => CalendarRead {
                occupancy: self.bookings.occupancy_overlapping(window).await?,
                catalog_revision: None,
            },
            None => CalendarRead::default(),
        };
        self.calendar_of(span, read).await
    }

    /// The calendar of `span` whose bookings `read` holds: the catalog at
    /// the revision read beside them when it can be trusted, with the date
    /// overrides and blocked periods of the span.
    pub(crate) async fn calendar_of(
        &self,
        span: CalendarSpan,
        read: CalendarRead,
    ) -> Result<Calendar, StoreError> {
        let catalog = match read.catalog_revision {
            // With separate stores, the bookings' store's catalog may not be
            // the engine's: its revision says nothing of the engine's.
            Some(revision) if self.catalog_beside_bookings => {
                self.catalog_cache
                    .read_at(self.catalog.as_ref(), self.clock.now(), revision)
                    .await?
            }
            _ => self.catalog_now().await?,
        };
        let overrides = self.overrides_between(&catalog, span.from, span.to).await?;
        let time_off = match span.window {
            Some(window) => self.time_off_within(&catalog, window).await?,
            None => Vec::new(),
        };
        Ok(Calendar {
            catalog,
            overrides,
            time_off,
            bookings: read.occupancy,
        })
    }

    /// Applies `transition` to `booking` (read at `expected`) and stores it
    /// with the outbox change `outbox` computes from the result.
    pub(crate) async fn change(
        &self,
        booking: Booking,
        expected: Version,
        transition: impl FnOnce(&Booking) -> Result<Booking, TransitionError>,
        outbox: impl FnOnce(&Booking) -> OutboxChange,
    ) -> Result<Booking, BookingChangeError> {
        check_version(&booking, expected)
            .map_err(|current| BookingChangeError::VersionConflict { current })?;
        let updated = transition(&booking).map_err(BookingChangeError::Refused)?;
        let outbox = outbox(&updated);
        let notifies = !outbox.add.is_empty();
        let stored = self
            .bookings
            .update_booking(expected, updated, outbox)
            .await
            .map_err(|e| match e {
                UpdateBookingError::NotFound => BookingChangeError::NotFound,
                UpdateBookingError::VersionConflict { current } => {
                    BookingChangeError::VersionConflict { current }
                }
                UpdateBookingError::Store(e) => BookingChangeError::Store(e),
            })?;
        // Every cancellation (by the customer, by staff, on erasure) is a
        // change, so this one place counts them all, once committed.
        if let BookingStatus::Cancelled(cancellation) = stored.status() {
            crate::metrics::booking_cancelled(stored.service(), cancellation.by);
        }
        if notifies {
            self.outbox_changed();
        }
        Ok(stored)
    }

    pub(crate) async fn details_of(
        &self,
        booking: Booking,
        with_customer: bool,
    ) -> Result<BookingDetails, StoreError> {
        let names = self.names().await?;
        self.details_with(&names, booking, with_customer).await
    }

    pub(crate) async fn details_with(
        &self,
        names: &Names,
        booking: Booking,
        with_customer: bool,
    ) -> Result<BookingDetails, StoreError> {
        let customer = match booking.customer() {
            Some(id) if with_customer => self.customers.customer(id).await?,
            _ => None,
        };
        Ok(names.details(booking, customer))
    }
}
