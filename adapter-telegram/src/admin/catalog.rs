//! Catalog editing from the admin bot: services, staff members, weekly
//! hours and date overrides, as text commands.
//!
//! Parsing is in two steps on purpose: [`commands::catalog`] checks each
//! command's shape (a wrong shape shows the command's usage), and
//! [`commands::catalog_input`] builds
//! the values with the domain constructors when the command runs, so a
//! refused value comes back with the domain's own reason (each error
//! variant has its message in the locale files) and changes nothing. The
//! endpoints here are the third step: one use case, then the screen from
//! [`crate::ui::admin::catalog`]. Schedule edits that strand bookings list
//! them and offer to cancel them (see `steps`).

use booking_domain::{
    DateOverride, InvalidHours, OverrideHours, Service, ServiceId, ServiceSpec, StaffId,
    StaffMember, StaffName, StaffSpec, WeeklyHours,
};
use booking_ports::engine::{OverrideEditError, Period, ServiceEditError, StaffEditError};

use super::commands::catalog::{
    HoursEdit, OverrideEdit, OverrideKey, OverridesRange, ServiceEdit, ServiceFields, StaffRename,
};
use super::commands::catalog_input::{
    CatalogInputError, edited_spec, new_service_spec, periods, replaced_hours,
};
use super::ctx::Ctx;
use super::steps::offer_to_cancel;
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::ui::admin::catalog as ui;

async fn all_services(ctx: &Ctx) -> Result<Vec<Service>, HandlerError> {
    ctx.engine
        .all_services(&ctx.actor)
        .await
        .map_err(|e| HandlerError::engine("list services", e))
}

async fn all_staff(ctx: &Ctx) -> Result<Vec<StaffMember>, HandlerError> {
    ctx.engine
        .all_staff(&ctx.actor)
        .await
        .map_err(|e| HandlerError::engine("list staff", e))
}

async fn refuse(ctx: &Ctx, error: &CatalogInputError) -> Result<(), HandlerError> {
    ctx.say(&ui::refused(&ctx.t(), error)).await
}

async fn unknown_staff(ctx: &Ctx, id: StaffId) -> Result<(), HandlerError> {
    ctx.say(&ui::unknown_staff(&ctx.t(), id)).await
}

/// `/services`.
pub(super) async fn services(ctx: Ctx) -> Result<(), HandlerError> {
    let services = all_services(&ctx).await?;
    let staff = all_staff(&ctx).await?;
    ctx.say(&ui::services(&ctx.t(), &services, &staff)).await
}

/// A service saved (`added` or changed), or why not.
async fn after_service_edit(
    ctx: &Ctx,
    result: Result<Service, ServiceEditError>,
    added: bool,
) -> Result<(), HandlerError> {
    match result {
        Ok(service) => {
            let staff = all_staff(ctx).await?;
            ctx.say(&ui::service_saved(&ctx.t(), added, &service, &staff))
                .await
        }
        Err(ServiceEditError::Invalid(e)) => refuse(ctx, &e.into()).await,
        Err(ServiceEditError::UnknownStaff { id }) => unknown_staff(ctx, id).await,
        Err(ServiceEditError::NotFound) => ctx.say_text(Msg::AdminServiceGone).await,
        Err(ServiceEditError::Forbidden(refusal)) => Err(refusal.into()),
        Err(ServiceEditError::Store(e)) => Err(HandlerError::engine("save a service", e)),
    }
}

/// `/service_add`.
pub(super) async fn service_add(ctx: Ctx, fields: ServiceFields) -> Result<(), HandlerError> {
    let spec = match new_service_spec(&fields) {
        Ok(spec) => spec,
        Err(e) => return refuse(&ctx, &e).await,
    };
    let result = ctx.engine.add_service(&ctx.actor, spec).await;
    after_service_edit(&ctx, result, true).await
}

