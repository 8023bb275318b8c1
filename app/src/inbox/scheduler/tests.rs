//! The scheduler against the in-memory store and a manual clock: what it
//! feeds, when it lets a chat go, and what it takes over. The store
//! answers at once, so the scheduler's tasks settle within a few yields of
//! this single-threaded runtime.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use booking_ports::{
    BotName, ChatClaim, ChatKey, Clock, LeaseHolder, ManualClock, MemoryStore, UpdateId,
    UpdateInbox,
};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde_json::json;
use teloxide::types::Update;
use tokio::sync::mpsc;

use super::{ChatScheduler, GRACE, LEASE};

const CHAT: i64 = 7;

struct Fixture {
    store: Arc<MemoryStore>,
    clock: Arc<ManualClock>,
    scheduler: ChatScheduler,
    fed: mpsc::Receiver<Update>,
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap()
}

fn bot() -> BotName {
    BotName::new("client").unwrap()
}

fn other() -> LeaseHolder {
    LeaseHolder::new("other-instance").unwrap()
}

fn fixture() -> Fixture {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(start()));
    let scheduler = ChatScheduler::new(
        "client",
        bot(),
        LeaseHolder::new("this-instance").unwrap(),
        store.clone(),
        clock.clone(),
        8,
    );
    let fed = scheduler.take_output().unwrap();
    Fixture {
        store,
        clock,
        scheduler,
        fed,
    }
}

fn raw_update(id: i64, chat: i64) -> String {
    json!({
        "update_id": id,
        "message": {
            "message_id": id,
            "date": 1_900_000_000,
            "chat": { "id": chat, "type": "private", "first_name": "Ivan" },
            "from": { "id": chat, "is_bot": false, "first_name": "Ivan" },
            "text": "hello"
        }
    })
    .to_string()
}

impl Fixture {
    async fn record(&self, id: i64, chat: i64) {
        self.store
            .record_update(
                bot(),
                UpdateId::new(id).unwrap(),
                ChatKey::new(chat),
                raw_update(id, chat),
                self.clock.now(),
            )
            .await
            .unwrap();
    }

    /// What the handlers do when they are done with `id`.
    async fn handle(&self, id: i64) {
        let id = UpdateId::new(id).unwrap();
        self.store
            .finish_update(bot(), id, self.clock.now())
            .await
            .unwrap();
        self.scheduler.finished(id, true);
    }

    /// The ids fed so far, once the scheduler's tasks have settled.
    async fn fed_ids(&mut self) -> Vec<u32> {
        settle().await;
        let mut ids = Vec::new();
        while let Ok(update) = self.fed.try_recv() {
            ids.push(update.id.0);
        }
        ids
    }

    /// Whether another instance could claim the chat now.
    async fn other_claims(&self, chat: i64) -> ChatClaim {
        settle().await;
        let now = self.clock.now();
        self.store
            .claim_chat(bot(), ChatKey::new(chat), other(), now, now + LEASE)
            .await
            .unwrap()
    }
}

fn delta(duration: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap()
}

