//! The catalog port of [`MemoryStore`](super::MemoryStore): services, staff,
//! date overrides and blocked periods.

use async_trait::async_trait;
use booking_domain::{
    DateOverride, Interval, PolicyChange, PolicyOverrides, Service, ServiceId, ServiceSpec,
    StaffId, StaffMember, StaffSpec, TimeOff, TimeOffId, TimeOffSpec,
};
use chrono::NaiveDate;

use super::{MemoryStore, next_id};
use crate::error::StoreError;
use crate::ports::catalog::{
    CatalogChangeError, CatalogRevision, CatalogSnapshot, CatalogStore, ImportCatalogError,
};

#[async_trait]
impl CatalogStore for MemoryStore {
    async fn is_catalog_empty(&self) -> Result<bool, StoreError> {
        let state = self.lock("reading the catalog")?;
        Ok(state.staff.is_empty() && state.services.is_empty())
    }

    async fn import_catalog(&self, catalog: CatalogSnapshot) -> Result<(), ImportCatalogError> {
        let mut state = self.lock("importing the catalog")?;
        if !(state.staff.is_empty() && state.services.is_empty()) {
            return Err(ImportCatalogError::NotEmpty);
        }
        for member in catalog.staff {
            state.last_staff_id = state.last_staff_id.max(member.id().get());
            state.staff.insert(member.id(), member);
        }
        for service in catalog.services {
            state.last_service_id = state.last_service_id.max(service.id().get());
            state.services.insert(service.id(), service);
        }
        for date_override in catalog.date_overrides {
            state
                .overrides
                .insert((date_override.date(), date_override.staff()), date_override);
        }
        for time_off in catalog.time_off {
            state.last_time_off_id = state.last_time_off_id.max(time_off.id().get());
            state.time_off.insert(time_off.id(), time_off);
        }
        state.catalog_changes += 1;
        Ok(())
    }

    async fn catalog_revision(&self) -> Result<CatalogRevision, StoreError> {
        let state = self.lock("reading the catalog revision")?;
        Ok(CatalogRevision::new(state.catalog_changes))
    }

    async fn services(&self) -> Result<Vec<Service>, StoreError> {
        Ok(self
            .lock("reading services")?
            .services
            .values()
            .cloned()
            .collect())
    }

    async fn add_service(&self, spec: ServiceSpec) -> Result<Service, StoreError> {
        let mut state = self.lock("adding a service")?;
        let id = next_id(
            &mut state.last_service_id,
            ServiceId::new,
            "adding a service",
        )?;
        let service =
            Service::new(id, spec).map_err(|e| StoreError::backend("adding a service", e))?;
        state.services.insert(id, service.clone());
        state.catalog_changes += 1;
        Ok(service)
    }

    async fn update_service(
        &self,
        id: ServiceId,
        spec: ServiceSpec,
    ) -> Result<Service, CatalogChangeError> {
        let mut state = self.lock("updating a service")?;
        let slot = state
            .services
            .get_mut(&id)
            .ok_or(CatalogChangeError::NotFound)?;
        let service =
            Service::new(id, spec).map_err(|e| StoreError::backend("updating a service", e))?;
        *slot = service.clone();
        state.catalog_changes += 1;
        Ok(service)
    }

    async fn staff(&self) -> Result<Vec<StaffMember>, StoreError> {
        Ok(self
            .lock("reading staff")?
            .staff
            .values()
            .cloned()
            .collect())
    }

    async fn add_staff(&self, spec: StaffSpec) -> Result<StaffMember, StoreError> {
        let mut state = self.lock("adding a staff member")?;
        let id = next_id(
            &mut state.last_staff_id,
            StaffId::new,
            "adding a staff member",
        )?;
        let member = StaffMember::new(id, spec)
            .map_err(|e| StoreError::backend("adding a staff member", e))?;
        state.staff.insert(id, member.clone());
        state.catalog_changes += 1;
        Ok(member)
    }

    async fn update_staff(
        &self,
        id: StaffId,
        spec: StaffSpec,
    ) -> Result<StaffMember, CatalogChangeError> {
        let mut state = self.lock("updating a staff member")?;
        let slot = state
            .staff
            .get_mut(&id)
            .ok_or(CatalogChangeError::NotFound)?;
        let member = StaffMember::new(id, spec)
            .map_err(|e| StoreError::backend("updating a staff member", e))?;
        *slot = member.clone();
        state.catalog_changes += 1;
        Ok(member)
    }

    async fn date_overrides(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DateOverride>, StoreError> {
        let state = self.lock("reading date overrides")?;
        if to < from {
            return Ok(Vec::new());
        }
        Ok(state
            .overrides
            .range((from, None)..)
            .take_while(|((date, _), _)| *date <= to)
            .map(|(_, o)| o.clone())
            .collect())
    }

    async fn set_date_override(&self, date_override: DateOverride) -> Result<(), StoreError> {
        let mut state = self.lock("setting a date override")?;
        state
            .overrides
            .insert((date_override.date(), date_override.staff()), date_override);
        state.catalog_changes += 1;
        Ok(())
    }

    async fn remove_date_override(
        &self,
        date: NaiveDate,
        staff: Option<StaffId>,
    ) -> Result<(), CatalogChangeError> {
        let mut state = self.lock("removing a date override")?;
        state
            .overrides
            .remove(&(date, staff))
            .ok_or(CatalogChangeError::NotFound)?;
        state.catalog_changes += 1;
        Ok(())
    }

    async fn time_off(&self, period: Interval) -> Result<Vec<TimeOff>, StoreError> {
        let state = self.lock("reading blocked periods")?;
        let mut found: Vec<TimeOff> = state
            .time_off
            .values()
            .filter(|t| t.period().overlaps(&period))
            .cloned()
            .collect();
        found.sort_by_key(|t| (t.period().start(), t.id()));
        Ok(found)
    }

    async fn add_time_off(&self, spec: TimeOffSpec) -> Result<TimeOff, StoreError> {
        let mut state = self.lock("blocking a period")?;
        let id = next_id(
            &mut state.last_time_off_id,
            TimeOffId::new,
            "blocking a period",
        )?;
        let time_off =
            TimeOff::new(id, spec).map_err(|e| StoreError::backend("blocking a period", e))?;
        state.time_off.insert(id, time_off.clone());
        state.catalog_changes += 1;
        Ok(time_off)
    }

    async fn remove_time_off(&self, id: TimeOffId) -> Result<(), CatalogChangeError> {
        let mut state = self.lock("unblocking a period")?;
        state
            .time_off
            .remove(&id)
            .ok_or(CatalogChangeError::NotFound)?;
        state.catalog_changes += 1;
        Ok(())
    }

    async fn policy_overrides(&self) -> Result<PolicyOverrides, StoreError> {
        Ok(self.lock("reading the policy overrides")?.policy.clone())
    }

    async fn set_policy_override(&self, change: PolicyChange) -> Result<(), StoreError> {
        let mut state = self.lock("changing the policy")?;
        state.policy = std::mem::take(&mut state.policy).with(change);
        Ok(())
    }

    async fn clear_policy_overrides(&self) -> Result<(), StoreError> {
        self.lock("resetting the policy")?.policy = PolicyOverrides::default();
        Ok(())
    }
}