/// Changes service `id`'s spec with `change` and saves it.
async fn edit_service(
    ctx: &Ctx,
    id: ServiceId,
    change: impl FnOnce(ServiceSpec) -> Result<ServiceSpec, CatalogInputError>,
) -> Result<(), HandlerError> {
    let services = all_services(ctx).await?;
    let Some(service) = services.into_iter().find(|s| s.id() == id) else {
        return ctx.say(&ui::unknown_service(&ctx.t(), id)).await;
    };
    let spec = match change(service.spec().clone()) {
        Ok(spec) => spec,
        Err(e) => return refuse(ctx, &e).await,
    };
    let result = ctx.engine.update_service(&ctx.actor, id, spec).await;
    after_service_edit(ctx, result, false).await
}

/// `/service_edit`.
pub(super) async fn service_edit(ctx: Ctx, edit: ServiceEdit) -> Result<(), HandlerError> {
    edit_service(&ctx, edit.id, |spec| {
        edited_spec(spec, edit.field, &edit.value)
    })
    .await
}

/// `/service_off`.
pub(super) async fn service_off(ctx: Ctx, id: ServiceId) -> Result<(), HandlerError> {
    edit_service(&ctx, id, |spec| {
        Ok(ServiceSpec {
            active: false,
            ..spec
        })
    })
    .await
}

/// `/service_on`.
pub(super) async fn service_on(ctx: Ctx, id: ServiceId) -> Result<(), HandlerError> {
    edit_service(&ctx, id, |spec| {
        Ok(ServiceSpec {
            active: true,
            ..spec
        })
    })
    .await
}

/// `/staff`.
pub(super) async fn staff(ctx: Ctx) -> Result<(), HandlerError> {
    let staff = all_staff(&ctx).await?;
    ctx.say(&ui::staff(&ctx.t(), &staff)).await
}

/// `/staff_add`.
pub(super) async fn staff_add(ctx: Ctx, name: String) -> Result<(), HandlerError> {
    let name = match StaffName::new(&name) {
        Ok(name) => name,
        Err(e) => return refuse(&ctx, &e.into()).await,
    };
    let spec = StaffSpec {
        name,
        hours: WeeklyHours::default(),
        active: true,
    };
    let member = ctx
        .engine
        .add_staff(&ctx.actor, spec)
        .await
        .map_err(|e| HandlerError::engine("add a staff member", e))?;
    ctx.say(&ui::staff_added(&ctx.t(), &member)).await
}

/// Changes staff member `id`'s spec with `change`, saves it and lists the
/// bookings that no longer fit.
async fn edit_staff(
    ctx: &Ctx,
    id: StaffId,
    change: impl FnOnce(StaffSpec) -> Result<StaffSpec, InvalidHours>,
) -> Result<(), HandlerError> {
    let Some(member) = all_staff(ctx).await?.into_iter().find(|m| m.id() == id) else {
        return unknown_staff(ctx, id).await;
    };
    let spec = match change(member.spec().clone()) {
        Ok(spec) => spec,
        Err(e) => return refuse(ctx, &e.into()).await,
    };
    match ctx.engine.update_staff(&ctx.actor, id, spec).await {
        Ok(change) => {
            let done = ui::staff_saved(&ctx.t(), &change.entry);
            offer_to_cancel(ctx, done, &change.colliding).await
        }
        Err(StaffEditError::NotFound) => unknown_staff(ctx, id).await,
        Err(StaffEditError::Forbidden(refusal)) => Err(refusal.into()),
        Err(StaffEditError::Store(e)) => Err(HandlerError::engine("save a staff member", e)),
    }
}

/// `/staff_rename`.
pub(super) async fn staff_rename(ctx: Ctx, rename: StaffRename) -> Result<(), HandlerError> {
    let name = match StaffName::new(&rename.name) {
        Ok(name) => name,
        Err(e) => return refuse(&ctx, &e.into()).await,
    };
    edit_staff(&ctx, rename.id, |spec| Ok(StaffSpec { name, ..spec })).await
}

