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

/// Text that is not a price in its currency. Displays as one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPrice {
    /// Not digits with at most one decimal point and digits after it.
    #[error("expected a price such as \"1500\" or \"1500.50\"")]
    Malformed,
    /// More decimals than the currency's minor unit has.
    #[error("{currency} has {digits} decimal places, the price has more")]
    TooPrecise { currency: Currency, digits: u32 },
    /// More minor units than an `i64` holds.
    #[error("the price is too large")]
    TooLarge,
}

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

    /// Reads a decimal amount in `currency`: `"1500"`, `"1500.5"` or
    /// `"1500.50"`, with at most the currency's minor digits. Exact: no
    /// floating point on the way, since 0.1 + 0.2 is not money. Signs,
    /// exponents, thousands separators and decimal commas are refused; a
    /// caller that accepts a comma (a person typing) replaces it first.
    ///
    /// # Errors
    /// [`InvalidPrice`] saying what is wrong.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, InvalidPrice> {
        let text = text.trim();
        let digits = currency.minor_digits();
        let (whole, fraction) = match text.split_once('.') {
            // "35." reads as a typo for something, not as 35.
            Some((_, "")) => return Err(InvalidPrice::Malformed),
            Some(parts) => parts,
            None => (text, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(InvalidPrice::Malformed);
        }
        if fraction.len() > digits as usize {
            return Err(InvalidPrice::TooPrecise { currency, digits });
        }
        // Right-padded so "1500.5" is 50 hundredths, not 5.
        let fraction = format!("{fraction:0<width$}", width = digits as usize);
        let minor = whole
            .parse::<i64>()
            .ok()
            .zip(10_i64.checked_pow(digits))
            .and_then(|(whole, scale)| whole.checked_mul(scale))
            .and_then(|scaled| {
                let fraction = if fraction.is_empty() {
                    Some(0)
                } else {
                    fraction.parse::<i64>().ok()
                };
                scaled.checked_add(fraction?)
            })
            .ok_or(InvalidPrice::TooLarge)?;
        Ok(Self { minor, currency })
    }

    /// The amount without its currency, with every minor digit (`"1500.50"`,
    /// `"1500"` for JPY): what [`Money::parse`] reads back.
    pub fn amount(&self) -> Amount {
        Amount(*self)
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
        write!(f, "{} {}", self.amount(), self.currency)
    }
}

/// A [`Money`]'s amount alone, displayed with all its minor digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount(Money);

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Money { minor, currency } = self.0;
        let digits = currency.minor_digits();
        if digits == 0 {
            return write!(f, "{minor}");
        }
        let scale = 10_i64.pow(digits);
        write!(
            f,
            "{}.{:0width$}",
            minor / scale,
            minor % scale,
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

    #[test]
    fn prices_are_read_exactly_in_minor_units() {
        let rub = Currency::new("RUB").unwrap();
        let jpy = Currency::new("JPY").unwrap();
        let minor = |text: &str, c| Money::parse(text, c).map(|m| m.minor());
        assert_eq!(minor("1500", rub), Ok(150_000));
        assert_eq!(minor(" 1500.5 ", rub), Ok(150_050));
        assert_eq!(minor("1500.50", rub), Ok(150_050));
        assert_eq!(minor("0.05", rub), Ok(5));
        assert_eq!(minor("1500", jpy), Ok(1500));
        assert_eq!(Money::parse("1500", jpy).unwrap().currency(), jpy);
    }

    #[test]
    fn malformed_prices_say_what_is_wrong() {
        let rub = Currency::new("RUB").unwrap();
        let jpy = Currency::new("JPY").unwrap();
        for text in [
            "", "-5", "+5", "15,00", "1 500", "1e3", "35.", ".5", "x", "1.2.3",
        ] {
            assert_eq!(
                Money::parse(text, rub),
                Err(InvalidPrice::Malformed),
                "{text:?}"
            );
        }
        assert_eq!(
            Money::parse("1500.505", rub),
            Err(InvalidPrice::TooPrecise {
                currency: rub,
                digits: 2
            })
        );
        assert_eq!(
            Money::parse("1500.5", jpy).unwrap_err().to_string(),
            "JPY has 0 decimal places, the price has more"
        );
        assert_eq!(
            Money::parse("99999999999999999999", rub),
            Err(InvalidPrice::TooLarge)
        );
        assert_eq!(
            Money::parse("92233720368547758.08", rub),
            Err(InvalidPrice::TooLarge)
        );
        assert_eq!(
            Money::parse("92233720368547758.07", rub).map(|m| m.minor()),
            Ok(i64::MAX)
        );
    }

    #[test]
    fn an_amount_is_read_back_as_the_same_money() {
        let rub = Currency::new("RUB").unwrap();
        let jpy = Currency::new("JPY").unwrap();
        for money in [
            Money::new(0, rub).unwrap(),
            Money::new(5, rub).unwrap(),
            Money::new(250_000, rub).unwrap(),
            Money::new(i64::MAX, rub).unwrap(),
            Money::new(1500, jpy).unwrap(),
        ] {
            let text = money.amount().to_string();
            assert_eq!(Money::parse(&text, money.currency()), Ok(money), "{text}");
        }
        assert_eq!(
            Money::new(250_000, rub).unwrap().amount().to_string(),
            "2500.00"
        );
    }
}
