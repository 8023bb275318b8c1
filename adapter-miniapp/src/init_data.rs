//! Telegram Mini App init data: the signed query string Telegram hands the
//! page, which the page sends with every API call (`Authorization: tma
//! <initData>`). The user comes only from data whose signature checks out
//! under the bot's token and that is recent enough.
//!
//! The check (Telegram's "Validating data received via the Mini App"):
//! `secret = HMAC-SHA256(key = "WebAppData", message = bot token)`, then
//! `hash = hex(HMAC-SHA256(key = secret, message = data-check-string))`,
//! where the data-check-string is every received `key=value` pair but
//! `hash`, sorted by key and joined with newlines. Every received field
//! takes part (`signature` included): the set differs by platform.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// How old init data may be by default.
pub const DEFAULT_MAX_AGE: Duration = Duration::hours(1);
/// The longest init data read: Telegram's is well under 2 KiB.
const MAX_LENGTH: usize = 8 * 1024;

/// The Telegram user the checked init data names.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WebAppUser {
    pub id: i64,
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub language_code: Option<String>,
}

/// Checked init data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitData {
    pub user: WebAppUser,
    pub auth_date: DateTime<Utc>,
}

/// Why init data was refused. Nothing here says which part was wrong
/// beyond what a client may know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InitDataError {
    #[error("init data is missing")]
    Missing,
    #[error("init data is malformed")]
    Malformed,
    #[error("init data is not signed by this bot")]
    BadSignature,
    #[error("init data is too old")]
    Expired,
    #[error("init data names no user")]
    NoUser,
}

/// Checks init data under one bot's token.
pub struct InitDataCheck {
    /// `HMAC-SHA256("WebAppData", token)`: the token itself is not kept.
    secret: [u8; 32],
    max_age: Duration,
}

