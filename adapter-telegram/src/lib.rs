//! Telegram adapter: the customer-facing client bot and the staff (admin)
//! bot, built on teloxide, in one shape.
//!
//! - [`client`]: the client bot's handler tree, context, conversation state,
//!   callback data and endpoints.
//! - [`admin`]: the admin bot's, with its access gate.
//! - [`admission`]: per-chat budgets, so one chat cannot stall the others.
//! - [`conversation`]: teloxide dialogue storage over the
//!   conversation-store port, with the bot in the key, idle expiry and a
//!   versioned state.
//! - [`i18n`]: every user-facing string, from Fluent locale files.
//! - [`guard`]: the panic-catching layer and the production error handler.
//! - [`metrics`]: what the bots count (updates, handling time, failed
//!   updates and requests), through the `metrics` facade.
//! - [`notify`]: the notification sender (customer and staff messages).
//! - [`runner`]: runs a handler tree over a bot's updates, each chat's in
//!   order, chats at once (in place of teloxide's dispatcher).
//! - [`limits`]: Telegram's size limits (text, callback answers, button
//!   data) and the splitter that keeps every text within them.
//! - [`live`]: settings a config reload replaces while the bots run.
//! - [`ui`]: screens as pure functions, shared formatting of dates, times
//!   and money.
//! - `test_support` (feature `test-support`): the client bot's test harness
//!   on teloxide_tests' mock Bot API, for this crate's tests and the app's.
//!
//! Endpoints translate updates into engine calls and engine results into
//! messages; no business rule and no storage detail lives here.
#![forbid(unsafe_code)]

pub mod admin;
pub mod admission;
pub mod client;
pub mod conversation;
pub mod error;
pub mod guard;
pub mod i18n;
pub mod limits;
pub mod live;
pub mod metrics;
pub mod notify;
pub mod runner;
pub mod telegram;
#[cfg(feature = "test-support")]
pub mod test_support;
#[cfg(test)]
mod test_updates;
pub mod ui;

pub use admin::{ADMIN_BOT, AdminBot, AdminBotConfig, PinHash, hash_pin};
pub use client::{BusinessInfo, CLIENT_BOT, ClientBot, handler_tree};
pub use conversation::{ChatConversation, ConversationStorage, DEFAULT_IDLE_EXPIRY};
pub use error::HandlerError;
pub use i18n::{Language, Locales};
pub use live::Live;
pub use notify::{NoticeSettings, StaffChats, TelegramSender};
