//! Free text customers and staff attach to bookings.

use std::fmt;

use super::typed::is_forbidden_in_text;
use crate::privacy::mask_phones_in_text;

/// Why a comment or reason was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidComment {
    #[error("the text is empty")]
    Empty,
    #[error("the text must have at most {max} characters, got {got}")]
    TooLong { max: usize, got: usize },
    #[error("the text must not contain control characters")]
    ControlCharacter,
}

fn normalise_text(input: &str, max: usize) -> Result<String, InvalidComment> {
    // Line breaks and tabs are how people type; other control characters
    // and bidirectional overrides are never meant and would corrupt what
    // staff see.
    if input.chars().any(is_forbidden_in_text) {
        return Err(InvalidComment::ControlCharacter);
    }
    let trimmed = input.trim();
    let got = trimmed.chars().count();
    if got == 0 {
        Err(InvalidComment::Empty)
    } else if got > max {
        Err(InvalidComment::TooLong { max, got })
    } else {
        Ok(trimmed.to_owned())
    }
}

/// A customer's note to the business, at most 500 characters. It may hold
/// personal data, so `Debug` masks phone numbers found in it and shows only
/// its length.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Comment(String);

impl Comment {
    pub const MAX_CHARS: usize = 500;

    /// # Errors
    /// [`InvalidComment`] saying what is wrong.
    pub fn new(input: &str) -> Result<Self, InvalidComment> {
        normalise_text(input, Self::MAX_CHARS).map(Self)
    }

    /// The raw text, for the staff who need to read it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Comment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Comment({} chars)", self.0.chars().count())
    }
}

impl fmt::Display for Comment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask_phones_in_text(&self.0))
    }
}

/// Why a booking was cancelled, as staff or a customer put it: at most 300
/// characters, shown to the other side.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CancelReason(String);

impl CancelReason {
    pub const MAX_CHARS: usize = 300;

    /// # Errors
    /// [`InvalidComment`] saying what is wrong.
    pub fn new(input: &str) -> Result<Self, InvalidComment> {
        normalise_text(input, Self::MAX_CHARS).map(Self)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CancelReason({:?})", mask_phones_in_text(&self.0))
    }
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask_phones_in_text(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_allows_500_characters_and_line_breaks() {
        assert!(Comment::new(&"x".repeat(500)).is_ok());
        assert_eq!(
            Comment::new(&"x".repeat(501)),
            Err(InvalidComment::TooLong { max: 500, got: 501 })
        );
        assert_eq!(
            Comment::new("first\nsecond").unwrap().expose(),
            "first\nsecond"
        );
    }

    #[test]
    fn comment_refuses_blank_text_and_control_characters() {
        assert_eq!(Comment::new("  \n "), Err(InvalidComment::Empty));
        assert_eq!(
            Comment::new("a\u{0}b"),
            Err(InvalidComment::ControlCharacter)
        );
    }

    #[test]
    fn comments_and_reasons_refuse_bidirectional_overrides_and_isolates() {
        // "+7 916" followed by RIGHT-TO-LEFT OVERRIDE would show staff a
        // reversed number in the same line.
        assert_eq!(
            Comment::new("call \u{202E}76 54 321 619 7+"),
            Err(InvalidComment::ControlCharacter)
        );
        assert_eq!(
            CancelReason::new("ill\u{2067}ness"),
            Err(InvalidComment::ControlCharacter)
        );
    }

    #[test]
    fn comment_debug_never_shows_its_text() {
        let comment = Comment::new("call me on +7 916 123 45 67").unwrap();
        assert_eq!(format!("{comment:?}"), "Comment(27 chars)");
        assert!(!comment.to_string().contains("916"));
    }

    #[test]
    fn comment_and_cancel_reason_refusals_read_well() {
        assert_eq!(InvalidComment::Empty.to_string(), "the text is empty");
        assert_eq!(
            InvalidComment::TooLong { max: 500, got: 501 }.to_string(),
            "the text must have at most 500 characters, got 501"
        );
        assert_eq!(
            InvalidComment::ControlCharacter.to_string(),
            "the text must not contain control characters"
        );
    }

    #[test]
    fn cancel_reason_allows_300_characters_and_refuses_like_a_comment() {
        assert!(CancelReason::new(&"ы".repeat(300)).is_ok());
        assert_eq!(
            CancelReason::new(&"ы".repeat(301)),
            Err(InvalidComment::TooLong { max: 300, got: 301 })
        );
        assert_eq!(CancelReason::new(" \r\n\t "), Err(InvalidComment::Empty));
        assert_eq!(
            CancelReason::new("sick\u{7f}"),
            Err(InvalidComment::ControlCharacter)
        );
        assert_eq!(CancelReason::new(" sick ").unwrap().expose(), "sick");
    }

    #[test]
    fn a_cancel_reason_masks_phones_in_debug_and_display() {
        let reason = CancelReason::new("call +7 916 123 45 67").unwrap();
        assert_eq!(reason.to_string(), "call +* *** *** 45 67");
        assert_eq!(
            format!("{reason:?}"),
            "CancelReason(\"call +* *** *** 45 67\")"
        );
    }
}
