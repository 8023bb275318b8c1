//! The catalog port (`CatalogStore`): import into an empty catalog, fresh ids,
//! updates by id, date overrides, blocked periods and policy overrides.

use std::collections::HashSet;

use booking_domain::{
    DateOverride, LocalTimeRange, OverrideHours, Service, ServiceId, StaffId, StaffMember, TimeOff,
    TimeOffId, TimeOffSpec, WeeklyHours,
};
use chrono::{Duration, NaiveDate, Weekday};

use super::ContractStore;
use super::world::*;
use crate::ports::catalog::{
    CatalogChangeError, CatalogRevision, CatalogSnapshot, ImportCatalogError,
};

/// This file's contracts, composed by [`contract_tests!`](crate::contract_tests).
#[doc(hidden)]
#[macro_export]
macro_rules! __catalog_contracts {
    ($fixture:path) => {
        $crate::contract_tests!(@each $fixture; catalog;
            catalog_starts_empty_and_imports_once,
            catalog_entries_get_fresh_ids_and_update_by_id,
            date_override_replaces_the_one_for_the_same_date_and_staff,
            time_off_is_found_by_overlap_and_removed_by_id,
            policy_overrides_are_kept_one_per_field_and_cleared_together,
            catalog_revision_changes_with_every_change_to_the_catalog,
        );
    };
}

/// `is_catalog_empty` and `import_catalog`: atomic, only into an empty
/// catalog, ids kept, later ids fresh.
pub async fn catalog_starts_empty_and_imports_once<S: ContractStore>(store: S) {
    assert!(
        store.is_catalog_empty().await.unwrap(),
        "a new store has no catalog"
    );
    let anna = StaffMember::new(StaffId::new(7).unwrap(), staff_spec("Anna")).unwrap();
    let haircut = Service::new(
        ServiceId::new(3).unwrap(),
        service_spec("Haircut", vec![anna.id()]),
    )
    .unwrap();
    let day_off = DateOverride::new(
        NaiveDate::from_ymd_opt(2030, 1, 8).unwrap(),
        Some(anna.id()),
        OverrideHours::Closed,
    )
    .unwrap();
    let holiday = TimeOff::new(
        TimeOffId::new(4).unwrap(),
        TimeOffSpec {
            staff: None,
            period: interval(at(0, 0), at(0, 0) + Duration::days(1)),
            reason: None,
        },
    )
    .unwrap();
    let snapshot = CatalogSnapshot {
        staff: vec![anna.clone()],
        services: vec![haircut.clone()],
        date_overrides: vec![day_off.clone()],
        time_off: vec![holiday.clone()],
    };

    store.import_catalog(snapshot.clone()).await.unwrap();

    assert!(!store.is_catalog_empty().await.unwrap());
    assert_eq!(
        store.staff().await.unwrap(),
        vec![anna.clone()],
        "import MUST keep staff ids"
    );
    assert_eq!(
        store.services().await.unwrap(),
        vec![haircut.clone()],
        "import MUST keep service ids"
    );
    assert_eq!(
        store
            .date_overrides(day_off.date(), day_off.date())
            .await
            .unwrap(),
        vec![day_off]
    );
    assert_eq!(
        store.time_off(holiday.period()).await.unwrap(),
        vec![holiday.clone()]
    );
    assert!(
        matches!(
            store.import_catalog(snapshot).await,
            Err(ImportCatalogError::NotEmpty)
        ),
        "a second import MUST be refused with NotEmpty"
    );
    let boris = store.add_staff(staff_spec("Boris")).await.unwrap();
    assert!(
        boris.id() != anna.id(),
        "added ids MUST NOT collide with imported ones"
    );
    let shave = store
        .add_service(service_spec("Shave", vec![]))
        .await
        .unwrap();
    assert!(
        shave.id() != haircut.id(),
        "added ids MUST NOT collide with imported ones"
    );
    let block = store
        .add_time_off(TimeOffSpec {
            staff: Some(boris.id()),
            period: interval(at(10, 0), at(11, 0)),
            reason: None,
        })
        .await
        .unwrap();
    assert!(
        block.id() != holiday.id(),
        "added ids MUST NOT collide with imported ones"
    );
}

