//! Init data signed as Telegram signs it for a Mini App, written here
//! rather than borrowed from `adapter_miniapp::init_data`: the benchmark
//! sends what Telegram would send, so a checker that drifted from Telegram
//! would fail it instead of agreeing with itself. The signer is checked
//! against the worked example of Telegram's documentation before use.
//!
//! `secret = HMAC-SHA256(key = "WebAppData", message = bot token)`;
//! `hash = hex(HMAC-SHA256(key = secret, message = data-check-string))`,
//! the data-check-string being every field but `hash`, `key=value`,
//! sorted by key, joined with newlines.

use hmac::{Hmac, Mac};
use sha2::Sha256;

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Signs init data for one bot.
pub(crate) struct TelegramSigner {
    secret: [u8; 32],
}

impl TelegramSigner {
    pub(crate) fn new(token: &str) -> Self {
        Self {
            secret: hmac_sha256(b"WebAppData", token.as_bytes()),
        }
    }

    /// The `hash` of `fields` (decoded values, `hash` not among them).
    fn hash(&self, fields: &[(&str, &str)]) -> String {
        let mut sorted = fields.to_vec();
        sorted.sort_by_key(|(key, _)| *key);
        let check_string = sorted
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join("\n");
        hex(&hmac_sha256(&self.secret, check_string.as_bytes()))
    }

    /// `fields` and their `hash`, URL-encoded, as the page receives them.
    pub(crate) fn init_data(&self, fields: &[(&str, &str)]) -> String {
        let hash = self.hash(fields);
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(fields.iter().copied());
        query.append_pair("hash", &hash);
        query.finish()
    }

    /// What a Mini App opened by Telegram user `id` receives from Telegram
    /// at `auth_date`: the same fields as a phone's client sends. The
    /// `signature` (Telegram's Ed25519 signature for third parties) is not
    /// Telegram's own here, but it takes part in the hash as any field does.
    pub(crate) fn init_data_for_user(&self, id: i64, auth_date: i64) -> String {
        let user = serde_json::json!({
            "id": id,
            "first_name": "Client",
            "last_name": format!("Number {id}"),
            "username": format!("client_{id}"),
            "language_code": "en",
            "allows_write_to_pm": true,
            "photo_url": format!("https://t.me/i/userpic/320/client_{id}.svg"),
        })
        .to_string();
        let query_id = format!("AAH{id:020}QkJVbf0Ax");
        let signature = format!("{:0>86}", format!("{id}sig"));
        self.init_data(&[
            ("query_id", &query_id),
            ("user", &user),
            ("auth_date", &auth_date.to_string()),
            ("signature", &signature),
        ])
    }
}

/// Panics unless the signer reproduces the hash of the worked example in
/// Telegram's Mini Apps documentation (telegram-apps,
/// `platform/init-data.md`).
pub(crate) fn check_against_telegrams_example() {
    let signer = TelegramSigner::new("5768337691:AAGDAe6rjxu1cUgxK4BizYi--Utc3J9v5AU");
    let user = r#"{"id":279058397,"first_name":"Vladislav","last_name":"Kibenko","username":"vdkfrost","language_code":"en","is_premium":true,"allows_write_to_pm":true}"#;
    let hash = signer.hash(&[
        ("user", user),
        ("chat_instance", "-3788475317572404878"),
        ("chat_type", "private"),
        ("auth_date", "1709144340"),
    ]);
    assert_eq!(
        hash, "371697738012ebd26a111ace4aff23ee265596cd64026c8c3677956a85ca1827",
        "the signer must sign as Telegram does"
    );
}
