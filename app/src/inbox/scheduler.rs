//! Which instance hands a chat's updates to the handlers, when several run
//! on one database (PostgreSQL): per-chat leases over the [`UpdateInbox`].
//!
//! The instance that records an update claims the lease of its chat
//! ([`ChatScheduler::recorded`]). While it holds the lease it alone takes
//! the chat's unfinished updates from the store and feeds them to the
//! dispatcher, in update id order; once the handlers finished every one it
//! releases the lease, unless another update of the chat was recorded
//! meanwhile (it takes that one next). An update recorded while another
//! instance holds the chat is that instance's: it sees the update before
//! it can release. So each chat is handled in order, by one instance at a
//! time.
//!
//! Every [`TICK`] the scheduler renews its leases (each runs [`LEASE`] past
//! the renewal) and claims the chats whose unfinished updates are older
//! than [`GRACE`] and have no live lease: the instance that recorded them
//! died, or stalled past its lease. A taken-over update counts one more
//! attempt, and after [`MAX_ATTEMPTS`] hand-overs it is given up, so an
//! update that kills every instance it reaches does not kill them all.
//! At a stop the leases are ended at once, so another instance takes over
//! what is left within a tick instead of a lease.
//!
//! An update taken over may be handled twice: its instance may have
//! handled it and died before marking it finished. Booking is idempotent
//! for that reason; a second reply is possible.

use std::collections::hash_map::{Entry, RandomState};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use booking_ports::{
    BotName, ChatClaim, ChatKey, Clock, InboxUpdate, InvalidLeaseHolder, LeaseHolder, StoreError,
    TakeChatUpdatesError, UpdateId, UpdateInbox,
};
use teloxide::types::Update;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;

use super::{MAX_ATTEMPTS, log_given_up, read_recorded};

/// How long a lease runs past its claim or renewal. A stalled instance
/// loses its chats after this long; a killed one's are taken over after
/// at most this plus a [`TICK`].
pub const LEASE: Duration = Duration::from_secs(15);
/// How often leases are renewed and orphaned chats looked for.
pub const TICK: Duration = Duration::from_secs(2);
/// How old an unfinished update without a lease must be before another
/// instance takes its chat: its recorder claims the chat right after
/// recording, and should win that race.
pub const GRACE: Duration = Duration::from_secs(5);
/// Chats taken over per tick, per bot.
const TAKEOVER_BATCH: u32 = 32;
/// The pause before a store call that failed is tried again.
const RETRY: Duration = Duration::from_secs(1);

/// One bot's scheduler; clones share it.
#[derive(Clone)]
pub struct ChatScheduler {
    shared: Arc<Shared>,
}

impl fmt::Debug for ChatScheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatScheduler")
            .field("bot", &self.shared.name)
            .field("holder", &self.shared.holder)
            .finish_non_exhaustive()
    }
}

struct Shared {
    name: &'static str,
    bot: BotName,
    holder: LeaseHolder,
    store: Arc<dyn UpdateInbox>,
    clock: Arc<dyn Clock>,
    /// Where the dispatcher takes the fed updates from.
    feed: mpsc::Sender<Update>,
    /// The other end of `feed`, until the dispatcher's listener takes it.
    output: Mutex<Option<mpsc::Receiver<Update>>>,
    /// Chats active at once beyond which a new chat's update is refused
    /// (the webhook answers 503).
    capacity: usize,
    state: Mutex<State>,
    tasks: Mutex<JoinSet<()>>,
}

#[derive(Default)]
struct State {
    /// The chats this instance is draining.
    chats: HashMap<ChatKey, Active>,
    /// Every update fed and not finished yet, and its chat.
    handed: HashMap<UpdateId, ChatKey>,
    stopped: bool,
}

/// A chat being drained.
struct Active {
    /// Fed to the dispatcher, not finished yet.
    in_flight: HashSet<UpdateId>,
    /// Handled here, but marking them finished failed: taken again, they
    /// are marked again instead of handled twice.
    handled_unmarked: HashSet<UpdateId>,
    /// Set when the chat may have more to take.
    woken: bool,
    notify: Arc<Notify>,
}

impl Active {
    fn new() -> Self {
        Self {
            in_flight: HashSet::new(),
            handled_unmarked: HashSet::new(),
            woken: true,
            notify: Arc::new(Notify::new()),
        }
    }
}

/// What one take of a chat's updates came to.
enum Taken {
    /// This many updates fed that were not fed before.
    Fed(usize),
    /// Another instance holds the chat now.
    Lost,
    /// The store failed; try again later.
    Failed,
    /// The dispatcher is gone: the service is stopping.
    Closed,
}

