//! One chat's conversation when instances overlap or die.
//!
//! Two instances writing it: the update whose save finds the conversation
//! changed since it loaded it (another instance handled the chat meanwhile)
//! writes nothing, asks the customer to try again, and the next update
//! continues from the other instance's state. An update handled a second
//! time (its instance died, and another took the chat over): if its first
//! handling saved its step, it is not applied again; if it died after
//! showing the screen but before the save, it takes the same step again.
//!
//! The other instance is played by a conversation store that, once armed,
//! writes the chat's conversation itself just before the bot's own write
//! reaches the store (the interleaving a stalled instance meets), or loses
//! the bot's next write (the process died before its save). A second
//! handling is the same update dispatched again ([`Harness::redeliver`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use adapter_telegram::test_support::*;
use adapter_telegram::{ClientBot, Language, Locales};
use async_trait::async_trait;
use booking_ports::{
    BotName, ChatKey, ConversationKey, ConversationStore, DeleteConversationError,
    LoadedConversation, MemoryStore, RecordVersion, SaveConversationError, StoreError,
    StoredConversation,
};
use chrono::{DateTime, Duration, Utc};
use teloxide::error_handlers::LoggingErrorHandler;

/// What happens to the bot's next conversation write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Next {
    /// It is stored.
    Stored = 0,
    /// Another instance writes the conversation just before it.
    OtherWritesFirst = 1,
    /// It never reaches the store: the process died just before it.
    Lost = 2,
}

/// The memory store, with another instance that interferes once with the
/// bot's next write, as armed. Writing first, it stores again what it
/// loads, so the state stays as it was and only the version moves on.
#[derive(Clone)]
struct OtherInstance {
    store: MemoryStore,
    next: Arc<AtomicU8>,
}

impl OtherInstance {
    fn arm(&self, next: Next) {
        self.next.store(next as u8, Ordering::SeqCst);
    }

