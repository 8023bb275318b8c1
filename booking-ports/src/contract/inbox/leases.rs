//! Chat leases: exclusive until they run out, renewed and re-claimed by
//! their holder, released only when the chat is drained (also against a
//! record racing the release), a chat's updates taken in id order apart
//! from other chats and bots with attempts counted per hand-over, the
//! chats left to take over, and the purge of leases that ran out.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::super::ContractStore;
use super::super::world::*;
use super::{bot, chat, id};
use crate::ports::conversations::{ChatKey, ConversationKey};
use crate::ports::inbox::{ChatClaim, LeaseHolder, Recorded, TakeChatUpdatesError, UpdateId};

fn holder(name: &str) -> LeaseHolder {
    LeaseHolder::new(name).unwrap()
}

async fn claim<S: ContractStore>(
    store: &S,
    chat_id: i64,
    by: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> ChatClaim {
    store
        .claim_chat(bot("client"), chat(chat_id), holder(by), now, until)
        .await
        .unwrap()
}

async fn record<S: ContractStore>(store: &S, update: i64, chat_id: i64, now: DateTime<Utc>) {
    let recorded = store
        .record_update(
            bot("client"),
            id(update),
            chat(chat_id),
            format!("update {update}"),
            now,
        )
        .await
        .unwrap();
    assert_eq!(recorded, Recorded::New);
}

/// `(id, attempts)` of what `by` takes of chat `chat_id`, and the ids given
/// up.
async fn take<S: ContractStore>(
    store: &S,
    chat_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> (Vec<(i64, u32)>, Vec<UpdateId>) {
    let taken = store
        .take_chat_updates(bot("client"), chat(chat_id), holder(by), 3, now)
        .await
        .unwrap();
    let replay = taken
        .replay
        .iter()
        .map(|u| (u.update_id.get(), u.attempts))
        .collect();
    (replay, taken.given_up)
}

/// A second holder is refused while the lease runs and takes it once it
/// ran out; the first holder then holds nothing.
pub async fn a_chat_lease_is_exclusive_until_it_runs_out<S: ContractStore>(store: S) {
    let (now, until) = (at(10, 0), at(10, 1));
    assert_eq!(claim(&store, 1, "a", now, until).await, ChatClaim::Claimed);
    assert_eq!(
        claim(&store, 1, "b", now + Duration::seconds(59), at(10, 2)).await,
        ChatClaim::HeldByAnother,
        "a live lease MUST refuse another holder"
    );
    record(&store, 1, 1, now).await;
    assert!(
        matches!(
            store
                .take_chat_updates(bot("client"), chat(1), holder("b"), 3, now)
                .await,
            Err(TakeChatUpdatesError::NotHeld)
        ),
        "a refused holder MUST NOT take the chat's updates"
    );

    assert_eq!(
        claim(&store, 1, "b", until, at(10, 2)).await,
        ChatClaim::Claimed,
        "a lease that ran out MUST be taken over"
    );
    assert!(matches!(
        store
            .take_chat_updates(bot("client"), chat(1), holder("a"), 3, until)
            .await,
        Err(TakeChatUpdatesError::NotHeld)
    ));
    assert_eq!(
        claim(&store, 1, "a", until, at(10, 3)).await,
        ChatClaim::HeldByAnother
    );
    assert_eq!(take(&store, 1, "b", until).await.0, [(1, 1)]);
}

/// A holder re-claims its own chat, and renewal moves the end of every
/// lease it holds, in every bot, except one another holder took over.
pub async fn a_holder_reclaims_and_renews_its_leases<S: ContractStore>(store: S) {
    let now = at(10, 0);
    for chat_id in [1, 2] {
        assert_eq!(
            claim(&store, chat_id, "a", now, at(10, 1)).await,
            ChatClaim::Claimed
        );
    }
    let admin = store
        .claim_chat(bot("admin"), chat(1), holder("a"), now, at(10, 1))
        .await
        .unwrap();
    assert_eq!(admin, ChatClaim::Claimed);
    assert_eq!(
        claim(&store, 3, "b", now, at(10, 1)).await,
        ChatClaim::Claimed
    );
    assert_eq!(
        claim(&store, 1, "a", now, at(10, 1)).await,
        ChatClaim::Claimed,
        "the holder MUST re-claim its own lease"
    );
    // Chat 2 runs out and another holder takes it over.
    assert_eq!(
        claim(&store, 2, "c", at(10, 1), at(10, 3)).await,
        ChatClaim::Claimed
    );

    let mut renewed = store
        .renew_chat_leases(holder("a"), at(10, 5))
        .await
        .unwrap();
    renewed.sort();
    let key = |name: &str, chat_id: i64| ConversationKey {
        bot: bot(name),
        chat: chat(chat_id),
    };
    assert_eq!(
        renewed,
        [key("admin", 1), key("client", 1)],
        "a lease that ran out but was not taken over MUST be renewed; a taken one MUST NOT"
    );
    assert_eq!(
        claim(&store, 1, "b", at(10, 4), at(10, 6)).await,
        ChatClaim::HeldByAnother,
        "renewal MUST move the lease's end"
    );
    assert_eq!(
        claim(&store, 2, "a", at(10, 2), at(10, 6)).await,
        ChatClaim::HeldByAnother,
        "renewal MUST NOT take back a lease another holder took over"
    );
    assert_eq!(
        claim(&store, 1, "b", at(10, 5), at(10, 6)).await,
        ChatClaim::Claimed
    );
}

/// The lease stays while the chat has an unfinished update and goes once
/// it is drained; only its holder can release it.
pub async fn a_chat_is_released_only_when_drained<S: ContractStore>(store: S) {
    let now = at(10, 0);
    assert_eq!(
        claim(&store, 1, "a", now, at(10, 1)).await,
        ChatClaim::Claimed
    );
    record(&store, 1, 1, now).await;
    record(&store, 2, 2, now).await;
    let release = |by: &'static str| {
        let store = store.clone();
        async move {
            store
                .release_chat_if_drained(bot("client"), chat(1), holder(by))
                .await
                .unwrap()
        }
    };
    assert!(
        !release("a").await,
        "an unfinished update MUST keep the lease"
    );
    assert_eq!(
        claim(&store, 1, "b", now, at(10, 1)).await,
        ChatClaim::HeldByAnother
    );

    assert_eq!(take(&store, 1, "a", now).await.0, [(1, 1)]);
    store
        .finish_update(bot("client"), id(1), now)
        .await
        .unwrap();
    assert!(!release("b").await, "only the holder MUST release");
    assert!(
        release("a").await,
        "a drained chat MUST be released (another chat's update does not count)"
    );
    assert!(!release("a").await, "a released lease is no longer held");
    assert_eq!(
        claim(&store, 1, "b", now, at(10, 1)).await,
        ChatClaim::Claimed,
        "a released chat MUST be free at once"
    );
}

/// A chat's unfinished updates come in id order, without other chats' or
/// bots' updates or finished ones; taken again by the same holder they keep
/// their attempts.
pub async fn chat_updates_come_in_id_order_apart_from_other_chats_and_bots<S: ContractStore>(
    store: S,
) {
    let now = at(10, 0);
    for (update, chat_id) in [(30, 1), (11, 2), (10, 1), (20, 1), (40, 1)] {
        record(&store, update, chat_id, now).await;
    }
    store
        .record_update(bot("admin"), id(15), chat(1), "admin".to_owned(), now)
        .await
        .unwrap();
    store
        .finish_update(bot("client"), id(40), now)
        .await
        .unwrap();
    assert_eq!(
        claim(&store, 1, "a", now, at(10, 1)).await,
        ChatClaim::Claimed
    );

    let taken = store
        .take_chat_updates(bot("client"), chat(1), holder("a"), 3, now)
        .await
        .unwrap();
    let seen: Vec<(i64, &str, u32)> = taken
        .replay
        .iter()
        .map(|u| (u.update_id.get(), u.raw.as_str(), u.attempts))
        .collect();
    assert_eq!(
        seen,
        [
            (10, "update 10", 1),
            (20, "update 20", 1),
            (30, "update 30", 1)
        ],
        "id order, this chat and bot only, the record's attempt only"
    );
    assert_eq!(taken.replay[0].received_at, now);
    assert_eq!(
        take(&store, 1, "a", now).await.0,
        [(10, 1), (20, 1), (30, 1)],
        "the same holder taking again MUST NOT count attempts"
    );
    assert!(
        matches!(
            store
                .take_chat_updates(bot("client"), chat(2), holder("a"), 3, now)
                .await,
            Err(TakeChatUpdatesError::NotHeld)
        ),
        "a lease is per chat"
    );
}

/// Each hand-over to another holder counts an attempt; an update attempted
/// `max_attempts` times is finished as given up when the next holder takes
/// the chat, and the updates behind it are handed on.
pub async fn a_chat_handed_over_counts_attempts_and_gives_up<S: ContractStore>(store: S) {
    let minute = |m: i64| at(10, 0) + Duration::minutes(m);
    record(&store, 1, 1, minute(0)).await;
    // Holders a, b, c each take the chat, die before finishing, and the
    // lease runs out a minute later.
    for (m, by, attempts) in [(0, "a", 1), (1, "b", 2), (2, "c", 3)] {
        assert_eq!(
            claim(&store, 1, by, minute(m), minute(m + 1)).await,
            ChatClaim::Claimed
        );
        assert_eq!(
            take(&store, 1, by, minute(m)).await,
            (vec![(1, attempts)], vec![])
        );
    }
    record(&store, 2, 1, minute(2)).await;

    assert_eq!(
        claim(&store, 1, "d", minute(3), minute(4)).await,
        ChatClaim::Claimed
    );
    assert_eq!(
        take(&store, 1, "d", minute(3)).await,
        (vec![(2, 1)], vec![id(1)]),
        "three attempts MUST be the end; the update behind it MUST go on"
    );
    assert_eq!(take(&store, 1, "d", minute(3)).await.1, []);
    let again = store
        .record_update(
            bot("client"),
            id(1),
            chat(1),
            "poison".to_owned(),
            minute(3),
        )
        .await
        .unwrap();
    assert_eq!(
        again,
        Recorded::Duplicate,
        "a given-up update MUST be finished"
    );
}

/// Chats to take over: an unfinished update older than the grace and no
/// live lease; the lowest update id first, at most `limit`.
pub async fn chats_to_take_over_skip_live_leases_and_fresh_updates<S: ContractStore>(store: S) {
    let (old, now) = (at(9, 0), at(10, 0));
    let grace = now - Duration::seconds(30);
    // Chat 1: orphaned. Chat 2: under a live lease. Chat 3: its lease ran
    // out, lower id than chat 1's. Chat 4: only a fresh update. Chat 5:
    // only finished updates.
    for (update, chat_id, received) in [
        (10, 1, old),
        (11, 1, old),
        (12, 2, old),
        (5, 3, old),
        (13, 4, now),
        (14, 5, old),
    ] {
        record(&store, update, chat_id, received).await;
    }
    store
        .finish_update(bot("client"), id(14), old)
        .await
        .unwrap();
    assert_eq!(
        claim(&store, 2, "a", old, at(10, 1)).await,
        ChatClaim::Claimed
    );
    assert_eq!(claim(&store, 3, "a", old, now).await, ChatClaim::Claimed);
    store
        .record_update(bot("admin"), id(1), chat(6), "admin".to_owned(), old)
        .await
        .unwrap();

    let chats = store
        .chats_to_take_over(bot("client"), now, grace, 10)
        .await
        .unwrap();
    assert_eq!(chats, [chat(3), chat(1)]);
    let first: Vec<ChatKey> = store
        .chats_to_take_over(bot("client"), now, grace, 1)
        .await
        .unwrap();
    assert_eq!(first, [chat(3)], "at most `limit`");
    let admin = store
        .chats_to_take_over(bot("admin"), now, grace, 10)
        .await
        .unwrap();
    assert_eq!(admin, [chat(6)], "each bot's own chats");
}

/// Eight holders claim one free chat at once: exactly one gets it.
pub async fn concurrent_claims_of_one_chat_have_one_winner<S: ContractStore>(store: S) {
    let now = at(10, 0);
    let claims = (0..8).map(|n| {
        let store = store.clone();
        tokio::spawn(async move { claim(&store, 7, &format!("holder-{n}"), now, at(10, 1)).await })
    });
    let won = futures::future::join_all(claims)
        .await
        .into_iter()
        .map(Result::unwrap)
        .filter(|claim| *claim == ChatClaim::Claimed)
        .count();
    assert_eq!(won, 1, "exactly one concurrent claim MUST win");
}

/// A record (then its recorder's claim) racing the holder's release, round
/// after round: either the release sees the update and keeps the lease, or
/// the recorder's claim succeeds; never both refused, which would leave the
/// update with nobody handling it.
pub async fn a_record_racing_a_release_is_seen_or_claimed<S: ContractStore>(store: S) {
    let now = at(10, 0);
    for round in 0..24 {
        let chat_id = 100 + round;
        assert_eq!(
            claim(&store, chat_id, "a", now, at(10, 1)).await,
            ChatClaim::Claimed
        );
        let start = Arc::new(tokio::sync::Barrier::new(2));
        let recorder = tokio::spawn({
            let (store, start) = (store.clone(), Arc::clone(&start));
            async move {
                start.wait().await;
                record(&store, chat_id, chat_id, now).await;
                claim(&store, chat_id, "b", now, at(10, 1)).await
            }
        });
        let releaser = tokio::spawn({
            let (store, start) = (store.clone(), Arc::clone(&start));
            async move {
                start.wait().await;
                store
                    .release_chat_if_drained(bot("client"), chat(chat_id), holder("a"))
                    .await
                    .unwrap()
            }
        });
        let (claimed, released) = (recorder.await.unwrap(), releaser.await.unwrap());
        if released {
            assert_eq!(
                claimed,
                ChatClaim::Claimed,
                "round {round}: released, so the recorder MUST get the chat"
            );
        } else {
            assert_eq!(claimed, ChatClaim::HeldByAnother, "round {round}");
            assert_eq!(
                take(&store, chat_id, "a", now).await.0,
                [(chat_id, 1)],
                "round {round}: kept, so the holder MUST see the update"
            );
        }
    }
}

/// Leases that ran out by the cutoff are forgotten, of every bot and
/// holder; a live one stays; a forgotten one is no longer renewed, and its
/// chat is free to claim and to take over.
pub async fn leases_run_out_by_the_cutoff_are_forgotten_and_their_chats_free<S: ContractStore>(
    store: S,
) {
    let now = at(10, 0);
    assert_eq!(
        claim(&store, 1, "a", now, at(10, 1)).await,
        ChatClaim::Claimed
    );
    assert_eq!(
        claim(&store, 2, "b", now, at(10, 5)).await,
        ChatClaim::Claimed
    );
    let admin = store
        .claim_chat(bot("admin"), chat(1), holder("a"), now, at(10, 1))
        .await
        .unwrap();
    assert_eq!(admin, ChatClaim::Claimed);
    record(&store, 1, 1, now).await;

    let forgotten = store.forget_run_out_chat_leases(at(10, 1)).await.unwrap();

    assert_eq!(forgotten, 2, "both bots' leases that ran out MUST go");
    assert_eq!(
        claim(&store, 2, "c", at(10, 2), at(10, 6)).await,
        ChatClaim::HeldByAnother,
        "a lease running past the cutoff MUST stay"
    );
    let renewed = store
        .renew_chat_leases(holder("a"), at(10, 9))
        .await
        .unwrap();
    assert!(
        renewed.is_empty(),
        "a forgotten lease is nobody's: {renewed:?}"
    );
    let to_take = store
        .chats_to_take_over(bot("client"), at(10, 2), at(10, 2), 10)
        .await
        .unwrap();
    assert_eq!(
        to_take,
        [chat(1)],
        "its chat's unfinished update MUST be taken over"
    );
    assert_eq!(
        claim(&store, 1, "c", at(10, 2), at(10, 6)).await,
        ChatClaim::Claimed
    );
    assert_eq!(
        store.forget_run_out_chat_leases(at(10, 1)).await.unwrap(),
        0
    );
}
