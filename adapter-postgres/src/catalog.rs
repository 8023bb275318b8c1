//! The catalog port: services with their performers, staff with weekly
//! hours, date overrides and blocked periods.
//!
//! Catalog edits are rare and the last write wins, so there is no version
//! column here; every multi-statement write is still one transaction so a
//! reader never sees a service without its performers.

use std::collections::BTreeMap;

use async_trait::async_trait;
use booking_domain::{
    CancelReason, Currency, DateOverride, Interval, LocalTimeRange, Money, OverrideHours,
    PolicyChange, PolicyOverrides, Service, ServiceId, ServiceName, ServiceSpec, StaffId,
    StaffMember, StaffName, StaffSpec, TimeOff, TimeOffId, TimeOffSpec, WeeklyHours,
};
use booking_ports::{
    CatalogChangeError, CatalogRevision, CatalogSnapshot, CatalogStore, ImportCatalogError,
    StoreError,
};
use chrono::{NaiveDate, Weekday};
use sqlx::{PgConnection, Postgres, Transaction};

use crate::PgStore;
use crate::convert::{self, Record, to_ms};
use crate::failure::backend;
use crate::sql;

/// The longest blocked period the schema admits (its CHECK), which bounds
/// the range search for the blocks overlapping a period.
const MAX_TIME_OFF_MS: i64 = 367 * 86_400_000;

#[derive(sqlx::FromRow)]
struct ServiceRow {
    id: i64,
    name: String,
    duration_min: i64,
    price_minor: i64,
    currency: String,
    buffer_before_min: i64,
    buffer_after_min: i64,
    active: bool,
}

#[derive(sqlx::FromRow)]
struct StaffRow {
    id: i64,
    name: String,
    active: bool,
}

/// A service with its performers' ids, comma-separated (see the statement).
#[derive(sqlx::FromRow)]
struct ServiceWithPerformersRow {
    #[sqlx(flatten)]
    service: ServiceRow,
    performer_ids: Option<String>,
}

/// A staff member with their hours as `weekday:start-end`, comma-separated
/// (see the statement).
#[derive(sqlx::FromRow)]
struct StaffWithHoursRow {
    #[sqlx(flatten)]
    staff: StaffRow,
    hours: Option<String>,
}

#[derive(sqlx::FromRow)]
struct HoursRow {
    staff_id: i64,
    weekday: i64,
    start_minute: i64,
    end_minute: i64,
}

