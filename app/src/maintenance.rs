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
//! - **The update inbox hourly**: a finished update's contents are
//!   forgotten at once; its id is kept, for recognising a redelivery, for
//!   [`FINISHED_UPDATES_KEPT`].

use std::time::Duration;

use adapter_telegram::conversation::EXPIRY_NOTICE_WINDOW;
use booking_ports::{Clock, ConversationStore, StaffAccessStore, StoreError, UpdateInbox};

/// How long the id of a finished update is kept: as long as Telegram keeps
/// an update it could not deliver, so any redelivery is recognised.
pub const FINISHED_UPDATES_KEPT: chrono::Duration = chrono::Duration::hours(24);

/// How often expired conversations are erased.
pub const PURGE_CONVERSATIONS_EVERY: Duration = Duration::from_secs(60);
/// How often expired staff access records are purged.
pub const PURGE_STAFF_ACCESS_EVERY: Duration = Duration::from_secs(60 * 60);

/// Purges expired records at their intervals, forever; spawn it and abort
/// it at shutdown. A failure is logged and retried at the next tick.
pub async fn purge_expired(
    store: impl ConversationStore + StaffAccessStore + UpdateInbox,
    clock: impl Clock,
) {
    let mut conversations = tokio::time::interval(PURGE_CONVERSATIONS_EVERY);
    let mut staff_access = tokio::time::interval(PURGE_STAFF_ACCESS_EVERY);
    loop {
        tokio::select! {
            _ = conversations.tick() => {
                purge_once(&store, &clock).await;
            }
            _ = staff_access.tick() => {
                purge_staff_access_once(&store, &clock).await;
                purge_inbox_once(&store, &clock).await;
            }
        }
    }
}

/// One purge of the ids of updates finished more than
/// [`FINISHED_UPDATES_KEPT`] ago; returns how many it removed.
pub async fn purge_inbox_once(store: &impl UpdateInbox, clock: &impl Clock) -> u64 {
    let purged = store
        .purge_finished_updates(clock.now() - FINISHED_UPDATES_KEPT)
        .await;
    logged("finished updates", purged)
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

    #[tokio::test]
    async fn finished_updates_are_purged_a_day_after_they_finished_and_unfinished_never() {
        use booking_ports::{Recorded, UpdateId};
        let store = MemoryStore::default();
        let now = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap();
        let clock = ManualClock::new(now);
        let client = || BotName::new("client").unwrap();
        let id = |n| UpdateId::new(n).unwrap();
        for n in 1..=3 {
            store
                .record_update(client(), id(n), "{}".to_owned(), now)
                .await
                .unwrap();
        }
        store.finish_update(client(), id(1), now).await.unwrap();
        store
            .finish_update(client(), id(2), now + chrono::Duration::hours(2))
            .await
            .unwrap();

        clock.advance(FINISHED_UPDATES_KEPT + chrono::Duration::hours(1));
        assert_eq!(purge_inbox_once(&store, &clock).await, 1);
        assert_eq!(purge_inbox_once(&store, &clock).await, 0);
        let again = store
            .record_update(client(), id(2), "{}".to_owned(), clock.now())
            .await
            .unwrap();
        assert_eq!(again, Recorded::Duplicate, "finished an hour later: kept");
        let unfinished = store
            .take_unfinished_updates(client(), 3, clock.now())
            .await
            .unwrap();
        assert_eq!(unfinished.replay.len(), 1, "the unfinished one stays");
    }
}
