//! Conversation state through the conversation-store port.
//!
//! [`ConversationStorage`] is a teloxide [`Storage`] over
//! [`ConversationStore`], so a conversation survives a restart and lives in
//! the same database as everything else. It adds what teloxide's storages
//! lack (TECH_NOTES):
//!
//! - **The bot is in the key.** A user's private chat id is the same in the
//!   client and the admin bot; each storage is bound to one [`BotName`].
//! - **Idle expiry.** Each save sets the expiry to now plus the configured
//!   idle time. The port never returns an expired state, and its purge
//!   erases it (a booking draft holds a name and a phone) while keeping a
//!   mark that it expired, so the next message after expiry can say why
//!   the conversation starts over. The housekeeping forgets the marks
//!   after [`EXPIRY_NOTICE_WINDOW`].
//! - **Versioned state.** The state is stored as JSON inside an envelope with
//!   the schema version of the state type. A state written by an older
//!   schema, or one that does not parse, is reported as
//!   [`Loaded::Unreadable`] so the bot can say so and start fresh, where
//!   teloxide's own dialogue layer would silently drop the update.
//! - **Fenced writes.** Several instances may serve one chat one after the
//!   other; every save and removal passes the version the update loaded
//!   ([`ChatConversation`] keeps it per update), so an instance that lost
//!   the chat meanwhile gets [`ConversationError::Conflict`] instead of
//!   overwriting the newer state. The update then ends (see
//!   [`ConversationError::Conflict`]); the chat's next update loads afresh.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use booking_ports::{
    BotName, ChatKey, Clock, ConversationKey, ConversationStore, DeleteConversationError,
    RecordVersion, SaveConversationError, StoreError, StoredConversation,
};
use chrono::{DateTime, Duration, Utc};
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

mod chat;

pub use self::chat::ChatConversation;

/// How long after its expiry the mark of an expired conversation is kept
/// (its state is erased at expiry) so that the next message can be told
/// that the conversation expired. After that the housekeeping forgets it
/// and a returning user simply starts fresh.
pub const EXPIRY_NOTICE_WINDOW: Duration = Duration::hours(24);

/// The default idle time after which a conversation expires.
pub const DEFAULT_IDLE_EXPIRY: Duration = Duration::minutes(30);

/// A dialogue state type that can be stored: serialisable, with a schema
/// version to bump whenever a change makes old stored states unreadable.
pub trait DialogueState: Serialize + DeserializeOwned + Send + 'static {
    /// The schema version of the stored form.
    const SCHEMA_VERSION: u32;
}

/// The stored form: the state with its schema version and our own expiry.
#[derive(Serialize, Deserialize)]
struct Envelope<S> {
    v: u32,
    expires_at: DateTime<Utc>,
    state: S,
}

/// The first fields of any envelope, read before the state itself so that
/// the version decides how (whether) to read the rest.
#[derive(Deserialize)]
struct EnvelopeHeader {
    v: u32,
    expires_at: DateTime<Utc>,
}

/// Why a stored state could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Written by another schema version of the state type.
    OtherVersion { stored: u32, current: u32 },
    /// Not a state of the current schema (corrupt, or a change that forgot
    /// to bump the version).
    Malformed,
}

/// A conversation as loaded for one update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded<S> {
    /// Nothing stored: a new conversation.
    Fresh,
    /// The state to continue from.
    Active(S),
    /// The conversation was idle for longer than the expiry; start fresh and
    /// say so.
    Expired,
    /// Something is stored that cannot be read; start fresh and say so.
    Unreadable(Unreadable),
}

/// The conversation store failed, or a state did not serialise.
#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the dialogue state did not serialise")]
    Serialise(#[source] serde_json::Error),
    /// Only from teloxide's [`Storage::get_dialogue`], which has no way to
    /// say "unreadable" other than an error.
    #[error("the stored dialogue state is unreadable: {0:?}")]
    Unreadable(Unreadable),
    /// The conversation changed since this update loaded it (another
    /// instance handled the chat meanwhile); nothing was written. Not a
    /// failure: the bots end the update with a warning and ask the user to
    /// try again, and the next update loads the newer state.
    #[error("the conversation changed since it was loaded at {expected}")]
    Conflict { expected: RecordVersion },
}

impl From<SaveConversationError> for ConversationError {
    fn from(error: SaveConversationError) -> Self {
        match error {
            SaveConversationError::Conflict { expected } => Self::Conflict { expected },
            SaveConversationError::Store(e) => Self::Store(e),
        }
    }
}

impl From<DeleteConversationError> for ConversationError {
    fn from(error: DeleteConversationError) -> Self {
        match error {
            DeleteConversationError::Conflict { expected } => Self::Conflict { expected },
            DeleteConversationError::Store(e) => Self::Store(e),
        }
    }
}

/// Dialogue storage of one bot over the conversation-store port.
pub struct ConversationStorage {
    store: Arc<dyn ConversationStore>,
    clock: Arc<dyn Clock>,
    bot: BotName,
    /// In milliseconds; replaced when the config file is reloaded.
    idle_expiry_ms: AtomicI64,
}

impl fmt::Debug for ConversationStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConversationStorage")
            .field("bot", &self.bot)
            .field("idle_expiry", &self.idle_expiry())
            .finish_non_exhaustive()
    }
}

impl ConversationStorage {
    /// The storage of `bot`'s conversations, which expire after
    /// `idle_expiry` without a message.
    pub fn new(
        store: Arc<dyn ConversationStore>,
        clock: Arc<dyn Clock>,
        bot: BotName,
        idle_expiry: Duration,
    ) -> Self {
        Self {
            store,
            clock,
            bot,
            idle_expiry_ms: AtomicI64::new(idle_expiry.num_milliseconds()),
        }
    }

