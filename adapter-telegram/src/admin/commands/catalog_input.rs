//! The values of a catalog command, built by the domain constructors from
//! what staff typed: durations, prices, performers, periods, and the specs
//! they make. A refused value is a [`CatalogInputError`] carrying the
//! domain's own reason, which the screen words in the reader's language.

use booking_domain::{
    Currency, InvalidCurrency, InvalidHours, InvalidMinutes, InvalidMoney, InvalidName,
    InvalidService, LocalTimeRange, Minutes, Money, ServiceName, ServiceSpec, StaffId, WeeklyHours,
};
use chrono::Weekday;

use super::catalog::{ServiceField, ServiceFields, staff_id};

/// A value the domain refused; the message is the domain's reason.
#[derive(Debug, thiserror::Error)]
pub enum CatalogInputError {
    #[error(transparent)]
    Name(#[from] InvalidName),
    #[error("a duration is a whole number of minutes, got {0:?}")]
    NotMinutes(String),
    #[error(transparent)]
    Minutes(#[from] InvalidMinutes),
    #[error("write a price as an amount and a currency, such as 35.00 EUR, got {0:?}")]
    Price(String),
    #[error(transparent)]
    Currency(#[from] InvalidCurrency),
    #[error(transparent)]
    Money(#[from] InvalidMoney),
    #[error("staff ids are positive numbers separated by commas, got {0:?}")]
    StaffIds(String),
    #[error(transparent)]
    Hours(#[from] InvalidHours),
    #[error(transparent)]
    Service(#[from] InvalidService),
}

/// Parses `"09:00-13:00, 14:00-19:00"`.
pub(crate) fn periods(text: &str) -> Result<Vec<LocalTimeRange>, InvalidHours> {
    text.split(',').map(LocalTimeRange::parse).collect()
}

fn minutes(text: &str) -> Result<Minutes, CatalogInputError> {
    let text = text.trim();
    let value: i64 = text
        .parse()
        .map_err(|_| CatalogInputError::NotMinutes(text.to_owned()))?;
    Ok(Minutes::new(value)?)
}

/// Parses `"35.00 EUR"`, `"35 EUR"` or `"35,5 EUR"`: at most as many
/// decimals as the currency has.
fn price(text: &str) -> Result<Money, CatalogInputError> {
    let bad = || CatalogInputError::Price(text.trim().to_owned());
    let mut words = text.split_whitespace();
    let (Some(amount), Some(code), None) = (words.next(), words.next(), words.next()) else {
        return Err(bad());
    };
    let currency = Currency::new(code)?;
    // People type a decimal comma as often as a point.
    Money::parse(&amount.replacen(',', ".", 1), currency).map_err(|_| bad())
}

/// `"1,2"`, or `"-"` or nothing for nobody.
fn performers(text: &str) -> Result<Vec<StaffId>, CatalogInputError> {
    let text = text.trim();
    if text.is_empty() || text == "-" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|id| staff_id(id.trim()).ok_or_else(|| CatalogInputError::StaffIds(text.to_owned())))
        .collect()
}

pub(crate) fn new_service_spec(fields: &ServiceFields) -> Result<ServiceSpec, CatalogInputError> {
    let optional_minutes = |m: &Option<String>| m.as_deref().map_or(Ok(Minutes::ZERO), minutes);
    let spec = ServiceSpec {
        name: ServiceName::new(&fields.name)?,
        duration: minutes(&fields.duration)?,
        price: price(&fields.price)?,
        buffer_before: optional_minutes(&fields.buffer_before)?,
        buffer_after: optional_minutes(&fields.buffer_after)?,
        active: true,
        performers: performers(fields.performers.as_deref().unwrap_or_default())?,
    };
    spec.validate()?;
    Ok(spec)
}

pub(crate) fn edited_spec(
    mut spec: ServiceSpec,
    field: ServiceField,
    value: &str,
) -> Result<ServiceSpec, CatalogInputError> {
    match field {
        ServiceField::Name => spec.name = ServiceName::new(value)?,
        ServiceField::Duration => spec.duration = minutes(value)?,
        ServiceField::Price => spec.price = price(value)?,
        ServiceField::BufferBefore => spec.buffer_before = minutes(value)?,
        ServiceField::BufferAfter => spec.buffer_after = minutes(value)?,
        ServiceField::Performers => spec.performers = performers(value)?,
    }
    spec.validate()?;
    Ok(spec)
}

/// The weekly hours with `days` replaced by `periods` (none: days off).
pub(crate) fn replaced_hours(
    hours: &WeeklyHours,
    days: &[Weekday],
    periods: &[LocalTimeRange],
) -> Result<WeeklyHours, InvalidHours> {
    let kept = hours.periods().filter(|(day, _)| !days.contains(day));
    let new = days
        .iter()
        .flat_map(|day| periods.iter().map(move |p| (*day, *p)));
    WeeklyHours::new(kept.chain(new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_with_the_currencys_decimals() {
        let p = |s: &str| price(s).map(|m| (m.minor(), m.currency().code().to_owned()));
        assert_eq!(p("35.00 EUR").unwrap(), (3500, "EUR".to_owned()));
        assert_eq!(p("35 eur").unwrap(), (3500, "EUR".to_owned()));
        assert_eq!(p("35,5 RUB").unwrap(), (3550, "RUB".to_owned()));
        assert_eq!(p("1500 JPY").unwrap(), (1500, "JPY".to_owned()));
        for bad in [
            "35",
            "-5 EUR",
            "35.123 EUR",
            "35. EUR",
            "1.5 JPY",
            "x EUR",
            "5 EUR x",
        ] {
            assert!(
                matches!(price(bad), Err(CatalogInputError::Price(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            price("35 EURO"),
            Err(CatalogInputError::Currency(_))
        ));
        assert!(matches!(
            price("99999999999999999999 EUR"),
            Err(CatalogInputError::Price(_))
        ));
    }

    #[test]
    fn replacing_a_day_keeps_the_others_and_refuses_overlaps() {
        let p = |s: &str| LocalTimeRange::parse(s).unwrap();
        let hours = WeeklyHours::new([
            (Weekday::Mon, p("10:00-19:00")),
            (Weekday::Tue, p("10:00-19:00")),
        ])
        .unwrap();
        let new = replaced_hours(
            &hours,
            &[Weekday::Mon],
            &[p("09:00-13:00"), p("14:00-18:00")],
        )
        .unwrap();
        assert_eq!(new.on(Weekday::Mon), &[p("09:00-13:00"), p("14:00-18:00")]);
        assert_eq!(new.on(Weekday::Tue), &[p("10:00-19:00")]);
        assert!(
            replaced_hours(&hours, &[Weekday::Tue], &[])
                .unwrap()
                .on(Weekday::Tue)
                .is_empty()
        );
        assert!(matches!(
            replaced_hours(
                &hours,
                &[Weekday::Mon],
                &[p("09:00-13:00"), p("12:00-14:00")]
            ),
            Err(InvalidHours::Overlapping { .. })
        ));
    }
}
