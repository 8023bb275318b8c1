//! The catalog's file schema: `[[staff]]`, `[[services]]` and
//! `[[date_overrides]]`, the same types whether they sit in `booking.toml`
//! (imported on first start) or in a catalog file (`booking catalog
//! export|import`). Read with serde and checked into a [`CatalogSnapshot`]
//! here; written back from a snapshot by the `toml` serializer, so the two
//! cannot drift. Prices are read by `Money::parse`, written by
//! `Money::amount`.

use std::collections::BTreeSet;

use booking_domain::{
    Currency, DateOverride, LocalTimeRange, Minutes, Money, OverrideHours, Service, ServiceId,
    ServiceName, ServiceSpec, StaffId, StaffMember, StaffName, StaffSpec, WeeklyHours,
};
use booking_ports::CatalogSnapshot;
use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::{ConfigError, Reason};

/// A catalog file: the catalog sections of `booking.toml` alone.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staff: Vec<StaffEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub date_overrides: Vec<OverrideEntry>,
}

/// `[[staff]]`. Written with the hours last: TOML puts a sub-table after
/// the keys of its table.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffEntry {
    pub id: i64,
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub hours: HoursEntry,
}

fn yes() -> bool {
    true
}

/// `[staff.hours]`: periods per weekday; an absent day is a day off.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HoursEntry {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mon: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tue: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wed: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub thu: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fri: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sat: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sun: Vec<String>,
}

/// `[[services]]`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    pub id: i64,
    pub name: String,
    pub duration_minutes: i64,
    pub price: PriceEntry,
    #[serde(default)]
    pub buffer_before_minutes: i64,
    #[serde(default)]
    pub buffer_after_minutes: i64,
    pub staff: Vec<i64>,
    #[serde(default = "yes")]
    pub active: bool,
}

/// A price as written: a whole number or a decimal string (written back as
/// a string with every minor digit). Floats are not accepted: 0.1 + 0.2 is
/// not money.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PriceEntry {
    Whole(i64),
    Text(String),
}

/// `[[date_overrides]]`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideEntry {
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<i64>,
    #[serde(default)]
    pub closed: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hours: Vec<String>,
}

// ---------------------------------------------------------------------------
// Reading: the entries into domain types, each error naming its entry.

impl CatalogFile {
    /// The catalog these entries describe, with prices in `currency`.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first bad entry's key, such as
    /// `services[1].price`.
    pub fn validate(&self, currency: Currency) -> Result<CatalogSnapshot, ConfigError> {
        let staff = self
            .staff
            .iter()
            .enumerate()
            .map(|(i, entry)| entry.validate(i))
            .collect::<Result<Vec<_>, _>>()?;
        let staff_ids: BTreeSet<StaffId> = staff.iter().map(StaffMember::id).collect();
        if staff_ids.len() != staff.len() {
            return Err(ConfigError::invalid(
                "staff.id",
                Reason("two staff members have the same id"),
            ));
        }
        let services = self
            .services
            .iter()
            .enumerate()
            .map(|(i, entry)| entry.validate(i, currency, &staff_ids))
            .collect::<Result<Vec<_>, _>>()?;
        let service_ids: BTreeSet<ServiceId> = services.iter().map(Service::id).collect();
        if service_ids.len() != services.len() {
            return Err(ConfigError::invalid(
                "services.id",
                Reason("two services have the same id"),
            ));
        }
        let date_overrides = self
            .date_overrides
            .iter()
            .enumerate()
            .map(|(i, entry)| entry.validate(i, &staff_ids))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CatalogSnapshot {
            staff,
            services,
            date_overrides,
            time_off: Vec::new(),
        })
    }
}

pub(crate) fn minutes(setting: &str, value: i64) -> Result<Minutes, ConfigError> {
    Minutes::new(value).map_err(|e| ConfigError::invalid(setting, e))
}

fn periods(setting: &str, texts: &[String]) -> Result<Vec<LocalTimeRange>, ConfigError> {
    texts
        .iter()
        .map(|t| LocalTimeRange::parse(t).map_err(|e| ConfigError::invalid(setting, e)))
        .collect()
}

/// A staff id that must name an entry of `[[staff]]`.
fn known_staff(setting: &str, raw: i64, staff: &BTreeSet<StaffId>) -> Result<StaffId, ConfigError> {
    let id = StaffId::new(raw).map_err(|e| ConfigError::invalid(setting, e))?;
    if staff.contains(&id) {
        Ok(id)
    } else {
        Err(ConfigError::invalid(
            setting,
            Reason("names a staff id that no [[staff]] entry has"),
        ))
    }
}

