//! Crash safety for the bots' updates, over the [`UpdateInbox`] port.
//!
//! Every update is recorded before Telegram is told it arrived: with long
//! polling, the poller records each `getUpdates` answer whole, in one
//! commit ([`BotInbox::admit_all`]), before handing it out, and the next
//! `getUpdates` (whose offset confirms it) is asked only once the
//! dispatcher took all of it; in webhook mode the route records the update
//! before it answers 200 (`webhook::receiver`). A redelivered update finds
//! its record and is dropped, so it is handled once. [`BotInbox::layer`]
//! sits at the root of the handler tree and marks the update finished when
//! its handler returned, whatever it returned, in a batch with the updates
//! finished meanwhile (`finishing`); an update the per-chat admission drops
//! is finished too. At the next start, what was recorded but never finished
//! (the process died meanwhile) is handed to the dispatcher before anything
//! new; an update still unfinished after [`MAX_ATTEMPTS`] hand-offs (it
//! kills the process every time) is given up and logged by id.
//!
//! Where several instances share the store (PostgreSQL), a start does not
//! take what was left unfinished: another instance may be handling it.
//! There each bot's updates go through a [`ChatScheduler`] instead: the
//! recorder claims the update's chat and feeds it from the store, and
//! chats an instance left behind are taken over by another.

mod finishing;
pub mod scheduler;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use adapter_telegram::HandlerError;
use booking_ports::{
    BotName, ChatKey, Clock, InboxUpdate, InvalidBotName, NO_CHAT, NewInboxUpdate, Recorded,
    StoreError, UpdateId, UpdateInbox,
};
use futures::StreamExt;
use futures::future::ready;
use futures::stream::BoxStream;
use teloxide::RequestError;
use teloxide::dispatching::{DpHandlerDescription, UpdateHandler};
use teloxide::dptree::{self, HandlerDescription};
use teloxide::prelude::*;
use teloxide::stop::StopToken;
use teloxide::types::{AllowedUpdate, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tokio::sync::mpsc;

use self::finishing::FinishBatches;
pub use scheduler::ChatScheduler;

/// Hand-offs of one update to the handlers before it is given up.
pub const MAX_ATTEMPTS: u32 = 3;

/// One bot's side of the inbox.
#[derive(Clone)]
pub struct BotInbox {
    name: &'static str,
    bot: BotName,
    store: Arc<dyn UpdateInbox>,
    clock: Arc<dyn Clock>,
    /// Present where several instances may share the store.
    scheduler: Option<ChatScheduler>,
    /// The updates being finished, written in batches.
    finishing: Arc<FinishBatches>,
}

impl fmt::Debug for BotInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotInbox")
            .field("bot", &self.name)
            .finish_non_exhaustive()
    }
}

/// The inbox and the clock its records are stamped by, for every bot;
/// with [`scheduled`](Self::scheduled), each bot's [`ChatScheduler`].
#[derive(Clone)]
pub struct InboxStore {
    store: Arc<dyn UpdateInbox>,
    clock: Arc<dyn Clock>,
    /// `Some` when scheduled: each bot's scheduler, made at its first use.
    schedulers: Option<Arc<Mutex<HashMap<&'static str, ChatScheduler>>>>,
}

impl fmt::Debug for InboxStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InboxStore").finish_non_exhaustive()
    }
}

