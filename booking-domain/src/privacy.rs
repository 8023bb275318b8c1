//! Masking of personal data for logs and other places where it must not
//! appear in full. The value types call these in their `Debug` and `Display`.

use crate::digits::{is_digit_like, is_separator, opens_number};

/// The digits of a phone number with all but a short prefix (the country and
/// area code, up to 4 digits) and the last 4 digits hidden behind `***`.
///
/// At least 3 digits are always hidden, and never more than 4 trailing digits
/// are shown, whatever the length: `79161234567` gives `7916***4567`.
pub fn mask_phone_digits(digits: &str) -> String {
    let digits: Vec<char> = digits.chars().filter(char::is_ascii_digit).collect();
    let len = digits.len();
    if len < 7 {
        // Too short to show anything and still hide enough.
        return "***".to_owned();
    }
    let shown_prefix = (len - 7).min(4);
    let shown_suffix = 4;
    let prefix: String = digits[..shown_prefix].iter().collect();
    let suffix: String = digits[len - shown_suffix..].iter().collect();
    format!("{prefix}***{suffix}")
}

/// A name reduced to its first letter: `Анна` gives `А***`.
pub fn mask_name(name: &str) -> String {
    match name.trim().chars().next() {
        Some(first) => format!("{first}***"),
        None => "***".to_owned(),
    }
}

/// Free text with every run that looks like a phone number (7 or more
/// digits, optionally with `+`, spaces, dashes, dots and brackets between
/// them) reduced to its last 4 digits, for log lines that may quote a
/// customer. Only digits change (to `*`), so the text keeps its shape.
///
/// Pasted numbers are caught too: digits of any script, no-break and thin
/// spaces, typographic dashes and invisible direction marks count like their
/// plain forms. A date written `2026-11-24` or `24.11.2026` at the start of a
/// run is not a phone and is kept, so a log line's timestamps stay readable.
///
/// A number written with fewer than 7 digits (the national form of a few
/// small countries' numbers, such as Andorra's `712 345`) cannot be told
/// from a price or a postcode and is left as it is.
pub fn mask_phones_in_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_number = is_digit_like(chars[i])
            || (opens_number(chars[i]) && chars.get(i + 1).is_some_and(|c| is_digit_like(*c)));
        if !starts_number {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        if let Some(length) = date_at(&chars[i..]) {
            out.extend(&chars[i..i + length]);
            i += length;
            continue;
        }
        let mut end = i;
        let mut last_digit_end = i;
        while end < chars.len() && (is_digit_like(chars[end]) || is_separator(chars[end])) {
            if is_digit_like(chars[end]) {
                last_digit_end = end + 1;
            }
            end += 1;
        }
        // Trailing separators (a space before the next word) stay outside.
        let run = &chars[i..last_digit_end];
        let digit_count = run.iter().filter(|c| is_digit_like(**c)).count();
        if digit_count >= 7 {
            let mut shown = 0;
            let masked: Vec<char> = run
                .iter()
                .rev()
                .map(|&c| {
                    if is_digit_like(c) {
                        shown += 1;
                        if shown <= 4 { c } else { '*' }
                    } else {
                        c
                    }
                })
                .collect();
            out.extend(masked.into_iter().rev());
        } else {
            out.extend(run.iter());
        }
        i = last_digit_end.max(i + 1);
    }
    out
}

/// The length of a date at the start of `chars`, written `2026-11-24` or
/// `24.11.2026`, that no further digit continues (a space and a time may
/// follow). Dates have 8 digits, and logs and comments are full of them.
fn date_at(chars: &[char]) -> Option<usize> {
    const LENGTH: usize = 10;
    let head = chars.get(..LENGTH)?;
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = head.get(range)?;
        if !part.iter().all(char::is_ascii_digit) {
            return None;
        }
        part.iter().collect::<String>().parse().ok()
    };
    let (year, month, day) = match (head[4], head[7], head[2], head[5]) {
        ('-', '-', _, _) => (number(0..4)?, number(5..7)?, number(8..10)?),
        (_, _, '.', '.') => (number(6..10)?, number(3..5)?, number(0..2)?),
        _ => return None,
    };
    let plausible = (1900..2200).contains(&year)
        && chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day).is_some();
    let continues = match (chars.get(LENGTH), chars.get(LENGTH + 1)) {
        (Some(c), _) if is_digit_like(*c) => true,
        (Some('-' | '.'), Some(c)) => is_digit_like(*c),
        _ => false,
    };
    (plausible && !continues).then_some(LENGTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_digits_keep_country_prefix_and_last_four() {
        assert_eq!(mask_phone_digits("79161234567"), "7916***4567");
        assert_eq!(mask_phone_digits("4930901820"), "493***1820");
        assert_eq!(mask_phone_digits("1234567"), "***4567");
        assert_eq!(mask_phone_digits("12345"), "***");
    }

    #[test]
    fn names_keep_their_first_letter() {
        assert_eq!(mask_name("Анна"), "А***");
        assert_eq!(mask_name("  "), "***");
    }

    #[test]
    fn phones_inside_text_are_masked_and_the_rest_is_kept() {
        assert_eq!(
            mask_phones_in_text("booked by +7 (916) 123-45-67 at 10:30"),
            "booked by +* (***) ***-45-67 at 10:30"
        );
        assert_eq!(
            mask_phones_in_text("call 89161234567."),
            "call *******4567."
        );
        assert_eq!(
            mask_phones_in_text("room 12, 2026-11-24"),
            "room 12, 2026-11-24"
        );
    }

    #[test]
    fn dates_and_timestamps_in_text_are_kept() {
        for text in [
            "the earliest start is 2026-11-24 10:30:00 UTC",
            "приду 24.11.2026 в 10:30.",
            "at 2026-11-24T10:30:00Z",
        ] {
            assert_eq!(mask_phones_in_text(text), text);
        }
        // A date-shaped start that more digits continue is a number.
        assert_eq!(mask_phones_in_text("2026-11-2412345"), "****-**-***2345");
        assert_eq!(
            mask_phones_in_text("on 2026-11-24 call 8 916 123 45 67"),
            "on 2026-11-24 call * *** *** 45 67"
        );
        // An impossible date is not a date.
        assert_eq!(mask_phones_in_text("2026-13-45"), "****-13-45");
    }

    #[test]
    fn pasted_phones_in_text_are_masked() {
        assert_eq!(
            mask_phones_in_text("call +7\u{A0}916\u{A0}123\u{A0}45\u{A0}67 now"),
            "call +*\u{A0}***\u{A0}***\u{A0}45\u{A0}67 now"
        );
        assert_eq!(mask_phones_in_text("тел ۰۹۱۲۳۴۵۶۷۸۹"), "тел *******۶۷۸۹");
        assert_eq!(
            mask_phones_in_text("８９１６１２３４５６７"),
            "*******４５６７"
        );
    }

    #[test]
    fn short_numbers_in_text_are_kept() {
        assert_eq!(
            mask_phones_in_text("room 12, 150 000 RUB, code 123456"),
            "room 12, 150 000 RUB, code 123456"
        );
    }
}
