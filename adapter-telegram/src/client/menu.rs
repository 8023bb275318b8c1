//! The main menu, and what a customer is told when their conversation could
//! not continue.

use super::callback::MenuItem;
use super::session::Session;
use super::state::State;
use super::{about, booking, keyboard, manage};
use crate::error::HandlerError;
use crate::telegram::{Place, Screen};

/// Why a conversation starts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notice {
    /// Idle for longer than the expiry.
    Expired,
    /// Stored by another version of the bot, or corrupt.
    Unreadable,
}

impl Notice {
    pub(crate) fn text(self, s: &Session<'_>) -> String {
        match self {
            Notice::Expired => s.t.with(
                "conversation-expired",
                &[(
                    "minutes",
                    s.conversations.idle_expiry().num_minutes().into(),
                )],
            ),
            Notice::Unreadable => s.t.get("conversation-unreadable"),
        }
    }
}

/// The greeting with the main menu, after the notice if there is one. The
/// conversation is reset.
pub(crate) async fn show_main(
    s: &Session<'_>,
    notice: Option<Notice>,
    place: Place,
) -> Result<(), HandlerError> {
    let greeting = s.t.with(
        "start-greeting",
        &[("business", s.business.name.as_str().into())],
    );
    let text = match notice {
        Some(notice) => format!("{}\n\n{greeting}", notice.text(s)),
        None => greeting,
    };
    s.go(
        &State::Idle,
        &Screen::inline(text, keyboard::main_menu(&s.t)),
        place,
    )
    .await
}

/// A reminder to use the buttons, for text the current step does not expect.
/// The conversation stays where it is.
pub(crate) async fn show_hint(s: &Session<'_>, notice: Option<Notice>) -> Result<(), HandlerError> {
    if notice.is_some() {
        return show_main(s, notice, Place::New).await;
    }
    s.show(
        &Screen::inline(s.t.get("use-buttons"), keyboard::main_menu(&s.t)),
        Place::New,
    )
    .await
}

/// Opens a main-menu entry; valid from any state, it starts a new flow.
pub(crate) async fn open(
    s: &Session<'_>,
    item: MenuItem,
    place: Place,
) -> Result<(), HandlerError> {
    match item {
        MenuItem::Main => show_main(s, None, place).await,
        MenuItem::Book => booking::start(s, place).await,
        MenuItem::MyBookings => manage::start(s, place).await,
        MenuItem::About => about::start(s, place).await,
    }
}