/// `/staff_off`.
pub(super) async fn staff_off(ctx: Ctx, id: StaffId) -> Result<(), HandlerError> {
    edit_staff(&ctx, id, |spec| {
        Ok(StaffSpec {
            active: false,
            ..spec
        })
    })
    .await
}

/// `/staff_on`.
pub(super) async fn staff_on(ctx: Ctx, id: StaffId) -> Result<(), HandlerError> {
    edit_staff(&ctx, id, |spec| {
        Ok(StaffSpec {
            active: true,
            ..spec
        })
    })
    .await
}

/// `/hours`.
pub(super) async fn hours(ctx: Ctx, edit: HoursEdit) -> Result<(), HandlerError> {
    let new = match edit.periods.as_deref().map(periods).transpose() {
        Ok(new) => new.unwrap_or_default(),
        Err(e) => return refuse(&ctx, &e.into()).await,
    };
    edit_staff(&ctx, edit.staff, |spec| {
        let hours = replaced_hours(&spec.hours, &edit.days, &new)?;
        Ok(StaffSpec { hours, ..spec })
    })
    .await
}

/// `/overrides`.
pub(super) async fn overrides(ctx: Ctx, range: OverridesRange) -> Result<(), HandlerError> {
    let first = range.first.unwrap_or_else(|| ctx.today());
    let last = range
        .last
        .unwrap_or_else(|| ctx.policy.last_bookable_day(ctx.engine.now()).max(first));
    let Ok(period) = Period::new(first, last) else {
        return ctx.say_text(Msg::AdminPeriodInvalid).await;
    };
    let overrides = ctx
        .engine
        .date_overrides(&ctx.actor, period)
        .await
        .map_err(|e| HandlerError::engine("list date overrides", e))?;
    ctx.say(&ui::overrides(&ctx.t(), first, last, &overrides))
        .await
}

/// `/override`.
pub(super) async fn set_override(ctx: Ctx, edit: OverrideEdit) -> Result<(), HandlerError> {
    let hours = match edit.periods.as_deref().map(periods).transpose() {
        Ok(Some(periods)) => OverrideHours::Open(periods),
        Ok(None) => OverrideHours::Closed,
        Err(e) => return refuse(&ctx, &e.into()).await,
    };
    let entry = match DateOverride::new(edit.date, edit.staff, hours) {
        Ok(entry) => entry,
        Err(e) => return refuse(&ctx, &e.into()).await,
    };
    match ctx.engine.set_date_override(&ctx.actor, entry).await {
        Ok(change) => {
            let done = ui::override_set(&ctx.t(), &change.entry);
            offer_to_cancel(&ctx, done, &change.colliding).await
        }
        Err(OverrideEditError::UnknownStaff { id }) => unknown_staff(&ctx, id).await,
        // Setting replaces; "not found" cannot come from it, but answer sanely.
        Err(OverrideEditError::NotFound) => ctx.say_text(Msg::AdminOverrideNotFound).await,
        Err(OverrideEditError::Forbidden(refusal)) => Err(refusal.into()),
        Err(OverrideEditError::Store(e)) => Err(HandlerError::engine("set a date override", e)),
    }
}

/// `/override_remove`.
pub(super) async fn remove_override(ctx: Ctx, key: OverrideKey) -> Result<(), HandlerError> {
    let removed = ctx
        .engine
        .remove_date_override(&ctx.actor, key.date, key.staff)
        .await;
    match removed {
        Ok(()) => {
            ctx.say(&ui::override_removed(&ctx.t(), key.date, key.staff))
                .await
        }
        Err(OverrideEditError::NotFound) => ctx.say_text(Msg::AdminOverrideNotFound).await,
        Err(OverrideEditError::UnknownStaff { id }) => unknown_staff(&ctx, id).await,
        Err(OverrideEditError::Forbidden(refusal)) => Err(refusal.into()),
        Err(OverrideEditError::Store(e)) => Err(HandlerError::engine("remove a date override", e)),
    }
}