/// Lets every task that can make progress run to its next wait.
async fn settle() {
    for _ in 0..200 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn an_update_recorded_here_is_fed_and_its_chat_let_go_once_it_is_handled() {
    let mut f = fixture();
    f.record(1, CHAT).await;
    f.scheduler.recorded(ChatKey::new(CHAT)).await;
    assert_eq!(f.fed_ids().await, vec![1]);
    // While it is handled, the chat is this instance's.
    assert_eq!(f.other_claims(CHAT).await, ChatClaim::HeldByAnother);

    f.handle(1).await;
    assert_eq!(f.other_claims(CHAT).await, ChatClaim::Claimed);
    assert_eq!(f.fed_ids().await, Vec::<u32>::new());
}

#[tokio::test]
async fn a_chat_another_instance_holds_is_left_to_it() {
    let mut f = fixture();
    assert_eq!(f.other_claims(CHAT).await, ChatClaim::Claimed);
    f.record(1, CHAT).await;
    f.scheduler.recorded(ChatKey::new(CHAT)).await;
    f.scheduler.tick().await;
    assert_eq!(f.fed_ids().await, Vec::<u32>::new());
}

#[tokio::test]
async fn a_chats_updates_are_fed_in_order_with_those_recorded_while_it_is_handled() {
    let mut f = fixture();
    f.record(1, CHAT).await;
    f.record(2, CHAT).await;
    f.scheduler.recorded(ChatKey::new(CHAT)).await;
    assert_eq!(f.fed_ids().await, vec![1, 2]);
    f.handle(1).await;
    // Recorded while 2 is handled: fed at once, after it in the feed.
    f.record(3, CHAT).await;
    f.scheduler.recorded(ChatKey::new(CHAT)).await;
    assert_eq!(f.fed_ids().await, vec![3]);
    f.handle(2).await;
    assert_eq!(f.other_claims(CHAT).await, ChatClaim::HeldByAnother);
    f.handle(3).await;
    assert_eq!(f.other_claims(CHAT).await, ChatClaim::Claimed);
}

#[tokio::test]
async fn a_chat_a_dead_instance_left_is_taken_over_once_its_lease_ran_out() {
    let mut f = fixture();
    // The other instance recorded two updates, claimed the chat and died.
    f.record(1, CHAT).await;
    f.record(2, CHAT).await;
    assert_eq!(f.other_claims(CHAT).await, ChatClaim::Claimed);
    f.clock.advance(delta(GRACE * 2));
    f.scheduler.tick().await;
    assert_eq!(f.fed_ids().await, Vec::<u32>::new(), "the lease still runs");

    f.clock.advance(delta(LEASE));
    f.scheduler.tick().await;
    assert_eq!(f.fed_ids().await, vec![1, 2]);
    f.handle(1).await;
    f.handle(2).await;
    assert_eq!(f.other_claims(CHAT).await, ChatClaim::Claimed);
}

#[tokio::test]
async fn an_update_recorded_without_a_claim_waits_for_the_grace_then_is_taken_over() {
    let mut f = fixture();
    // Its recorder died between recording and claiming.
    f.record(1, CHAT).await;
    f.scheduler.tick().await;
    assert_eq!(f.fed_ids().await, Vec::<u32>::new());
    f.clock.advance(delta(GRACE));
    f.scheduler.tick().await;
    assert_eq!(f.fed_ids().await, vec![1]);
}

#[tokio::test]
async fn stopping_ends_the_leases_so_another_instance_takes_over_at_once() {
    let mut f = fixture();
    f.record(1, CHAT).await;
    f.scheduler.recorded(ChatKey::new(CHAT)).await;
    assert_eq!(f.fed_ids().await, vec![1]);
    f.scheduler.stop().await;
    let now = f.clock.now();
    let orphaned = f
        .store
        .chats_to_take_over(bot(), now, now, 10)
        .await
        .unwrap();
    assert_eq!(orphaned, vec![ChatKey::new(CHAT)]);
    assert_eq!(f.other_claims(CHAT).await, ChatClaim::Claimed);
    // Nothing more is fed once stopped.
    f.record(2, CHAT).await;
    f.scheduler.recorded(ChatKey::new(CHAT)).await;
    assert_eq!(f.fed_ids().await, Vec::<u32>::new());
}

#[tokio::test]
async fn chats_are_independent_and_beyond_the_capacity_new_ones_have_no_room() {
    let mut f = fixture();
    for chat in 1..=8 {
        f.record(chat, chat).await;
        assert!(f.scheduler.has_room_for(ChatKey::new(chat)));
        f.scheduler.recorded(ChatKey::new(chat)).await;
    }
    let mut fed = f.fed_ids().await;
    fed.sort_unstable();
    assert_eq!(fed, (1..=8).collect::<Vec<u32>>());
    assert!(!f.scheduler.has_room_for(ChatKey::new(9)));
    assert!(f.scheduler.has_room_for(ChatKey::new(3)), "an active chat");
    f.handle(3).await;
    settle().await;
    assert!(f.scheduler.has_room_for(ChatKey::new(9)));
}
