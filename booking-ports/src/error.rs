//! The error every store operation shares for what no caller can act on: the
//! backend failed, or a stored record no longer satisfies the domain's rules.
//!
//! Expected outcomes (a slot is taken, a version moved on) are never a
//! `StoreError`: each operation has its own error enum for those, with a
//! `Store` variant that wraps this type.

use std::error::Error;

/// A boxed error that keeps the backend's own error, so its cause chain can
/// be logged at the edge.
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// Something went wrong inside a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed: a lost connection, a full disk, a driver error.
    /// `context` says what the store was doing ("creating a booking").
    #[error("the store failed while {context}")]
    Backend {
        context: &'static str,
        #[source]
        source: BoxError,
    },
    /// A stored record failed a domain constructor: the data is corrupt (or
    /// was written by a newer version). `record` names it ("booking 17");
    /// it never contains personal data.
    #[error("the stored {record} is corrupt")]
    Corrupt {
        record: String,
        #[source]
        source: BoxError,
    },
}

impl StoreError {
    /// A backend failure while doing `context`.
    pub fn backend(context: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Backend {
            context,
            source: source.into(),
        }
    }

    /// A stored `record` that the domain refuses.
    pub fn corrupt(record: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Corrupt {
            record: record.into(),
            source: source.into(),
        }
    }
}
