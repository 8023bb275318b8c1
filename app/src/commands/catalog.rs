//! `booking catalog export [--output]` and `booking catalog import <file>`:
//! the catalog (staff, services, date overrides) as TOML in the shape of the
//! config file's catalog sections, so an export can be pasted into
//! `booking.toml` or imported into another database. Export then import
//! into an empty database then export gives the same text: the writer is
//! canonical (entries by id, every key written, prices with all their minor
//! digits). Blocked periods (time off) are operational data, not catalog
//! configuration, and are not part of the file.
//!
//! Import refuses a database that already has a catalog: the database is
//! the source of truth once it has one, and merging two catalogs would
//! silently re-point existing bookings. To replace a catalog, restore or
//! start from a fresh database.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use adapter_sqlite::SqliteStore;
use booking_domain::{
    Currency, DateOverride, LocalTimeRange, Minutes, Money, OverrideHours, Service, ServiceId,
    ServiceName, ServiceSpec, StaffId, StaffMember, StaffName, StaffSpec, WeeklyHours,
};
use booking_ports::{CatalogSnapshot, CatalogStore, ImportCatalogError, StoreError};
use chrono::{NaiveDate, Weekday};
use serde::Deserialize;

use super::{Exit, block_on, chain, database_url, fail, settings};
use crate::database;

/// The days as the file names them, Monday first.
const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// Runs `catalog export`.
pub fn export(output: Option<&Path>) -> Exit {
    let url = match database_url() {
        Ok(url) => url,
        Err(exit) => return exit,
    };
    if let Some(path) = output
        && path.exists()
    {
        return fail(
            Exit::TargetExists,
            format_args!("the output {} already exists", path.display()),
        );
    }
    block_on(async move {
        let store = match database::open(&url).await {
            Ok(store) => store,
            Err(e) => return fail(Exit::Failure, chain(&e)),
        };
        let catalog = read_catalog(&store).await;
        store.close().await;
        let text = match catalog {
            Ok(catalog) => to_toml(&catalog),
            Err(e) => return fail(Exit::Failure, chain(&e)),
        };
        let written = match output {
            None => {
                let mut out = io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
            Some(path) => {
                std::fs::File::create_new(path).and_then(|mut file| file.write_all(text.as_bytes()))
            }
        };
        match written {
            Ok(()) => Exit::Ok,
            Err(e) => fail(Exit::Failure, format_args!("writing the catalog: {e}")),
        }
    })
}

/// Runs `catalog import`.
pub fn import(file: &Path) -> Exit {
    let settings = match settings() {
        Ok(settings) => settings,
        Err(exit) => return exit,
    };
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            return fail(
                Exit::Failure,
                format_args!("cannot read {}: {e}", file.display()),
            );
        }
    };
    let currency = match business_currency(&settings.config_path) {
        Ok(currency) => currency,
        Err(exit) => return exit,
    };
    let catalog = match parse(file, &text, currency) {
        Ok(catalog) => catalog,
        Err(e) => return fail(Exit::Settings, e),
    };
    let counts = (
        catalog.staff.len(),
        catalog.services.len(),
        catalog.date_overrides.len(),
    );
    block_on(async move {
        let store = match database::open(&settings.database_url).await {
            Ok(store) => store,
            Err(e) => return fail(Exit::Failure, chain(&e)),
        };
        let outcome = store.import_catalog(catalog).await;
        store.close().await;
        match outcome {
            Ok(()) => {
                println!(
                    "imported {} staff, {} services, {} date overrides",
                    counts.0, counts.1, counts.2
                );
                Exit::Ok
            }
            Err(ImportCatalogError::NotEmpty) => fail(
                Exit::Refused,
                "the database already has a catalog; import only into a new database",
            ),
            Err(e) => fail(Exit::Failure, chain(&e)),
        }
    })
}

/// The business currency from the (already validated) config file: the
/// imported file's prices are in it.
fn business_currency(config: &Path) -> Result<Currency, Exit> {
    #[derive(Deserialize)]
    struct File {
        business: Business,
    }
    #[derive(Deserialize)]
    struct Business {
        currency: String,
    }
    let text = std::fs::read_to_string(config)
        .map_err(|e| fail(Exit::Settings, format_args!("{}: {e}", config.display())))?;
    let file: File = toml::from_str(&text).map_err(|e| {
        fail(
            Exit::Settings,
            format_args!("{}: {}", config.display(), e.message()),
        )
    })?;
    Currency::new(&file.business.currency).map_err(|e| {
        fail(
            Exit::Settings,
            format_args!("business.currency is invalid: {e}"),
        )
    })
}

async fn read_catalog(store: &SqliteStore) -> Result<CatalogSnapshot, StoreError> {
    let mut staff = store.staff().await?;
    staff.sort_by_key(StaffMember::id);
    let mut services = store.services().await?;
    services.sort_by_key(Service::id);
    let first = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    let mut date_overrides = store.date_overrides(first, last).await?;
    date_overrides.sort_by_key(|o| (o.date(), o.staff()));
    Ok(CatalogSnapshot {
        staff,
        services,
        date_overrides,
        time_off: Vec::new(),
    })
}

