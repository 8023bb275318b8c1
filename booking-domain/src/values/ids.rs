//! Identifiers and the optimistic-locking version.

use std::fmt;

/// An id that is not a positive integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an id must be a positive integer, got {0}")]
pub struct InvalidId(pub i64);

macro_rules! positive_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            /// The id `value`, which must be positive.
            ///
            /// # Errors
            /// [`InvalidId`] when `value <= 0`.
            pub fn new(value: i64) -> Result<Self, InvalidId> {
                if value > 0 { Ok(Self(value)) } else { Err(InvalidId(value)) }
            }

            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

positive_id!(
    /// A service the business offers.
    ServiceId
);
positive_id!(
    /// A staff member who performs services.
    StaffId
);
positive_id!(
    /// A booking.
    BookingId
);
positive_id!(
    /// A period blocked in the calendar.
    TimeOffId
);
positive_id!(
    /// A customer, as the embedder identifies them. The Telegram deployment
    /// uses the customer's Telegram user id, which is stable across chats.
    CustomerId
);

/// A version below 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a version starts at 1, got {0}")]
pub struct InvalidVersion(pub i64);

/// The optimistic-locking version of a stored record: 1 when created, bumped
/// by exactly one on every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(i64);

impl Version {
    /// The version of a record that was just created.
    pub const FIRST: Version = Version(1);

    /// # Errors
    /// [`InvalidVersion`] when `value < 1`.
    pub fn new(value: i64) -> Result<Self, InvalidVersion> {
        if value >= 1 {
            Ok(Self(value))
        } else {
            Err(InvalidVersion(value))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// The version after one more change.
    #[must_use]
    pub fn next(self) -> Version {
        Version(self.0.saturating_add(1))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_positive() {
        assert_eq!(BookingId::new(0), Err(InvalidId(0)));
        assert_eq!(ServiceId::new(-3), Err(InvalidId(-3)));
        assert_eq!(StaffId::new(7).map(StaffId::get), Ok(7));
    }

    #[test]
    fn versions_start_at_one_and_step_by_one() {
        assert_eq!(Version::new(0), Err(InvalidVersion(0)));
        assert_eq!(Version::FIRST.next(), Version::new(2).unwrap());
    }

    #[test]
    fn every_id_refuses_zero_and_negatives_with_the_value_in_the_message() {
        let refusals = [
            ServiceId::new(0).err(),
            StaffId::new(-1).err(),
            BookingId::new(0).err(),
            TimeOffId::new(i64::MIN).err(),
            CustomerId::new(0).err(),
        ];
        assert_eq!(
            refusals,
            [
                Some(InvalidId(0)),
                Some(InvalidId(-1)),
                Some(InvalidId(0)),
                Some(InvalidId(i64::MIN)),
                Some(InvalidId(0))
            ]
        );
        assert_eq!(
            InvalidId(-1).to_string(),
            "an id must be a positive integer, got -1"
        );
        assert_eq!(CustomerId::new(i64::MAX).map(CustomerId::get), Ok(i64::MAX));
        assert_eq!(TimeOffId::new(1).unwrap().to_string(), "1");
    }

    #[test]
    fn version_refusal_names_the_value() {
        assert_eq!(Version::new(-5), Err(InvalidVersion(-5)));
        assert_eq!(
            InvalidVersion(0).to_string(),
            "a version starts at 1, got 0"
        );
        assert_eq!(Version::new(1), Ok(Version::FIRST));
        assert_eq!(Version::new(i64::MAX).unwrap().next().get(), i64::MAX);
        assert_eq!(Version::FIRST.to_string(), "v1");
    }
}
