//! The integration tests of booking-ports, in one binary: the contract suite
//! on the in-memory adapter, state-based engine tests on that adapter, engine
//! interaction tests with mockall mocks, and the embedding example.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod contract_memory;
mod dispatch_load;
mod dispatch_memory;
mod dispatch_mocks;
mod dispatch_properties;
mod embedding;
mod engine_any_staff;
mod engine_cards;
mod engine_churn;
mod engine_contact;
mod engine_customer;
mod engine_customer_changes;
mod engine_desk;
mod engine_history;
mod engine_lifecycle;
mod engine_metrics;
mod engine_mocks;
mod engine_policy;
mod engine_properties;
mod engine_records;
mod engine_repeat;
mod engine_roles;
mod engine_staff;
mod engine_week;
mod send_budget_memory;
