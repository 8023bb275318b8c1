//! Phone numbers: accepted as people type them, kept in E.164.
//!
//! Parsing and validation use the `phonenumber` crate (a port of Google's
//! libphonenumber metadata): numbering plans change, and hand-written rules
//! for them rot.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use phonenumber::Mode;
use phonenumber::country::Id as CountryId;
use phonenumber::metadata::DATABASE;

use crate::digits::plain_phone_text;
use crate::privacy::mask_phone_digits;

/// A region code that libphonenumber does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a known ISO 3166 region code such as RU, GB or US")]
pub struct UnknownRegion(pub String);

/// The region whose national format applies to numbers typed without a
/// country code, such as `8 916 123 45 67` in Russia.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhoneRegion(CountryId);

impl PhoneRegion {
    /// # Errors
    /// [`UnknownRegion`] for anything but a known two-letter region code.
    pub fn new(code: &str) -> Result<Self, UnknownRegion> {
        CountryId::from_str(&code.trim().to_ascii_uppercase())
            .map(Self)
            .map_err(|_| UnknownRegion(code.to_owned()))
    }

    pub fn code(&self) -> &str {
        self.0.as_ref()
    }
}

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPhone {
    #[error("the phone number is empty")]
    Empty,
    #[error("a phone number has at most {max} characters")]
    TooLong { max: usize },
    #[error("a phone number has only digits, spaces and + ( ) - . characters")]
    UnexpectedCharacter,
    #[error("this is not a phone number")]
    NotAPhone,
    #[error("this number does not exist in its country's numbering plan")]
    NotInUse,
}