impl std::fmt::Debug for InitDataCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InitDataCheck")
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length: `new_from_slice` cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl InitDataCheck {
    /// The check for data signed for the bot with `token`, accepted for
    /// `max_age` after its `auth_date`.
    pub fn new(token: &SecretString, max_age: Duration) -> Self {
        Self {
            secret: hmac(b"WebAppData", token.expose_secret().as_bytes()),
            max_age,
        }
    }

    /// The hash Telegram would sign `pairs` (without `hash`) with.
    fn expected_hash(&self, pairs: &[(String, String)]) -> String {
        let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let check_string = sorted
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("\n");
        hex(&hmac(&self.secret, check_string.as_bytes()))
    }

    /// Checks `raw` (the query string as Telegram gave it) at `now`.
    ///
    /// # Errors
    /// [`InitDataError`] saying what is wrong; the caller answers 401.
    pub fn check(&self, raw: &str, now: DateTime<Utc>) -> Result<InitData, InitDataError> {
        if raw.trim().is_empty() {
            return Err(InitDataError::Missing);
        }
        if raw.len() > MAX_LENGTH {
            return Err(InitDataError::Malformed);
        }
        let mut hash = None;
        let mut pairs = Vec::new();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            if key == "hash" {
                if hash.replace(value.into_owned()).is_some() {
                    return Err(InitDataError::Malformed);
                }
            } else {
                pairs.push((key.into_owned(), value.into_owned()));
            }
        }
        let hash = hash.ok_or(InitDataError::Malformed)?;
        let expected = self.expected_hash(&pairs);
        if !bool::from(
            expected
                .as_bytes()
                .ct_eq(hash.to_ascii_lowercase().as_bytes()),
        ) {
            return Err(InitDataError::BadSignature);
        }
        let field = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let auth_date = field("auth_date")
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or(InitDataError::Malformed)?;
        if now - auth_date > self.max_age {
            return Err(InitDataError::Expired);
        }
        let user: WebAppUser = field("user")
            .ok_or(InitDataError::NoUser)
            .and_then(|json| serde_json::from_str(json).map_err(|_| InitDataError::Malformed))?;
        if user.id <= 0 {
            return Err(InitDataError::NoUser);
        }
        Ok(InitData { user, auth_date })
    }

    /// Init data for `pairs`, signed as Telegram would sign it: for tests
    /// and the development mode's fixed user.
    pub fn sign(&self, pairs: &[(&str, &str)]) -> String {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let hash = self.expected_hash(&owned);
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
        query.append_pair("hash", &hash);
        query.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of the Telegram Mini Apps documentation
    /// (telegram-apps, `platform/init-data.md`).
    const DOCS_TOKEN: &str = "5768337691:AAGDAe6rjxu1cUgxK4BizYi--Utc3J9v5AU";
    const DOCS_INIT_DATA: &str = "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22en%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%7D\
        &chat_instance=-3788475317572404878\
        &chat_type=private\
        &auth_date=1709144340\
        &hash=371697738012ebd26a111ace4aff23ee265596cd64026c8c3677956a85ca1827";

    fn check(token: &str) -> InitDataCheck {
        InitDataCheck::new(&SecretString::from(token.to_owned()), DEFAULT_MAX_AGE)
    }

    fn at(unix: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(unix, 0).unwrap()
    }

    #[test]
    fn signed_data_names_its_user_and_a_forged_one_is_refused() {
        let check = check("123:token");
        let user = r#"{"id":279058397,"first_name":"Vladislav","language_code":"ru"}"#;
        let raw = check.sign(&[
            ("auth_date", "1662771648"),
            ("user", user),
            ("signature", "xyz"),
        ]);
        let data = check.check(&raw, at(1_662_771_700)).unwrap();
        assert_eq!(data.user.id, 279_058_397);
        assert_eq!(data.user.language_code.as_deref(), Some("ru"));

        let forged = raw.replace("279058397", "279058398");
        assert_eq!(
            check.check(&forged, at(1_662_771_700)),
            Err(InitDataError::BadSignature)
        );
        let other_bot =
            super::InitDataCheck::new(&SecretString::from("456:other".to_owned()), DEFAULT_MAX_AGE);
        assert_eq!(
            other_bot.check(&raw, at(1_662_771_700)),
            Err(InitDataError::BadSignature)
        );
    }

    #[test]
    fn old_missing_or_malformed_data_is_refused() {
        let check = check("123:token");
        let user = r#"{"id":1,"first_name":"A"}"#;
        let raw = check.sign(&[("auth_date", "1662771648"), ("user", user)]);
        let an_hour_later = at(1_662_771_648) + DEFAULT_MAX_AGE;
        assert!(check.check(&raw, an_hour_later).is_ok());
        assert_eq!(
            check.check(&raw, an_hour_later + Duration::seconds(1)),
            Err(InitDataError::Expired)
        );
        assert_eq!(check.check("", an_hour_later), Err(InitDataError::Missing));
        assert_eq!(
            check.check("user=1", an_hour_later),
            Err(InitDataError::Malformed)
        );
        let no_user = check.sign(&[("auth_date", "1662771648")]);
        assert_eq!(
            check.check(&no_user, an_hour_later),
            Err(InitDataError::NoUser)
        );
        let huge = "a".repeat(MAX_LENGTH + 1);
        assert_eq!(
            check.check(&huge, an_hour_later),
            Err(InitDataError::Malformed)
        );
    }

    #[test]
    fn the_documentations_example_is_checked_as_telegram_signed_it() {
        let check = check(DOCS_TOKEN);
        assert_eq!(
            hex(&check.secret),
            "aa492a44bdf019c759defb1698c1d77690189973945491a756051cdc1207a449",
            "the docs' secret key"
        );
        let data = check.check(DOCS_INIT_DATA, at(1_709_144_340)).unwrap();
        assert_eq!(data.user.id, 279_058_397);
        assert_eq!(data.user.first_name, "Vladislav");
        assert_eq!(data.user.language_code.as_deref(), Some("en"));
        assert_eq!(data.auth_date, at(1_709_144_340));
        let tampered = DOCS_INIT_DATA.replace("chat_type=private", "chat_type=group");
        assert_eq!(
            check.check(&tampered, at(1_709_144_340)),
            Err(InitDataError::BadSignature)
        );
    }
}
