//! The catalog's inserts, shared by the port's edits and the one-time
//! import: a service with its performers, a staff member with their hours,
//! a date override with its periods, a blocked period.

use booking_domain::{
    CancelReason, DateOverride, LocalTimeRange, OverrideHours, ServiceId, ServiceSpec, StaffId,
    StaffSpec, TimeOffId, TimeOffSpec, WeeklyHours,
};
use chrono::Weekday;
use sqlx::PgConnection;

use crate::convert::to_ms;
use crate::sql;

fn weekday_index(weekday: Weekday) -> i64 {
    i64::from(weekday.num_days_from_monday())
}

pub(super) async fn insert_service(
    tx: &mut PgConnection,
    id: Option<ServiceId>,
    spec: &ServiceSpec,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(sql::INSERT_SERVICE)
        .bind(id.map(ServiceId::get))
        .bind(spec.name.as_str())
        .bind(i64::from(spec.duration.get()))
        .bind(spec.price.minor())
        .bind(spec.price.currency().code())
        .bind(i64::from(spec.buffer_before.get()))
        .bind(i64::from(spec.buffer_after.get()))
        .bind(spec.active)
        .fetch_one(&mut *tx)
        .await?;
    insert_performers(tx, id, &spec.performers).await?;
    Ok(id)
}

pub(super) async fn insert_performers(
    tx: &mut PgConnection,
    service: i64,
    performers: &[StaffId],
) -> Result<(), sqlx::Error> {
    for staff in performers {
        sqlx::query(sql::INSERT_PERFORMER)
            .bind(service)
            .bind(staff.get())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

pub(super) async fn insert_staff(
    tx: &mut PgConnection,
    id: Option<StaffId>,
    spec: &StaffSpec,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(sql::INSERT_STAFF)
        .bind(id.map(StaffId::get))
        .bind(spec.name.as_str())
        .bind(spec.active)
        .fetch_one(&mut *tx)
        .await?;
    insert_hours(tx, id, &spec.hours).await?;
    Ok(id)
}

pub(super) async fn insert_hours(
    tx: &mut PgConnection,
    staff: i64,
    hours: &WeeklyHours,
) -> Result<(), sqlx::Error> {
    for (weekday, period) in hours.periods() {
        sqlx::query(sql::INSERT_HOURS)
            .bind(staff)
            .bind(weekday_index(weekday))
            .bind(i64::from(period.start_minute()))
            .bind(i64::from(period.end_minute()))
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

pub(super) async fn insert_override(
    tx: &mut PgConnection,
    date_override: &DateOverride,
) -> Result<(), sqlx::Error> {
    let date = date_override.date().format("%Y-%m-%d").to_string();
    let staff = date_override.staff().map(StaffId::get);
    // At most one override per date and staff member: the new one replaces
    // the old (its periods go with it, ON DELETE CASCADE).
    sqlx::query(sql::DELETE_DATE_OVERRIDE)
        .bind(&date)
        .bind(staff.unwrap_or(0))
        .execute(&mut *tx)
        .await?;
    let (closed, periods): (bool, &[LocalTimeRange]) = match date_override.hours() {
        OverrideHours::Closed => (true, &[]),
        OverrideHours::Open(periods) => (false, periods),
    };
    let id: i64 = sqlx::query_scalar(sql::INSERT_DATE_OVERRIDE)
        .bind(&date)
        .bind(staff)
        .bind(closed)
        .fetch_one(&mut *tx)
        .await?;
    for period in periods {
        sqlx::query(sql::INSERT_OVERRIDE_PERIOD)
            .bind(id)
            .bind(i64::from(period.start_minute()))
            .bind(i64::from(period.end_minute()))
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

pub(super) async fn insert_time_off(
    tx: &mut PgConnection,
    id: Option<TimeOffId>,
    spec: &TimeOffSpec,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql::INSERT_TIME_OFF)
        .bind(id.map(TimeOffId::get))
        .bind(spec.staff.map(StaffId::get))
        .bind(to_ms(spec.period.start()))
        .bind(to_ms(spec.period.end()))
        .bind(spec.reason.as_ref().map(CancelReason::expose))
        .fetch_one(&mut *tx)
        .await
}
