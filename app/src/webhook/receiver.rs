//! The webhook route of one bot, in place of teloxide's: it records each
//! update in the inbox before it answers 200, and it holds at most
//! [`QUEUE_CAPACITY`] updates received but not yet taken by the dispatcher.
//!
//! teloxide's route answers 200 as soon as the update is in an unbounded
//! channel: an update acknowledged but not handled is lost in a crash, and
//! a dispatcher that falls behind lets memory grow without limit. Here a
//! full queue answers 503 (counted in
//! [`WEBHOOK_UPDATES_DEFERRED`](crate::metrics::WEBHOOK_UPDATES_DEFERRED)):
//! Telegram keeps the update and sends it again later. A redelivered update
//! (the same `update_id`) is answered 200 and dropped. The slot is reserved
//! before the update is recorded, so a recorded update always has its place
//! in the queue.
//!
//! Where several instances share the store, the inbox has a
//! [`ChatScheduler`]: the route records the update and lets the scheduler
//! claim its chat, and the dispatcher reads what the scheduler feeds from
//! the store. Then 503 means more than [`QUEUE_CAPACITY`] chats are in
//! progress here.

use std::fmt;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use booking_ports::{ChatKey, Recorded, UpdateId};
use futures::StreamExt;
use futures::stream::BoxStream;
use teloxide::RequestError;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::{Update, UpdateKind};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::inbox::{BotInbox, ChatScheduler, chat_of, update_id};
use crate::metrics::WEBHOOK_UPDATES_DEFERRED;
use crate::unreadable::{kind_of, log_unreadable};

/// Updates received and recorded but not yet taken by the dispatcher, per
/// bot. Telegram sends at most 40 at once by default (`max_connections`),
/// and the dispatcher takes them as fast as it can admit them; a queue
/// this full means the bot is far behind, and Telegram is better at
/// keeping updates than our memory.
pub const QUEUE_CAPACITY: usize = 256;

/// Describes the queue's counter and starts it at zero for both bots, so
/// the first deferral shows as an increase.
pub(crate) fn register_metrics() {
    metrics::describe_counter!(
        WEBHOOK_UPDATES_DEFERRED,
        metrics::Unit::Count,
        "Webhook updates answered 503 because the bot's queue of updates waiting for the dispatcher was full; Telegram sends them again later."
    );
    for bot in ["client", "admin"] {
        metrics::counter!(WEBHOOK_UPDATES_DEFERRED, "bot" => bot).absolute(0);
    }
}

/// What the route needs.
#[derive(Clone)]
pub(crate) struct Route {
    inbox: BotInbox,
    /// Where a recorded update goes, unless the inbox's scheduler feeds
    /// the dispatcher from the store.
    queue: mpsc::Sender<Update>,
    flag: StopFlag,
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("inbox", &self.inbox)
            .finish_non_exhaustive()
    }
}

/// A route's state and the listener the dispatcher reads from, with a
/// queue of `capacity` updates; or, when the inbox has a scheduler, the
/// updates it feeds.
pub(crate) fn channel(inbox: BotInbox, capacity: usize) -> (Route, Listener) {
    let (queue, updates) = mpsc::channel(capacity.max(1));
    let updates = inbox
        .scheduler()
        .and_then(ChatScheduler::take_output)
        .unwrap_or(updates);
    let (token, flag) = mk_stop_token();
    (
        Route {
            inbox,
            queue,
            flag: flag.clone(),
        },
        Listener {
            updates: Some(updates),
            token,
            flag,
        },
    )
}

impl Route {
    /// The flag that resolves once the listener was stopped.
    pub(crate) fn stopped(&self) -> StopFlag {
        self.flag.clone()
    }
}

