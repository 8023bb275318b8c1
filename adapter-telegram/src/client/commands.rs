//! The client bot's commands. `/start` and `/menu` show the main menu;
//! any other command gets the hint to use the buttons.

use teloxide::utils::command::BotCommands;

/// What a customer can type.
#[derive(BotCommands, Debug, Clone, Copy, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// The greeting and the main menu (also what a deep link opens).
    Start,
    /// The main menu.
    Menu,
}

/// A command that [`filter_command`] did not take: `Some(Some(command))`
/// for one of ours addressed in a way it refuses (another bot's name after
/// `@`, arguments after a line break), `Some(None)` for a command we do not
/// have, `None` for text that is not a command. Both bot names are
/// accepted, as the bot has always done: in a private chat every command is
/// for this bot.
///
/// [`filter_command`]: teloxide::dispatching::HandlerExt::filter_command
pub(crate) fn other_command(text: &str) -> Option<Option<Command>> {
    let word = text.strip_prefix('/')?.split_whitespace().next()?;
    let name = word.split('@').next().unwrap_or(word);
    Some(Command::parse(&format!("/{name}"), "").ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_read_with_and_without_the_bot_name() {
        assert_eq!(
            Command::parse("/start", "salon_bot").ok(),
            Some(Command::Start)
        );
        assert_eq!(
            Command::parse("/start@salon_bot ref42", "salon_bot").ok(),
            Some(Command::Start)
        );
        assert_eq!(
            other_command("/start@other_bot"),
            Some(Some(Command::Start))
        );
        assert_eq!(other_command("/menu\nplease"), Some(Some(Command::Menu)));
        assert_eq!(other_command("/help"), Some(None));
        assert_eq!(other_command("start"), None);
        assert_eq!(other_command("/"), None);
    }
}
