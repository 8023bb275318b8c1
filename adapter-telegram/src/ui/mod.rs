//! Screens as pure functions: from engine data and the reader's language to
//! text and buttons, with no Telegram request, store or clock inside, so
//! every screen is unit-tested without Telegram.
//!
//! - [`client`]: the client bot's screens.
//! - [`admin`]: the admin bot's screens.
//! - [`format`]: how dates, times, money and durations read, shared by both
//!   bots and the notices.

pub mod admin;
pub mod client;
pub mod format;
