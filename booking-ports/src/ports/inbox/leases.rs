//! The types of chat leases: who holds a chat ([`LeaseHolder`]), what a
//! claim found ([`ChatClaim`]), and why a holder may not take a chat's
//! updates ([`TakeChatUpdatesError`]).

use std::fmt;

use crate::error::StoreError;

/// A holder name that is empty, too long, or not printable ASCII.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a lease holder is 1 to 64 printable ASCII characters without spaces")]
pub struct InvalidLeaseHolder;

/// Who holds a chat lease: one running instance, opaque to the store. The
/// caller picks one per process (random, so a restarted process is a new
/// holder and never mistakes its dead predecessor's leases for its own).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LeaseHolder(String);

impl LeaseHolder {
    pub const MAX_CHARS: usize = 64;

    /// # Errors
    /// [`InvalidLeaseHolder`] unless 1 to 64 characters, each printable
    /// ASCII other than a space (it shows in logs and `psql` as it is).
    pub fn new(name: &str) -> Result<Self, InvalidLeaseHolder> {
        let valid = (1..=Self::MAX_CHARS).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_graphic());
        if valid {
            Ok(Self(name.to_owned()))
        } else {
            Err(InvalidLeaseHolder)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LeaseHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What [`UpdateInbox::claim_chat`](super::UpdateInbox::claim_chat) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatClaim {
    /// The caller holds the chat's lease now (taken, or renewed).
    Claimed,
    /// Another holder's lease runs: that holder handles the chat.
    HeldByAnother,
}

/// Why [`UpdateInbox::take_chat_updates`](super::UpdateInbox::take_chat_updates)
/// handed nothing.
#[derive(Debug, thiserror::Error)]
pub enum TakeChatUpdatesError {
    /// The caller does not hold the chat's lease (another took it over, or
    /// it ran out): it must not hand the chat's updates to its handlers.
    #[error("the chat's lease is not held by this instance")]
    NotHeld,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_is_short_printable_ascii() {
        assert!(LeaseHolder::new("host-1:4242:9f86d081").is_ok());
        assert_eq!(LeaseHolder::new(""), Err(InvalidLeaseHolder));
        assert_eq!(LeaseHolder::new("two words"), Err(InvalidLeaseHolder));
        assert_eq!(LeaseHolder::new("ünïcode"), Err(InvalidLeaseHolder));
        assert_eq!(LeaseHolder::new(&"x".repeat(65)), Err(InvalidLeaseHolder));
        assert!(LeaseHolder::new(&"x".repeat(64)).is_ok());
    }
}