impl InboxStore {
    pub fn new(store: Arc<dyn UpdateInbox>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            schedulers: None,
        }
    }

    /// The same inbox, each bot's chats scheduled across instances
    /// ([`ChatScheduler`]), for a store several instances may share.
    #[must_use]
    pub fn scheduled(self) -> Self {
        Self {
            schedulers: Some(Arc::default()),
            ..self
        }
    }

    /// The inbox of the bot called `name`; every call for one name shares
    /// one scheduler.
    ///
    /// # Errors
    /// [`InvalidBotName`] for a name outside `[a-z0-9_-]`.
    pub fn bot(&self, name: &'static str) -> Result<BotInbox, InvalidBotName> {
        let inbox = BotInbox::new(name, Arc::clone(&self.store), Arc::clone(&self.clock))?;
        let Some(schedulers) = &self.schedulers else {
            return Ok(inbox);
        };
        let mut schedulers = schedulers.lock().unwrap_or_else(PoisonError::into_inner);
        let scheduler = match schedulers.get(name) {
            Some(scheduler) => scheduler.clone(),
            None => {
                // A bot name is `[a-z0-9_-]`: always a valid holder part.
                let holder = ChatScheduler::process_holder(name)
                    .map_err(|_| InvalidBotName(name.to_owned()))?;
                let scheduler = ChatScheduler::new(
                    name,
                    inbox.bot.clone(),
                    holder,
                    Arc::clone(&self.store),
                    Arc::clone(&self.clock),
                    crate::webhook::receiver::QUEUE_CAPACITY,
                );
                schedulers.insert(name, scheduler.clone());
                scheduler
            }
        };
        Ok(BotInbox {
            scheduler: Some(scheduler),
            ..inbox
        })
    }

    /// Starts every bot's scheduler (renewals and takeovers).
    pub fn start_schedulers(&self) {
        for scheduler in self.all_schedulers() {
            scheduler.start();
        }
    }

    /// Stops every bot's scheduler and ends its leases.
    pub async fn stop_schedulers(&self) {
        for scheduler in self.all_schedulers() {
            scheduler.stop().await;
        }
    }

    fn all_schedulers(&self) -> Vec<ChatScheduler> {
        self.schedulers
            .as_ref()
            .map_or_else(Vec::new, |schedulers| {
                schedulers
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .values()
                    .cloned()
                    .collect()
            })
    }
}

/// The id to record `update` under: `None` for an update teloxide could
/// not read (the listener logs it by id and drops it) or without an id.
fn recordable(update: &Update) -> Option<UpdateId> {
    if matches!(update.kind, UpdateKind::Error(_)) {
        return None;
    }
    update_id(update)
}

/// The update's id as the inbox keys it.
pub fn update_id(update: &Update) -> Option<UpdateId> {
    UpdateId::new(i64::from(update.id.0)).ok()
}

/// Logs, by id only, the updates given up after [`MAX_ATTEMPTS`]
/// hand-offs.
fn log_given_up(bot: &'static str, given_up: &[UpdateId]) {
    for id in given_up {
        tracing::error!(
            bot,
            update_id = id.get(),
            attempts = MAX_ATTEMPTS,
            "gave up an update that was never finished (its contents are not logged)"
        );
    }
}

/// A recorded update as teloxide reads it; `None`, logged by id, when it
/// no longer reads as one (the caller marks it finished).
fn read_recorded(bot: &'static str, recorded: &InboxUpdate) -> Option<Update> {
    let update = serde_json::from_str::<Update>(&recorded.raw).ok();
    if update.is_none() {
        tracing::warn!(
            bot,
            update_id = recorded.update_id.get(),
            "a recorded update no longer reads as one; skipped (its contents are not logged)"
        );
    }
    update
}

/// The chat the inbox records `update` under: its chat, or [`NO_CHAT`] for
/// an update without one.
pub fn chat_of(update: &Update) -> ChatKey {
    update
        .chat()
        .map_or(NO_CHAT, |chat| ChatKey::new(chat.id.0))
}