impl ChatScheduler {
    /// The scheduler of the bot called `name` (an inbox bot name), for this
    /// process: its leases carry `holder`. At most `capacity` chats are
    /// active at once.
    pub fn new(
        name: &'static str,
        bot: BotName,
        holder: LeaseHolder,
        store: Arc<dyn UpdateInbox>,
        clock: Arc<dyn Clock>,
        capacity: usize,
    ) -> Self {
        let (feed, output) = mpsc::channel(capacity.max(1));
        Self {
            shared: Arc::new(Shared {
                name,
                bot,
                holder,
                store,
                clock,
                feed,
                output: Mutex::new(Some(output)),
                capacity: capacity.max(1),
                state: Mutex::new(State::default()),
                tasks: Mutex::new(JoinSet::new()),
            }),
        }
    }

    /// A holder name for this process and `bot`: the process id and a
    /// random number, so two processes (on any machines) never share one.
    ///
    /// # Errors
    /// [`InvalidLeaseHolder`] when `bot` is not printable ASCII or too
    /// long.
    pub fn process_holder(bot: &str) -> Result<LeaseHolder, InvalidLeaseHolder> {
        let pid = std::process::id();
        // Seeded from the operating system's randomness, per process.
        let random = RandomState::new().hash_one(pid);
        LeaseHolder::new(&format!("{pid}-{random:016x}-{bot}"))
    }

    /// The updates to hand to the dispatcher, in each chat's order; `None`
    /// once taken.
    pub fn take_output(&self) -> Option<mpsc::Receiver<Update>> {
        lock(&self.shared.output).take()
    }

    /// Whether an update of `chat` may be recorded now: the chat is active
    /// already, or fewer than the capacity are.
    pub fn has_room_for(&self, chat: ChatKey) -> bool {
        let state = lock(&self.shared.state);
        state.chats.contains_key(&chat) || state.chats.len() < self.shared.capacity
    }

    /// After an update of `chat` was recorded: claims the chat and, when
    /// this instance holds it, drains it. When another instance holds it,
    /// that one takes the update; when the claim fails, the chat is taken
    /// over after the grace, by whichever instance comes first.
    pub async fn recorded(&self, chat: ChatKey) {
        let shared = &self.shared;
        match self.claim(chat, shared.clock.now()).await {
            Ok(ChatClaim::Claimed) => self.wake(chat),
            Ok(ChatClaim::HeldByAnother) => {
                tracing::debug!(
                    bot = shared.name,
                    "another instance holds the chat; it takes the update"
                );
            }
            Err(e) => {
                tracing::warn!(bot = shared.name, error = %e, "claiming a chat failed; its update is taken over in a few seconds");
            }
        }
    }

    /// Called when the handlers are done with update `id` (whatever they
    /// returned); `marked` tells whether it was marked finished.
    pub fn finished(&self, id: UpdateId, marked: bool) {
        let mut state = lock(&self.shared.state);
        let Some(chat) = state.handed.remove(&id) else {
            return;
        };
        if let Some(active) = state.chats.get_mut(&chat) {
            active.in_flight.remove(&id);
            if !marked {
                active.handled_unmarked.insert(id);
            }
            if active.in_flight.is_empty() {
                active.notify.notify_one();
            }
        }
    }

