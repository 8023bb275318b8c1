//! A Telegram bot token: checked for the shape @BotFather hands out and
//! kept secret, so it never appears in `Debug` output, a log or an error.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use super::Reason;

/// A Telegram bot token. Never printed: `Debug` shows the bot id only.
#[derive(Clone)]
pub struct BotToken(SecretString);

impl BotToken {
    /// Checks the shape `<bot id>:<secret>` that @BotFather hands out, so a
    /// truncated paste fails here rather than at the first request.
    pub(crate) fn parse(raw: &str) -> Result<Self, Reason> {
        let raw = raw.trim();
        let (id, secret) = raw
            .split_once(':')
            .ok_or(Reason("expected <bot id>:<secret> as given by @BotFather"))?;
        let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
        let secret_ok = secret.len() >= 30
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !id_ok || !secret_ok {
            return Err(Reason("expected <bot id>:<secret> as given by @BotFather"));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    /// The token itself, for the one place that hands it to teloxide.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The bot's id, the part before the colon: public (it is the bot's
    /// user id), and the same when the secret is re-issued.
    pub(crate) fn bot_id(&self) -> &str {
        self.expose().split(':').next().unwrap_or_default()
    }
}

impl fmt::Debug for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BotToken(bot {}, secret hidden)", self.bot_id())
    }
}
