//! Names of customers, staff members and services.

use std::fmt;

use super::typed::is_bidi_control;
use crate::privacy::mask_name;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidName {
    #[error("a name must have at least {min} characters")]
    TooShort { min: usize },
    #[error("a name must have at most {max} characters")]
    TooLong { max: usize },
    #[error("a name must not contain control characters")]
    ControlCharacter,
    #[error("a name must have at least one letter")]
    NoLetter,
}

/// Trims, collapses inner runs of whitespace to one space and checks length
/// and characters. Shared by every kind of name.
fn normalise_name(input: &str, min: usize, max: usize) -> Result<String, InvalidName> {
    // Whitespace control characters (tabs, line breaks) are folded into
    // spaces below; every other control and bidirectional override is
    // refused.
    if input
        .chars()
        .any(|c| is_bidi_control(c) || (c.is_control() && !c.is_whitespace()))
    {
        return Err(InvalidName::ControlCharacter);
    }
    let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let length = collapsed.chars().count();
    if length < min {
        Err(InvalidName::TooShort { min })
    } else if length > max {
        Err(InvalidName::TooLong { max })
    } else {
        Ok(collapsed)
    }
}

/// A customer's name as they gave it: 2 to 100 characters after trimming, no
/// control characters, at least one letter (of any script: a name made of
/// dots, digits or emoji tells staff nothing and is usually a probe).
/// Personal data: `Debug` and `Display` print the masked
/// form; [`CustomerName::expose`] is the one way to the raw text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CustomerName(String);

impl CustomerName {
    pub const MIN_CHARS: usize = 2;
    pub const MAX_CHARS: usize = 100;

    /// # Errors
    /// [`InvalidName`] saying what is wrong.
    pub fn new(input: &str) -> Result<Self, InvalidName> {
        let name = Self::stored(input)?;
        if name.0.chars().any(char::is_alphabetic) {
            Ok(name)
        } else {
            Err(InvalidName::NoLetter)
        }
    }

    /// A name read back from a store: every rule of [`CustomerName::new`]
    /// except the letter, which came later. A name saved before it must
    /// still read back (refusing it would make the customer's record, and
    /// every booking that shows it, unreadable); only new input is held to
    /// the rule.
    ///
    /// # Errors
    /// [`InvalidName`] saying what is wrong.
    pub fn stored(input: &str) -> Result<Self, InvalidName> {
        normalise_name(input, Self::MIN_CHARS, Self::MAX_CHARS).map(Self)
    }

    /// The raw name. Every call site is a place personal data leaves the
    /// type: keep them few and never pass the result to a log.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CustomerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomerName({})", mask_name(&self.0))
    }
}

impl fmt::Display for CustomerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask_name(&self.0))
    }
}

macro_rules! public_name {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            /// # Errors
            /// [`InvalidName`] saying what is wrong.
            pub fn new(input: &str) -> Result<Self, InvalidName> {
                normalise_name(input, 1, Self::MAX_CHARS).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

public_name!(
    /// The name of a service as customers see it ("Haircut"). Not personal data.
    ServiceName,
    100
);
public_name!(
    /// A staff member's display name as customers see it ("Anna"). The business
    /// publishes it, so it is not masked.
    StaffName,
    100
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_name_is_trimmed_and_collapsed() {
        let name = CustomerName::new("  Анна   Петровна ").unwrap();
        assert_eq!(name.expose(), "Анна Петровна");
    }

    #[test]
    fn customer_name_refuses_too_short_too_long_and_control_characters() {
        assert_eq!(
            CustomerName::new(" A "),
            Err(InvalidName::TooShort { min: 2 })
        );
        assert_eq!(
            CustomerName::new(&"я".repeat(101)),
            Err(InvalidName::TooLong { max: 100 })
        );
        assert_eq!(
            CustomerName::new("Ann\u{7}a"),
            Err(InvalidName::ControlCharacter)
        );
    }

    #[test]
    fn customer_name_needs_a_letter_of_any_script_but_a_stored_one_reads_back() {
        for letterless in ["...", "12345", "😀😀", "- -", "+7 900"] {
            assert_eq!(
                CustomerName::new(letterless),
                Err(InvalidName::NoLetter),
                "{letterless}"
            );
            assert!(CustomerName::stored(letterless).is_ok(), "{letterless}");
        }
        for named in ["Jo", "李明", "Анна 2", "O'Neil", "أحمد"] {
            assert!(CustomerName::new(named).is_ok(), "{named}");
        }
        assert!(CustomerName::new(&"я".repeat(100)).is_ok());
    }

    #[test]
    fn names_refuse_bidirectional_overrides_and_isolates() {
        assert_eq!(
            CustomerName::new("Anna\u{202E}avoP"),
            Err(InvalidName::ControlCharacter)
        );
        assert_eq!(
            StaffName::new("\u{2066}Boris\u{2069}"),
            Err(InvalidName::ControlCharacter)
        );
        assert_eq!(
            ServiceName::new("Cut\u{202B}"),
            Err(InvalidName::ControlCharacter)
        );
    }

    #[test]
    fn customer_name_masks_itself_in_debug_and_display() {
        let name = CustomerName::new("Анна").unwrap();
        assert_eq!(name.to_string(), "А***");
        assert_eq!(format!("{name:?}"), "CustomerName(А***)");
    }

    #[test]
    fn service_name_must_not_be_blank() {
        assert_eq!(
            ServiceName::new("   "),
            Err(InvalidName::TooShort { min: 1 })
        );
        assert_eq!(ServiceName::new(" Haircut ").unwrap().as_str(), "Haircut");
    }

    #[test]
    fn name_refusals_read_well() {
        assert_eq!(
            InvalidName::TooShort { min: 2 }.to_string(),
            "a name must have at least 2 characters"
        );
        assert_eq!(
            InvalidName::TooLong { max: 100 }.to_string(),
            "a name must have at most 100 characters"
        );
        assert_eq!(
            InvalidName::ControlCharacter.to_string(),
            "a name must not contain control characters"
        );
    }

    #[test]
    fn every_kind_of_name_refuses_each_way_a_name_can_be_wrong() {
        type Constructor = fn(&str) -> Result<(), InvalidName>;
        let kinds: [(Constructor, usize); 3] = [
            (|s| CustomerName::new(s).map(drop), 2),
            (|s| ServiceName::new(s).map(drop), 1),
            (|s| StaffName::new(s).map(drop), 1),
        ];
        for (new, min) in kinds {
            assert_eq!(new(" \t "), Err(InvalidName::TooShort { min }));
            assert_eq!(
                new(&"ж".repeat(101)),
                Err(InvalidName::TooLong { max: 100 })
            );
            assert_eq!(new("Ann\u{0}a"), Err(InvalidName::ControlCharacter));
            assert_eq!(new("Ann\u{1b}[31ma"), Err(InvalidName::ControlCharacter));
            assert_eq!(new("Anna\nMaria"), Ok(()), "line breaks are whitespace");
        }
        // Length counts characters after collapsing whitespace, not bytes.
        assert!(CustomerName::new(&format!("  {}  ", "я".repeat(100))).is_ok());
        assert_eq!(
            CustomerName::new("Ян").map(|n| n.expose().to_owned()),
            Ok("Ян".to_owned())
        );
        assert_eq!(StaffName::new("  Anna  ").unwrap().as_str(), "Anna");
        assert_eq!(ServiceName::new("Cut").unwrap().to_string(), "Cut");
    }
}