    /// Renews the leases and takes over orphaned chats, every [`TICK`],
    /// until [`stop`](Self::stop).
    pub fn start(&self) {
        let scheduler = self.clone();
        self.spawn(async move {
            let mut ticks = tokio::time::interval(TICK);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                scheduler.tick().await;
            }
        });
    }

    /// One round of the ticker: renew what this instance holds, drain any
    /// held chat that is not being drained, and claim orphaned chats.
    pub async fn tick(&self) {
        let shared = &self.shared;
        let now = shared.clock.now();
        // Chats claimed while the renewal runs are not in its answer, and
        // not lost: only those active before it may be.
        let active_before: HashSet<ChatKey> = lock(&shared.state).chats.keys().copied().collect();
        match shared
            .store
            .renew_chat_leases(shared.holder.clone(), now + LEASE)
            .await
        {
            Ok(held) => {
                let held: HashSet<ChatKey> = held
                    .into_iter()
                    .filter(|key| key.bot == shared.bot)
                    .map(|key| key.chat)
                    .collect();
                let (lost, idle): (Vec<ChatKey>, Vec<ChatKey>) = {
                    let state = lock(&shared.state);
                    let lost = state
                        .chats
                        .keys()
                        .filter(|chat| active_before.contains(chat) && !held.contains(chat))
                        .copied()
                        .collect();
                    let idle = held
                        .iter()
                        .filter(|chat| !state.chats.contains_key(chat))
                        .copied()
                        .collect();
                    (lost, idle)
                };
                // A chat that looks lost (or was released and claimed again
                // while the renewal ran) is woken: its drain's next take
                // tells which. A held chat nobody drains (a wake missed at a
                // failure) starts.
                for chat in lost.into_iter().chain(idle) {
                    self.wake(chat);
                }
            }
            Err(e) => {
                tracing::warn!(bot = shared.name, error = %e, "renewing chat leases failed; trying again at the next tick");
            }
        }
        let orphaned = shared
            .store
            .chats_to_take_over(shared.bot.clone(), now, now - GRACE, TAKEOVER_BATCH)
            .await;
        match orphaned {
            Ok(chats) => {
                for chat in chats {
                    self.take_over(chat, now).await;
                }
            }
            Err(e) => {
                tracing::warn!(bot = shared.name, error = %e, "looking for chats to take over failed; trying again at the next tick");
            }
        }
    }

    /// Stops draining and ends every lease this instance holds now, so
    /// other instances take the chats over at their next tick. Updates fed
    /// and not finished are handled again there.
    pub async fn stop(&self) {
        let shared = &self.shared;
        {
            let mut state = lock(&shared.state);
            state.stopped = true;
            state.chats.clear();
            state.handed.clear();
        }
        lock(&shared.tasks).abort_all();
        let now = shared.clock.now();
        if let Err(e) = shared
            .store
            .renew_chat_leases(shared.holder.clone(), now)
            .await
        {
            tracing::warn!(bot = shared.name, error = %e, "ending the chat leases failed; other instances take the chats over when they run out");
        }
    }

    /// Takes or renews `chat`'s lease for [`LEASE`] from `now`.
    async fn claim(
        &self,
        chat: ChatKey,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<ChatClaim, StoreError> {
        let shared = &self.shared;
        shared
            .store
            .claim_chat(
                shared.bot.clone(),
                chat,
                shared.holder.clone(),
                now,
                now + LEASE,
            )
            .await
    }

    async fn take_over(&self, chat: ChatKey, now: chrono::DateTime<chrono::Utc>) {
        let shared = &self.shared;
        match self.claim(chat, now).await {
            Ok(ChatClaim::Claimed) => {
                tracing::info!(
                    bot = shared.name,
                    "taking over a chat whose updates another instance left unfinished"
                );
                self.wake(chat);
            }
            // Another instance was quicker.
            Ok(ChatClaim::HeldByAnother) => {}
            Err(e) => {
                tracing::warn!(bot = shared.name, error = %e, "claiming an orphaned chat failed; trying again at the next tick");
            }
        }
    }

    /// Makes sure `chat`, whose lease this instance holds, is drained.
    fn wake(&self, chat: ChatKey) {
        let notify = {
            let mut state = lock(&self.shared.state);
            if state.stopped {
                return;
            }
            match state.chats.entry(chat) {
                Entry::Occupied(mut active) => {
                    let active = active.get_mut();
                    active.woken = true;
                    active.notify.notify_one();
                    return;
                }
                Entry::Vacant(vacant) => Arc::clone(&vacant.insert(Active::new()).notify),
            }
        };
        let scheduler = self.clone();
        self.spawn(async move { scheduler.drain(chat, notify).await });
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = lock(&self.shared.tasks);
        // Reap the tasks that ended, so the set does not grow.
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    /// Feeds `chat`'s updates until none is left unfinished and the lease
    /// is released, or the chat is lost.
    async fn drain(&self, chat: ChatKey, notify: Arc<Notify>) {
        let mut fed_last = 0;
        loop {
            let Some(woken) = self.with_active(chat, |active| std::mem::take(&mut active.woken))
            else {
                return;
            };
            if woken {
                match self.take(chat).await {
                    Taken::Fed(fed) => fed_last = fed,
                    Taken::Lost => {
                        let in_flight = self
                            .with_active(chat, |active| active.in_flight.len())
                            .unwrap_or(0);
                        if in_flight > 0 {
                            // Stalled past the lease: the instance that took
                            // the chat over may handle these again.
                            tracing::warn!(
                                bot = self.shared.name,
                                updates = in_flight,
                                "a chat was taken over by another instance while this one handled it"
                            );
                        }
                        self.forget(chat);
                        return;
                    }
                    Taken::Closed => return,
                    Taken::Failed => {
                        tokio::time::sleep(RETRY).await;
                        self.with_active(chat, |active| active.woken = true);
                        continue;
                    }
                }
            }
            let Some(idle) = self.with_active(chat, |active| active.in_flight.is_empty()) else {
                return;
            };
            if idle {
                if self.release(chat, fed_last).await {
                    return;
                }
                continue;
            }
            notify.notified().await;
        }
    }

    /// Takes `chat`'s unfinished updates and feeds those not fed yet.
    async fn take(&self, chat: ChatKey) -> Taken {
        let shared = &self.shared;
        let taken = shared
            .store
            .take_chat_updates(
                shared.bot.clone(),
                chat,
                shared.holder.clone(),
                MAX_ATTEMPTS,
                shared.clock.now(),
            )
            .await;
        let unfinished = match taken {
            Ok(unfinished) => unfinished,
            Err(TakeChatUpdatesError::NotHeld) => return Taken::Lost,
            Err(TakeChatUpdatesError::Store(e)) => {
                tracing::warn!(bot = shared.name, error = %e, "taking a chat's updates failed; trying again");
                return Taken::Failed;
            }
        };
        log_given_up(shared.name, &unfinished.given_up);
        let mut fed = 0;
        for recorded in unfinished.replay {
            match self.feed(chat, recorded).await {
                Ok(true) => fed += 1,
                Ok(false) => {}
                Err(Closed) => return Taken::Closed,
            }
        }
        Taken::Fed(fed)
    }

    /// Hands `recorded` to the dispatcher unless it is in flight already, or
    /// was handled here and only its mark is missing (marked again).
    async fn feed(&self, chat: ChatKey, recorded: InboxUpdate) -> Result<bool, Closed> {
        let shared = &self.shared;
        let id = recorded.update_id;
        let seen = self.with_active(chat, |active| {
            (
                active.in_flight.contains(&id),
                active.handled_unmarked.remove(&id),
            )
        });
        let Some((in_flight, handled)) = seen else {
            return Err(Closed);
        };
        if in_flight {
            return Ok(false);
        }
        if handled {
            if let Err(e) = self.mark_finished(id).await {
                tracing::warn!(bot = shared.name, update_id = id.get(), error = %e, "marking an update finished failed again");
                self.with_active(chat, |active| active.handled_unmarked.insert(id));
            }
            return Ok(false);
        }
        let Some(update) = read_recorded(shared.name, &recorded) else {
            if let Err(e) = self.mark_finished(id).await {
                tracing::warn!(bot = shared.name, update_id = id.get(), error = %e, "marking an unreadable update finished failed");
            }
            return Ok(false);
        };
        {
            let mut state = lock(&shared.state);
            let Some(active) = state.chats.get_mut(&chat) else {
                return Err(Closed);
            };
            active.in_flight.insert(id);
            state.handed.insert(id, chat);
        }
        shared.feed.send(update).await.map_err(|_| Closed)?;
        Ok(true)
    }

    /// Releases `chat` when it is drained; `true` when the drain is over
    /// (released and not woken meanwhile).
    async fn release(&self, chat: ChatKey, fed_last: usize) -> bool {
        let shared = &self.shared;
        let released = shared
            .store
            .release_chat_if_drained(shared.bot.clone(), chat, shared.holder.clone())
            .await;
        match released {
            Ok(true) => {
                let mut state = lock(&shared.state);
                let woken = state.chats.get(&chat).is_none_or(|active| active.woken);
                if !woken {
                    state.chats.remove(&chat);
                    return true;
                }
                // Recorded and claimed again after the release: take it.
                false
            }
            Ok(false) => {
                // Something is left: an update recorded meanwhile (then the
                // chat was woken and this takes it at once), one whose mark
                // failed, or the lease is lost. Only the last two spin, so
                // they wait a little.
                let woken = self
                    .with_active(chat, |active| std::mem::replace(&mut active.woken, true))
                    .unwrap_or(true);
                if !woken && fed_last == 0 {
                    tokio::time::sleep(RETRY).await;
                }
                false
            }
            Err(e) => {
                tracing::warn!(bot = shared.name, error = %e, "releasing a chat failed; trying again");
                tokio::time::sleep(RETRY).await;
                self.with_active(chat, |active| active.woken = true);
                false
            }
        }
    }

    async fn mark_finished(&self, id: UpdateId) -> Result<(), StoreError> {
        let shared = &self.shared;
        shared
            .store
            .finish_update(shared.bot.clone(), id, shared.clock.now())
            .await
    }

    fn forget(&self, chat: ChatKey) {
        let mut state = lock(&self.shared.state);
        if let Some(active) = state.chats.remove(&chat) {
            for id in active.in_flight {
                state.handed.remove(&id);
            }
        }
    }

    fn with_active<T>(&self, chat: ChatKey, f: impl FnOnce(&mut Active) -> T) -> Option<T> {
        lock(&self.shared.state).chats.get_mut(&chat).map(f)
    }
}

/// The dispatcher no longer takes updates, or the scheduler stopped.
struct Closed;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The state stays consistent across a panic (each change is one
    // statement), so a poisoned lock is used as it is.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests;
