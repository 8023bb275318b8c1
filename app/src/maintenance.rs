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
//! - **The booking lifecycle every minute** ([`sweep_lifecycle`]): pending
//!   bookings nobody confirmed in time are cancelled with a message to the
//!   customer, confirmed visits are completed some time after their end
//!   (`[lifecycle]` in the configuration). Only counts are logged.
//!
//! On PostgreSQL only the instance holding the jobs role (`leadership`)
//! does them; the others skip their ticks. Two instances overlapping
//! during a hand-over is harmless: purges and sweeps are conditional
//! writes, so the second finds nothing left to do.

use std::sync::Arc;
use std::time::Duration;

use adapter_telegram::conversation::EXPIRY_NOTICE_WINDOW;
use booking_ports::{Clock, ConversationStore, Engine, StaffAccessStore, StoreError, UpdateInbox};

use crate::leadership::RoleWatch;

/// How long the id of a finished update is kept: as long as Telegram keeps
/// an update it could not deliver, so any redelivery is recognised.
pub const FINISHED_UPDATES_KEPT: chrono::Duration = chrono::Duration::hours(24);

/// How long a chat lease that ran out is kept: far longer than any pause
/// of a live instance, so only a dead one's leases are forgotten (and
/// forgetting one frees its chat no more than its running out did).
pub const RUN_OUT_LEASES_KEPT: chrono::Duration = chrono::Duration::hours(1);

/// How often expired conversations are erased.
pub const PURGE_CONVERSATIONS_EVERY: Duration = Duration::from_secs(60);
/// How often expired staff access records are purged.
pub const PURGE_STAFF_ACCESS_EVERY: Duration = Duration::from_secs(60 * 60);

/// Purges expired records at their intervals while `jobs` holds, forever;
/// spawn it and abort it at shutdown. A failure is logged and retried at
/// the next tick.
pub async fn purge_expired(
    store: impl ConversationStore + StaffAccessStore + UpdateInbox,
    clock: impl Clock,
    jobs: RoleWatch,
) {
    let mut conversations = tokio::time::interval(PURGE_CONVERSATIONS_EVERY);
    let mut staff_access = tokio::time::interval(PURGE_STAFF_ACCESS_EVERY);
    loop {
        tokio::select! {
            () = jobs.tick_while_held(&mut conversations) => {
                purge_once(&store, &clock).await;
            }
            () = jobs.tick_while_held(&mut staff_access) => {
                purge_staff_access_once(&store, &clock).await;
                purge_inbox_once(&store, &clock).await;
            }
        }
    }
}

/// How often the lifecycle sweep runs.
pub const SWEEP_LIFECYCLE_EVERY: Duration = Duration::from_secs(60);
/// At most this many sweeps back to back in one tick while each reads a full
/// batch: a backlog (after downtime) drains quickly without one tick
/// holding the store for long.
const SWEEPS_PER_TICK: usize = 10;

/// What the lifecycle sweeps of one tick changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SweepCounts {
    pub expired: usize,
    pub completed: usize,
    /// Changed by staff between the sweep's read and its write.
    pub skipped: usize,
}

/// Runs the engine's lifecycle sweep every [`SWEEP_LIFECYCLE_EVERY`] while
/// `jobs` holds, forever; spawn it and abort it at shutdown. A failure is
/// logged and retried at the next tick.
pub async fn sweep_lifecycle(engine: Arc<Engine>, jobs: RoleWatch) {
    let mut every = tokio::time::interval(SWEEP_LIFECYCLE_EVERY);
    loop {
        jobs.tick_while_held(&mut every).await;
        sweep_lifecycle_once(&engine).await;
    }
}

