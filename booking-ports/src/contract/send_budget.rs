//! The shared sending budget ([`SendBudget`]): one message per chat per
//! interval, a bot's cap per second of the clock, pauses that only
//! lengthen, refusals that count nothing, and grants that stay exact when
//! dispatchers ask at once. Stores that several processes share run it with
//! [`send_budget_tests!`](crate::send_budget_tests).

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::ContractStore;
use super::sender::RecordingSender;
use super::world::{self, new_booking_notice, no_limit};
use crate::dispatch::{DispatchSettings, DispatchSettingsParts, Dispatcher};
use crate::ports::clock::{Clock, ManualClock};
use crate::ports::conversations::{BotName, ChatKey};
use crate::ports::send_budget::{SendBudget, SendLimits, SendPermit};
use crate::ports::sender::Destination;

/// Writes one `#[tokio::test]` per budget contract, each calling
/// `$fixture().await` for a fresh store (a [`Fixture`](crate::contract::Fixture)
/// whose store also implements [`SendBudget`]).
#[macro_export]
macro_rules! send_budget_tests {
    ($fixture:path) => {
        $crate::send_budget_tests!(@each $fixture;
            a_chat_gets_one_message_per_interval,
            a_bot_gets_its_cap_in_each_second,
            a_pause_holds_the_bot_and_only_lengthens,
            a_refused_send_counts_nothing,
            forgetting_keeps_what_still_holds,
            concurrent_takes_grant_a_chat_once_and_a_bot_its_cap,
            dispatchers_sharing_a_budget_keep_a_chats_interval_together,
        );
    };
    (@each $fixture:path; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let fixture = $fixture().await;
                $crate::contract::send_budget::$name($crate::contract::Fixture::store(&fixture)).await;
            }
        )*
    };
}

/// 2030-01-07 09:00:00 UTC, at the start of a second.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, 9, 0, 0).unwrap()
}

fn ms(n: i64) -> Duration {
    Duration::milliseconds(n)
}

fn to(bot: &str, chat: i64) -> Destination {
    Destination {
        bot: BotName::new(bot).unwrap(),
        chat: ChatKey::new(chat),
    }
}

fn limits(per_bot_per_second: u32) -> SendLimits {
    SendLimits {
        per_chat_interval: Duration::seconds(1),
        per_bot_per_second,
    }
}

async fn take<S: SendBudget>(store: &S, chat: &Destination, at: DateTime<Utc>) -> SendPermit {
    store.take_send(chat, at, limits(30)).await.unwrap()
}

/// One message per chat per interval; other chats are not held up.
pub async fn a_chat_gets_one_message_per_interval<S: ContractStore + SendBudget>(store: S) {
    let chat = to("client", 1);
    assert_eq!(take(&store, &chat, t0()).await, SendPermit::Granted);
    assert_eq!(
        take(&store, &chat, t0() + ms(999)).await,
        SendPermit::WaitUntil(t0() + ms(1000)),
        "MUST answer when the chat's interval ends"
    );
    assert_eq!(
        take(&store, &to("client", 2), t0() + ms(10)).await,
        SendPermit::Granted
    );
    assert_eq!(
        take(&store, &to("admin", 1), t0() + ms(10)).await,
        SendPermit::Granted,
        "the same chat id of another bot is another chat"
    );
    assert_eq!(
        take(&store, &chat, t0() + ms(1000)).await,
        SendPermit::Granted
    );
}

/// At most the cap per bot in one second of the clock; the next second
/// starts afresh; each bot has its own cap.
pub async fn a_bot_gets_its_cap_in_each_second<S: ContractStore + SendBudget>(store: S) {
    for n in 0..3 {
        assert_eq!(
            store
                .take_send(&to("client", n), t0() + ms(n * 100), limits(3))
                .await
                .unwrap(),
            SendPermit::Granted
        );
    }
    assert_eq!(
        store
            .take_send(&to("client", 9), t0() + ms(500), limits(3))
            .await
            .unwrap(),
        SendPermit::WaitUntil(t0() + ms(1000)),
        "MUST refuse past the cap until the next second"
    );
    assert_eq!(
        store
            .take_send(&to("admin", 9), t0() + ms(500), limits(3))
            .await
            .unwrap(),
        SendPermit::Granted
    );
    assert_eq!(
        store
            .take_send(&to("client", 9), t0() + ms(1000), limits(3))
            .await
            .unwrap(),
        SendPermit::Granted
    );
}

/// Flood control pauses every chat of a bot; a shorter pause never cuts a
/// longer one short.
pub async fn a_pause_holds_the_bot_and_only_lengthens<S: ContractStore + SendBudget>(store: S) {
    let client = BotName::new("client").unwrap();
    store
        .pause_bot(&client, t0() + Duration::seconds(30))
        .await
        .unwrap();
    store
        .pause_bot(&client, t0() + Duration::seconds(10))
        .await
        .unwrap();
    assert_eq!(
        take(&store, &to("client", 1), t0() + Duration::seconds(12)).await,
        SendPermit::WaitUntil(t0() + Duration::seconds(30)),
        "MUST keep the longer pause"
    );
    assert_eq!(
        take(&store, &to("admin", 1), t0()).await,
        SendPermit::Granted,
        "MUST pause only that bot"
    );
    assert_eq!(
        take(&store, &to("client", 1), t0() + Duration::seconds(30)).await,
        SendPermit::Granted
    );
}

