//! Where a customer's booking can move: the days and the free times of a
//! day for its service, with the booking itself not counted as busy, so a
//! visit can move by half an hour onto part of its own time, exactly as the
//! move itself would accept (the engine's `days_to_move` and
//! `free_times_to_move`). Someone else's booking is "not found".

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use booking_domain::BookingId;
use booking_ports::engine::{FindBookingError, Mover};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::api::{ClientApi, Customer, DaysJson, TimeJson, TimesJson, customer_of, staff_choice};
use crate::problem::{Code, Problem};

#[derive(Deserialize)]
pub(crate) struct MoveDaysQuery {
    staff: Option<i64>,
}

#[derive(Deserialize)]
pub(crate) struct MoveTimesQuery {
    staff: Option<i64>,
    day: NaiveDate,
}

/// The booking `id` of `who`, as the engine's mover.
async fn mover(
    api: &ClientApi,
    who: &Customer,
    id: i64,
) -> Result<(Mover<'static>, BookingId), Problem> {
    let id = BookingId::new(id).map_err(|_| who.problem(Code::NotFound))?;
    let customer = customer_of(api, who)
        .await?
        .ok_or_else(|| who.problem(Code::NotFound))?;
    Ok((Mover::Customer(customer), id))
}

fn found<T>(who: &Customer, result: Result<T, FindBookingError>) -> Result<T, Problem> {
    match result {
        Ok(value) => Ok(value),
        Err(FindBookingError::NotFound | FindBookingError::Forbidden(_)) => {
            Err(who.problem(Code::NotFound))
        }
        Err(FindBookingError::Store(e)) => Err(who.internal("list times to move to", e)),
    }
}

/// `GET /app/api/bookings/{id}/days?staff=`: from today to the horizon.
pub(crate) async fn days(
    State(api): State<Arc<ClientApi>>,
    who: Customer,
    Path(id): Path<i64>,
    query: Result<Query<MoveDaysQuery>, QueryRejection>,
) -> Result<Json<DaysJson>, Problem> {
    let Query(q) = query.map_err(|_| who.problem(Code::BadRequest))?;
    let staff = staff_choice(q.staff, &who)?;
    let (mover, id) = mover(&api, &who, id).await?;
    let (policy, now) = (api.engine.policy(), api.engine.now());
    let (from, to) = (policy.today(now), policy.last_bookable_day(now));
    let days = found(
        &who,
        api.engine.days_to_move(mover, id, staff, from, to).await,
    )?;
    Ok(Json(DaysJson { days }))
}

/// `GET /app/api/bookings/{id}/times?staff=&day=`.
pub(crate) async fn times(
    State(api): State<Arc<ClientApi>>,
    who: Customer,
    Path(id): Path<i64>,
    query: Result<Query<MoveTimesQuery>, QueryRejection>,
) -> Result<Json<TimesJson>, Problem> {
    let Query(q) = query.map_err(|_| who.problem(Code::BadRequest))?;
    let staff = staff_choice(q.staff, &who)?;
    let (mover, id) = mover(&api, &who, id).await?;
    let starts = found(
        &who,
        api.engine.free_times_to_move(mover, id, staff, q.day).await,
    )?;
    Ok(Json(TimesJson {
        times: starts
            .into_iter()
            .map(|s| TimeJson {
                start: s.start,
                staff: s.staff.iter().map(|id| id.get()).collect(),
            })
            .collect(),
    }))
}