    /// Interferes as armed, once; `Err` when the write is lost.
    async fn interfere(&self, key: &ConversationKey, now: DateTime<Utc>) -> Result<(), StoreError> {
        match self.next.swap(Next::Stored as u8, Ordering::SeqCst) {
            n if n == Next::OtherWritesFirst as u8 => {}
            n if n == Next::Lost as u8 => {
                return Err(StoreError::backend(
                    "saving a conversation",
                    "the process died before this write",
                ));
            }
            _ => return Ok(()),
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
        Ok(())
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
        self.interfere(&key, monday_morning()).await?;
        self.store
            .save_conversation(key, state, expires_at, expected)
            .await
    }

    async fn delete_conversation(
        &self,
        key: ConversationKey,
        expected: RecordVersion,
    ) -> Result<(), DeleteConversationError> {
        self.interfere(&key, monday_morning()).await?;
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
        next: Arc::new(AtomicU8::new(Next::Stored as u8)),
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

/// A lost write ends its update with an error, which the harness's own
/// error handler would take for a failure of the test.
fn expect_lost_writes(h: &mut Harness) {
    h.bot.error_handler(LoggingErrorHandler::with_custom_text(
        "the write was lost, as the test arranged",
    ));
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

    other.arm(Next::OtherWritesFirst);
    let pressed = h.press(&ivan, &services, "Men's haircut").await;

    assert_eq!(answer(&pressed).as_deref(), Some(SORRY));
    // The screen goes first, so it is on display, though its step was not
    // saved.
    let days = screen(&pressed);
    assert_eq!(text(&days), "Men's haircut · Anna\nChoose a day:");
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
    assert_eq!(stored(&h).await.version, after.version.next());
    let times = screen(&h.press(&ivan, &days, "Tue 4 Jun").await);
    assert!(text(&times).contains("Tue 4 Jun: choose a time"));
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

    other.arm(Next::OtherWritesFirst);
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

/// Ivan, at the booking's name step.
async fn at_the_name_step(h: &mut Harness, ivan: &Customer) -> teloxide::types::Message {
    let menu = screen(&h.send(ivan, "/start").await);
    let services = screen(&h.press(ivan, &menu, "📅 Book").await);
    let days = screen(&h.press(ivan, &services, "Men's haircut").await);
    let times = screen(&h.press(ivan, &days, "Tue 4 Jun").await);
    screen(&h.press(ivan, &times, "11:00").await)
}

#[tokio::test]
async fn a_typed_name_handled_again_after_its_step_was_saved_is_not_applied_twice() {
    let (mut h, _other) = harness().await;
    let ivan = Customer::new(1001, "Ivan");
    at_the_name_step(&mut h, &ivan).await;
    assert!(asks_for_contact(&h.send(&ivan, "Ivan Petrov").await));
    let saved = stored(&h).await;

    let again = h.redeliver().await;

    assert!(
        nothing_shown(&again),
        "not read as the phone: {:?}",
        again.sent_messages_text
    );
    assert_eq!(stored(&h).await, saved);
    let shared = h.share_contact(&ivan, "79161234567", Some(1001)).await;
    assert!(text(&screen(&shared)).starts_with("Anything you would like us to know?"));
}

#[tokio::test]
async fn a_press_handled_again_after_its_step_was_saved_is_answered_without_a_word() {
    let (mut h, _other) = harness().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);
    let days = screen(&h.press(&ivan, &services, "Men's haircut").await);
    let saved = stored(&h).await;

    let again = h.redeliver().await;

    assert_eq!(answer(&again), None, "not \"this button has expired\"");
    assert!(nothing_shown(&again));
    assert_eq!(stored(&h).await, saved);
    let times = screen(&h.press(&ivan, &days, "Tue 4 Jun").await);
    assert!(text(&times).contains("Tue 4 Jun: choose a time"));
}

#[tokio::test]
async fn a_press_whose_save_was_lost_shows_its_screen_and_takes_the_same_step_again() {
    let (mut h, other) = harness().await;
    let ivan = Customer::new(1001, "Ivan");
    let menu = screen(&h.send(&ivan, "/start").await);
    let services = screen(&h.press(&ivan, &menu, "📅 Book").await);
    let before = stored(&h).await;

    expect_lost_writes(&mut h);
    other.arm(Next::Lost);
    let pressed = h.press(&ivan, &services, "Men's haircut").await;

    let days = screen(&pressed);
    assert_eq!(text(&days), "Men's haircut · Anna\nChoose a day:");
    assert_eq!(stored(&h).await, before, "the step was not saved");

    let again = h.redeliver().await;

    // The same edit again: the days stay on display (Telegram answers
    // "not modified", which counts as done), and now the step is saved.
    assert_eq!(answer(&again), None, "not \"this button has expired\"");
    assert_eq!(stored(&h).await.version, before.version.next());
    let times = screen(&h.press(&ivan, &days, "Tue 4 Jun").await);
    assert!(text(&times).contains("Tue 4 Jun: choose a time"));
}

#[tokio::test]
async fn a_confirmation_handled_again_after_booked_was_shown_books_once() {
    let (mut h, other) = harness().await;
    let ivan = Customer::new(1001, "Ivan");
    let names = at_the_name_step(&mut h, &ivan).await;
    assert!(asks_for_contact(&h.press(&ivan, &names, "Ivan").await));
    let comment = screen(&h.share_contact(&ivan, "79161234567", Some(1001)).await);
    let summary = screen(&h.press(&ivan, &comment, "Skip").await);
    let booked = "✅ Booked: Men's haircut with Anna, Tue 4 Jun, 11:00. See you!";

    expect_lost_writes(&mut h);
    other.arm(Next::Lost);
    let pressed = h.press(&ivan, &summary, "✅ Confirm").await;
    assert_eq!(text(&screen(&pressed)), booked);
    assert_eq!(answer(&pressed).as_deref(), Some(SORRY));

    // The summary was still the step: booked again, which returns the
    // booking made, and "Booked" shown again (the same edit, unchanged).
    let again = h.redeliver().await;
    assert_eq!(answer(&again), None, "not \"this button has expired\"");
    assert_eq!(stored(&h).await, LoadedConversation::NONE);

    // The flow ended, and with it the conversation that recorded the
    // update: handled a third time, the press finds no flow (a known limit:
    // it says the button expired) and books nothing.
    let third = h.redeliver().await;
    assert!(nothing_shown(&third));
    assert_eq!(answer(&third).as_deref(), Some("This button has expired."));
    assert_eq!(h.bookings_of(&ivan).await.len(), 1, "booked once");
}