impl BotInbox {
    /// # Errors
    /// [`InvalidBotName`] for a name outside `[a-z0-9_-]`.
    pub fn new(
        name: &'static str,
        store: Arc<dyn UpdateInbox>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, InvalidBotName> {
        Ok(Self {
            name,
            bot: BotName::new(name)?,
            store,
            clock,
            scheduler: None,
            finishing: Arc::default(),
        })
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The bot's chat scheduler, where several instances may share the
    /// store.
    pub fn scheduler(&self) -> Option<&ChatScheduler> {
        self.scheduler.as_ref()
    }

    /// Records update `id` of `chat`, received as `raw`.
    ///
    /// # Errors
    /// [`StoreError`] when it could not be recorded.
    pub async fn record(
        &self,
        id: UpdateId,
        chat: ChatKey,
        raw: String,
    ) -> Result<Recorded, StoreError> {
        self.store
            .record_update(self.bot.clone(), id, chat, raw, self.clock.now())
            .await
    }

    /// Marks `id` finished; a failure is logged (the update would then be
    /// handed back once more at the next start). Tells the scheduler the
    /// handlers are done with it.
    pub async fn finish(&self, id: UpdateId) {
        let finished = self
            .finishing
            .finish(self.store.as_ref(), &self.bot, self.clock.as_ref(), id)
            .await;
        if let Err(e) = &finished {
            tracing::warn!(bot = self.name, update_id = id.get(), error = %e, "marking an update finished failed; it may be handled again at the next start");
        }
        if let Some(scheduler) = &self.scheduler {
            scheduler.finished(id, finished.is_ok());
        }
    }

    /// Marks `id` finished in the background (from a synchronous filter).
    pub fn finish_later(&self, id: UpdateId) {
        let inbox = self.clone();
        tokio::spawn(async move { inbox.finish(id).await });
    }

    /// The updates recorded in an earlier run but never finished, in id
    /// order, each counted as one more attempt. Those given up, and those
    /// that no longer read as an update, are finished and logged by id.
    /// Call it before this run can record anything (before the webhook
    /// route serves), or an update of this run would be taken for one of
    /// the last and handled twice. A failure is logged: those updates then
    /// wait for the next start.
    pub async fn take_unfinished(&self) -> Vec<Update> {
        match self.try_take_unfinished().await {
            Ok(updates) => updates,
            Err(e) => {
                tracing::error!(bot = self.name, error = %e, "reading the updates an earlier run left unfinished failed; they wait for the next start");
                Vec::new()
            }
        }
    }

    async fn try_take_unfinished(&self) -> Result<Vec<Update>, StoreError> {
        let unfinished = self
            .store
            .take_unfinished_updates(self.bot.clone(), MAX_ATTEMPTS, self.clock.now())
            .await?;
        log_given_up(self.name, &unfinished.given_up);
        let mut updates = Vec::with_capacity(unfinished.replay.len());
        for recorded in unfinished.replay {
            match read_recorded(self.name, &recorded) {
                Some(update) => updates.push(update),
                None => self.finish(recorded.update_id).await,
            }
        }
        if !updates.is_empty() {
            tracing::info!(
                bot = self.name,
                updates = updates.len(),
                "handing back the updates an earlier run received but did not finish"
            );
        }
        Ok(updates)
    }

    /// Records the updates of one polled answer in one step
    /// ([`UpdateInbox::record_updates`]) and returns those to hand on, in
    /// order: the new ones, unless the scheduler feeds them, and those the
    /// inbox does not keep (no update id, or unreadable: the listener logs
    /// and drops those). When the store fails, the failure is logged and
    /// every update handed on unrecorded: the bots answer as well as the
    /// store lets them, and a crash now could lose them.
    pub async fn admit_all(&self, updates: Vec<Update>) -> Vec<Update> {
        let mut records = Vec::with_capacity(updates.len());
        let mut kept = Vec::with_capacity(updates.len());
        for update in updates {
            let record = recordable(&update).and_then(|id| match serde_json::to_string(&update) {
                Ok(raw) => Some(NewInboxUpdate {
                    update_id: id,
                    chat: chat_of(&update),
                    raw,
                }),
                Err(e) => {
                    tracing::error!(bot = self.name, update_id = id.get(), error = %e, "recording an update failed; handling it unrecorded");
                    None
                }
            });
            kept.push((update, record.is_some()));
            records.extend(record);
        }
        if records.is_empty() {
            return kept.into_iter().map(|(update, _)| update).collect();
        }
        let count = records.len();
        let outcomes = match self
            .store
            .record_updates(self.bot.clone(), records, self.clock.now())
            .await
        {
            Ok(outcomes) if outcomes.len() == count => outcomes,
            Ok(outcomes) => {
                tracing::error!(
                    bot = self.name,
                    updates = count,
                    outcomes = outcomes.len(),
                    "the inbox answered for another number of updates than recorded; handling them all"
                );
                return kept.into_iter().map(|(update, _)| update).collect();
            }
            Err(e) => {
                tracing::error!(bot = self.name, updates = count, error = %e, "recording updates failed; handling them unrecorded");
                return kept.into_iter().map(|(update, _)| update).collect();
            }
        };
        let mut outcomes = outcomes.into_iter();
        let mut handed = Vec::with_capacity(kept.len());
        for (update, recorded) in kept {
            let outcome = if recorded { outcomes.next() } else { None };
            match outcome {
                None => handed.push(update),
                Some(Recorded::New) => match &self.scheduler {
                    Some(scheduler) => scheduler.recorded(chat_of(&update)).await,
                    None => handed.push(update),
                },
                Some(Recorded::Duplicate) => {
                    tracing::debug!(
                        bot = self.name,
                        update_id = update.id.0,
                        "a redelivered update dropped"
                    );
                }
            }
        }
        handed
    }

    /// The handler that marks the update finished once the rest of the
    /// tree has run (whatever it returned). Put it first in the tree.
    pub fn layer(&self) -> UpdateHandler<HandlerError> {
        let inbox = self.clone();
        dptree::from_fn_with_description(
            DpHandlerDescription::entry(),
            move |deps: DependencyMap, cont| {
                let id = deps.try_get::<Update>().and_then(|u| update_id(&u));
                let inbox = inbox.clone();
                async move {
                    let flow = cont(deps).await;
                    if let Some(id) = id {
                        inbox.finish(id).await;
                    }
                    flow
                }
            },
            adapter_telegram::guard::wrapping_signature(),
        )
    }

    /// `inner`'s updates after `replay`, merged with what the scheduler
    /// feeds. `inner` has recorded its updates already: the poller records
    /// each answer before it is confirmed ([`Self::admit_all`]), a
    /// webhook's route each update before it answers.
    pub fn wrap<L>(&self, inner: L, replay: Vec<Update>) -> Inboxed<L> {
        Inboxed {
            inner,
            inbox: self.clone(),
            replay,
        }
    }
}

/// A listener's updates through the inbox.
#[derive(Debug)]
pub struct Inboxed<L> {
    inner: L,
    inbox: BotInbox,
    replay: Vec<Update>,
}

impl<L> UpdateListener for Inboxed<L>
where
    L: UpdateListener<Err = RequestError>,
{
    type Err = RequestError;

    fn stop_token(&mut self) -> StopToken {
        self.inner.stop_token()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.inner.hint_allowed_updates(hint);
    }
}

impl<'a, L> AsUpdateStream<'a> for Inboxed<L>
where
    L: AsUpdateStream<'a, StreamErr = RequestError>,
    L::Stream: Send + 'a,
{
    type StreamErr = RequestError;
    type Stream = BoxStream<'a, Result<Update, RequestError>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let replay = std::mem::take(&mut self.replay);
        let live = self.inner.as_stream().boxed();
        let live = futures::stream::iter(replay.into_iter().map(Ok)).chain(live);
        match self.inbox.scheduler().and_then(ChatScheduler::take_output) {
            Some(fed) => with_fed(live, fed),
            None => live.boxed(),
        }
    }
}

/// `live` merged with the updates a scheduler feeds, ending when `live`
/// ends (the listener stopped).
pub(crate) fn with_fed<'a>(
    live: impl futures::Stream<Item = Result<Update, RequestError>> + Send + 'a,
    fed: mpsc::Receiver<Update>,
) -> BoxStream<'a, Result<Update, RequestError>> {
    let fed = futures::stream::unfold(fed, |mut fed| async move {
        let update = fed.recv().await?;
        Some((Some(Ok(update)), fed))
    });
    let live = live.map(Some).chain(futures::stream::once(ready(None)));
    futures::stream::select(live, fed)
        .take_while(|item| ready(item.is_some()))
        .filter_map(ready)
        .boxed()
}
