//! Housekeeping that runs beside the bots.
//!
//! Expired conversations are invisible as soon as they expire (the store
//! filters them), but their rows stay until purged; purging hourly keeps the
//! table as small as the number of recent conversations.

use std::time::Duration;

use booking_ports::{Clock, ConversationStore};

/// How often expired conversations are purged.
pub const PURGE_EVERY: Duration = Duration::from_secs(60 * 60);

/// Purges expired conversations every `every`, forever; spawn it and abort
/// it at shutdown. A failure is logged and retried at the next tick.
pub async fn purge_expired_conversations(
    store: impl ConversationStore,
    clock: impl Clock,
    every: Duration,
) {
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        purge_once(&store, &clock).await;
    }
}

/// One purge; returns how many conversations it removed.
pub async fn purge_once(store: &impl ConversationStore, clock: &impl Clock) -> u64 {
    match store.purge_expired_conversations(clock.now()).await {
        Ok(purged) => {
            if purged > 0 {
                tracing::debug!(purged, "expired conversations purged");
            }
            purged
        }
        Err(e) => {
            tracing::warn!(error = %adapter_telegram::error::chain(&e), "purging expired conversations failed");
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use booking_ports::{BotName, ChatKey, ConversationKey, ManualClock, MemoryStore};
    use chrono::{TimeZone, Utc};

    use super::*;

    #[tokio::test]
    async fn only_expired_conversations_are_purged() {
        let store = MemoryStore::default();
        let now = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap();
        let clock = ManualClock::new(now);
        let key = |chat| ConversationKey {
            bot: BotName::new("client").unwrap(),
            chat: ChatKey::new(chat),
        };
        let minute = chrono::Duration::minutes(1);
        store
            .save_conversation(key(1), "{}".to_owned(), now - minute)
            .await
            .unwrap();
        store
            .save_conversation(key(2), "{}".to_owned(), now + minute)
            .await
            .unwrap();

        assert_eq!(purge_once(&store, &clock).await, 1);
        assert_eq!(purge_once(&store, &clock).await, 0);
        assert!(
            store
                .load_conversation(key(2), now)
                .await
                .unwrap()
                .is_some()
        );
    }
}