#[derive(sqlx::FromRow)]
struct OverrideRow {
    id: i64,
    date: String,
    staff_id: Option<i64>,
    closed: bool,
    start_minute: Option<i64>,
    end_minute: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct TimeOffRow {
    id: i64,
    staff_id: Option<i64>,
    start_ms: i64,
    end_ms: i64,
    reason: Option<String>,
}

fn period(record: Record, start: i64, end: i64) -> Result<LocalTimeRange, StoreError> {
    let start = convert::unsigned::<u16>(record, start)?;
    let end = convert::unsigned::<u16>(record, end)?;
    LocalTimeRange::new(start, end).map_err(|e| record.corrupt(e))
}

fn service_from_row(row: ServiceRow, performers: Vec<StaffId>) -> Result<Service, StoreError> {
    let record = Record::new("service", row.id);
    let currency = Currency::new(&row.currency).map_err(|e| record.corrupt(e))?;
    let spec = ServiceSpec {
        name: ServiceName::new(&row.name).map_err(|e| record.corrupt(e))?,
        duration: convert::minutes(record, row.duration_min)?,
        price: Money::new(row.price_minor, currency).map_err(|e| record.corrupt(e))?,
        buffer_before: convert::minutes(record, row.buffer_before_min)?,
        buffer_after: convert::minutes(record, row.buffer_after_min)?,
        active: row.active,
        performers,
    };
    let id = convert::id(record, row.id, ServiceId::new)?;
    Service::new(id, spec).map_err(|e| record.corrupt(e))
}

fn staff_from_row(
    row: StaffRow,
    hours: Vec<(Weekday, LocalTimeRange)>,
) -> Result<StaffMember, StoreError> {
    let record = Record::new("staff member", row.id);
    let spec = StaffSpec {
        name: StaffName::new(&row.name).map_err(|e| record.corrupt(e))?,
        hours: WeeklyHours::new(hours).map_err(|e| record.corrupt(e))?,
        active: row.active,
    };
    let id = convert::id(record, row.id, StaffId::new)?;
    StaffMember::new(id, spec).map_err(|e| record.corrupt(e))
}

fn time_off_from_row(row: TimeOffRow) -> Result<TimeOff, StoreError> {
    let record = Record::new("time off", row.id);
    let start = convert::instant(record, row.start_ms)?;
    let end = convert::instant(record, row.end_ms)?;
    let spec = TimeOffSpec {
        staff: row
            .staff_id
            .map(|s| convert::id(record, s, StaffId::new))
            .transpose()?,
        period: Interval::new(start, end)
            .ok_or_else(|| record.corrupt("the period ends before it starts"))?,
        reason: row
            .reason
            .map(|r| CancelReason::new(&r).map_err(|e| record.corrupt(e)))
            .transpose()?,
    };
    let id = convert::id(record, row.id, TimeOffId::new)?;
    TimeOff::new(id, spec).map_err(|e| record.corrupt(e))
}

/// Groups override rows (one per period, or one with NULL periods for a
/// closed day) into overrides.
fn overrides_from_rows(rows: Vec<OverrideRow>) -> Result<Vec<DateOverride>, StoreError> {
    let mut grouped: Vec<(OverrideRow, Vec<LocalTimeRange>)> = Vec::new();
    for row in rows {
        let record = Record::new("date override", row.id);
        let period = match (row.start_minute, row.end_minute) {
            (Some(start), Some(end)) => Some(period(record, start, end)?),
            _ => None,
        };
        match grouped.last_mut() {
            Some((last, periods)) if last.id == row.id => periods.extend(period),
            _ => grouped.push((row, period.into_iter().collect())),
        }
    }
    grouped
        .into_iter()
        .map(|(row, periods)| {
            let record = Record::new("date override", row.id);
            let date =
                NaiveDate::parse_from_str(&row.date, "%Y-%m-%d").map_err(|e| record.corrupt(e))?;
            let staff = row
                .staff_id
                .map(|s| convert::id(record, s, StaffId::new))
                .transpose()?;
            let hours = if row.closed {
                OverrideHours::Closed
            } else if periods.is_empty() {
                return Err(record.corrupt("an open override without hours"));
            } else {
                OverrideHours::Open(periods)
            };
            DateOverride::new(date, staff, hours).map_err(|e| record.corrupt(e))
        })
        .collect()
}

mod writes;

use writes::{
    insert_hours, insert_override, insert_performers, insert_service, insert_staff, insert_time_off,
};

impl PgStore {
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        // READ COMMITTED, the server's default: each statement sees what
        // committed before it started. Conflicts are settled by row locks,
        // constraints and advisory locks, statement by statement.
        self.pool.begin().await
    }

    async fn service_by_id(&self, conn: &mut PgConnection, id: i64) -> Result<Service, StoreError> {
        let load = backend("reading a service");
        let row: ServiceRow = sqlx::query_as(sql::SERVICE_BY_ID)
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .map_err(&load)?;
        let performers: Vec<i64> = sqlx::query_scalar(sql::PERFORMERS_OF_SERVICE)
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .map_err(&load)?;
        let record = Record::new("service", id);
        let performers = performers
            .into_iter()
            .map(|s| convert::id(record, s, StaffId::new))
            .collect::<Result<_, _>>()?;
        service_from_row(row, performers)
    }

    async fn staff_by_id(
        &self,
        conn: &mut PgConnection,
        id: i64,
    ) -> Result<StaffMember, StoreError> {
        let load = backend("reading a staff member");
        let row: StaffRow = sqlx::query_as(sql::STAFF_BY_ID)
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .map_err(&load)?;
        let hours: Vec<HoursRow> = sqlx::query_as(sql::HOURS_OF_STAFF)
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .map_err(&load)?;
        let hours = hours_from_rows(hours)?.remove(&id).unwrap_or_default();
        staff_from_row(row, hours)
    }
}