/// `POST` of an update (after the secret and body checks).
pub(crate) async fn receive(State(route): State<Route>, body: Bytes) -> StatusCode {
    let bot = route.inbox.name();
    if route.flag.is_stopped() {
        // Stopping: Telegram keeps it for the next start.
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let Ok(update) = serde_json::from_slice::<Update>(&body) else {
        // `require_readable` answered those already.
        return StatusCode::OK;
    };
    if let UpdateKind::Error(_) = &update.kind {
        // The kind is the key beside `update_id` in the whole body (the
        // error holds only the value under it).
        let whole = serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default();
        log_unreadable(bot, Some(i64::from(update.id.0)), kind_of(&whole));
        return StatusCode::OK;
    }
    let Some(id) = update_id(&update) else {
        return StatusCode::OK;
    };
    if let Some(scheduler) = route.inbox.scheduler() {
        return receive_scheduled(&route, scheduler, id, update, &body).await;
    }
    let slot = match route.queue.try_reserve() {
        Ok(slot) => slot,
        Err(TrySendError::Full(())) => {
            metrics::counter!(WEBHOOK_UPDATES_DEFERRED, "bot" => bot).increment(1);
            tracing::debug!(
                bot,
                update_id = id.get(),
                "webhook queue full; Telegram will send the update again"
            );
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        Err(TrySendError::Closed(())) => return StatusCode::SERVICE_UNAVAILABLE,
    };
    match record(&route, id, chat_of(&update), &body).await {
        Ok(()) => {
            slot.send(update);
            StatusCode::OK
        }
        Err(answer) => answer,
    }
}

/// Records update `id` of `chat`: `Ok` when it is new, else the answer to
/// give Telegram now (200 for a redelivery, dropped; 500 when it could not
/// be recorded, so Telegram sends it again).
async fn record(route: &Route, id: UpdateId, chat: ChatKey, body: &[u8]) -> Result<(), StatusCode> {
    let bot = route.inbox.name();
    let raw = String::from_utf8_lossy(body).into_owned();
    match route.inbox.record(id, chat, raw).await {
        Ok(Recorded::New) => Ok(()),
        Ok(Recorded::Duplicate) => {
            tracing::debug!(bot, update_id = id.get(), "a redelivered update dropped");
            Err(StatusCode::OK)
        }
        Err(e) => {
            tracing::error!(bot, update_id = id.get(), error = %e, "recording a webhook update failed");
            Err(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// Records `update` for the scheduler, which claims its chat and feeds the
/// dispatcher from the store (several instances on one store).
async fn receive_scheduled(
    route: &Route,
    scheduler: &ChatScheduler,
    id: UpdateId,
    update: Update,
    body: &[u8],
) -> StatusCode {
    let bot = route.inbox.name();
    let chat = chat_of(&update);
    if !scheduler.has_room_for(chat) {
        metrics::counter!(WEBHOOK_UPDATES_DEFERRED, "bot" => bot).increment(1);
        tracing::debug!(
            bot,
            update_id = id.get(),
            "too many chats in progress; Telegram will send the update again"
        );
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    match record(route, id, chat, body).await {
        Ok(()) => {
            scheduler.recorded(chat).await;
            StatusCode::OK
        }
        Err(answer) => answer,
    }
}

/// The updates the route queued, for the dispatcher.
pub struct Listener {
    updates: Option<mpsc::Receiver<Update>>,
    token: StopToken,
    flag: StopFlag,
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener").finish_non_exhaustive()
    }
}

impl Listener {
    /// What stops the stream (the dispatcher's listener stop token).
    pub(crate) fn stop_token(&self) -> StopToken {
        self.token.clone()
    }

    /// The stream of queued updates. It ends at the stop: updates still
    /// queued then are recorded and unfinished, so the next start hands
    /// them to the dispatcher.
    pub(crate) fn stream(&mut self) -> BoxStream<'_, Result<Update, RequestError>> {
        let Some(updates) = self.updates.take() else {
            return futures::stream::empty().boxed();
        };
        futures::stream::unfold(updates, |mut updates| async move {
            let update = updates.recv().await?;
            Some((Ok(update), updates))
        })
        .take_until(self.flag.clone())
        .boxed()
    }
}
