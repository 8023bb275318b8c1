//! The greeting with the main menu, the reminder to use the buttons, and
//! what a customer is told when their conversation could not continue.

use super::keyboard;
use crate::i18n::{Msg, Text};
use crate::telegram::Screen;

/// Why a conversation starts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Idle for longer than the expiry, `idle_minutes`.
    Expired { idle_minutes: i64 },
    /// Stored by another version of the bot, or corrupt.
    Unreadable,
}

/// The notice in words.
pub fn notice_text(t: &Text<'_>, notice: Notice) -> String {
    match notice {
        Notice::Expired { idle_minutes } => t.with(
            Msg::ConversationExpired,
            &[("minutes", idle_minutes.into())],
        ),
        Notice::Unreadable => t.get(Msg::ConversationUnreadable),
    }
}

/// The greeting with the main menu, after the notice if there is one.
pub fn main(t: &Text<'_>, business: &str, notice: Option<Notice>) -> Screen {
    let greeting = t.with(Msg::StartGreeting, &[("business", business.into())]);
    let text = match notice {
        Some(notice) => format!("{}\n\n{greeting}", notice_text(t, notice)),
        None => greeting,
    };
    Screen::inline(text, keyboard::main_menu(t))
}

/// A reminder to use the buttons, for text the current step does not expect.
pub fn hint(t: &Text<'_>) -> Screen {
    Screen::inline(t.get(Msg::UseButtons), keyboard::main_menu(t))
}

/// A flow was cancelled: nothing changed; the main menu again.
pub fn cancelled(t: &Text<'_>) -> Screen {
    let text = format!(
        "{}\n\n{}",
        t.get(Msg::FlowCancelled),
        t.get(Msg::MenuPrompt)
    );
    Screen::inline(text, keyboard::main_menu(t))
}

/// `text` with the main menu under it, for a flow that ended in a refusal.
pub fn with_main_menu(t: &Text<'_>, text: String) -> Screen {
    Screen::inline(text, keyboard::main_menu(t))
}

/// `text` with a single "Menu" button, for a flow's last message.
pub fn with_menu_button(t: &Text<'_>, text: String) -> Screen {
    Screen::inline(text, keyboard::to_menu(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Language;
    use crate::client::callback::{Callback, MenuItem};
    use crate::ui::client::testing::*;

    #[test]
    fn the_greeting_names_the_business_and_offers_the_menu() {
        let locales = locales();
        let t = locales.text(Language::English);

        let screen = main(&t, "Studio Lotos", None);

        assert!(
            screen.text.contains("Welcome to Studio Lotos!"),
            "{}",
            screen.text
        );
        assert_eq!(labels(&screen), ["📅 Book", "🗂 My bookings", "ℹ️ About"]);
        assert_eq!(pressing(&screen, "📅 Book"), Callback::Menu(MenuItem::Book));
    }

    #[test]
    fn an_expired_conversation_is_explained_before_the_greeting() {
        let locales = locales();
        let t = locales.text(Language::English);

        let screen = main(
            &t,
            "Studio Lotos",
            Some(Notice::Expired { idle_minutes: 30 }),
        );

        let (notice, greeting) = screen.text.split_once("\n\n").unwrap();
        assert!(notice.contains("30 minutes"), "{notice}");
        assert!(greeting.contains("Studio Lotos"), "{greeting}");
    }

    #[test]
    fn a_cancelled_flow_says_so_and_offers_the_menu_again() {
        let locales = locales();
        let t = locales.text(Language::English);

        let screen = cancelled(&t);

        assert!(
            screen.text.starts_with(&t.get(Msg::FlowCancelled)),
            "{}",
            screen.text
        );
        assert_eq!(
            pressing(&screen, "ℹ️ About"),
            Callback::Menu(MenuItem::About)
        );
    }
}
