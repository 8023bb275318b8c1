//! Phone numbers and names in text: masking never shows more than it
//! should, and parsing reads back what it accepts, through scripts and
//! separators.

use super::*;

/// Separators the text masker must see through, besides plain ASCII: any
/// whitespace, the dashes generators use, and invisible marks.
fn is_separator(c: char) -> bool {
    " +()-.".contains(c)
        || c.is_whitespace()
        || phones::UNICODE_SEPARATORS.contains(&c)
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn is_digit(c: char) -> bool {
    c.is_numeric()
}

fn digits_of(text: &str) -> Vec<char> {
    text.chars().filter(|c| is_digit(*c)).collect()
}

/// A letter, which cannot extend a phone number's run of digits and
/// separators, so the number stands apart from the text around it.
fn boundary() -> impl Strategy<Value = char> {
    any::<char>().prop_filter("a letter", |c| c.is_alphabetic() && !c.is_numeric())
}

/// Text that is mostly digits and the separators phones use, with some
/// letters, so that runs of every length and shape occur.
fn digit_heavy_text() -> impl Strategy<Value = String> {
    "[0-9 +()\\-.a-zа-я٠-٩\u{a0}\u{2013}:/]{0,60}"
}

/// The maximal runs of digits and separators in `text`, as char ranges.
fn runs(chars: &[char]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, &c) in chars.iter().chain(std::iter::once(&'x')).enumerate() {
        let inside = i < chars.len() && (is_digit(c) || is_separator(c));
        match (start, inside) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                runs.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// Whether a run holds a date written `2026-11-24` or `24.11.2026`, which
/// the masker may keep.
fn contains_date(run: &[char]) -> bool {
    let shaped = |w: &[char], dashes: [usize; 2], dash: char| {
        w.iter().enumerate().all(|(i, c)| {
            if dashes.contains(&i) {
                *c == dash
            } else {
                c.is_ascii_digit()
            }
        })
    };
    run.windows(10)
        .any(|w| shaped(w, [4, 7], '-') || shaped(w, [2, 5], '.'))
}

proptest! {
    #![proptest_config(support::config(PHONE_CASES))]

    /// a customer's name shows only its first letter, for any Unicode name.
    #[test]
    fn masking_never_shows_more_than_last_four_digits_or_first_letter(
        number in phones::valid_number(),
        name in any::<String>(),
    ) {
        let phone = PhoneNumber::parse(&number.e164, PhoneRegion::new("RU").unwrap()).unwrap();
        let digits: Vec<char> = number.digits().chars().collect();
        let shown_prefix = (digits.len() - 7).min(4);
        let expected = format!(
            "+{}***{}",
            digits[..shown_prefix].iter().collect::<String>(),
            digits[digits.len() - 4..].iter().collect::<String>(),
        );
        prop_assert_eq!(phone.to_string(), expected.clone());
        prop_assert_eq!(format!("{phone:?}"), format!("PhoneNumber({expected})"));
        let shown = expected.chars().filter(char::is_ascii_digit).count();
        prop_assert!(shown <= 8 && digits.len() - shown >= 3, "{} shows {} of {}", expected, shown, digits.len());

        if let Ok(customer) = CustomerName::new(&name) {
            let first = customer.expose().chars().next().unwrap();
            prop_assert_eq!(customer.to_string(), format!("{first}***"));
            prop_assert_eq!(format!("{customer:?}"), format!("CustomerName({first}***)"));
        }
        let masked = mask_name(&name);
        match name.trim().chars().next() {
            Some(first) => prop_assert_eq!(masked, format!("{first}***")),
            None => prop_assert_eq!(masked, "***"),
        }
    }

    /// keeps every character except digits of numbers it holds itself.
    #[test]
    fn mask_phones_in_text_never_leaves_five_digits_of_an_embedded_phone(
        number in phones::valid_number(),
        how in phones::written(),
        dress in phones::dress(),
        left in any::<String>(),
        left_edge in boundary(),
        right_edge in boundary(),
        right in any::<String>(),
    ) {
        let phone = phones::dressed(&phones::write(&number, how), dress);
        let left = format!("{left}{left_edge}");
        let right = format!("{right_edge}{right}");
        let text = format!("{left}{phone}{right}");
        let masked: Vec<char> = mask_phones_in_text(&text).chars().collect();
        let original: Vec<char> = text.chars().collect();
        prop_assert_eq!(masked.len(), original.len(), "{:?}", text);
        for (before, after) in original.iter().zip(&masked) {
            prop_assert!(before == after || (is_digit(*before) && *after == '*'), "{:?} became {:?}", text, masked);
        }
        let span = left.chars().count()..left.chars().count() + phone.chars().count();
        let shown: Vec<char> = masked[span.clone()].iter().copied().filter(|c| is_digit(*c)).collect();
        let digits = digits_of(&phone);
        // A number written with fewer than 7 digits (a national number of
        // Andorra or Niue) cannot be told from a price or a postcode; the
        // masker leaves such runs alone by design.
        let visible = if digits.len() >= 7 { &digits[digits.len() - 4..] } else { &digits[..] };
        prop_assert_eq!(&shown[..], visible, "{:?} became {:?}", phone, masked[span].iter().collect::<String>());
    }

    /// parsing that form again, for any region, gives the same number.
    #[test]
    fn phone_parsing_is_idempotent(
        number in phones::valid_number(),
        how in phones::written(),
        other in select(phones::REGIONS.to_vec()),
    ) {
        let own = PhoneRegion::new(number.region).unwrap();
        let other = PhoneRegion::new(other).unwrap();
        let text = phones::write(&number, how);
        let parsed = PhoneNumber::parse(&text, own);
        prop_assert!(parsed.is_ok(), "{:?} in {}: {:?}", text, number.region, parsed);
        let parsed = parsed.unwrap();
        prop_assert_eq!(parsed.expose(), number.e164.as_str());
        prop_assert_eq!(PhoneNumber::parse(parsed.expose(), own), Ok(parsed.clone()));
        prop_assert_eq!(PhoneNumber::parse(parsed.expose(), other), Ok(parsed.clone()));
        if how != Written::National {
            prop_assert_eq!(PhoneNumber::parse(&text, other), Ok(parsed.clone()));
        }
    }

    /// another script parses to the same number as its plain form.
    #[test]
    fn phone_parsing_sees_through_scripts_and_separators(
        number in phones::valid_number(),
        how in phones::written(),
        dress in phones::dress(),
    ) {
        let own = PhoneRegion::new(number.region).unwrap();
        let text = phones::dressed(&phones::write(&number, how), dress);
        let parsed = PhoneNumber::parse(&text, own);
        prop_assert_eq!(parsed.as_ref().map(PhoneNumber::expose), Ok(number.e164.as_str()), "{:?}", text);
    }
}

proptest! {
    #![proptest_config(support::config(TEXT_CASES))]

    /// string too short to hide 3 digits and show any.
    #[test]
    fn masked_phone_digits_hide_at_least_three(digits in "[0-9]{0,20}") {
        let masked = mask_phone_digits(&digits);
        let (prefix, suffix) = masked.split_once("***").unwrap();
        if digits.len() < 7 {
            prop_assert_eq!(masked, "***");
        } else {
            prop_assert!(prefix.len() <= 4 && digits.starts_with(prefix));
            prop_assert_eq!(suffix, &digits[digits.len() - 4..]);
            prop_assert!(digits.len() - prefix.len() - suffix.len() >= 3);
        }
    }

    /// nothing more.
    #[test]
    fn mask_phones_in_text_hides_every_long_run_of_digits(text in prop_oneof![digit_heavy_text(), any::<String>()]) {
        let masked_text = mask_phones_in_text(&text);
        let masked: Vec<char> = masked_text.chars().collect();
        let original: Vec<char> = text.chars().collect();
        prop_assert_eq!(masked.len(), original.len());
        for (before, after) in original.iter().zip(&masked) {
            prop_assert!(before == after || (is_digit(*before) && *after == '*'));
        }
        prop_assert_eq!(mask_phones_in_text(&masked_text), masked_text.clone());
        for run in runs(&original) {
            let digits: Vec<char> = original[run.clone()].iter().copied().filter(|c| is_digit(*c)).collect();
            if digits.len() < 7 || contains_date(&original[run.clone()]) {
                continue;
            }
            // The masker's own run may reach further than this one (its
            // idea of a separator is at least as broad), so what stays
            // visible is at most this run's last 4 digits.
            let after: Vec<char> = original[run.clone()]
                .iter()
                .zip(&masked[run.clone()])
                .filter(|(before, _)| is_digit(**before))
                .map(|(_, after)| *after)
                .collect();
            let hidden = after.iter().take_while(|c| **c == '*').count();
            prop_assert!(
                digits.len() - hidden <= 4 && after[hidden..] == digits[hidden..],
                "{:?} became {:?}", text, masked_text
            );
        }
    }

    /// it accepts parses again to itself.
    #[test]
    fn phone_parsing_accepts_only_what_it_can_read_back(
        typed in prop_oneof!["[+]?[0-9 ()\\-.]{0,24}", "\\+?[0-9]{6,15}", any::<String>()],
        region in select(phones::REGIONS.to_vec()),
    ) {
        let region = PhoneRegion::new(region).unwrap();
        if let Ok(phone) = PhoneNumber::parse(&typed, region) {
            prop_assert_eq!(PhoneNumber::parse(phone.expose(), region), Ok(phone.clone()));
            prop_assert!(phone.expose().starts_with('+'));
            prop_assert!(phone.expose()[1..].chars().all(|c| c.is_ascii_digit()));
        }
    }
}