/// `add_*` assigns fresh ids; `update_*` replaces by id or says `NotFound`.
pub async fn catalog_entries_get_fresh_ids_and_update_by_id<S: ContractStore>(store: S) {
    let anna = store.add_staff(staff_spec("Anna")).await.unwrap();
    let boris = store.add_staff(staff_spec("Boris")).await.unwrap();
    assert_ne!(anna.id(), boris.id());
    assert_eq!(anna.spec(), &staff_spec("Anna"));
    let haircut = store
        .add_service(service_spec("Haircut", vec![anna.id()]))
        .await
        .unwrap();
    let shave = store
        .add_service(service_spec("Shave", vec![boris.id()]))
        .await
        .unwrap();
    assert_ne!(haircut.id(), shave.id());

    let mut spec = service_spec("Long haircut", vec![anna.id(), boris.id()]);
    spec.duration = minutes(90);
    spec.active = false;
    let updated = store
        .update_service(haircut.id(), spec.clone())
        .await
        .unwrap();
    assert_eq!(updated, Service::new(haircut.id(), spec).unwrap());
    let mut renamed = staff_spec("Boris B.");
    renamed.active = false;
    store
        .update_staff(boris.id(), renamed.clone())
        .await
        .unwrap();

    assert_eq!(
        store.services().await.unwrap(),
        vec![updated, shave],
        "services MUST be listed by id, inactive ones included"
    );
    assert_eq!(
        store.staff().await.unwrap(),
        vec![anna, StaffMember::new(boris.id(), renamed).unwrap()]
    );
    let missing = ServiceId::new(9_999).unwrap();
    assert!(matches!(
        store
            .update_service(missing, service_spec("X", vec![]))
            .await,
        Err(CatalogChangeError::NotFound)
    ));
    assert!(matches!(
        store
            .update_staff(StaffId::new(9_999).unwrap(), staff_spec("X"))
            .await,
        Err(CatalogChangeError::NotFound)
    ));
}

/// At most one override per date and staff member (or business-wide).
pub async fn date_override_replaces_the_one_for_the_same_date_and_staff<S: ContractStore>(
    store: S,
) {
    let anna = store.add_staff(staff_spec("Anna")).await.unwrap().id();
    let day = NaiveDate::from_ymd_opt(2030, 1, 8).unwrap();
    let next = day.succ_opt().unwrap();
    let short = OverrideHours::Open(vec![LocalTimeRange::parse("10:00-12:00").unwrap()]);
    store
        .set_date_override(DateOverride::new(day, Some(anna), OverrideHours::Closed).unwrap())
        .await
        .unwrap();
    let replacement = DateOverride::new(day, Some(anna), short.clone()).unwrap();
    store.set_date_override(replacement.clone()).await.unwrap();
    let business = DateOverride::new(day, None, OverrideHours::Closed).unwrap();
    store.set_date_override(business.clone()).await.unwrap();
    let later = DateOverride::new(next, None, short).unwrap();
    store.set_date_override(later.clone()).await.unwrap();

    let mut found = store.date_overrides(day, day).await.unwrap();
    found.sort_by_key(DateOverride::staff);
    assert_eq!(
        found,
        vec![business.clone(), replacement.clone()],
        "setting an override MUST replace the one for the same date and staff member"
    );
    assert_eq!(
        store.date_overrides(next, next).await.unwrap(),
        vec![later.clone()]
    );
    assert_eq!(
        store.date_overrides(day, next).await.unwrap().len(),
        3,
        "the range is inclusive at both ends"
    );

    store.remove_date_override(day, None).await.unwrap();
    assert_eq!(
        store.date_overrides(day, day).await.unwrap(),
        vec![replacement]
    );
    assert!(matches!(
        store.remove_date_override(day, None).await,
        Err(CatalogChangeError::NotFound)
    ));
}

/// Blocked periods are found by half-open overlap and removed by id.
pub async fn time_off_is_found_by_overlap_and_removed_by_id<S: ContractStore>(store: S) {
    let anna = store.add_staff(staff_spec("Anna")).await.unwrap().id();
    let morning = store
        .add_time_off(TimeOffSpec {
            staff: Some(anna),
            period: interval(at(9, 0), at(12, 0)),
            reason: None,
        })
        .await
        .unwrap();
    let evening = store
        .add_time_off(TimeOffSpec {
            staff: None,
            period: interval(at(16, 0), at(18, 0)),
            reason: Some(booking_domain::CancelReason::new("Inventory").unwrap()),
        })
        .await
        .unwrap();
    assert_ne!(morning.id(), evening.id());
    assert_eq!(
        store
            .time_off(interval(at(11, 0), at(17, 0)))
            .await
            .unwrap(),
        vec![morning.clone(), evening.clone()],
        "ordered by start"
    );
    assert!(
        store
            .time_off(interval(at(12, 0), at(16, 0)))
            .await
            .unwrap()
            .is_empty(),
        "touching periods do not overlap"
    );
    store.remove_time_off(morning.id()).await.unwrap();
    assert_eq!(
        store.time_off(interval(at(0, 0), at(23, 0))).await.unwrap(),
        vec![evening]
    );
    assert!(matches!(
        store.remove_time_off(morning.id()).await,
        Err(CatalogChangeError::NotFound)
    ));
}

