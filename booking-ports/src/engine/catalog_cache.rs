//! The services and staff members, read from the store once and kept until
//! the store's catalog revision changes ([`CatalogStore::catalog_revision`]).
//!
//! Why: nearly every step of a booking needs them (the services offered,
//! their performers, the calendar's hours, the names on a booking), and a
//! salon changes them a few times a month. Reading them is two statements
//! and a row per service and per staff member, each crossing to the store's
//! connection and back; checking the revision is one statement of one row.
//!
//! The revision is read before the catalog. A change committed while the
//! catalog is being read leaves what was read under the older revision, so
//! the next use finds a different revision and reads the catalog again:
//! what is kept may be newer than its revision, never older. Two uses that
//! read the catalog at once both store what they read; the last one wins,
//! and a later use reads again if it was the older one.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use booking_domain::{Service, StaffMember};

use crate::error::StoreError;
use crate::ports::catalog::{CatalogRevision, CatalogStore};

/// The services and the staff members as one read found them.
#[derive(Debug, Default)]
pub(crate) struct CatalogNow {
    /// Every service, active or not, by id.
    pub(crate) services: Vec<Service>,
    /// Every staff member, active or not, by id.
    pub(crate) staff: Vec<StaffMember>,
}

/// The last catalog read and the revision read before it.
#[derive(Debug, Default)]
pub(crate) struct CatalogCache {
    kept: Mutex<Option<(CatalogRevision, Arc<CatalogNow>)>>,
}

impl CatalogCache {
    /// The catalog as of `store`'s current revision: the kept one when the
    /// revision is unchanged, otherwise read again and kept.
    pub(crate) async fn read(
        &self,
        store: &dyn CatalogStore,
    ) -> Result<Arc<CatalogNow>, StoreError> {
        let revision = store.catalog_revision().await?;
        if let Some((kept_at, kept)) = self.kept().as_ref()
            && *kept_at == revision
        {
            return Ok(Arc::clone(kept));
        }
        let now = Arc::new(CatalogNow {
            services: store.services().await?,
            staff: store.staff().await?,
        });
        *self.kept() = Some((revision, Arc::clone(&now)));
        Ok(now)
    }

    fn kept(&self) -> MutexGuard<'_, Option<(CatalogRevision, Arc<CatalogNow>)>> {
        // A poisoned lock still holds a whole entry: it is only ever
        // replaced by one assignment.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use booking_domain::{
        Currency, LocalTimeRange, Minutes, Money, ServiceName, ServiceSpec, StaffName, StaffSpec,
        WeeklyHours,
    };
    use chrono::Weekday;

    use super::*;
    use crate::memory::MemoryStore;

    fn staff_spec(name: &str) -> StaffSpec {
        let day = LocalTimeRange::parse("09:00-18:00").unwrap();
        StaffSpec {
            name: StaffName::new(name).unwrap(),
            hours: WeeklyHours::new([(Weekday::Mon, day)]).unwrap(),
            active: true,
        }
    }

    #[tokio::test]
    async fn a_kept_catalog_is_read_again_after_any_change_to_it() {
        let store = MemoryStore::new();
        let cache = CatalogCache::default();
        let anna = store.add_staff(staff_spec("Anna")).await.unwrap();

        let first = cache.read(&store).await.unwrap();
        assert_eq!(first.staff, vec![anna.clone()]);
        let again = cache.read(&store).await.unwrap();
        assert!(Arc::ptr_eq(&first, &again), "unchanged: the kept one");

        let cut = store
            .add_service(ServiceSpec {
                name: ServiceName::new("Cut").unwrap(),
                duration: Minutes::new(30).unwrap(),
                price: Money::new(1_000, Currency::new("EUR").unwrap()).unwrap(),
                buffer_before: Minutes::ZERO,
                buffer_after: Minutes::ZERO,
                active: true,
                performers: vec![anna.id()],
            })
            .await
            .unwrap();
        let after_add = cache.read(&store).await.unwrap();
        assert_eq!(after_add.services, vec![cut]);

        let renamed = store
            .update_staff(anna.id(), staff_spec("Anna K."))
            .await
            .unwrap();
        let after_rename = cache.read(&store).await.unwrap();
        assert_eq!(after_rename.staff, vec![renamed]);
    }
}