type HoursByStaff = BTreeMap<i64, Vec<(Weekday, LocalTimeRange)>>;

fn hours_from_rows(rows: Vec<HoursRow>) -> Result<HoursByStaff, StoreError> {
    let mut by_staff = HoursByStaff::new();
    for row in rows {
        let record = Record::new("staff member", row.staff_id);
        let period = weekly_period(record, row.weekday, row.start_minute, row.end_minute)?;
        by_staff.entry(row.staff_id).or_default().push(period);
    }
    Ok(by_staff)
}

/// One period of weekly hours as stored: weekday 0 is Monday.
fn weekly_period(
    record: Record,
    weekday: i64,
    start_minute: i64,
    end_minute: i64,
) -> Result<(Weekday, LocalTimeRange), StoreError> {
    let day = u8::try_from(weekday)
        .ok()
        .and_then(|d| Weekday::try_from(d).ok())
        .ok_or_else(|| record.corrupt(format!("{weekday} is not a weekday")))?;
    Ok((day, period(record, start_minute, end_minute)?))
}

/// One period of weekly hours as `STAFF_WITH_HOURS` lists it:
/// `weekday:start-end`.
fn weekly_period_from_text(
    record: Record,
    text: &str,
) -> Result<(Weekday, LocalTimeRange), StoreError> {
    let malformed = || record.corrupt(format!("malformed hours {text:?}"));
    let (weekday, range) = text.split_once(':').ok_or_else(malformed)?;
    let (start, end) = range.split_once('-').ok_or_else(malformed)?;
    let number = |n: &str| n.parse::<i64>().map_err(|_| malformed());
    weekly_period(record, number(weekday)?, number(start)?, number(end)?)
}

/// The items of a `group_concat` list; none for NULL.
fn list(text: Option<&str>) -> impl Iterator<Item = &str> {
    text.into_iter().flat_map(|t| t.split(','))
}

#[async_trait]
impl CatalogStore for PgStore {
    async fn is_catalog_empty(&self) -> Result<bool, StoreError> {
        sqlx::query_scalar(sql::CATALOG_IS_EMPTY)
            .fetch_one(&self.pool)
            .await
            .map_err(backend("checking whether the catalog is empty"))
    }

    async fn catalog_revision(&self) -> Result<CatalogRevision, StoreError> {
        let fail = backend("reading the catalog revision");
        let mut connection = self.lender.lend().await.map_err(&fail)?;
        let revision = sqlx::query_scalar(sql::CATALOG_REVISION)
            .fetch_one(&mut *connection)
            .await;
        self.lender
            .finished(connection, revision)
            .map(CatalogRevision::new)
            .map_err(&fail)
    }

    async fn import_catalog(&self, catalog: CatalogSnapshot) -> Result<(), ImportCatalogError> {
        let fail = backend("importing the catalog");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        // Imports take turns (an advisory lock held to the end of the
        // transaction), and each checks emptiness after its turn came, so of
        // two processes importing at once the second sees the first's
        // catalog and is refused.
        sqlx::query(sql::LOCK_CATALOG_IMPORT)
            .execute(&mut *tx)
            .await
            .map_err(&fail)?;
        let empty: bool = sqlx::query_scalar(sql::CATALOG_IS_EMPTY)
            .fetch_one(&mut *tx)
            .await
            .map_err(&fail)?;
        if !empty {
            return Err(ImportCatalogError::NotEmpty);
        }
        for staff in &catalog.staff {
            insert_staff(&mut tx, Some(staff.id()), staff.spec())
                .await
                .map_err(&fail)?;
        }
        for service in &catalog.services {
            insert_service(&mut tx, Some(service.id()), service.spec())
                .await
                .map_err(&fail)?;
        }
        for date_override in &catalog.date_overrides {
            insert_override(&mut tx, date_override)
                .await
                .map_err(&fail)?;
        }
        for time_off in &catalog.time_off {
            insert_time_off(&mut tx, Some(time_off.id()), time_off.spec())
                .await
                .map_err(&fail)?;
        }
        // The ids came from the file: the identities must not hand them out
        // again.
        for sync in [
            sql::SYNC_STAFF_SEQUENCE,
            sql::SYNC_SERVICES_SEQUENCE,
            sql::SYNC_TIME_OFF_SEQUENCE,
        ] {
            sqlx::query(sync).execute(&mut *tx).await.map_err(&fail)?;
        }
        tx.commit().await.map_err(&fail)?;
        Ok(())
    }

