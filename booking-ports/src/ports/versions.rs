//! The version of a record that several instances of the application may
//! write at once (a conversation, a staff session): the fence of a
//! conditional write. A writer reads the record with its version and writes
//! back only if the stored version is still the one it read, so an instance
//! that lost a chat to another one (its lease expired while it was stalled)
//! cannot overwrite what the other wrote since.

use std::fmt;

/// A record's version: [`RecordVersion::NONE`] when nothing is stored, one
/// more at every write the port counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RecordVersion(u64);

impl RecordVersion {
    /// The version of a record that is not stored.
    pub const NONE: RecordVersion = RecordVersion(0);

    pub const fn new(value: u64) -> Self {
        Self(value)
    }

    pub const fn get(self) -> u64 {
        self.0
    }

    /// The version after one more write.
    #[must_use]
    pub const fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}

impl fmt::Display for RecordVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}
