//! Telegram adapter: the client bot and the admin bot, built on teloxide.
//!
//! The bots arrive with the client-bot work (issue 5); until then this crate is
//! an empty library so the workspace has its final shape.
#![forbid(unsafe_code)]
