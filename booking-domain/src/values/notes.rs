//! Staff's notes about a customer.

use std::fmt;

use super::typed::is_forbidden_in_text;

/// Why notes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidNotes {
    #[error("notes must have at most {max} characters, got {got}")]
    TooLong { max: usize, got: usize },
    #[error("notes must not contain control characters")]
    ControlCharacter,
}

/// Staff's notes about a customer ("prefers Anna", "allergic to ..."): at
/// most 1000 characters, trimmed; empty means no notes, so writing empty
/// notes clears them. They are staff's own words about a person, so `Debug`
/// shows only their length and nothing logs them.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct CustomerNotes(String);

impl CustomerNotes {
    pub const MAX_CHARS: usize = 1000;

    /// # Errors
    /// [`InvalidNotes`] saying what is wrong.
    pub fn new(input: &str) -> Result<Self, InvalidNotes> {
        // Line breaks and tabs are how people write notes; other control
        // characters and bidirectional overrides would corrupt what staff
        // read.
        if input.chars().any(is_forbidden_in_text) {
            return Err(InvalidNotes::ControlCharacter);
        }
        let trimmed = input.trim();
        let got = trimmed.chars().count();
        if got > Self::MAX_CHARS {
            return Err(InvalidNotes::TooLong {
                max: Self::MAX_CHARS,
                got,
            });
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text, for the staff who read it and the store that keeps it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CustomerNotes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomerNotes({} chars)", self.0.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_allow_1000_characters_and_line_breaks() {
        assert!(CustomerNotes::new(&"ы".repeat(1000)).is_ok());
        assert_eq!(
            CustomerNotes::new(&"ы".repeat(1001)),
            Err(InvalidNotes::TooLong {
                max: 1000,
                got: 1001
            })
        );
        assert_eq!(
            CustomerNotes::new(" prefers Anna\nno coffee ")
                .unwrap()
                .expose(),
            "prefers Anna\nno coffee"
        );
    }

    #[test]
    fn blank_notes_are_empty_notes() {
        assert!(CustomerNotes::new("  \n ").unwrap().is_empty());
    }

    #[test]
    fn notes_refuse_control_characters_and_hide_their_text_in_debug() {
        assert_eq!(
            CustomerNotes::new("a\u{202E}b"),
            Err(InvalidNotes::ControlCharacter)
        );
        let notes = CustomerNotes::new("call +7 916 123 45 67").unwrap();
        assert_eq!(format!("{notes:?}"), "CustomerNotes(21 chars)");
    }
}
