//! Masking of personal data for logs and other places where it must not
//! appear in full. The value types call these in their `Debug` and `Display`.

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

/// Free text with every run that looks like a phone number (7 or more digits,
/// optionally with `+`, spaces, dashes, dots and brackets between them)
/// reduced to its last 4 digits, for log lines that may quote a customer.
pub fn mask_phones_in_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
            || (chars[i] == '(' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if !starts_number {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut end = i;
        let mut last_digit_end = i;
        while end < chars.len() && (chars[end].is_ascii_digit() || "+()-. ".contains(chars[end])) {
            if chars[end].is_ascii_digit() {
                last_digit_end = end + 1;
            }
            end += 1;
        }
        // Trailing separators (a space before the next word) stay outside.
        let run = &chars[i..last_digit_end];
        let digit_count = run.iter().filter(|c| c.is_ascii_digit()).count();
        if digit_count >= 7 && !looks_like_iso_date(run) {
            let mut shown = 0;
            let masked: Vec<char> = run
                .iter()
                .rev()
                .map(|&c| {
                    if c.is_ascii_digit() {
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

/// `2026-11-24` has 8 digits but is a date, which logs are full of.
fn looks_like_iso_date(run: &[char]) -> bool {
    let text: String = run.iter().collect();
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 3
        && groups.iter().map(|g| g.len()).eq([4, 2, 2])
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
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
}