// ---------------------------------------------------------------------------
// Writing.

/// A TOML basic string.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn periods(periods: &[LocalTimeRange]) -> String {
    let items: Vec<String> = periods.iter().map(|p| quoted(&p.to_string())).collect();
    format!("[{}]", items.join(", "))
}

fn price(money: Money) -> String {
    let digits = money.currency().minor_digits();
    if digits == 0 {
        return quoted(&money.minor().to_string());
    }
    let scale = 10_i64.pow(digits);
    quoted(&format!(
        "{}.{:0width$}",
        money.minor() / scale,
        money.minor() % scale,
        width = digits as usize
    ))
}

/// The catalog as canonical TOML.
pub fn to_toml(catalog: &CatalogSnapshot) -> String {
    let mut out = String::from("# The catalog, written by `booking catalog export`.\n");
    for member in &catalog.staff {
        let spec = member.spec();
        let _ = write!(
            out,
            "\n[[staff]]\nid = {}\nname = {}\nactive = {}\n[staff.hours]\n",
            member.id().get(),
            quoted(member.name().as_str()),
            spec.active
        );
        for (key, day) in DAYS {
            let on = spec.hours.on(day);
            if !on.is_empty() {
                let _ = writeln!(out, "{key} = {}", periods(on));
            }
        }
    }
    for service in &catalog.services {
        let spec = service.spec();
        let staff: Vec<String> = spec
            .performers
            .iter()
            .map(|s| s.get().to_string())
            .collect();
        let _ = write!(
            out,
            "\n[[services]]\nid = {}\nname = {}\nduration_minutes = {}\nprice = {}\n\
             buffer_before_minutes = {}\nbuffer_after_minutes = {}\nstaff = [{}]\nactive = {}\n",
            service.id().get(),
            quoted(service.name().as_str()),
            spec.duration.get(),
            price(spec.price),
            spec.buffer_before.get(),
            spec.buffer_after.get(),
            staff.join(", "),
            spec.active
        );
    }
    for date_override in &catalog.date_overrides {
        let _ = write!(
            out,
            "\n[[date_overrides]]\ndate = {}\n",
            quoted(&date_override.date().format("%Y-%m-%d").to_string())
        );
        if let Some(staff) = date_override.staff() {
            let _ = writeln!(out, "staff = {}", staff.get());
        }
        match date_override.hours() {
            OverrideHours::Closed => out.push_str("closed = true\n"),
            OverrideHours::Open(hours) => {
                let _ = writeln!(out, "closed = false\nhours = {}", periods(hours));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Reading.

/// The catalog file does not describe a valid catalog. Displays as one line
/// naming the entry.
#[derive(Debug, thiserror::Error)]
pub enum CatalogFileError {
    #[error("{}, line {line}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: {entry} is invalid: {source}", path.display())]
    Invalid {
        path: PathBuf,
        entry: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Reason(&'static str);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    staff: Vec<StaffEntry>,
    #[serde(default)]
    services: Vec<ServiceEntry>,
    #[serde(default)]
    date_overrides: Vec<OverrideEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffEntry {
    id: i64,
    name: String,
    #[serde(default)]
    hours: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceEntry {
    id: i64,
    name: String,
    duration_minutes: i64,
    price: String,
    #[serde(default)]
    buffer_before_minutes: i64,
    #[serde(default)]
    buffer_after_minutes: i64,
    staff: Vec<i64>,
    #[serde(default = "yes")]
    active: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideEntry {
    date: String,
    staff: Option<i64>,
    #[serde(default)]
    closed: bool,
    #[serde(default)]
    hours: Vec<String>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn parse_periods(raw: &[String]) -> Result<Vec<LocalTimeRange>, BoxError> {
    raw.iter()
        .map(|p| LocalTimeRange::parse(p).map_err(Into::into))
        .collect()
}

fn parse_price(raw: &str, currency: Currency) -> Result<Money, BoxError> {
    let digits = currency.minor_digits();
    let (whole, fraction) = raw.trim().split_once('.').unwrap_or((raw.trim(), ""));
    let digit_string = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !digit_string(whole)
        || !digit_string(fraction)
        || fraction.len() > digits as usize
    {
        return Err(Box::new(Reason(
            "expected a price such as \"1500\" or \"1500.50\"",
        )));
    }
    let too_large = || Reason("the price is too large");
    let whole: i64 = whole.parse().map_err(|_| too_large())?;
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<width$}", width = digits as usize)
            .parse()
            .map_err(|_| too_large())?
    };
    let minor = whole
        .checked_mul(10_i64.pow(digits))
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(too_large)?;
    Ok(Money::new(minor, currency)?)
}

/// Reads a catalog file; prices are in `currency`.
///
/// # Errors
/// [`CatalogFileError`] naming the first bad entry.
pub fn parse(
    path: &Path,
    text: &str,
    currency: Currency,
) -> Result<CatalogSnapshot, CatalogFileError> {
    let file: CatalogFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        CatalogFileError::Syntax {
            path: path.to_owned(),
            line: text[..offset.min(text.len())].matches('\n').count() + 1,
            message: e.message().trim().to_owned(),
        }
    })?;
    let invalid = |entry: String| {
        move |source: BoxError| CatalogFileError::Invalid {
            path: path.to_owned(),
            entry,
            source,
        }
    };

    let mut staff = Vec::new();
    for (i, entry) in file.staff.iter().enumerate() {
        let at = |key: &str| format!("staff[{i}].{key}");
        let mut periods = Vec::new();
        for (key, raw) in &entry.hours {
            let day = DAYS
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, day)| *day)
                .ok_or_else(|| {
                    invalid(at("hours"))(Box::new(Reason("expected mon..sun as keys")))
                })?;
            for period in parse_periods(raw).map_err(invalid(at(&format!("hours.{key}"))))? {
                periods.push((day, period));
            }
        }
        let spec = StaffSpec {
            name: StaffName::new(&entry.name).map_err(|e| invalid(at("name"))(e.into()))?,
            hours: WeeklyHours::new(periods).map_err(|e| invalid(at("hours"))(e.into()))?,
            active: entry.active,
        };
        let id = StaffId::new(entry.id).map_err(|e| invalid(at("id"))(e.into()))?;
        staff.push(StaffMember::new(id, spec).map_err(|e| invalid(at("id"))(e.into()))?);
    }
    let staff_ids: BTreeSet<StaffId> = staff.iter().map(StaffMember::id).collect();
    if staff_ids.len() != staff.len() {
        return Err(invalid("staff.id".to_owned())(Box::new(Reason(
            "two staff members have the same id",
        ))));
    }

    let mut services = Vec::new();
    for (i, entry) in file.services.iter().enumerate() {
        let at = |key: &str| format!("services[{i}].{key}");
        let minutes =
            |key: &str, value: i64| Minutes::new(value).map_err(|e| invalid(at(key))(e.into()));
        let mut performers = Vec::new();
        for raw in &entry.staff {
            let id = StaffId::new(*raw).map_err(|e| invalid(at("staff"))(e.into()))?;
            if !staff_ids.contains(&id) {
                return Err(invalid(at("staff"))(Box::new(Reason(
                    "names a staff member the file does not list",
                ))));
            }
            performers.push(id);
        }
        let spec = ServiceSpec {
            name: ServiceName::new(&entry.name).map_err(|e| invalid(at("name"))(e.into()))?,
            duration: minutes("duration_minutes", entry.duration_minutes)?,
            price: parse_price(&entry.price, currency).map_err(invalid(at("price")))?,
            buffer_before: minutes("buffer_before_minutes", entry.buffer_before_minutes)?,
            buffer_after: minutes("buffer_after_minutes", entry.buffer_after_minutes)?,
            active: entry.active,
            performers,
        };
        let id = ServiceId::new(entry.id).map_err(|e| invalid(at("id"))(e.into()))?;
        services.push(Service::new(id, spec).map_err(|e| invalid(at("id"))(e.into()))?);
    }
    let service_ids: BTreeSet<ServiceId> = services.iter().map(Service::id).collect();
    if service_ids.len() != services.len() {
        return Err(invalid("services.id".to_owned())(Box::new(Reason(
            "two services have the same id",
        ))));
    }

    let mut date_overrides = Vec::new();
    for (i, entry) in file.date_overrides.iter().enumerate() {
        let at = |key: &str| format!("date_overrides[{i}].{key}");
        let date = NaiveDate::parse_from_str(entry.date.trim(), "%Y-%m-%d")
            .map_err(|e| invalid(at("date"))(e.into()))?;
        let staff = match entry.staff {
            None => None,
            Some(raw) => {
                let id = StaffId::new(raw).map_err(|e| invalid(at("staff"))(e.into()))?;
                if !staff_ids.contains(&id) {
                    return Err(invalid(at("staff"))(Box::new(Reason(
                        "names a staff member the file does not list",
                    ))));
                }
                Some(id)
            }
        };
        let hours = match (entry.closed, entry.hours.is_empty()) {
            (true, true) => OverrideHours::Closed,
            (false, false) => {
                OverrideHours::Open(parse_periods(&entry.hours).map_err(invalid(at("hours")))?)
            }
            (true, false) => {
                return Err(invalid(at("hours"))(Box::new(Reason(
                    "a closed day has no hours",
                ))));
            }
            (false, true) => {
                return Err(invalid(at("hours"))(Box::new(Reason(
                    "give the day's hours, or closed = true",
                ))));
            }
        };
        date_overrides.push(
            DateOverride::new(date, staff, hours).map_err(|e| invalid(at("hours"))(e.into()))?,
        );
    }

    Ok(CatalogSnapshot {
        staff,
        services,
        date_overrides,
        time_off: Vec::new(),
    })
}