/// One tick of the lifecycle: sweeps until nothing more is due (at most
/// [`SWEEPS_PER_TICK`] sweeps) and logs what changed, as counts.
pub async fn sweep_lifecycle_once(engine: &Engine) -> SweepCounts {
    let mut counts = SweepCounts::default();
    for _ in 0..SWEEPS_PER_TICK {
        match engine.sweep_lifecycle().await {
            Ok(sweep) => {
                counts.expired += sweep.expired.len();
                counts.completed += sweep.completed.len();
                counts.skipped += sweep.skipped.len();
                if !sweep.more_due {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %adapter_telegram::error::chain(&e), "lifecycle sweep failed");
                break;
            }
        }
    }
    if counts != SweepCounts::default() {
        tracing::info!(
            expired = counts.expired,
            completed = counts.completed,
            skipped = counts.skipped,
            "lifecycle sweep"
        );
    }
    counts
}

/// One purge of the ids of updates finished more than
/// [`FINISHED_UPDATES_KEPT`] ago, and of chat leases that ran out more than
/// [`RUN_OUT_LEASES_KEPT`] ago (left by instances that died: a live one
/// renews its leases every few seconds); returns how many it removed.
pub async fn purge_inbox_once(store: &impl UpdateInbox, clock: &impl Clock) -> u64 {
    let now = clock.now();
    let purged = store
        .purge_finished_updates(now - FINISHED_UPDATES_KEPT)
        .await;
    let leases = store
        .forget_run_out_chat_leases(now - RUN_OUT_LEASES_KEPT)
        .await;
    logged("finished updates", purged) + logged("run-out chat leases", leases)
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
        BotName, ChatKey, ConversationKey, ManualClock, MemoryStore, RecordVersion,
        StoredConversation,
    };
    use chrono::{TimeZone, Utc};

    use super::*;

    #[tokio::test]
    async fn a_lifecycle_tick_counts_what_the_sweeps_changed() {
        use booking_domain::{
            BookingStatus, Currency, CustomerId, LocalTimeRange, Minutes, Money, PhoneRegion,
            Policy, PolicySettings, Service, ServiceId, ServiceName, ServiceSpec, StaffChoice,
            StaffId, StaffMember, StaffName, StaffSpec, WeeklyHours,
        };
        use booking_ports::engine::BookingForm;
        use booking_ports::{BookingStore, CatalogSnapshot, EngineSettings, LifecycleSettings};

        let now = Utc.with_ymd_and_hms(2030, 1, 7, 8, 0, 0).unwrap(); // A Monday.
        let clock = ManualClock::new(now);
        let store = MemoryStore::default();
        let minutes = |m| Minutes::new(m).unwrap();
        let policy = Policy::new(PolicySettings {
            time_zone: "UTC".parse().unwrap(),
            slot_step: minutes(30),
            min_notice: minutes(60),
            horizon_days: 14,
            cancellation_cutoff: minutes(120),
            reschedule_cutoff: minutes(180),
            max_active_bookings_per_customer: 3,
            requires_confirmation: true,
            phone_region: PhoneRegion::new("RU").unwrap(),
        })
        .unwrap();
        let engine = Engine::on_store(
            store.clone(),
            clock.clone(),
            policy,
            EngineSettings::default().with_lifecycle(LifecycleSettings::recommended()),
        );
        let (anna, haircut) = (StaffId::new(1).unwrap(), ServiceId::new(1).unwrap());
        let day = LocalTimeRange::parse("09:00-18:00").unwrap();
        engine
            .import_catalog_if_empty(CatalogSnapshot {
                staff: vec![
                    StaffMember::new(
                        anna,
                        StaffSpec {
                            name: StaffName::new("Anna").unwrap(),
                            hours: WeeklyHours::new([(chrono::Weekday::Thu, day)]).unwrap(),
                            active: true,
                        },
                    )
                    .unwrap(),
                ],
                services: vec![
                    Service::new(
                        haircut,
                        ServiceSpec {
                            name: ServiceName::new("Haircut").unwrap(),
                            duration: minutes(60),
                            price: Money::new(3000, Currency::new("EUR").unwrap()).unwrap(),
                            buffer_before: Minutes::ZERO,
                            buffer_after: Minutes::ZERO,
                            active: true,
                            performers: vec![anna],
                        },
                    )
                    .unwrap(),
                ],
                date_overrides: Vec::new(),
                time_off: Vec::new(),
            })
            .await
            .unwrap();
        let booked = engine
            .book(
                CustomerId::new(5).unwrap(),
                BookingForm {
                    service: haircut,
                    staff: StaffChoice::Only(anna),
                    start: Utc.with_ymd_and_hms(2030, 1, 10, 10, 0, 0).unwrap(),
                    name: "Maria".to_owned(),
                    phone: "+7 916 555-01-02".to_owned(),
                    comment: None,
                    language: None,
                },
            )
            .await
            .unwrap()
            .booking;

        assert_eq!(sweep_lifecycle_once(&engine).await, SweepCounts::default());
        clock.advance(chrono::Duration::hours(24));
        assert_eq!(
            sweep_lifecycle_once(&engine).await,
            SweepCounts {
                expired: 1,
                ..SweepCounts::default()
            }
        );
        let stored = store.booking(booked.id()).await.unwrap().unwrap();
        assert!(matches!(stored.status(), BookingStatus::Cancelled(_)));
    }

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
            .save_conversation(key(1), "{}".to_owned(), now - minute, RecordVersion::NONE)
            .await
            .unwrap();
        store
            .save_conversation(key(2), "{}".to_owned(), now + minute, RecordVersion::NONE)
            .await
            .unwrap();

        assert_eq!(purge_once(&store, &clock).await, 1);
        assert_eq!(purge_once(&store, &clock).await, 0);
        assert_eq!(
            store.load_conversation(key(2), now).await.unwrap().stored,
            Some(StoredConversation::Live("{}".to_owned()))
        );
        assert_eq!(
            store.load_conversation(key(1), now).await.unwrap().stored,
            Some(StoredConversation::Expired)
        );

        clock.advance(EXPIRY_NOTICE_WINDOW);
        assert_eq!(
            purge_once(&store, &clock).await,
            2,
            "one mark forgotten, one state erased"
        );
        assert_eq!(
            store
                .load_conversation(key(1), clock.now())
                .await
                .unwrap()
                .stored,
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
        use booking_ports::{NO_CHAT, Recorded, UpdateId};
        let store = MemoryStore::default();
        let now = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap();
        let clock = ManualClock::new(now);
        let client = || BotName::new("client").unwrap();
        let id = |n| UpdateId::new(n).unwrap();
        for n in 1..=3 {
            store
                .record_update(client(), id(n), NO_CHAT, "{}".to_owned(), now)
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
            .record_update(client(), id(2), NO_CHAT, "{}".to_owned(), clock.now())
            .await
            .unwrap();
        assert_eq!(again, Recorded::Duplicate, "finished an hour later: kept");
        let unfinished = store
            .take_unfinished_updates(client(), 3, clock.now())
            .await
            .unwrap();
        assert_eq!(unfinished.replay.len(), 1, "the unfinished one stays");
    }

    #[tokio::test]
    async fn chat_leases_are_forgotten_an_hour_after_they_ran_out() {
        use booking_ports::{ChatClaim, ChatKey, LeaseHolder};
        let store = MemoryStore::default();
        let now = Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap();
        let clock = ManualClock::new(now);
        let client = || BotName::new("client").unwrap();
        let lease = |chat, minutes| {
            store.claim_chat(
                client(),
                ChatKey::new(chat),
                LeaseHolder::new("dead").unwrap(),
                now,
                now + chrono::Duration::minutes(minutes),
            )
        };
        assert_eq!(lease(1, 1).await.unwrap(), ChatClaim::Claimed);
        assert_eq!(lease(2, 30).await.unwrap(), ChatClaim::Claimed);

        clock.advance(RUN_OUT_LEASES_KEPT + chrono::Duration::minutes(10));
        assert_eq!(purge_inbox_once(&store, &clock).await, 1);
        clock.advance(chrono::Duration::minutes(30));
        assert_eq!(purge_inbox_once(&store, &clock).await, 1);
        assert_eq!(purge_inbox_once(&store, &clock).await, 0);
    }
}
