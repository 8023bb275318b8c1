//! How digits and the characters between them look when people type or
//! paste a phone number: digits of every common numeral system, no-break and
//! thin spaces, dashes, fullwidth forms, and the invisible direction marks
//! phone apps wrap numbers in. Shared by phone parsing, which reads them,
//! and text masking, which must not be fooled by them.

/// The zero of each run of ten decimal digits in Unicode (general category
/// Nd) that people plausibly type a number in: ASCII, Arabic-Indic, Persian,
/// the Indic scripts, South-East Asian scripts, fullwidth forms, and more.
/// Each zero is followed by the digits one to nine.
const DIGIT_ZEROS: [u32; 37] = [
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

/// The ASCII digit `c` stands for, if it is a decimal digit of one of the
/// numeral systems above.
pub(crate) fn ascii_digit(c: char) -> Option<char> {
    let code = u32::from(c);
    DIGIT_ZEROS
        .iter()
        .find(|&&zero| (zero..zero + 10).contains(&code))
        .and_then(|zero| char::from_digit(code - zero, 10))
}

/// Whether `c` counts as a digit when looking for numbers to hide. Broader
/// than [`ascii_digit`] on purpose: hiding a superscript or a circled digit
/// too costs nothing, missing a digit leaks a phone.
pub(crate) fn is_digit_like(c: char) -> bool {
    c.is_numeric()
}

/// Marks that change nothing visible: zero-width spaces and joiners,
/// direction marks, embeddings and isolates, the byte-order mark.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Dashes and minus signs that word processors and keyboards substitute for
/// the hyphen.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{00AD}' | '\u{2010}'
            ..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}'
    )
}

/// Whether `c` may stand between the digits of one phone number.
pub(crate) fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || is_dash(c)
        || is_invisible(c)
        || matches!(
            c,
            '+' | '(' | ')' | '.' | '\u{FF0B}' | '\u{FF08}' | '\u{FF09}' | '\u{FF0E}'
        )
}

/// Whether `c` may open a phone number right before its first digit.
pub(crate) fn opens_number(c: char) -> bool {
    matches!(c, '+' | '(' | '\u{FF0B}' | '\u{FF08}')
}

/// `input` with every digit made ASCII, every space a plain space, every
/// dash a hyphen, fullwidth `＋（）．` plain, and invisible marks removed.
/// Other characters are kept, so a caller can still refuse them.
pub(crate) fn plain_phone_text(input: &str) -> String {
    input
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(|c| match c {
            _ if c.is_whitespace() => ' ',
            _ if is_dash(c) => '-',
            '\u{FF0B}' => '+',
            '\u{FF08}' => '(',
            '\u{FF09}' => ')',
            '\u{FF0E}' => '.',
            _ => ascii_digit(c).unwrap_or(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_zero_starts_ten_decimal_digits() {
        for zero in DIGIT_ZEROS {
            for offset in 0..10 {
                let c = char::from_u32(zero + offset).unwrap();
                assert!(c.is_numeric(), "U+{:04X} is not numeric", zero + offset);
                assert_eq!(ascii_digit(c).and_then(|d| d.to_digit(10)), Some(offset));
            }
        }
    }

    #[test]
    fn pasted_numbers_become_plain_ascii() {
        assert_eq!(
            plain_phone_text("\u{202A}+7\u{A0}916\u{202F}123\u{2013}45\u{2011}67\u{202C}"),
            "+7 916 123-45-67"
        );
        assert_eq!(plain_phone_text("۰۹۱۲ ۳۴۵ ۶۷۸۹"), "0912 345 6789");
        assert_eq!(plain_phone_text("＋７（９１６）"), "+7(916)");
        assert_eq!(plain_phone_text("call me"), "call me");
    }
}
