//! What people type: phone numbers, names, comments and reasons.

use booking_domain::{CancelReason, Comment, CustomerName, PhoneNumber, PhoneRegion};

use super::text;

/// E.164 allows at most 15 digits after the `+`.
const MAX_E164_DIGITS: usize = 15;

/// A typed phone number, read for the region the first input byte picks.
pub fn phone(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Some(typed) = text(rest) else { return };
    let region = ["RU", "US", "GB", "DE", "IN", "BR"][usize::from(pick) % 6];
    let Ok(region) = PhoneRegion::new(region) else {
        unreachable!("a known region")
    };
    let Ok(number) = PhoneNumber::parse(typed, region) else {
        return;
    };
    let e164 = number.expose();
    let digits = e164
        .strip_prefix('+')
        .unwrap_or_else(|| panic!("not E.164: {e164:?}"));
    assert!(
        !digits.is_empty()
            && digits.len() <= MAX_E164_DIGITS
            && digits.bytes().all(|b| b.is_ascii_digit()),
        "not E.164: {e164:?}"
    );
    assert_eq!(
        PhoneNumber::parse(e164, region).as_ref(),
        Ok(&number),
        "E.164 does not parse back to itself"
    );
    // The masked form, the only one logs see, hides at least 3 digits.
    let shown = number.masked().bytes().filter(u8::is_ascii_digit).count();
    assert!(
        shown + 3 <= digits.len(),
        "{shown} of {} digits shown",
        digits.len()
    );
}

/// Refused in every typed text: controls other than line breaks and tabs,
/// and bidirectional embeddings, overrides and isolates.
fn is_forbidden(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
}

/// One input as a customer name, a comment and a cancel reason.
pub fn names_and_texts(data: &[u8]) {
    let Some(typed) = text(data) else { return };
    if let Ok(name) = CustomerName::new(typed) {
        let raw = name.expose();
        assert_eq!(CustomerName::new(raw).as_ref(), Ok(&name), "not normalised");
        let chars = raw.chars().count();
        assert!(
            (CustomerName::MIN_CHARS..=CustomerName::MAX_CHARS).contains(&chars),
            "{chars} characters"
        );
        assert!(raw.chars().any(char::is_alphabetic), "no letter: {raw:?}");
        assert!(
            !raw.chars().any(|c| is_forbidden(c) || c.is_control()),
            "{raw:?}"
        );
        assert_eq!(raw, raw.trim(), "not trimmed");
        // Personal data: the masked form shows the first character only.
        let masked = format!("{name}");
        assert!(
            masked.ends_with("***") && masked.chars().count() == 4,
            "{masked:?}"
        );
    }
    if let Ok(comment) = Comment::new(typed) {
        let raw = comment.expose();
        assert_eq!(Comment::new(raw).as_ref(), Ok(&comment), "not normalised");
        assert!(raw.chars().count() <= Comment::MAX_CHARS);
        assert!(!raw.chars().any(is_forbidden), "{raw:?}");
    }
    if let Ok(reason) = CancelReason::new(typed) {
        let raw = reason.expose();
        assert_eq!(
            CancelReason::new(raw).as_ref(),
            Ok(&reason),
            "not normalised"
        );
        assert!(!raw.chars().any(is_forbidden), "{raw:?}");
    }
}
