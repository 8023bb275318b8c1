//! The driven ports: what the engine needs from storage and time, what
//! the dispatcher needs to deliver notifications, and what a staff adapter
//! remembers about who may use it. Each trait states its contract in rustdoc
//! (`MUST`); the contract suite (`booking_ports::contract`) checks it against
//! any adapter.

pub mod bookings;
pub mod catalog;
pub mod clock;
pub mod conversations;
pub mod customers;
pub mod inbox;
pub mod outbox;
pub mod send_budget;
pub mod sender;
pub mod staff_access;
pub mod versions;
