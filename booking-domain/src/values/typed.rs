//! What people may type into names, comments and reasons: the characters
//! refused in every kind of free text, shared so names and comments cannot
//! drift apart.

/// Whether `c` is never meant in typed text: a control character other
/// than the line breaks and tabs people type, or a bidirectional embedding,
/// override or isolate (U+202A to U+202E, U+2066 to U+2069). Those reorder
/// what staff see around them: "Anna" followed by an override can make a
/// phone or a price in the same line read backwards (the "Trojan Source"
/// trick), so they are refused rather than stripped.
pub(crate) fn is_forbidden_in_text(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_bidi_control(c)
}

/// A bidirectional embedding, override or isolate.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedding_override_and_isolate_is_refused() {
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            assert!(is_forbidden_in_text(c), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn line_breaks_tabs_letters_and_marks_people_type_are_allowed() {
        for c in ['\n', '\r', '\t', 'a', 'я', ' ', '-', '\u{200D}', '\u{200E}'] {
            assert!(!is_forbidden_in_text(c), "U+{:04X}", u32::from(c));
        }
        assert!(is_forbidden_in_text('\u{0}'));
        assert!(is_forbidden_in_text('\u{7f}'));
    }
}
