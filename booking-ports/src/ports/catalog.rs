//! The catalog port: services, staff with their weekly hours, date overrides
//! and blocked periods, and the policy settings an owner changed from a bot.
//!
//! The business [`Policy`](booking_domain::Policy) itself comes from
//! configuration and the engine holds it; what the store keeps are the
//! [`PolicyOverrides`] laid over it.

use async_trait::async_trait;
use booking_domain::{
    DateOverride, Interval, PolicyChange, PolicyOverrides, Service, ServiceId, ServiceSpec,
    StaffId, StaffMember, StaffSpec, TimeOff, TimeOffId, TimeOffSpec,
};
use chrono::NaiveDate;

use crate::error::StoreError;

/// A whole catalog with its ids, as the app imports it from configuration on
/// first run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogSnapshot {
    pub staff: Vec<StaffMember>,
    pub services: Vec<Service>,
    pub date_overrides: Vec<DateOverride>,
    pub time_off: Vec<TimeOff>,
}

/// A mark of the services and staff members as they are: it changes with
/// every change to them, so what was read under one revision can be kept
/// until the revision differs ([`CatalogStore::catalog_revision`]).
///
/// Only equality means something: stores draw a new value at random (a
/// counter would come back to an old value after a restore from a backup,
/// with a different catalog).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CatalogRevision(i64);

impl CatalogRevision {
    /// The revision a store read or drew.
    pub fn new(value: i64) -> Self {
        Self(value)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// Why a catalog import was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportCatalogError {
    /// The store already has a catalog; it is the source of truth now.
    #[error("the catalog is not empty")]
    NotEmpty,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a change to one catalog entry failed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogChangeError {
    /// No entry has that id (or, for an override, that date and staff member).
    #[error("no such catalog entry")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where services, staff, hours, date overrides and blocked periods live.
///
/// Catalog edits are rare and made by staff; the last write wins. Ids are
/// assigned by the store and never reused.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Whether the store holds no staff member and no service, which is when
    /// the app imports the catalog of its configuration.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn is_catalog_empty(&self) -> Result<bool, StoreError>;

    /// Stores a whole catalog, keeping the ids it carries.
    ///
    /// MUST be atomic: afterwards either all of `catalog` is stored or none
    /// of it. MUST refuse with [`ImportCatalogError::NotEmpty`] when the
    /// catalog is not empty, so two starting processes import it once. Ids
    /// assigned later by `add_*` MUST NOT collide with imported ones.
    ///
    /// # Errors
    /// [`ImportCatalogError::NotEmpty`], or [`ImportCatalogError::Store`].
    async fn import_catalog(&self, catalog: CatalogSnapshot) -> Result<(), ImportCatalogError>;

    /// The revision of the catalog: the services and the staff members
    /// (with their performers and weekly hours), the date overrides and
    /// the blocked periods. What [`services`](Self::services),
    /// [`staff`](Self::staff), [`date_overrides`](Self::date_overrides) and
    /// [`time_off`](Self::time_off) return may be kept while it stays the
    /// same.
    ///
    /// MUST change when any of them changes, by whatever wrote it (this
    /// store, another instance or process on the same database, an
    /// import), no later than the change is visible to those reads; MUST
    /// NOT come back to a value it had before (a random 64-bit value per
    /// change is enough). The policy overrides are not covered.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn catalog_revision(&self) -> Result<CatalogRevision, StoreError>;

    /// Every service, active or not, ordered by id.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a stored service the domain refuses.
    async fn services(&self) -> Result<Vec<Service>, StoreError>;

    /// Adds a service built from `spec` under a fresh id and returns it.
    /// The caller has validated `spec` (including that its performers exist).
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn add_service(&self, spec: ServiceSpec) -> Result<Service, StoreError>;

    /// Replaces the spec of service `id` and returns the service.
    ///
    /// # Errors
    /// [`CatalogChangeError::NotFound`] for an unknown id.
    async fn update_service(
        &self,
        id: ServiceId,
        spec: ServiceSpec,
    ) -> Result<Service, CatalogChangeError>;

    /// Every staff member, active or not, ordered by id.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a stored staff member the domain refuses.
    async fn staff(&self) -> Result<Vec<StaffMember>, StoreError>;

    /// Adds a staff member built from `spec` under a fresh id and returns it.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn add_staff(&self, spec: StaffSpec) -> Result<StaffMember, StoreError>;

    /// Replaces the spec (name, weekly hours, active) of staff member `id`.
    ///
    /// # Errors
    /// [`CatalogChangeError::NotFound`] for an unknown id.
    async fn update_staff(
        &self,
        id: StaffId,
        spec: StaffSpec,
    ) -> Result<StaffMember, CatalogChangeError>;

    /// The date overrides with a date in `from..=to`, business-wide and per
    /// staff member, ordered by date.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a stored override is corrupt.
    async fn date_overrides(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DateOverride>, StoreError>;

    /// Stores `date_override`. MUST replace an existing override for the same
    /// date and the same staff member (or the same business-wide date), so
    /// there is at most one per date and staff member.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn set_date_override(&self, date_override: DateOverride) -> Result<(), StoreError>;

    /// Removes the override of `date` for `staff` (`None`: the business-wide
    /// one).
    ///
    /// # Errors
    /// [`CatalogChangeError::NotFound`] when there is none.
    async fn remove_date_override(
        &self,
        date: NaiveDate,
        staff: Option<StaffId>,
    ) -> Result<(), CatalogChangeError>;

    /// The blocked periods that overlap `period` (half-open, touching ones
    /// excluded), for every staff member and business-wide, ordered by start.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a stored period is corrupt.
    async fn time_off(&self, period: Interval) -> Result<Vec<TimeOff>, StoreError>;

    /// Blocks a period under a fresh id. The caller has validated `spec`.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn add_time_off(&self, spec: TimeOffSpec) -> Result<TimeOff, StoreError>;

    /// Unblocks the period `id`.
    ///
    /// # Errors
    /// [`CatalogChangeError::NotFound`] for an unknown id.
    async fn remove_time_off(&self, id: TimeOffId) -> Result<(), CatalogChangeError>;

    /// The policy settings changed from a bot, one value per field.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or a stored value is corrupt.
    async fn policy_overrides(&self) -> Result<PolicyOverrides, StoreError>;

    /// Stores `change` in place of its field's earlier value, leaving the
    /// other fields as they are. The caller has validated it.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn set_policy_override(&self, change: PolicyChange) -> Result<(), StoreError>;

    /// Forgets every policy override: the configuration's policy applies
    /// again.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    async fn clear_policy_overrides(&self) -> Result<(), StoreError>;
}
