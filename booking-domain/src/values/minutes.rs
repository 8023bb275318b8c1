//! Durations in whole minutes.

use std::fmt;

use chrono::Duration;

/// A duration longer than [`Minutes::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a duration must be between 0 and {max} minutes, got {got}", max = Minutes::MAX.0)]
pub struct InvalidMinutes {
    pub got: i64,
}

/// A non-negative duration in whole minutes, at most a year. Used for service
/// lengths, buffers, notice, cutoffs and slot steps; callers that need a
/// positive value check `is_zero`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Minutes(u32);

impl Minutes {
    pub const ZERO: Minutes = Minutes(0);
    pub const MAX: Minutes = Minutes(366 * 24 * 60);

    /// # Errors
    /// [`InvalidMinutes`] when `value` is negative or above [`Minutes::MAX`].
    pub fn new(value: i64) -> Result<Self, InvalidMinutes> {
        u32::try_from(value)
            .ok()
            .filter(|v| *v <= Self::MAX.0)
            .map(Self)
            .ok_or(InvalidMinutes { got: value })
    }

    pub fn get(self) -> u32 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn to_duration(self) -> Duration {
        Duration::minutes(i64::from(self.0))
    }
}

impl fmt::Display for Minutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m) = (self.0 / 60, self.0 % 60);
        match (h, m) {
            (0, m) => write!(f, "{m} min"),
            (h, 0) => write!(f, "{h} h"),
            (h, m) => write!(f, "{h} h {m} min"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_refuse_negative_and_absurd_values() {
        assert_eq!(Minutes::new(-1), Err(InvalidMinutes { got: -1 }));
        assert!(Minutes::new(i64::from(Minutes::MAX.get()) + 1).is_err());
        assert_eq!(
            Minutes::new(90).map(|m| m.to_string()),
            Ok("1 h 30 min".to_owned())
        );
    }

    #[test]
    fn minutes_accept_zero_to_a_year_and_say_so_when_refusing() {
        assert_eq!(Minutes::new(0), Ok(Minutes::ZERO));
        assert_eq!(Minutes::new(527_040), Ok(Minutes::MAX));
        assert_eq!(Minutes::new(527_041), Err(InvalidMinutes { got: 527_041 }));
        assert_eq!(
            Minutes::new(i64::MIN),
            Err(InvalidMinutes { got: i64::MIN })
        );
        assert_eq!(
            InvalidMinutes { got: -1 }.to_string(),
            "a duration must be between 0 and 527040 minutes, got -1"
        );
        for (value, text) in [(0, "0 min"), (45, "45 min"), (120, "2 h")] {
            assert_eq!(Minutes::new(value).unwrap().to_string(), text);
        }
    }
}
