//! How both SQL stores write domain values into columns, shared so that
//! adapter-sqlite and adapter-postgres store the same cells (which is what
//! lets `migrate-store` copy a business between them) and parse them back
//! with the same strictness: instants as Unix milliseconds, ids and minutes
//! through their domain constructors, phones in E.164, a booking's audit
//! trail as actor codes. A value the domain refuses is
//! [`StoreError::Corrupt`](crate::StoreError::Corrupt) naming the record,
//! never a panic or a guess.
//!
//! Row types stay in each adapter: they derive their driver's row decoding.
//! [`transfer`] is the form a whole store takes when it is copied to
//! another.

pub mod audit;
pub mod convert;
pub mod transfer;
