//! The conversation storage over the memory store: fencing, expiry,
//! schema versions, and the updates that applied a state.

use booking_ports::ManualClock;
use booking_ports::memory::MemoryStore;
use chrono::TimeZone;

use super::*;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Talk {
    Asking { question: u8 },
}

impl DialogueState for Talk {
    const SCHEMA_VERSION: u32 = 3;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Renamed {
    different: bool,
}

impl DialogueState for Renamed {
    const SCHEMA_VERSION: u32 = 3;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct NextSchema;

impl DialogueState for NextSchema {
    const SCHEMA_VERSION: u32 = 4;
}

const CHAT: ChatId = ChatId(42);
const OTHER_CHAT: ChatId = ChatId(43);

struct Fixture {
    store: MemoryStore,
    clock: ManualClock,
}

impl Fixture {
    fn new() -> Self {
        Self {
            store: MemoryStore::default(),
            clock: ManualClock::new(Utc.with_ymd_and_hms(2030, 5, 1, 9, 0, 0).unwrap()),
        }
    }

    fn storage(&self, bot: &str) -> Arc<ConversationStorage> {
        Arc::new(ConversationStorage::new(
            Arc::new(self.store.clone()),
            Arc::new(self.clock.clone()),
            BotName::new(bot).unwrap(),
            Duration::minutes(30),
        ))
    }
}

/// What `chat` loads as.
async fn load<S: DialogueState>(storage: &ConversationStorage, chat: ChatId) -> Loaded<S> {
    storage.load::<S>(chat).await.unwrap().0
}

/// Saves `state` as an update does: load, then save.
async fn save<S: DialogueState>(storage: &Arc<ConversationStorage>, chat: ChatId, state: &S) {
    let conversation = storage.chat(chat);
    conversation.load::<S>().await.unwrap();
    conversation.save(state).await.unwrap();
}

#[tokio::test]
async fn a_saved_state_is_continued() {
    let fixture = Fixture::new();
    let storage = fixture.storage("client");
    assert_eq!(load::<Talk>(&storage, CHAT).await, Loaded::Fresh);
    let state = Talk::Asking { question: 2 };
    save(&storage, CHAT, &state).await;
    fixture.clock.advance(Duration::minutes(29));
    assert_eq!(load::<Talk>(&storage, CHAT).await, Loaded::Active(state));
}

#[tokio::test]
async fn a_write_after_another_update_wrote_is_a_conflict_and_changes_nothing() {
    let fixture = Fixture::new();
    let storage = fixture.storage("client");
    save(&storage, CHAT, &Talk::Asking { question: 1 }).await;
    let stalled = storage.chat(CHAT);
    stalled.load::<Talk>().await.unwrap();
    save(&storage, CHAT, &Talk::Asking { question: 2 }).await;

    let saved = stalled.save(&Talk::Asking { question: 9 }).await;
    let removed = stalled.remove().await;

    assert!(matches!(saved, Err(ConversationError::Conflict { .. })));
    assert!(matches!(removed, Err(ConversationError::Conflict { .. })));
    assert_eq!(
        load::<Talk>(&storage, CHAT).await,
        Loaded::Active(Talk::Asking { question: 2 })
    );
    stalled.load::<Talk>().await.unwrap();
    stalled.save(&Talk::Asking { question: 3 }).await.unwrap();
    stalled
        .remove()
        .await
        .expect("a reload fences by the newer version");
    assert_eq!(load::<Talk>(&storage, CHAT).await, Loaded::Fresh);
}

#[tokio::test]
async fn an_idle_conversation_expires_and_says_so_then_is_forgotten() {
    let fixture = Fixture::new();
    let storage = fixture.storage("client");
    save(&storage, CHAT, &Talk::Asking { question: 1 }).await;
    fixture.clock.advance(Duration::minutes(30));
    assert_eq!(load::<Talk>(&storage, CHAT).await, Loaded::Expired);

    let purge = || {
        let now = fixture.clock.now();
        fixture
            .store
            .purge_expired_conversations(now, now - EXPIRY_NOTICE_WINDOW)
    };
    assert_eq!(purge().await.unwrap(), 1, "the draft is erased at once");
    assert_eq!(load::<Talk>(&storage, CHAT).await, Loaded::Expired);
    fixture.clock.advance(EXPIRY_NOTICE_WINDOW);
    assert_eq!(purge().await.unwrap(), 1, "then its mark is forgotten");
    assert_eq!(load::<Talk>(&storage, CHAT).await, Loaded::Fresh);
}

#[tokio::test]
async fn each_save_restarts_the_idle_time() {
    let fixture = Fixture::new();
    let storage = fixture.storage("client");
    save(&storage, CHAT, &Talk::Asking { question: 1 }).await;
    fixture.clock.advance(Duration::minutes(20));
    save(&storage, CHAT, &Talk::Asking { question: 2 }).await;
    fixture.clock.advance(Duration::minutes(20));
    assert_eq!(
        load::<Talk>(&storage, CHAT).await,
        Loaded::Active(Talk::Asking { question: 2 })
    );
}

#[tokio::test]
async fn a_new_idle_time_applies_to_conversations_saved_afterwards() {
    let fixture = Fixture::new();
    let storage = fixture.storage("client");
    save(&storage, CHAT, &Talk::Asking { question: 1 }).await;

    storage.set_idle_expiry(Duration::minutes(5));
    save(&storage, OTHER_CHAT, &Talk::Asking { question: 2 }).await;
    fixture.clock.advance(Duration::minutes(5));

    assert_eq!(storage.idle_expiry(), Duration::minutes(5));
    assert_eq!(load::<Talk>(&storage, OTHER_CHAT).await, Loaded::Expired);
    assert_eq!(
        load::<Talk>(&storage, CHAT).await,
        Loaded::Active(Talk::Asking { question: 1 }),
        "a conversation saved before keeps the expiry it was saved with"
    );
}

#[tokio::test]
async fn two_bots_keep_separate_conversations_with_one_chat() {
    let fixture = Fixture::new();
    let client = fixture.storage("client");
    let admin = fixture.storage("admin");
    save(&client, CHAT, &Talk::Asking { question: 1 }).await;
    save(&admin, CHAT, &Talk::Asking { question: 9 }).await;
    assert_eq!(
        load::<Talk>(&client, CHAT).await,
        Loaded::Active(Talk::Asking { question: 1 })
    );
    let conversation = admin.chat(CHAT);
    conversation.load::<Talk>().await.unwrap();
    conversation.remove().await.unwrap();
    assert_eq!(load::<Talk>(&admin, CHAT).await, Loaded::Fresh);
    assert!(matches!(
        load::<Talk>(&client, CHAT).await,
        Loaded::Active(_)
    ));
}

#[tokio::test]
async fn a_state_of_another_schema_version_is_reported_not_dropped() {
    let fixture = Fixture::new();
    let storage = fixture.storage("client");
    save(&storage, CHAT, &Talk::Asking { question: 1 }).await;
    assert_eq!(
        load::<NextSchema>(&storage, CHAT).await,
        Loaded::Unreadable(Unreadable::OtherVersion {
            stored: 3,
            current: 4
        })
    );
}

#[tokio::test]
async fn a_state_that_does_not_parse_is_reported_not_dropped() {
    let fixture = Fixture::new();
    let storage = fixture.storage("client");
    save(&storage, CHAT, &Talk::Asking { question: 1 }).await;
    assert_eq!(
        load::<Renamed>(&storage, CHAT).await,
        Loaded::Unreadable(Unreadable::Malformed)
    );
    let key = ConversationKey {
        bot: BotName::new("client").unwrap(),
        chat: ChatKey::new(CHAT.0),
    };
    let far = fixture.clock.now() + Duration::days(1);
    fixture
        .store
        .save_conversation(key, "not json".to_owned(), far, RecordVersion::new(1))
        .await
        .unwrap();
    assert_eq!(
        load::<Talk>(&storage, CHAT).await,
        Loaded::Unreadable(Unreadable::Malformed)
    );
}

#[tokio::test]
async fn teloxide_sees_expired_as_none_and_unreadable_as_an_error() {
    let fixture = Fixture::new();
    let storage = fixture.storage("client");
    Arc::clone(&storage)
        .update_dialogue(CHAT, Talk::Asking { question: 5 })
        .await
        .unwrap();
    let got = Storage::<Talk>::get_dialogue(Arc::clone(&storage), CHAT)
        .await
        .unwrap();
    assert_eq!(got, Some(Talk::Asking { question: 5 }));
    assert!(
        Storage::<NextSchema>::get_dialogue(Arc::clone(&storage), CHAT)
            .await
            .is_err()
    );
    fixture.clock.advance(Duration::hours(1));
    let got = Storage::<Talk>::get_dialogue(Arc::clone(&storage), CHAT)
        .await
        .unwrap();
    assert_eq!(got, None);
    Storage::<Talk>::remove_dialogue(storage, CHAT)
        .await
        .unwrap();
}

/// The conversation of `CHAT` as update `id` sees it, loaded.
async fn in_update(storage: &Arc<ConversationStorage>, id: u32) -> ChatConversation {
    let conversation = storage.chat_in_update(CHAT, UpdateId(id));
    conversation.load::<Talk>().await.unwrap();
    conversation
}

#[tokio::test]
async fn an_update_handled_again_after_saving_its_step_knows_it_applied() {
    let fixture = Fixture::new();
    let storage = fixture.storage("client");
    let first = in_update(&storage, 100).await;
    assert!(!first.already_applied(), "a fresh conversation");
    first.save(&Talk::Asking { question: 1 }).await.unwrap();

    let again = in_update(&storage, 100).await;
    let next = in_update(&storage, 101).await;

    assert!(again.already_applied());
    assert!(!next.already_applied(), "a newer update applies");
}

#[tokio::test]
async fn later_updates_keep_the_earlier_ones_applied_up_to_the_limit() {
    let fixture = Fixture::new();
    let storage = fixture.storage("client");
    let last = 200 + u32::try_from(APPLIED_KEPT).unwrap();
    for id in 200..=last {
        let conversation = in_update(&storage, id).await;
        conversation
            .save(&Talk::Asking { question: 1 })
            .await
            .unwrap();
        // A second write of the same update records it once.
        conversation
            .save(&Talk::Asking { question: 2 })
            .await
            .unwrap();
    }

    assert!(in_update(&storage, last - 1).await.already_applied());
    assert!(in_update(&storage, 201).await.already_applied());
    assert!(
        !in_update(&storage, 200).await.already_applied(),
        "only the last {APPLIED_KEPT} are kept"
    );
}

#[tokio::test]
async fn a_removed_conversation_and_one_without_an_update_record_nothing() {
    let fixture = Fixture::new();
    let storage = fixture.storage("client");
    let first = in_update(&storage, 300).await;
    first.save(&Talk::Asking { question: 1 }).await.unwrap();
    first.remove().await.unwrap();
    assert!(!in_update(&storage, 300).await.already_applied());

    save(&storage, CHAT, &Talk::Asking { question: 2 }).await;
    let unnamed = storage.chat(CHAT);
    unnamed.load::<Talk>().await.unwrap();
    assert!(!unnamed.already_applied());
    assert!(!in_update(&storage, 300).await.already_applied());
}

#[tokio::test]
async fn a_state_saved_before_updates_were_recorded_still_reads() {
    let fixture = Fixture::new();
    let storage = fixture.storage("client");
    let key = ConversationKey {
        bot: BotName::new("client").unwrap(),
        chat: ChatKey::new(CHAT.0),
    };
    let far = fixture.clock.now() + Duration::days(1);
    let stored = format!(
        r#"{{"v":3,"expires_at":"{}","state":{{"Asking":{{"question":4}}}}}}"#,
        far.to_rfc3339()
    );
    fixture
        .store
        .save_conversation(key, stored, far, RecordVersion::NONE)
        .await
        .unwrap();

    let conversation = in_update(&storage, 400).await;
    assert!(!conversation.already_applied());
    assert_eq!(
        load::<Talk>(&storage, CHAT).await,
        Loaded::Active(Talk::Asking { question: 4 })
    );
    conversation
        .save(&Talk::Asking { question: 5 })
        .await
        .unwrap();
    assert!(in_update(&storage, 400).await.already_applied());
}