/// A refusal by the bot's cap does not count as the chat's message.
pub async fn a_refused_send_counts_nothing<S: ContractStore + SendBudget>(store: S) {
    let (first, second) = (to("client", 1), to("client", 2));
    let take = |chat, at| store.take_send(chat, at, limits(1));
    assert_eq!(take(&first, t0()).await.unwrap(), SendPermit::Granted);
    assert_eq!(
        take(&second, t0() + ms(100)).await.unwrap(),
        SendPermit::WaitUntil(t0() + ms(1000))
    );
    assert_eq!(
        take(&second, t0() + ms(1000)).await.unwrap(),
        SendPermit::Granted,
        "a refused send MUST NOT start the chat's interval"
    );
}

/// Trimming forgets only what can no longer hold a send back.
pub async fn forgetting_keeps_what_still_holds<S: ContractStore + SendBudget>(store: S) {
    let chat = to("client", 1);
    assert_eq!(take(&store, &chat, t0()).await, SendPermit::Granted);
    store
        .pause_bot(&BotName::new("admin").unwrap(), t0() + Duration::seconds(5))
        .await
        .unwrap();
    store
        .forget_sends_before(t0() + ms(500), limits(30))
        .await
        .unwrap();
    assert_eq!(
        take(&store, &chat, t0() + ms(600)).await,
        SendPermit::WaitUntil(t0() + ms(1000)),
        "a chat's interval that still runs MUST be kept"
    );
    assert_eq!(
        take(&store, &to("admin", 1), t0() + ms(600)).await,
        SendPermit::WaitUntil(t0() + Duration::seconds(5)),
        "a pause that still runs MUST be kept"
    );
    store
        .forget_sends_before(t0() + Duration::seconds(10), limits(30))
        .await
        .unwrap();
    assert_eq!(
        take(&store, &chat, t0() + Duration::seconds(10)).await,
        SendPermit::Granted
    );
}

/// Many dispatchers asking at once, on real tasks: a chat's one message is
/// granted once, and a bot's cap exactly.
pub async fn concurrent_takes_grant_a_chat_once_and_a_bot_its_cap<S: ContractStore + SendBudget>(
    store: S,
) {
    let granted = |tasks: Vec<tokio::task::JoinHandle<SendPermit>>| async move {
        let mut count = 0;
        for task in tasks {
            if task.await.unwrap() == SendPermit::Granted {
                count += 1;
            }
        }
        count
    };
    let same_chat = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .take_send(&to("client", 1), t0(), limits(30))
                    .await
                    .unwrap()
            })
        })
        .collect();
    assert_eq!(granted(same_chat).await, 1, "MUST grant a chat once");
    let many_chats = (0..20)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .take_send(&to("admin", n), t0(), limits(5))
                    .await
                    .unwrap()
            })
        })
        .collect();
    assert_eq!(granted(many_chats).await, 5, "MUST grant the cap exactly");
}

/// Two dispatchers on one store, each with the store's budget, stepping at
/// once over six notices to one admin chat: the chat gets one message per
/// interval in all, and each notice once.
pub async fn dispatchers_sharing_a_budget_keep_a_chats_interval_together<
    S: ContractStore + SendBudget,
>(
    store: S,
) {
    let w = world::world(store, 6).await;
    for n in 0..6 {
        w.store
            .create_booking(
                w.visit(
                    world::customer(n),
                    w.anna,
                    world::at(10 + n as u32, 0),
                    60,
                    (0, 0),
                ),
                no_limit(),
                vec![new_booking_notice(w.anna, world::at(9, 0))],
            )
            .await
            .unwrap();
    }
    let clock = ManualClock::new(world::at(9, 0));
    let sender = RecordingSender::new(clock.clone());
    // Half the notices each, so both have one for the chat at every step.
    let settings = DispatchSettings::new(DispatchSettingsParts {
        batch_size: 3,
        ..DispatchSettingsParts::default()
    })
    .unwrap();
    let dispatcher = || {
        Dispatcher::on_store(
            w.store.clone(),
            sender.clone(),
            clock.clone(),
            settings.clone(),
        )
        .with_send_budget(Arc::new(w.store.clone()))
    };
    let (mut first, mut second) = (dispatcher(), dispatcher());
    let poll = settings.parts().poll_interval;
    for _ in 0..100 {
        let (a, b) = tokio::join!(first.dispatch_due(), second.dispatch_due());
        let (a, b) = (a.unwrap(), b.unwrap());
        if a.due == 0 && b.due == 0 {
            break;
        }
        let next = a.next_step_at(poll).min(b.next_step_at(poll));
        if next > clock.now() {
            clock.set(next);
        }
    }

    let deliveries = sender.take();
    let mut ids: Vec<_> = deliveries.iter().map(|d| d.id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(deliveries.len(), 6, "each notice once");
    assert_eq!(ids.len(), 6);
    let mut times: Vec<_> = deliveries.iter().map(|d| d.at).collect();
    times.sort();
    assert!(
        times
            .windows(2)
            .all(|pair| pair[1] - pair[0] >= Duration::seconds(1)),
        "the two dispatchers together MUST keep the chat's interval: {times:?}"
    );
}