/// `policy_overrides`, `set_policy_override`, `clear_policy_overrides`: one
/// value per field, a later one replacing it, the others untouched; each
/// kind of value reads back as written; clearing forgets them all.
pub async fn policy_overrides_are_kept_one_per_field_and_cleared_together<S: ContractStore>(
    store: S,
) {
    use booking_domain::{Minutes, PolicyChange, PolicyOverrides};
    assert!(store.policy_overrides().await.unwrap().is_empty());
    let all = [
        PolicyChange::MinNotice(Minutes::new(90).unwrap()),
        PolicyChange::HorizonDays(60),
        PolicyChange::CancellationCutoff(Minutes::ZERO),
        PolicyChange::RescheduleCutoff(Minutes::MAX),
        PolicyChange::RequiresConfirmation(true),
        PolicyChange::MaxActiveBookingsPerCustomer(u16::MAX),
    ];
    for change in all {
        store.set_policy_override(change).await.unwrap();
    }
    assert_eq!(
        store.policy_overrides().await.unwrap(),
        PolicyOverrides::new(all)
    );
    store
        .set_policy_override(PolicyChange::MinNotice(Minutes::new(15).unwrap()))
        .await
        .unwrap();
    store
        .set_policy_override(PolicyChange::RequiresConfirmation(false))
        .await
        .unwrap();
    let read = store.policy_overrides().await.unwrap();
    assert_eq!(read.changes().len(), 6);
    assert!(
        read.changes()
            .contains(&PolicyChange::MinNotice(Minutes::new(15).unwrap()))
    );
    assert!(
        read.changes()
            .contains(&PolicyChange::RequiresConfirmation(false))
    );
    assert!(read.changes().contains(&PolicyChange::HorizonDays(60)));

    store.clear_policy_overrides().await.unwrap();
    assert!(store.policy_overrides().await.unwrap().is_empty());
}

/// `catalog_revision`: the same while nothing changes, a value never seen
/// before after each change to the catalog (an import, a service or a
/// staff member added or changed, a service's performers, a member's
/// hours, a date override set or removed, a period blocked or unblocked).
pub async fn catalog_revision_changes_with_every_change_to_the_catalog<S: ContractStore>(store: S) {
    let mut seen = HashSet::new();
    let after = async |change: &str, seen: &mut HashSet<CatalogRevision>| {
        let revision = store.catalog_revision().await.unwrap();
        assert_eq!(
            store.catalog_revision().await.unwrap(),
            revision,
            "reading MUST NOT change the revision ({change})"
        );
        assert!(
            seen.insert(revision),
            "the revision MUST change, to a value it never had, after {change}"
        );
    };
    after("nothing", &mut seen).await;

    let anna = StaffMember::new(StaffId::new(7).unwrap(), staff_spec("Anna")).unwrap();
    let catalog = CatalogSnapshot {
        staff: vec![anna.clone()],
        ..CatalogSnapshot::default()
    };
    store.import_catalog(catalog).await.unwrap();
    after("an import", &mut seen).await;

    let boris = store.add_staff(staff_spec("Boris")).await.unwrap();
    after("a staff member added", &mut seen).await;
    let haircut = store
        .add_service(service_spec("Haircut", vec![anna.id()]))
        .await
        .unwrap();
    after("a service added", &mut seen).await;

    store
        .update_service(haircut.id(), service_spec("Haircut", vec![boris.id()]))
        .await
        .unwrap();
    after("a service's performers changed", &mut seen).await;
    let mut longer = service_spec("Haircut", vec![boris.id()]);
    longer.duration = minutes(90);
    store.update_service(haircut.id(), longer).await.unwrap();
    after("a service's duration changed", &mut seen).await;

    let mut weekends = staff_spec("Boris");
    let day = LocalTimeRange::parse("10:00-14:00").unwrap();
    weekends.hours = WeeklyHours::new([(Weekday::Sat, day)]).unwrap();
    store.update_staff(boris.id(), weekends).await.unwrap();
    after("a staff member's hours changed", &mut seen).await;
    let mut away = staff_spec("Boris");
    away.active = false;
    store.update_staff(boris.id(), away).await.unwrap();
    after("a staff member deactivated", &mut seen).await;

    let date = NaiveDate::from_ymd_opt(2030, 1, 8).unwrap();
    let short = OverrideHours::Open(vec![LocalTimeRange::parse("10:00-12:00").unwrap()]);
    let short_day = DateOverride::new(date, Some(anna.id()), short).unwrap();
    store.set_date_override(short_day).await.unwrap();
    after("a date override set", &mut seen).await;
    let closed = DateOverride::new(date, Some(anna.id()), OverrideHours::Closed).unwrap();
    store.set_date_override(closed).await.unwrap();
    after("a date override replaced", &mut seen).await;
    store
        .remove_date_override(date, Some(anna.id()))
        .await
        .unwrap();
    after("a date override removed", &mut seen).await;
    let block = store
        .add_time_off(TimeOffSpec {
            staff: Some(anna.id()),
            period: interval(at(10, 0), at(11, 0)),
            reason: None,
        })
        .await
        .unwrap();
    after("a period blocked", &mut seen).await;
    store.remove_time_off(block.id()).await.unwrap();
    after("a period unblocked", &mut seen).await;
}
