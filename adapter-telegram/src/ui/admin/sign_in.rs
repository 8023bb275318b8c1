//! The answers of the admin bot's door: who you are, the PIN step, the
//! lockout, signing in and out.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::i18n::{Msg, Text};
use crate::telegram::Screen;
use crate::ui::format;

/// Anyone's own Telegram user id, so an owner can fill the allow-list.
pub fn whoami(t: &Text<'_>, user: i64) -> Screen {
    Screen::text(t.with(Msg::AdminWhoami, &[("id", user.into())]))
}

/// Locked out after too many wrong PINs, until `until`.
pub fn locked_out(t: &Text<'_>, tz: Tz, until: DateTime<Utc>) -> String {
    t.with(
        Msg::AdminLockedOut,
        &[("until", format::when(t, until, tz).into())],
    )
}

/// PIN checks paused for everyone not signed in, until `until`.
pub fn paused(t: &Text<'_>, tz: Tz, until: DateTime<Utc>) -> Screen {
    Screen::text(t.with(
        Msg::AdminPinPaused,
        &[("until", format::when(t, until, tz).into())],
    ))
}

/// The owners' warning that PIN checks just paused, until `until`.
pub fn paused_for_owners(t: &Text<'_>, tz: Tz, until: DateTime<Utc>) -> Screen {
    Screen::text(t.with(
        Msg::AdminPinPausedOwners,
        &[("until", format::when(t, until, tz).into())],
    ))
}

/// Signed in until `until`, then what the bot can do.
pub fn signed_in(t: &Text<'_>, tz: Tz, until: DateTime<Utc>) -> Screen {
    Screen::text(format!(
        "{}\n\n{}",
        t.with(
            Msg::AdminSignedIn,
            &[("until", format::when(t, until, tz).into())]
        ),
        t.get(Msg::AdminHelp)
    ))
}

/// A wrong PIN and the attempts left before a lockout.
pub fn pin_wrong(t: &Text<'_>, attempts_left: usize) -> Screen {
    Screen::text(t.with(
        Msg::AdminPinWrong,
        &[("left", (attempts_left as i64).into())],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;
    use crate::ui::admin::fixtures::{english, local, tz};

    #[test]
    fn the_door_names_times_locally_and_counts_attempts() {
        let locales = english();
        let t = locales.text(Language::English);
        assert_eq!(
            locked_out(&t, tz(), local(3, 11)),
            "Too many wrong PINs. You can try again after Mon 3 Jun, 11:00."
        );
        let signed = signed_in(&t, tz(), local(3, 19)).text;
        assert!(signed.starts_with("Signed in until Mon 3 Jun, 19:00.\n\nCommands:"));
        assert_eq!(
            pin_wrong(&t, 1).text,
            "Wrong PIN. 1 attempt left before a lockout."
        );
        assert_eq!(whoami(&t, 42).text, "Your Telegram user id is 42.");
        assert!(
            paused(&t, tz(), local(3, 11))
                .text
                .starts_with("Signing in with the PIN is paused until Mon 3 Jun, 11:00:")
        );
        assert!(
            paused_for_owners(&t, tz(), local(3, 11))
                .text
                .contains("paused for everyone not signed in until Mon 3 Jun, 11:00.")
        );
    }
}
