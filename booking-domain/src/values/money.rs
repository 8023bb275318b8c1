//! Prices: an amount in minor units with its currency.

use std::fmt;

/// A currency code that is not three ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a currency is a three-letter ISO 4217 code such as EUR or RUB, got {0:?}")]
pub struct InvalidCurrency(pub String);

/// An ISO 4217 currency code, upper-cased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// # Errors
    /// [`InvalidCurrency`] unless `code` is three ASCII letters.
    pub fn new(code: &str) -> Result<Self, InvalidCurrency> {
        let trimmed = code.trim();
        match trimmed.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_alphabetic()) => Ok(Self([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => Err(InvalidCurrency(code.to_owned())),
        }
    }

    pub fn code(&self) -> &str {
        // The constructor admits only ASCII letters, so this never fails.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// How many decimal places the currency's minor unit has (2 for most,
    /// 0 for currencies such as JPY that have no minor unit in use).
    pub fn minor_digits(&self) -> u32 {
        const ZERO_DECIMAL: [&str; 10] = [
            "JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "RWF",
        ];
        if ZERO_DECIMAL.contains(&self.code()) {
            0
        } else {
            2
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A negative price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an amount must not be negative, got {0} minor units")]
pub struct InvalidMoney(pub i64);

/// A non-negative amount in minor units (cents, kopecks) of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// # Errors
    /// [`InvalidMoney`] when `minor` is negative.
    pub fn new(minor: i64, currency: Currency) -> Result<Self, InvalidMoney> {
        if minor >= 0 {
            Ok(Self { minor, currency })
        } else {
            Err(InvalidMoney(minor))
        }
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.currency.minor_digits();
        if digits == 0 {
            return write!(f, "{} {}", self.minor, self.currency);
        }
        let scale = 10_i64.pow(digits);
        write!(
            f,
            "{}.{:0width$} {}",
            self.minor / scale,
            self.minor % scale,
            self.currency,
            width = digits as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_is_normalised_to_upper_case() {
        assert_eq!(
            Currency::new(" eur ").map(|c| c.to_string()),
            Ok("EUR".to_owned())
        );
        assert!(Currency::new("EURO").is_err());
        assert!(Currency::new("E1R").is_err());
    }

    #[test]
    fn money_displays_minor_units_per_currency() {
        let rub = Currency::new("RUB").unwrap();
        let jpy = Currency::new("JPY").unwrap();
        assert_eq!(Money::new(150_050, rub).unwrap().to_string(), "1500.50 RUB");
        assert_eq!(Money::new(1500, jpy).unwrap().to_string(), "1500 JPY");
        assert_eq!(Money::new(-1, rub), Err(InvalidMoney(-1)));
    }

    #[test]
    fn currency_refusals_keep_what_was_typed() {
        for typed in ["", "EU", "EURO", "E1R", "ЕВР", "€UR", "E R"] {
            assert_eq!(
                Currency::new(typed),
                Err(InvalidCurrency(typed.to_owned())),
                "{typed:?}"
            );
        }
        assert_eq!(
            InvalidCurrency("EURO".to_owned()).to_string(),
            "a currency is a three-letter ISO 4217 code such as EUR or RUB, got \"EURO\""
        );
        assert_eq!(Currency::new("jpy").unwrap().minor_digits(), 0);
        assert_eq!(Currency::new("EUR").unwrap().minor_digits(), 2);
    }

    #[test]
    fn money_refuses_negative_amounts_and_shows_small_ones_with_zeros() {
        let eur = Currency::new("EUR").unwrap();
        assert_eq!(
            InvalidMoney(-1).to_string(),
            "an amount must not be negative, got -1 minor units"
        );
        assert_eq!(Money::new(i64::MIN, eur), Err(InvalidMoney(i64::MIN)));
        assert_eq!(Money::new(5, eur).unwrap().to_string(), "0.05 EUR");
        assert_eq!(Money::new(0, eur).unwrap().to_string(), "0.00 EUR");
        let max = Money::new(i64::MAX, eur).unwrap();
        assert_eq!((max.minor(), max.currency()), (i64::MAX, eur));
    }
}
