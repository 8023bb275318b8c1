//! Button data of both bots: fully controlled by the client (any 1 to 64
//! bytes), so only what the bots themselves encode may be accepted.

use adapter_telegram::admin::callback::AdminCallback;
use adapter_telegram::client::callback::Callback;

use super::text;

/// Telegram's limit on callback data.
const MAX_CALLBACK_BYTES: usize = 64;

/// Client button data: accepted data re-encodes to exactly itself.
pub fn client_callback(data: &[u8]) {
    let Some(data) = text(data) else { return };
    if let Ok(callback) = Callback::parse(data) {
        let encoded = callback.encode();
        assert_eq!(encoded, data, "accepted data is not canonical");
        assert!(encoded.len() <= MAX_CALLBACK_BYTES, "{encoded:?}");
    }
}

/// Admin button data: accepted data re-encodes to exactly itself.
pub fn admin_callback(data: &[u8]) {
    let Some(data) = text(data) else { return };
    if let Ok(callback) = AdminCallback::parse(data) {
        let encoded = callback.encode();
        assert_eq!(encoded, data, "accepted data is not canonical");
        assert!(encoded.len() <= MAX_CALLBACK_BYTES, "{encoded:?}");
    }
}
