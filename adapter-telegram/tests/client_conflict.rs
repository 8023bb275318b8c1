//! Two instances writing one chat's conversation: the update whose save
//! finds the conversation changed since it loaded it (another instance
//! handled the chat meanwhile) writes nothing, asks the customer to try
//! again, and the next update continues from the other instance's state.
//!
//! The other instance is played by a conversation store that, once armed,
//! writes the chat's conversation itself just before the bot's own write
//! reaches the store: the interleaving a stalled instance meets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use adapter_telegram::test_support::*;
use adapter_telegram::{ClientBot, Language, Locales};
use async_trait::async_trait;
use booking_ports::{
    BotName, ChatKey, ConversationKey, ConversationStore, DeleteConversationError,
    LoadedConversation, MemoryStore, RecordVersion, SaveConversationError, StoreError,
    StoredConversation,
};
use chrono::{DateTime, Duration, Utc};

/// The memory store, with another instance that writes once, when armed,
/// just before the bot's next write: it stores again what it loads, so the
/// state stays as it was and only the version moves on.
#[derive(Clone)]
struct OtherInstance {
    store: MemoryStore,
    armed: Arc<AtomicBool>,
}

impl OtherInstance {
    async fn interfere(&self, key: &ConversationKey, now: DateTime<Utc>) {
        if !self.armed.swap(false, Ordering::SeqCst) {
            return;
        }
        let loaded = self
            .store
            .load_conversation(key.clone(), now)
            .await
            .unwrap();
        let Some(StoredConversation::Live(state)) = loaded.stored else {
            panic!("the scenario needs a live conversation to interfere with");
        };
        self.store
            .save_conversation(
                key.clone(),
                state,
                now + Duration::minutes(30),
                loaded.version,
            )
            .await
            .unwrap();
    }
}

#[async_trait]
impl ConversationStore for OtherInstance {
    async fn load_conversation(
        &self,
        key: ConversationKey,
        now: DateTime<Utc>,
    ) -> Result<LoadedConversation, StoreError> {
        self.store.load_conversation(key, now).await
    }

    async fn save_conversation(
        &self,
        key: ConversationKey,
        state: String,
        expires_at: DateTime<Utc>,
        expected: RecordVersion,
    ) -> Result<RecordVersion, SaveConversationError> {
        self.interfere(&key, monday_morning()).await;
        self.store
            .save_conversation(key, state, expires_at, expected)
            .await
    }

    async fn delete_conversation(
        &self,
        key: ConversationKey,
        expected: RecordVersion,
    ) -> Result<(), DeleteConversationError> {
        self.interfere(&key, monday_morning()).await;
        self.store.delete_conversation(key, expected).await
    }

    async fn purge_expired_conversations(
        &self,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.store
            .purge_expired_conversations(now, forget_before)
            .await
    }
}

/// The harness, its client bot writing conversations through
/// [`OtherInstance`].
async fn harness() -> (Harness, OtherInstance) {
    let mut h = Harness::new().await;
    let other = OtherInstance {
        store: h.store.clone(),
        armed: Arc::new(AtomicBool::new(false)),
    };
    let client = ClientBot::new(
        h.engine.clone(),
        Arc::new(Locales::load(Language::English).unwrap()),
        business(),
        Arc::new(other.clone()),
        Arc::new(h.clock.clone()),
        Duration::minutes(30),
    )
    .unwrap();
    h.bot.dependencies(client.dependencies());
    h.client = client;
    (h, other)
}

/// Ivan's conversation in the client bot as stored.
async fn stored(h: &Harness) -> LoadedConversation {
    let key = ConversationKey {
        bot: BotName::new("client").unwrap(),
        chat: ChatKey::new(1001),
    };
    h.store
        .load_conversation(key, monday_morning())
        .await
        .unwrap()
}

const SORRY: &str = "Sorry, something went wrong on our side. Please try again in a moment.";

#[tokio::test]
async fn a_press_that_loses_the_conversation_to_another_instance_changes_nothing_and_the_next_works()
 {
    let (mut h, other) = harness().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);
    let before = stored(&h).await;

    other.armed.store(true, Ordering::SeqCst);
    let pressed = h.press(&ivan, &services, "Men's haircut").await;

    assert_eq!(answer(&pressed).as_deref(), Some(SORRY));
    let after = stored(&h).await;
    assert_eq!(
        after.stored, before.stored,
        "the press wrote nothing: the state is the other instance's"
    );
    assert_eq!(
        after.version,
        before.version.next(),
        "only the other instance wrote"
    );

    let retried = h.press(&ivan, &services, "Men's haircut").await;

    assert_eq!(
        answer(&retried),
        None,
        "the retry loads the newer state and goes on"
    );
    assert!(
        text(&screen(&retried)).contains("Men's haircut"),
        "{}",
        text(&screen(&retried))
    );
    assert_eq!(stored(&h).await.version, after.version.next());
    assert!(h.bookings_of(&ivan).await.is_empty());
}

#[tokio::test]
async fn a_message_that_loses_the_conversation_to_another_instance_is_answered_and_the_next_works()
{
    let (mut h, other) = harness().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    screen(&h.press(&ivan, &menu, "📅 Book").await);
    let before = stored(&h).await;

    other.armed.store(true, Ordering::SeqCst);
    let sent = h.send(&ivan, "/start").await;

    assert_eq!(
        text(&screen(&sent)),
        SORRY,
        "the customer hears why nothing happened"
    );
    let after = stored(&h).await;
    assert_eq!(
        after.stored, before.stored,
        "the other instance's state stays"
    );
    assert_eq!(after.version, before.version.next());

    let again = screen(&h.send(&ivan, "/start").await);

    assert!(
        text(&again).contains("Welcome to Studio Lotos!"),
        "{}",
        text(&again)
    );
    assert_eq!(
        stored(&h).await,
        LoadedConversation::NONE,
        "the menu forgets the flow"
    );
}
