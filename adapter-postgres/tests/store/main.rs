//! Integration tests of the PostgreSQL store: one test binary, one module
//! per concern. Each test makes its own database on the server named by
//! `BOOKING_TEST_POSTGRES_URL` (see `adapter_postgres::testing`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod contract;
mod dispatch;
mod engine;
mod helpers;
mod migrations;
mod overlap;
mod precision;
mod processes;
mod send_budget;
mod sessions_ended;
