//! Generators of valid phone numbers written the ways people write them.
//!
//! Numbers come from libphonenumber's own example numbers for a region and
//! line type, with their last digits replaced at random; a variant that the
//! numbering plan does not allow falls back to the example, so every
//! generated number is valid. libphonenumber also formats them (E.164,
//! international, national); the "typed" formats regroup the digits with the
//! separators people use.

use phonenumber::Mode;
use phonenumber::country::Id as CountryId;
use phonenumber::metadata::DATABASE;
use proptest::prelude::*;
use proptest::sample::select;

/// Regions with long and short national numbers, trunk prefixes (RU 8, GB
/// and DE 0), none (IT keeps its leading 0, US has 1), and dots (NC).
pub(crate) const REGIONS: [&str; 16] = [
    "RU", "GB", "US", "DE", "FR", "IT", "ES", "UA", "IN", "BR", "AU", "JP", "AD", "FO", "NC", "NU",
];

/// A valid number, its region and its E.164 form.
#[derive(Debug, Clone)]
pub(crate) struct ValidNumber {
    pub(crate) region: &'static str,
    pub(crate) number: phonenumber::PhoneNumber,
    pub(crate) e164: String,
}

impl ValidNumber {
    pub(crate) fn format(&self, mode: Mode) -> String {
        self.number.format().mode(mode).to_string()
    }

    /// The digits of the E.164 form.
    pub(crate) fn digits(&self) -> String {
        self.e164.trim_start_matches('+').to_owned()
    }
}

fn example(region: &str, mobile: bool) -> Option<String> {
    let meta = DATABASE.by_id(region)?;
    let descriptors = meta.descriptors();
    let descriptor = if mobile {
        descriptors.mobile()
    } else {
        descriptors.fixed_line()
    }?;
    descriptor.example().map(str::to_owned)
}

fn valid(region: &'static str, national: &str) -> Option<ValidNumber> {
    let id: CountryId = region.parse().ok()?;
    let number = phonenumber::parse(Some(id), national).ok()?;
    // A variant can begin with the region's international prefix ("00" in
    // Italy) and be read as another country's number; its national format
    // is then not the region's, so it is not a number of this region.
    let own_code = DATABASE.by_id(region)?.country_code();
    let of_region = number.code().value() == own_code;
    (of_region && number.is_valid()).then(|| ValidNumber {
        region,
        e164: number.format().mode(Mode::E164).to_string(),
        number,
    })
}

/// A valid fixed-line or mobile number of one of [`REGIONS`]: the first of
/// a few random variants of the region's example (with anything from its
/// last digit to all but its first digit replaced) that is valid, so area
/// codes vary too.
pub(crate) fn valid_number() -> impl Strategy<Value = ValidNumber> {
    (
        select(REGIONS.to_vec()),
        any::<bool>(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<[u8; 16]>()), 8),
    )
        .prop_map(|(region, mobile, variants)| {
            let example = example(region, mobile)
                .or_else(|| example(region, !mobile))
                .unwrap();
            variants
                .iter()
                .find_map(|(replaced, random)| {
                    let keep = example.len() - 1 - replaced.index(example.len() - 1);
                    let tail: String = random[..example.len() - keep]
                        .iter()
                        .map(|d| char::from(b'0' + d % 10))
                        .collect();
                    valid(region, &format!("{}{tail}", &example[..keep]))
                })
                .or_else(|| valid(region, &example))
                .unwrap()
        })
}

/// The ways people write a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    E164,
    International,
    /// The national format, which only the number's own region reads.
    National,
    /// The international format's groups joined by one separator, the
    /// second group maybe in brackets: `+44 (20) 7946-0958`.
    Typed {
        separator: char,
        brackets: bool,
    },
}

pub(crate) fn written() -> impl Strategy<Value = Written> {
    prop_oneof![
        Just(Written::E164),
        Just(Written::International),
        Just(Written::National),
        (select(vec![' ', '-', '.']), any::<bool>()).prop_map(|(separator, brackets)| {
            Written::Typed {
                separator,
                brackets,
            }
        }),
    ]
}

/// `number` written as `how`.
pub(crate) fn write(number: &ValidNumber, how: Written) -> String {
    match how {
        Written::E164 => number.format(Mode::E164),
        Written::International => number.format(Mode::International),
        Written::National => number.format(Mode::National),
        Written::Typed {
            separator,
            brackets,
        } => {
            let international = number.format(Mode::International);
            let groups: Vec<&str> = international
                .split(|c: char| !c.is_ascii_digit() && c != '+')
                .filter(|g| !g.is_empty())
                .collect();
            groups
                .iter()
                .enumerate()
                .map(|(i, group)| {
                    if brackets && i == 1 && groups.len() > 2 {
                        format!("({group})")
                    } else {
                        (*group).to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(&separator.to_string())
        }
    }
}

/// Decimal digit systems people type numbers in, by their zero: ASCII,
/// fullwidth (CJK input methods), Arabic-Indic, Persian and Devanagari.
pub(crate) const DIGIT_ZEROS: [char; 5] = ['0', '\u{FF10}', '\u{0660}', '\u{06F0}', '\u{0966}'];

/// What keyboards, word processors and contact apps put between digit
/// groups besides a plain space or hyphen: no-break spaces, thin spaces,
/// dashes and the minus sign.
pub(crate) const UNICODE_SEPARATORS: [char; 8] = [
    '\u{00A0}', '\u{202F}', '\u{2009}', '\u{2010}', '\u{2011}', '\u{2013}', '\u{2212}', '\u{3000}',
];

/// Invisible marks phone apps wrap numbers in so that they read left to
/// right inside right-to-left text.
pub(crate) const BIDI_WRAPPERS: [(char, char); 3] = [
    ('\u{202A}', '\u{202C}'),
    ('\u{2066}', '\u{2069}'),
    ('\u{200E}', '\u{200E}'),
];

/// How a written number is dressed up when pasted or typed on a phone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dress {
    pub(crate) zero: char,
    pub(crate) separator: Option<char>,
    pub(crate) wrapper: Option<(char, char)>,
}

pub(crate) fn dress() -> impl Strategy<Value = Dress> {
    (
        select(DIGIT_ZEROS.to_vec()),
        prop::option::of(select(UNICODE_SEPARATORS.to_vec())),
        prop::option::of(select(BIDI_WRAPPERS.to_vec())),
    )
        .prop_map(|(zero, separator, wrapper)| Dress {
            zero,
            separator,
            wrapper,
        })
}

/// `written` with its digits in `dress.zero`'s script, its spaces and
/// hyphens replaced by `dress.separator`, wrapped in `dress.wrapper`.
pub(crate) fn dressed(written: &str, dress: Dress) -> String {
    let body: String = written
        .chars()
        .map(|c| match (c.to_digit(10), c) {
            (Some(d), _) => char::from_u32(u32::from(dress.zero) + d).unwrap(),
            (None, ' ' | '-') => dress.separator.unwrap_or(c),
            (None, _) => c,
        })
        .collect();
    match dress.wrapper {
        Some((open, close)) => format!("{open}{body}{close}"),
        None => body,
    }
}
