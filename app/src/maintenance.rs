//! Housekeeping that runs beside the bots.
//!
//! Expired conversations and staff access records (wrong PINs, sessions,
//! refusals) are invisible as soon as they expire (the store filters them),
//! but their rows stay until purged.
//!
//! - **Conversations every minute.** An abandoned booking draft holds the
//!   name and phone the person typed; it is erased within a minute of its
//!   expiry (only a mark that it expired stays, for a day, so the next
//!   message can say why the conversation starts over).
//! - **Staff access hourly**, which keeps that table as small as what is
//!   still in force.

use std::time::Duration;

use adapter_telegram::conversation::EXPIRY_NOTICE_WINDOW;
use booking_ports::{Clock, ConversationStore, StaffAccessStore, StoreError};

/// How often expired conversations are erased.
pub const PURGE_CONVERSATIONS_EVERY: Duration = Duration::from_secs(60);
/// How often expired staff access records are purged.
pub const PURGE_STAFF_ACCESS_EVERY: Duration = Duration::from_secs(60 * 60);

/// Purges expired records at their intervals, forever; spawn it and abort
/// it at shutdown. A failure is logged and retried at the next tick.
pub async fn purge_expired(store: impl ConversationStore + StaffAccessStore, clock: impl Clock) {
    let mut conversations = tokio::time::interval(PURGE_CONVERSATIONS_EVERY);
    let mut staff_access = tokio::time::interval(PURGE_STAFF_ACCESS_EVERY);
    loop {
        tokio::select! {
            _ = conversations.tick() => {
                purge_once(&store, &clock).await;
            }
            _ = staff_access.tick() => {
                purge_staff_access_once(&store, &clock).await;
            }
        }
    }
}

/// One purge of conversations: erases the states that expired, forgets the
/// marks older than [`EXPIRY_NOTICE_WINDOW`]; returns how many it changed.
pub async fn purge_once(store: &impl ConversationStore, clock: &impl Clock) -> u64 {
    let now = clock.now();
    let purged = store
        .purge_expired_conversations(now, now - EXPIRY_NOTICE_WINDOW)
        .await;
    logged("expired conversations", purged)
}

/// One purge of staff access records; returns how many it removed.
pub async fn purge_staff_access_once(store: &impl StaffAccessStore, clock: &impl Clock) -> u64 {
    let purged = store.purge_expired_staff_access(clock.now()).await;
    logged("expired staff access records", purged)
}

/// Logs the outcome of purging `what`; a failure counts as none removed
/// (the next tick tries again).
fn logged(what: &'static str, purged: Result<u64, StoreError>) -> u64 {
    match purged {
        Ok(purged) => {
            if purged > 0 {
                tracing::debug!(purged, what, "purged");
            }
            purged
        }
        Err(e) => {
            tracing::warn!(what, error = %adapter_telegram::error::chain(&e), "purging failed");
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use booking_ports::{
        BotName, ChatKey, ConversationKey, ManualClock, MemoryStore, StoredConversation,
    };
    use chrono::{TimeZone, Utc};

    use super::*;

    #[tokio::test]
    async fn only_expired_conversations_are_erased_and_their_marks_forgotten_a_day_later() {
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
        assert_eq!(
            store.load_conversation(key(2), now).await.unwrap(),
            Some(StoredConversation::Live("{}".to_owned()))
        );
        assert_eq!(
            store.load_conversation(key(1), now).await.unwrap(),
            Some(StoredConversation::Expired)
        );

        clock.advance(EXPIRY_NOTICE_WINDOW);
        assert_eq!(
            purge_once(&store, &clock).await,
            2,
            "one mark forgotten, one state erased"
        );
        assert_eq!(
            store.load_conversation(key(1), clock.now()).await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn only_expired_staff_access_records_are_purged() {
        let store = MemoryStore::default();
        let now = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap();
        let clock = ManualClock::new(now);
        let user = booking_ports::StaffUser::new(42);
        let hour = chrono::Duration::hours(1);
        store
            .record_failed_pin(user, now - hour, now - chrono::Duration::minutes(1))
            .await
            .unwrap();
        store
            .record_failed_pin(user, now - chrono::Duration::minutes(5), now + hour)
            .await
            .unwrap();

        assert_eq!(purge_staff_access_once(&store, &clock).await, 1);
        assert_eq!(purge_staff_access_once(&store, &clock).await, 0);
        assert_eq!(
            store.failed_pins(user, now - hour * 2).await.unwrap(),
            [now - chrono::Duration::minutes(5)]
        );
    }
}