    async fn services(&self) -> Result<Vec<Service>, StoreError> {
        let rows: Vec<ServiceWithPerformersRow> = sqlx::query_as(sql::SERVICES_WITH_PERFORMERS)
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading the services"))?;
        rows.into_iter()
            .map(|row| {
                let record = Record::new("service", row.service.id);
                let performers = list(row.performer_ids.as_deref())
                    .map(|id| {
                        let id = id.parse().map_err(|e| record.corrupt(e))?;
                        convert::id(record, id, StaffId::new)
                    })
                    .collect::<Result<_, _>>()?;
                service_from_row(row.service, performers)
            })
            .collect()
    }

    async fn add_service(&self, spec: ServiceSpec) -> Result<Service, StoreError> {
        let fail = backend("adding a service");
        // The caller validated the spec; checking again before writing keeps
        // an invalid service out of the file rather than failing to read it.
        spec.validate()
            .map_err(|e| StoreError::backend("adding a service", e))?;
        let mut tx = self.begin_write().await.map_err(&fail)?;
        let id = insert_service(&mut tx, None, &spec).await.map_err(&fail)?;
        let service = self.service_by_id(&mut tx, id).await?;
        tx.commit().await.map_err(&fail)?;
        Ok(service)
    }

    async fn update_service(
        &self,
        id: ServiceId,
        spec: ServiceSpec,
    ) -> Result<Service, CatalogChangeError> {
        let fail = backend("updating a service");
        spec.validate()
            .map_err(|e| StoreError::backend("updating a service", e))?;
        let mut tx = self.begin_write().await.map_err(&fail)?;
        let updated = sqlx::query(sql::UPDATE_SERVICE)
            .bind(spec.name.as_str())
            .bind(i64::from(spec.duration.get()))
            .bind(spec.price.minor())
            .bind(spec.price.currency().code())
            .bind(i64::from(spec.buffer_before.get()))
            .bind(i64::from(spec.buffer_after.get()))
            .bind(spec.active)
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(&fail)?;
        if updated.rows_affected() == 0 {
            return Err(CatalogChangeError::NotFound);
        }
        sqlx::query(sql::DELETE_PERFORMERS)
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(&fail)?;
        insert_performers(&mut tx, id.get(), &spec.performers)
            .await
            .map_err(&fail)?;
        let service = self.service_by_id(&mut tx, id.get()).await?;
        tx.commit().await.map_err(&fail)?;
        Ok(service)
    }

    async fn staff(&self) -> Result<Vec<StaffMember>, StoreError> {
        let rows: Vec<StaffWithHoursRow> = sqlx::query_as(sql::STAFF_WITH_HOURS)
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading the staff"))?;
        rows.into_iter()
            .map(|row| {
                let record = Record::new("staff member", row.staff.id);
                let hours = list(row.hours.as_deref())
                    .map(|period| weekly_period_from_text(record, period))
                    .collect::<Result<_, _>>()?;
                staff_from_row(row.staff, hours)
            })
            .collect()
    }

    async fn add_staff(&self, spec: StaffSpec) -> Result<StaffMember, StoreError> {
        let fail = backend("adding a staff member");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        let id = insert_staff(&mut tx, None, &spec).await.map_err(&fail)?;
        let staff = self.staff_by_id(&mut tx, id).await?;
        tx.commit().await.map_err(&fail)?;
        Ok(staff)
    }

