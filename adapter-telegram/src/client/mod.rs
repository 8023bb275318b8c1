//! The client bot: what customers use to book, see, move and cancel their
//! bookings, and to see or erase what the business stores about them.

pub mod callback;

/// The name of the client bot in conversation keys.
pub const CLIENT_BOT: &str = "client";

/// What the business tells customers about itself (greeting and "About").
/// Public information, not personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessInfo {
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
}