    pub fn idle_expiry(&self) -> Duration {
        Duration::milliseconds(self.idle_expiry_ms.load(Ordering::Relaxed))
    }

    /// Changes the idle time for conversations saved from now on (a config
    /// reload); saved ones keep the expiry they were saved with.
    pub fn set_idle_expiry(&self, idle_expiry: Duration) {
        self.idle_expiry_ms
            .store(idle_expiry.num_milliseconds(), Ordering::Relaxed);
    }

    fn key(&self, chat: ChatId) -> ConversationKey {
        ConversationKey {
            bot: self.bot.clone(),
            chat: ChatKey::new(chat.0),
        }
    }

    /// The conversation of `chat` as one update sees it: its loads and
    /// writes share the version, so each write is fenced by the last load
    /// (or write) of that update.
    pub fn chat(self: &Arc<Self>, chat: ChatId) -> ChatConversation {
        ChatConversation::new(Arc::clone(self), chat)
    }

    /// The conversation of `chat`, telling apart a fresh start, an expired
    /// conversation and an unreadable state, and the version to write it
    /// back with.
    ///
    /// # Errors
    /// [`ConversationError::Store`] when the store fails.
    pub async fn load<S: DialogueState>(
        &self,
        chat: ChatId,
    ) -> Result<(Loaded<S>, RecordVersion), ConversationError> {
        let now = self.clock.now();
        let loaded = self.store.load_conversation(self.key(chat), now).await?;
        let conversation = match loaded.stored {
            None => Loaded::Fresh,
            Some(StoredConversation::Expired) => Loaded::Expired,
            Some(StoredConversation::Live(stored)) => decode(&stored, now),
        };
        Ok((conversation, loaded.version))
    }

    /// Stores `state` for `chat`, expiring after the idle time from now, if
    /// the stored version is still `expected`; returns the new version.
    ///
    /// # Errors
    /// [`ConversationError::Conflict`] when the conversation changed since
    /// `expected`; [`ConversationError`] when the state does not serialise
    /// or the store fails.
    pub async fn save<S: DialogueState>(
        &self,
        chat: ChatId,
        state: &S,
        expected: RecordVersion,
    ) -> Result<RecordVersion, ConversationError> {
        let expires_at = self.clock.now() + self.idle_expiry();
        let envelope = Envelope {
            v: S::SCHEMA_VERSION,
            expires_at,
            state,
        };
        let json = serde_json::to_string(&envelope).map_err(ConversationError::Serialise)?;
        Ok(self
            .store
            .save_conversation(self.key(chat), json, expires_at, expected)
            .await?)
    }

    /// Forgets the conversation of `chat` if the stored version is still
    /// `expected` (or none is stored).
    ///
    /// # Errors
    /// [`ConversationError::Conflict`] when it changed since `expected`;
    /// [`ConversationError::Store`] when the store fails.
    pub async fn remove(
        &self,
        chat: ChatId,
        expected: RecordVersion,
    ) -> Result<(), ConversationError> {
        self.store
            .delete_conversation(self.key(chat), expected)
            .await?;
        Ok(())
    }
}

fn decode<S: DialogueState>(stored: &str, now: DateTime<Utc>) -> Loaded<S> {
    let Ok(header) = serde_json::from_str::<EnvelopeHeader>(stored) else {
        return Loaded::Unreadable(Unreadable::Malformed);
    };
    // The store's own expiry is the envelope's since this release; states
    // saved by an earlier one were stored to expire a day later, so the
    // envelope's is still the one that counts.
    if header.expires_at <= now {
        // Checked before the version: an expired state is stale whatever
        // its schema, and "expired" is the more useful thing to say.
        return Loaded::Expired;
    }
    if header.v != S::SCHEMA_VERSION {
        return Loaded::Unreadable(Unreadable::OtherVersion {
            stored: header.v,
            current: S::SCHEMA_VERSION,
        });
    }
    match serde_json::from_str::<Envelope<S>>(stored) {
        Ok(envelope) => Loaded::Active(envelope.state),
        Err(_) => Loaded::Unreadable(Unreadable::Malformed),
    }
}

/// teloxide's dialogue storage API has no version, so through it each write
/// is fenced by a load made just before it: last writer wins, as with
/// teloxide's own storages. The bots use [`ChatConversation`] instead.
impl<S: DialogueState + Sync> Storage<S> for ConversationStorage {
    type Error = ConversationError;

    fn remove_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<(), Self::Error>>
    where
        S: Send + 'static,
    {
        Box::pin(async move {
            let (_, version) = self.load::<S>(chat_id).await?;
            self.remove(chat_id, version).await
        })
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: S,
    ) -> BoxFuture<'static, Result<(), Self::Error>>
    where
        S: Send + 'static,
    {
        Box::pin(async move {
            let (_, version) = self.load::<S>(chat_id).await?;
            self.save(chat_id, &dialogue, version).await?;
            Ok(())
        })
    }

    /// An expired conversation reads as none, so teloxide starts from the
    /// default state; an unreadable one is an error rather than a silent
    /// reset. The bots themselves use [`ConversationStorage::load`], which
    /// tells the cases apart.
    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<Option<S>, Self::Error>> {
        Box::pin(async move {
            match self.load::<S>(chat_id).await?.0 {
                Loaded::Active(state) => Ok(Some(state)),
                Loaded::Fresh | Loaded::Expired => Ok(None),
                Loaded::Unreadable(why) => Err(ConversationError::Unreadable(why)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
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
}
