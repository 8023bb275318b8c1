//! The catalog, read from the store once and kept until the store's
//! catalog revision changes ([`CatalogStore::catalog_revision`]): the
//! services, the staff members, and the date overrides and blocked periods
//! from a little before the read on.
//!
//! Why: nearly every step of a booking needs them (the services offered,
//! their performers, the calendar's hours and exceptions, the names on a
//! booking), and a salon changes them a few times a month. Reading them is
//! four statements and a row per entry, each crossing to the store's
//! connection and back; checking the revision is one statement of one row.
//! A calendar of days before what was kept (a staff member looking back)
//! reads its overrides and blocked periods from the store, as before.
//!
//! The revision is read before the catalog. A change committed while the
//! catalog is being read leaves what was read under the older revision, so
//! the next use finds a different revision and reads the catalog again:
//! what is kept may be newer than its revision, never older. Two uses that
//! read the catalog at once both store what they read; the last one wins,
//! and a later use reads again if it was the older one.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use booking_domain::{DateOverride, Interval, Service, StaffMember, TimeOff};
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::error::StoreError;
use crate::ports::catalog::{CatalogRevision, CatalogStore};

/// How far before the read the kept overrides and blocked periods start:
/// a calendar reads the day before the first day it shows, in the
/// business's time zone, which is at most 14 hours from UTC.
const KEPT_BEFORE: Duration = Duration::days(2);

/// How far after the read they end: past any booking horizon.
const KEPT_AFTER: Duration = Duration::days(3 * 366);

/// The catalog as one read found it.
#[derive(Debug, Default)]
pub(crate) struct CatalogNow {
    /// Every service, active or not, by id.
    pub(crate) services: Vec<Service>,
    /// Every staff member, active or not, by id.
    pub(crate) staff: Vec<StaffMember>,
    /// The date overrides dated within `overrides_kept`, by date.
    overrides: Vec<DateOverride>,
    overrides_kept: Option<(NaiveDate, NaiveDate)>,
    /// The blocked periods overlapping `time_off_kept`, by start.
    time_off: Vec<TimeOff>,
    time_off_kept: Option<Interval>,
}

impl CatalogNow {
    /// The date overrides dated `from..=to`, as the store would list them;
    /// `None` when that is not all within what was kept.
    pub(crate) fn overrides_in(&self, from: NaiveDate, to: NaiveDate) -> Option<Vec<DateOverride>> {
        let (first, last) = self.overrides_kept?;
        (first <= from && to <= last).then(|| {
            self.overrides
                .iter()
                .filter(|o| (from..=to).contains(&o.date()))
                .cloned()
                .collect()
        })
    }

    /// The blocked periods overlapping `window`, as the store would list
    /// them; `None` when `window` is not all within what was kept.
    pub(crate) fn time_off_in(&self, window: Interval) -> Option<Vec<TimeOff>> {
        self.time_off_kept?.contains(&window).then(|| {
            self.time_off
                .iter()
                .filter(|t| t.period().overlaps(&window))
                .cloned()
                .collect()
        })
    }
}

/// The last catalog read and the revision read before it.
#[derive(Debug, Default)]
pub(crate) struct CatalogCache {
    kept: Mutex<Option<(CatalogRevision, Arc<CatalogNow>)>>,
}

impl CatalogCache {
    /// The catalog as of `store`'s current revision: the kept one when the
    /// revision is unchanged, otherwise read again (its overrides and
    /// blocked periods around `now`) and kept.
    pub(crate) async fn read(
        &self,
        store: &dyn CatalogStore,
        now: DateTime<Utc>,
    ) -> Result<Arc<CatalogNow>, StoreError> {
        let revision = store.catalog_revision().await?;
        self.read_at(store, now, revision).await
    }

    /// The catalog as of `revision`, which `store` answered just before
    /// (by itself, or with a calendar's bookings): the kept one when it is
    /// the kept one's, otherwise read again and kept under it.
    pub(crate) async fn read_at(
        &self,
        store: &dyn CatalogStore,
        now: DateTime<Utc>,
        revision: CatalogRevision,
    ) -> Result<Arc<CatalogNow>, StoreError> {
        if let Some((kept_at, kept)) = self.kept().as_ref()
            && *kept_at == revision
        {
            return Ok(Arc::clone(kept));
        }
        let (from, to) = (now - KEPT_BEFORE, now + KEPT_AFTER);
        let overrides_kept = (from.date_naive(), to.date_naive());
        let time_off_kept = Interval::new(from, to);
        let now = Arc::new(CatalogNow {
            services: store.services().await?,
            staff: store.staff().await?,
            overrides: store
                .date_overrides(overrides_kept.0, overrides_kept.1)
                .await?,
            overrides_kept: Some(overrides_kept),
            time_off: match time_off_kept {
                Some(window) => store.time_off(window).await?,
                None => Vec::new(),
            },
            time_off_kept,
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
    use booking_domain::{OverrideHours, TimeOffSpec};
    use chrono::{TimeZone, Weekday};

    use super::*;
    use crate::memory::MemoryStore;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 3, 4, 9, 0, 0).unwrap()
    }

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

        let first = cache.read(&store, now()).await.unwrap();
        assert_eq!(first.staff, vec![anna.clone()]);
        let again = cache.read(&store, now()).await.unwrap();
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
        let after_add = cache.read(&store, now()).await.unwrap();
        assert_eq!(after_add.services, vec![cut]);

        let renamed = store
            .update_staff(anna.id(), staff_spec("Anna K."))
            .await
            .unwrap();
        let after_rename = cache.read(&store, now()).await.unwrap();
        assert_eq!(after_rename.staff, vec![renamed]);
    }

    #[tokio::test]
    async fn kept_overrides_and_blocks_answer_within_their_range_and_change_with_the_store() {
        let store = MemoryStore::new();
        let cache = CatalogCache::default();
        let anna = store.add_staff(staff_spec("Anna")).await.unwrap();
        let tuesday = NaiveDate::from_ymd_opt(2030, 3, 5).unwrap();
        let day = Interval::new(now(), now() + Duration::days(1)).unwrap();
        let kept = cache.read(&store, now()).await.unwrap();
        assert_eq!(kept.overrides_in(tuesday, tuesday), Some(Vec::new()));
        assert_eq!(kept.time_off_in(day), Some(Vec::new()));

        let closed = DateOverride::new(tuesday, Some(anna.id()), OverrideHours::Closed).unwrap();
        store.set_date_override(closed.clone()).await.unwrap();
        let block = store
            .add_time_off(TimeOffSpec {
                staff: Some(anna.id()),
                period: Interval::new(now(), now() + Duration::hours(1)).unwrap(),
                reason: None,
            })
            .await
            .unwrap();
        let kept = cache.read(&store, now()).await.unwrap();

        assert_eq!(kept.overrides_in(tuesday, tuesday), Some(vec![closed]));
        assert_eq!(kept.time_off_in(day), Some(vec![block]));
        let after_the_block = Interval::new(now() + Duration::hours(1), now() + Duration::days(1));
        assert_eq!(kept.time_off_in(after_the_block.unwrap()), Some(Vec::new()));
        let long_ago = NaiveDate::from_ymd_opt(2029, 1, 1).unwrap();
        assert_eq!(
            kept.overrides_in(long_ago, tuesday),
            None,
            "days before what was kept are the store's to answer"
        );
    }
}