/// A phone number in E.164 form (`+79161234567`). Personal data: `Debug` and
/// `Display` print the masked form (`+7916***4567`); [`PhoneNumber::expose`]
/// is the one way to the full number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Longer input is not a phone, and parsing it would waste time.
    pub const MAX_INPUT_CHARS: usize = 40;

    /// Parses a number typed in any common way: international with `+`,
    /// national for `region` (with its trunk prefix, such as 8 in Russia),
    /// with spaces, dashes, dots and brackets. Pasted numbers are read too:
    /// no-break spaces, typographic dashes, fullwidth forms, invisible
    /// direction marks and digits of other scripts (Persian, Devanagari...)
    /// count as their plain equivalents.
    ///
    /// # Errors
    /// [`InvalidPhone`] saying why the input is not a usable phone number.
    pub fn parse(input: &str, region: PhoneRegion) -> Result<Self, InvalidPhone> {
        let plain = plain_phone_text(input);
        let trimmed = plain.trim();
        if trimmed.is_empty() {
            return Err(InvalidPhone::Empty);
        }
        if trimmed.chars().count() > Self::MAX_INPUT_CHARS {
            return Err(InvalidPhone::TooLong {
                max: Self::MAX_INPUT_CHARS,
            });
        }
        // libphonenumber also reads vanity letters ("1-800-FLOWERS") and
        // extensions; a booking needs a number someone can dial and text.
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || " +()-.".contains(c))
        {
            return Err(InvalidPhone::UnexpectedCharacter);
        }
        let plus_count = trimmed.matches('+').count();
        if plus_count > 1 || (plus_count == 1 && !trimmed.starts_with('+')) {
            return Err(InvalidPhone::NotAPhone);
        }
        let international = plus_count == 1;
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        // The shortest numbers in use (Niue, Tokelau) have 4 digits in their
        // country and 7 with the country code; fewer is a typo or an
        // extension, not a phone.
        let min_digits = if international { 7 } else { 4 };
        if digits.len() < min_digits {
            return Err(InvalidPhone::NotAPhone);
        }
        let number = read(trimmed, &digits, international, region)?;
        let e164 = number.format().mode(Mode::E164).to_string();
        // E.164 allows 15 digits; libphonenumber formats a longer national
        // number of some regions (found by the `phone` fuzz target), which
        // no network could dial or text.
        // And at least the 7 an international number needs, so that the
        // stored form parses back (a 4-digit national number of some
        // regions gave 6: found by the same target).
        if !(7..=15).contains(&e164.trim_start_matches('+').len()) {
            return Err(InvalidPhone::NotAPhone);
        }
        Ok(Self(e164))
    }

    /// The full number in E.164. Every call site is a place personal data
    /// leaves the type: keep them few and never pass the result to a log.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The masked form, as `Display` prints it.
    pub fn masked(&self) -> String {
        format!("+{}", mask_phone_digits(self.0.trim_start_matches('+')))
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// A region whose numbering plan has no trunk prefix, so that parsing with
/// it as the default reads the digits after a country code as they stand.
/// Looked up rather than hard-coded so a metadata update cannot silently
/// break it.
static LITERAL_REGION: LazyLock<Option<CountryId>> = LazyLock::new(|| {
    DATABASE
        .iter()
        .filter(|meta| meta.national_prefix().is_none())
        .filter(|meta| meta.national_prefix_for_parsing().is_none())
        .find_map(|meta| CountryId::from_str(meta.id()).ok())
});

/// The number `+{digits}` read as it stands: the digits after the country
/// code are the national number, as E.164 defines it.
fn literal(digits: &str) -> Result<phonenumber::PhoneNumber, phonenumber::ParseError> {
    phonenumber::parse(*LITERAL_REGION, format!("+{digits}"))
}

/// The main region of a country calling code, such as GB for 44.
fn region_of_code(code: u16) -> Option<CountryId> {
    let regions = DATABASE.by_code(&code)?;
    let main = regions
        .iter()
        .find(|meta| meta.is_main_country_for_code())
        .or_else(|| regions.first())?;
    CountryId::from_str(main.id()).ok()
}

/// The country calling code at the start of international `digits`.
/// Calling codes form a prefix code, so the first one that exists is it.
fn leading_code(digits: &str) -> Option<u16> {
    (1..=3)
        .filter_map(|len| digits.get(..len)?.parse::<u16>().ok())
        .find(|code| DATABASE.by_code(code).is_some())
}

/// Reads a cleaned-up number, trying readings in order and taking the first
/// that is valid.
///
/// The `phonenumber` crate (0.3.10) strips the *default* region's trunk
/// prefix even from a number that carries another country code, and can
/// strip a trunk prefix twice: "+683 888 4012" with Russia as the default
/// lost its "88", and no Russian number whose area code starts with 8 (St
/// Petersburg 812, Kazan 843, Rostov 863...) validated in any format. The
/// readings below work around that without giving up what the crate does
/// well (carrier codes and national prefix rules of complex plans).
fn read(
    text: &str,
    digits: &str,
    international: bool,
    region: PhoneRegion,
) -> Result<phonenumber::PhoneNumber, InvalidPhone> {
    let mut parsed_any = false;
    let mut attempt =
        |result: Result<phonenumber::PhoneNumber, phonenumber::ParseError>| match result {
            Ok(number) if number.is_valid() => Some(number),
            Ok(_) => {
                parsed_any = true;
                None
            }
            Err(_) => None,
        };
    let found = if international {
        // E.164 first; then the country's own rules, which read the trunk
        // prefix people keep in brackets ("+44 (0)20 7946 0958").
        attempt(literal(digits)).or_else(|| {
            leading_code(digits)
                .and_then(region_of_code)
                .and_then(|own| attempt(phonenumber::parse(Some(own), text)))
        })
    } else {
        let meta = DATABASE.by_id(region.code());
        let code = meta.map(|m| m.country_code());
        let trunk = meta.and_then(|m| m.national_prefix());
        attempt(phonenumber::parse(Some(region.0), text))
            .or_else(|| {
                // The trunk prefix stripped once, the rest as it stands.
                let (code, trunk) = (code?, trunk?);
                let national = digits.strip_prefix(trunk)?;
                attempt(literal(&format!("{code}{national}")))
            })
            .or_else(|| {
                // No trunk prefix typed ("812 123 45 67" in Russia).
                attempt(literal(&format!("{}{digits}", code?)))
            })
    };
    match found {
        Some(number) => Ok(number),
        None if parsed_any => Err(InvalidPhone::NotInUse),
        None => Err(InvalidPhone::NotAPhone),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ru() -> PhoneRegion {
        PhoneRegion::new("RU").unwrap()
    }

    #[test]
    fn accepts_the_ways_people_type_phones() {
        for (typed, e164) in [
            ("+7 (916) 123-45-67", "+79161234567"),
            ("8 916 123 45 67", "+79161234567"),
            ("89161234567", "+79161234567"),
            ("+44 20 7946 0958", "+442079460958"),
            ("+1-202-555-0143", "+12025550143"),
            ("+49 30 901820", "+4930901820"),
        ] {
            assert_eq!(
                PhoneNumber::parse(typed, ru()).map(|p| p.0),
                Ok(e164.to_owned()),
                "{typed}"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_a_phone_with_a_typed_error() {
        assert_eq!(PhoneNumber::parse("   ", ru()), Err(InvalidPhone::Empty));
        assert_eq!(
            PhoneNumber::parse("call me", ru()),
            Err(InvalidPhone::UnexpectedCharacter)
        );
        assert_eq!(PhoneNumber::parse("12", ru()), Err(InvalidPhone::NotAPhone));
        assert_eq!(
            PhoneNumber::parse("+7 916 12+3", ru()),
            Err(InvalidPhone::NotAPhone)
        );
        assert_eq!(
            PhoneNumber::parse(&"1".repeat(41), ru()),
            Err(InvalidPhone::TooLong { max: 40 })
        );
        // libphonenumber refuses most numbers outside every numbering plan
        // while parsing already; either error is the right answer.
        assert!(matches!(
            PhoneNumber::parse("+7 000 000 00 00", ru()),
            Err(InvalidPhone::NotAPhone | InvalidPhone::NotInUse)
        ));
    }

    #[test]
    fn phone_masks_itself_in_debug_and_display() {
        let phone = PhoneNumber::parse("+7 916 123 45 67", ru()).unwrap();
        assert_eq!(phone.to_string(), "+7916***4567");
        assert_eq!(format!("{phone:?}"), "PhoneNumber(+7916***4567)");
        assert_eq!(phone.expose(), "+79161234567");
    }

    #[test]
    fn region_codes_are_checked() {
        assert_eq!(
            PhoneRegion::new("gb").map(|r| r.code().to_owned()),
            Ok("GB".to_owned())
        );
        assert!(PhoneRegion::new("XX").is_err());
    }

    #[test]
    fn phone_refusals_read_well() {
        for (error, message) in [
            (InvalidPhone::Empty, "the phone number is empty"),
            (
                InvalidPhone::TooLong { max: 40 },
                "a phone number has at most 40 characters",
            ),
            (
                InvalidPhone::UnexpectedCharacter,
                "a phone number has only digits, spaces and + ( ) - . characters",
            ),
            (InvalidPhone::NotAPhone, "this is not a phone number"),
            (
                InvalidPhone::NotInUse,
                "this number does not exist in its country's numbering plan",
            ),
        ] {
            assert_eq!(error.to_string(), message);
        }
        assert_eq!(
            UnknownRegion("XX".to_owned()).to_string(),
            "\"XX\" is not a known ISO 3166 region code such as RU, GB or US"
        );
    }

    #[test]
    fn each_phone_refusal_has_its_own_cause() {
        assert_eq!(PhoneNumber::parse("", ru()), Err(InvalidPhone::Empty));
        assert_eq!(
            PhoneNumber::parse("\u{A0}\u{200E}", ru()),
            Err(InvalidPhone::Empty)
        );
        assert_eq!(
            PhoneNumber::parse("8 916 123 45 67 ext 12", ru()),
            Err(InvalidPhone::UnexpectedCharacter)
        );
        assert_eq!(
            PhoneNumber::parse("1-800-FLOWERS", ru()),
            Err(InvalidPhone::UnexpectedCharacter)
        );
        assert_eq!(
            PhoneNumber::parse("123", ru()),
            Err(InvalidPhone::NotAPhone)
        );
        assert_eq!(
            PhoneNumber::parse("+123456", ru()),
            Err(InvalidPhone::NotAPhone)
        );
        assert_eq!(
            PhoneNumber::parse("++79161234567", ru()),
            Err(InvalidPhone::NotAPhone)
        );
        assert_eq!(
            PhoneNumber::parse("+1 123 456 7890", ru()),
            Err(InvalidPhone::NotInUse)
        );
        assert_eq!(
            PhoneNumber::parse("+44 11 1111 1111", ru()),
            Err(InvalidPhone::NotInUse)
        );
        assert_eq!(PhoneRegion::new("XX"), Err(UnknownRegion("XX".to_owned())));
        assert_eq!(PhoneRegion::new(""), Err(UnknownRegion(String::new())));
    }

    #[test]
    fn russian_numbers_with_area_codes_starting_with_8_are_read() {
        // St Petersburg (812) and Kazan (843): the phonenumber crate strips
        // the trunk prefix 8 twice from these.
        for typed in [
            "8 812 123-45-67",
            "+7 812 123-45-67",
            "88121234567",
            "812 123 45 67",
        ] {
            assert_eq!(
                PhoneNumber::parse(typed, ru()).map(|p| p.0),
                Ok("+78121234567".to_owned()),
                "{typed}"
            );
        }
        assert_eq!(
            PhoneNumber::parse("8 (843) 123-45-67", ru()).map(|p| p.0),
            Ok("+78431234567".to_owned())
        );
        assert_eq!(
            PhoneNumber::parse("8 800 555-35-35", ru()).map(|p| p.0),
            Ok("+78005553535".to_owned())
        );
    }

    #[test]
    fn international_numbers_do_not_depend_on_the_default_region() {
        let regions = ["RU", "GB", "US", "DE", "NU"].map(|r| PhoneRegion::new(r).unwrap());
        for region in regions {
            for (typed, e164) in [
                ("+683 888 4012", "+6838884012"),
                ("+44 (0)20 7946 0958", "+442079460958"),
                ("+7 800 555 35 35", "+78005553535"),
                ("+33 6 12 34 56 78", "+33612345678"),
            ] {
                assert_eq!(
                    PhoneNumber::parse(typed, region).map(|p| p.0),
                    Ok(e164.to_owned()),
                    "{typed} in {}",
                    region.code()
                );
            }
        }
    }

    #[test]
    fn short_national_numbers_of_small_countries_are_read() {
        let andorra = PhoneRegion::new("AD").unwrap();
        assert_eq!(
            PhoneNumber::parse("712 345", andorra).map(|p| p.0),
            Ok("+376712345".to_owned())
        );
        let niue = PhoneRegion::new("NU").unwrap();
        assert_eq!(
            PhoneNumber::parse("7012", niue).map(|p| p.0),
            Ok("+6837012".to_owned())
        );
    }

    #[test]
    fn pasted_numbers_are_read_like_typed_ones() {
        for pasted in [
            "\u{202A}+7\u{A0}916\u{A0}123\u{2011}45\u{2011}67\u{202C}",
            "+7 916 123–45–67",
            "＋７ ９１６ １２３ ４５ ６７",
            "۸ ۹۱۶ ۱۲۳ ۴۵ ۶۷",
        ] {
            assert_eq!(
                PhoneNumber::parse(pasted, ru()).map(|p| p.0),
                Ok("+79161234567".to_owned()),
                "{pasted:?}"
            );
        }
    }
}
