//! The Telegram Mini App's server side: init data checked under the bot's
//! token ([`init_data`]), and the customer API (`/app/api/...`) over the
//! engine's use cases ([`api`]), errors as `application/problem+json`.
//!
//! An adapter like the bots: it depends on the domain and the ports only,
//! and the engine decides everything (a booking of someone else is not
//! found, a taken slot is refused); this crate only translates HTTP.

#![forbid(unsafe_code)]

pub mod api;
pub mod init_data;
mod moving;
pub mod pages;
mod problem;
pub mod staff;

pub use problem::Code;
