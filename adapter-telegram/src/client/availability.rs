//! The free days and times a customer may pick when booking, from the
//! engine (moving reads the engine's move-aware queries, see
//! `moving.rs`). A service withdrawn meanwhile reads as `None`, for the
//! caller to explain.

use booking_domain::ServiceId;
use booking_ports::engine::AvailabilityError;
use chrono::{DateTime, NaiveDate, Utc};

use super::ctx::Ctx;
use super::state::StaffPick;
use crate::error::HandlerError;
use crate::ui::client::calendar;

/// The days with free times from today to the horizon, or `None` for a
/// service no longer offered.
pub(crate) async fn free_days(
    ctx: &Ctx,
    service: ServiceId,
    staff: StaffPick,
) -> Result<Option<Vec<NaiveDate>>, HandlerError> {
    let now = ctx.now();
    let (today, last) = (ctx.policy.today(now), ctx.policy.last_bookable_day(now));
    let result = ctx
        .engine
        .days_with_free_times(service, staff.choice(), today, last)
        .await;
    free_days_or_unavailable(result)
}

/// The days with free times that calendar page `page` needs. Reads only as
/// much of the calendar as that takes: the whole horizon's bookings are the
/// most expensive read of the booking flow.
pub(crate) async fn free_days_to_page(
    ctx: &Ctx,
    service: ServiceId,
    staff: StaffPick,
    page: u8,
) -> Result<Option<Vec<NaiveDate>>, HandlerError> {
    let now = ctx.now();
    let (today, last) = (ctx.policy.today(now), ctx.policy.last_bookable_day(now));
    let needed = calendar::days_needed_for(page);
    let result = ctx
        .engine
        .first_days_with_free_times(service, staff.choice(), today, last, needed)
        .await;
    free_days_or_unavailable(result)
}

fn free_days_or_unavailable(
    result: Result<Vec<NaiveDate>, AvailabilityError>,
) -> Result<Option<Vec<NaiveDate>>, HandlerError> {
    match result {
        Ok(days) => Ok(Some(days)),
        Err(AvailabilityError::UnknownService) => Ok(None),
        Err(AvailabilityError::Forbidden(refusal)) => Err(refusal.into()),
        Err(AvailabilityError::Store(e)) => Err(HandlerError::engine("list free days", e)),
    }
}

/// The free starts of `day`, or `None` for a service no longer offered.
pub(crate) async fn free_starts(
    ctx: &Ctx,
    service: ServiceId,
    staff: StaffPick,
    day: NaiveDate,
) -> Result<Option<Vec<DateTime<Utc>>>, HandlerError> {
    match ctx.engine.free_times(service, staff.choice(), day).await {
        Ok(free) => Ok(Some(free.into_iter().map(|f| f.start).collect())),
        Err(AvailabilityError::UnknownService) => Ok(None),
        Err(AvailabilityError::Forbidden(refusal)) => Err(refusal.into()),
        Err(AvailabilityError::Store(e)) => Err(HandlerError::engine("list free times", e)),
    }
}