impl HoursEntry {
    /// The days as the file names them, Monday first.
    fn days(&self) -> [(Weekday, &'static str, &Vec<String>); 7] {
        [
            (Weekday::Mon, "mon", &self.mon),
            (Weekday::Tue, "tue", &self.tue),
            (Weekday::Wed, "wed", &self.wed),
            (Weekday::Thu, "thu", &self.thu),
            (Weekday::Fri, "fri", &self.fri),
            (Weekday::Sat, "sat", &self.sat),
            (Weekday::Sun, "sun", &self.sun),
        ]
    }
}

impl StaffEntry {
    fn validate(&self, index: usize) -> Result<StaffMember, ConfigError> {
        let at = |field: &str| format!("staff[{index}].{field}");
        let id = StaffId::new(self.id).map_err(|e| ConfigError::invalid(at("id"), e))?;
        let name = StaffName::new(&self.name).map_err(|e| ConfigError::invalid(at("name"), e))?;
        let mut all = Vec::new();
        for (weekday, key, texts) in self.hours.days() {
            for period in periods(&at(&format!("hours.{key}")), texts)? {
                all.push((weekday, period));
            }
        }
        let hours = WeeklyHours::new(all).map_err(|e| ConfigError::invalid(at("hours"), e))?;
        let spec = StaffSpec {
            name,
            hours,
            active: self.active,
        };
        StaffMember::new(id, spec).map_err(|e| ConfigError::invalid(at("id"), e))
    }
}

impl PriceEntry {
    pub(crate) fn money(&self, currency: Currency) -> Result<Money, booking_domain::InvalidPrice> {
        match self {
            Self::Whole(whole) => Money::parse(&whole.to_string(), currency),
            Self::Text(text) => Money::parse(text, currency),
        }
    }
}

impl ServiceEntry {
    fn validate(
        &self,
        index: usize,
        currency: Currency,
        staff: &BTreeSet<StaffId>,
    ) -> Result<Service, ConfigError> {
        let at = |field: &str| format!("services[{index}].{field}");
        let id = ServiceId::new(self.id).map_err(|e| ConfigError::invalid(at("id"), e))?;
        let name = ServiceName::new(&self.name).map_err(|e| ConfigError::invalid(at("name"), e))?;
        let price = self
            .price
            .money(currency)
            .map_err(|e| ConfigError::invalid(at("price"), e))?;
        let performers = self
            .staff
            .iter()
            .map(|raw| known_staff(&at("staff"), *raw, staff))
            .collect::<Result<Vec<_>, _>>()?;
        let spec = ServiceSpec {
            name,
            duration: minutes(&at("duration_minutes"), self.duration_minutes)?,
            price,
            buffer_before: minutes(&at("buffer_before_minutes"), self.buffer_before_minutes)?,
            buffer_after: minutes(&at("buffer_after_minutes"), self.buffer_after_minutes)?,
            active: self.active,
            performers,
        };
        Service::new(id, spec).map_err(|e| ConfigError::invalid(at("duration_minutes"), e))
    }
}

impl OverrideEntry {
    fn validate(
        &self,
        index: usize,
        staff: &BTreeSet<StaffId>,
    ) -> Result<DateOverride, ConfigError> {
        let at = |field: &str| format!("date_overrides[{index}].{field}");
        let date = NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d")
            .map_err(|e| ConfigError::invalid(at("date"), e))?;
        let member = self
            .staff
            .map(|raw| known_staff(&at("staff"), raw, staff))
            .transpose()?;
        let hours = match (self.closed, self.hours.is_empty()) {
            (true, true) => OverrideHours::Closed,
            (false, false) => OverrideHours::Open(periods(&at("hours"), &self.hours)?),
            (true, false) => {
                return Err(ConfigError::invalid(
                    at("closed"),
                    Reason("a closed day cannot also have hours"),
                ));
            }
            (false, true) => {
                return Err(ConfigError::invalid(
                    at("hours"),
                    Reason("give either closed = true or the day's hours"),
                ));
            }
        };
        DateOverride::new(date, member, hours).map_err(|e| ConfigError::invalid(at("hours"), e))
    }
}

// ---------------------------------------------------------------------------
// Writing: a snapshot back into entries.

impl From<&CatalogSnapshot> for CatalogFile {
    /// Entries in the snapshot's order, every key written (defaults too),
    /// prices as strings with all their minor digits: a canonical file, so
    /// export, import and export again give the same text.
    fn from(catalog: &CatalogSnapshot) -> Self {
        Self {
            staff: catalog.staff.iter().map(StaffEntry::from).collect(),
            services: catalog.services.iter().map(ServiceEntry::from).collect(),
            date_overrides: catalog
                .date_overrides
                .iter()
                .map(OverrideEntry::from)
                .collect(),
        }
    }
}

fn texts(periods: &[LocalTimeRange]) -> Vec<String> {
    periods.iter().map(ToString::to_string).collect()
}

impl From<&StaffMember> for StaffEntry {
    fn from(member: &StaffMember) -> Self {
        let spec = member.spec();
        let on = |day| texts(spec.hours.on(day));
        Self {
            id: member.id().get(),
            name: member.name().as_str().to_owned(),
            active: spec.active,
            hours: HoursEntry {
                mon: on(Weekday::Mon),
                tue: on(Weekday::Tue),
                wed: on(Weekday::Wed),
                thu: on(Weekday::Thu),
                fri: on(Weekday::Fri),
                sat: on(Weekday::Sat),
                sun: on(Weekday::Sun),
            },
        }
    }
}

impl From<&Service> for ServiceEntry {
    fn from(service: &Service) -> Self {
        let spec = service.spec();
        Self {
            id: service.id().get(),
            name: service.name().as_str().to_owned(),
            duration_minutes: i64::from(spec.duration.get()),
            price: PriceEntry::Text(spec.price.amount().to_string()),
            buffer_before_minutes: i64::from(spec.buffer_before.get()),
            buffer_after_minutes: i64::from(spec.buffer_after.get()),
            staff: spec.performers.iter().map(|s| s.get()).collect(),
            active: spec.active,
        }
    }
}

impl From<&DateOverride> for OverrideEntry {
    fn from(date_override: &DateOverride) -> Self {
        let (closed, hours) = match date_override.hours() {
            OverrideHours::Closed => (true, Vec::new()),
            OverrideHours::Open(hours) => (false, texts(hours)),
        };
        Self {
            date: date_override.date().format("%Y-%m-%d").to_string(),
            staff: date_override.staff().map(StaffId::get),
            closed,
            hours,
        }
    }
}
