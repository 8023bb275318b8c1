//! Integration tests of the SQLite store: one test binary, one module per
//! concern, shared helpers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backup;
mod claims;
mod contract;
mod corrupt;
mod dispatch;
mod engine;
mod helpers;
mod precision;
mod privacy;
mod processes;