    async fn update_staff(
        &self,
        id: StaffId,
        spec: StaffSpec,
    ) -> Result<StaffMember, CatalogChangeError> {
        let fail = backend("updating a staff member");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        let updated = sqlx::query(sql::UPDATE_STAFF)
            .bind(spec.name.as_str())
            .bind(spec.active)
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(&fail)?;
        if updated.rows_affected() == 0 {
            return Err(CatalogChangeError::NotFound);
        }
        sqlx::query(sql::DELETE_HOURS)
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(&fail)?;
        insert_hours(&mut tx, id.get(), &spec.hours)
            .await
            .map_err(&fail)?;
        let staff = self.staff_by_id(&mut tx, id.get()).await?;
        tx.commit().await.map_err(&fail)?;
        Ok(staff)
    }

    async fn date_overrides(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DateOverride>, StoreError> {
        let rows: Vec<OverrideRow> = sqlx::query_as(sql::DATE_OVERRIDES_BETWEEN)
            .bind(from.format("%Y-%m-%d").to_string())
            .bind(to.format("%Y-%m-%d").to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading date overrides"))?;
        overrides_from_rows(rows)
    }

    async fn set_date_override(&self, date_override: DateOverride) -> Result<(), StoreError> {
        let fail = backend("setting a date override");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        insert_override(&mut tx, &date_override)
            .await
            .map_err(&fail)?;
        tx.commit().await.map_err(&fail)
    }

    async fn remove_date_override(
        &self,
        date: NaiveDate,
        staff: Option<StaffId>,
    ) -> Result<(), CatalogChangeError> {
        let removed = sqlx::query(sql::DELETE_DATE_OVERRIDE)
            .bind(date.format("%Y-%m-%d").to_string())
            .bind(staff.map_or(0, StaffId::get))
            .execute(&self.pool)
            .await
            .map_err(backend("removing a date override"))?;
        if removed.rows_affected() == 0 {
            return Err(CatalogChangeError::NotFound);
        }
        Ok(())
    }

    async fn time_off(&self, period: Interval) -> Result<Vec<TimeOff>, StoreError> {
        let rows: Vec<TimeOffRow> = sqlx::query_as(sql::TIME_OFF_OVERLAPPING)
            .bind(to_ms(period.start()))
            .bind(to_ms(period.end()))
            .bind(MAX_TIME_OFF_MS)
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading blocked periods"))?;
        rows.into_iter().map(time_off_from_row).collect()
    }

    async fn add_time_off(&self, spec: TimeOffSpec) -> Result<TimeOff, StoreError> {
        let fail = backend("blocking a period");
        spec.validate()
            .map_err(|e| StoreError::backend("blocking a period", e))?;
        let mut conn = self.pool.acquire().await.map_err(&fail)?;
        let id = insert_time_off(&mut conn, None, &spec)
            .await
            .map_err(&fail)?;
        let record = Record::new("time off", id);
        let id = convert::id(record, id, TimeOffId::new)?;
        TimeOff::new(id, spec).map_err(|e| record.corrupt(e))
    }

    async fn remove_time_off(&self, id: TimeOffId) -> Result<(), CatalogChangeError> {
        let removed = sqlx::query(sql::DELETE_TIME_OFF)
            .bind(id.get())
            .execute(&self.pool)
            .await
            .map_err(backend("unblocking a period"))?;
        if removed.rows_affected() == 0 {
            return Err(CatalogChangeError::NotFound);
        }
        Ok(())
    }

    async fn policy_overrides(&self) -> Result<PolicyOverrides, StoreError> {
        crate::policy::overrides(&self.pool).await
    }

    async fn set_policy_override(&self, change: PolicyChange) -> Result<(), StoreError> {
        crate::policy::set(&self.pool, change).await
    }

    async fn clear_policy_overrides(&self) -> Result<(), StoreError> {
        crate::policy::clear(&self.pool).await
    }
}
