//! Runs a bot's handler tree over its stream of updates: one chat's
//! updates one after another, in the order they came, different chats at
//! once.
//!
//! This is what teloxide's `Dispatcher` does, without its flaw: in 0.17 it
//! drops idle chat workers from its own loop and *waits for each one to
//! end*, and a worker caught in the instant between taking an update and
//! marking itself busy is taken for idle. The dispatcher then waits for
//! that whole update — for as long as Telegram takes to answer it, 30 s
//! when a request times out — and hands no update to any chat meanwhile.
//! A burst of new chats hit it in one run of four (app/tests/burst.rs).
//!
//! Here nothing waits for a chat in the loop that reads the stream: a chat
//! with an update in progress queues its next ones, and the task handling
//! them ends by itself when its queue is empty. How many chats are served
//! at once, and how many updates a chat may have queued, is bounded before
//! this, in the stream ([`crate::admission`]): so a queue never grows past
//! a chat's backlog, and there are never more tasks than updates in
//! flight.
//!
//! As with teloxide's dispatcher, the run starts with `getMe` (the bot and
//! its answer are dependencies of the handlers), tells the listener which
//! kinds of update the tree handles, and after the stream ends (its
//! listener was stopped) waits for the updates in progress. teloxide keeps
//! the reading of a tree's kinds to itself, so they are learnt from a
//! teloxide dispatcher run over a listener with no updates, on a bot that
//! answers its `getMe` from the answer already received; building it also
//! checks, as before, that the tree has every dependency it takes.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::fmt;
use std::ops::ControlFlow;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};

use futures::{FutureExt, Stream, StreamExt};
use teloxide::RequestError;
use teloxide::adaptors::CacheMe;
use teloxide::dispatching::UpdateHandler;
use teloxide::error_handlers::{ErrorHandler, LoggingErrorHandler};
use teloxide::prelude::*;
use teloxide::stop::{StopToken, mk_stop_token};
use teloxide::types::{AllowedUpdate, Update};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tokio::task::JoinSet;

/// A handler tree with what it needs, ready to run over a listener.
pub struct UpdateRunner<Err> {
    bot: Bot,
    tree: UpdateHandler<Err>,
    dependencies: DependencyMap,
    errors: Arc<dyn ErrorHandler<Err> + Send + Sync>,
}

impl<Err> fmt::Debug for UpdateRunner<Err> {
    // Not derived: `Bot` prints its token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateRunner").finish_non_exhaustive()
    }
}

/// What every chat's task uses.
struct Shared<Err> {
    tree: UpdateHandler<Err>,
    dependencies: DependencyMap,
    errors: Arc<dyn ErrorHandler<Err> + Send + Sync>,
    /// The chats with an update in progress, each with its next ones.
    busy: Mutex<HashMap<ChatId, VecDeque<Update>>>,
}

impl<Err: fmt::Debug + Send + Sync + 'static> UpdateRunner<Err> {
    /// `tree` with `dependencies`, its errors reported to `errors`;
    /// updates it does not handle are dropped silently (teloxide's
    /// dispatcher logs them whole, names and texts included).
    pub fn new(
        bot: Bot,
        tree: UpdateHandler<Err>,
        dependencies: DependencyMap,
        errors: Arc<dyn ErrorHandler<Err> + Send + Sync>,
    ) -> Self {
        Self {
            bot,
            tree,
            dependencies,
            errors,
        }
    }

    /// Asks Telegram who the bot is, then handles the updates of
    /// `listener` until its stream ends, errors of the stream going to
    /// `listener_errors`; returns once the updates in progress are done.
    ///
    /// # Errors
    /// The `getMe` request failed: a wrong token, or no way to reach the
    /// Bot API. Nothing was handled.
    pub async fn run<L>(
        self,
        mut listener: L,
        listener_errors: Arc<dyn ErrorHandler<L::Err> + Send + Sync>,
    ) -> Result<(), RequestError>
    where
        L: UpdateListener,
    {
        let Self {
            bot,
            tree,
            mut dependencies,
            errors,
        } = self;
        dependencies.insert(bot.clone());
        let cached = bot.cache_me();
        let me = cached.get_me().send().await?;
        let allowed = allowed_updates(cached, &tree, &dependencies).await?;
        listener.hint_allowed_updates(&mut allowed.into_iter());
        dependencies.insert(me);
        let shared = Shared::new(tree, dependencies, errors);
        shared.serve(listener.as_stream(), listener_errors).await;
        Ok(())
    }
}

/// The kinds of update `tree` handles, as teloxide's dispatcher computes
/// them: it is run over a listener with no updates, which keeps what the
/// dispatcher hints. `bot` has its `getMe` answer already, so the
/// dispatcher's own `getMe` sends nothing.
///
/// # Panics
/// When `dependencies` lack a value the tree takes (teloxide's check, a
/// mistake in the code that builds the bot).
async fn allowed_updates<Err: fmt::Debug + Send + Sync + 'static>(
    bot: CacheMe<Bot>,
    tree: &UpdateHandler<Err>,
    dependencies: &DependencyMap,
) -> Result<Vec<AllowedUpdate>, RequestError> {
    let mut probe = HintProbe {
        hinted: Vec::new(),
        stop: mk_stop_token().0,
    };
    Dispatcher::builder(bot, tree.clone())
        .dependencies(dependencies.clone())
        .build()
        .try_dispatch_with_listener(&mut probe, LoggingErrorHandler::new())
        .await?;
    Ok(probe.hinted)
}

/// A listener with no updates that keeps the dispatcher's hint.
struct HintProbe {
    hinted: Vec<AllowedUpdate>,
    stop: StopToken,
}

impl UpdateListener for &mut HintProbe {
    type Err = Infallible;

    fn stop_token(&mut self) -> StopToken {
        self.stop.clone()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.hinted = hint.collect();
    }
}

impl<'a> AsUpdateStream<'a> for &mut HintProbe {
    type StreamErr = Infallible;
    type Stream = futures::stream::Empty<Result<Update, Infallible>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        futures::stream::empty()
    }
}

impl<Err: Send + Sync + 'static> Shared<Err> {
    fn new(
        tree: UpdateHandler<Err>,
        dependencies: DependencyMap,
        errors: Arc<dyn ErrorHandler<Err> + Send + Sync>,
    ) -> Arc<Self> {
        Arc::new(Self {
            tree,
            dependencies,
            errors,
            busy: Mutex::new(HashMap::new()),
        })
    }

    /// Handles `updates` until the stream ends, then waits for the
    /// updates in progress.
    async fn serve<E>(
        self: Arc<Self>,
        updates: impl Stream<Item = Result<Update, E>>,
        listener_errors: Arc<dyn ErrorHandler<E> + Send + Sync>,
    ) {
        let mut tasks = JoinSet::new();
        tokio::pin!(updates);
        loop {
            tokio::select! {
                next = updates.next() => match next {
                    Some(Ok(update)) => Arc::clone(&self).start(update, &mut tasks),
                    Some(Err(error)) => Arc::clone(&listener_errors).handle_error(error).await,
                    None => break,
                },
                // Finished tasks are reaped as they end, so the set holds
                // only the ones in progress.
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        }
        while tasks.join_next().await.is_some() {}
    }

    /// Hands `update` to its chat: queued behind the update in progress,
    /// or to a new task when the chat has none. An update of no chat
    /// (none of the kinds the bots handle) gets a task of its own.
    fn start(self: Arc<Self>, update: Update, tasks: &mut JoinSet<()>) {
        let Some(chat) = update.chat().map(|chat| chat.id) else {
            tasks.spawn(async move { self.handle(update).await });
            return;
        };
        match self.chats().entry(chat) {
            Entry::Occupied(mut busy) => {
                busy.get_mut().push_back(update);
                return;
            }
            Entry::Vacant(idle) => {
                idle.insert(VecDeque::new());
            }
        }
        tasks.spawn(async move { self.work_through(chat, update).await });
    }

    /// Handles `first` and then the chat's queued updates, until none is
    /// left; the chat is then idle again.
    async fn work_through(&self, chat: ChatId, first: Update) {
        let mut update = first;
        loop {
            self.handle(update).await;
            let mut chats = self.chats();
            match chats.get_mut(&chat).and_then(VecDeque::pop_front) {
                Some(next) => update = next,
                None => {
                    chats.remove(&chat);
                    return;
                }
            }
        }
    }

    /// Runs the tree on one update. A panic is contained to that update
    /// (the handlers' own guard catches those of endpoints; this catches
    /// any from the layers around them), so the chat's next updates still
    /// run.
    async fn handle(&self, update: Update) {
        let mut dependencies = self.dependencies.clone();
        dependencies.insert(update);
        let outcome = AssertUnwindSafe(self.tree.dispatch(dependencies))
            .catch_unwind()
            .await;
        match outcome {
            Ok(ControlFlow::Break(Ok(()))) | Ok(ControlFlow::Continue(_)) => {}
            Ok(ControlFlow::Break(Err(error))) => {
                Arc::clone(&self.errors).handle_error(error).await;
            }
            Err(_) => tracing::error!("an update's handling panicked; the chat goes on"),
        }
    }

    /// The busy chats. A panic cannot happen while the lock is held (an
    /// insert, a push, a pop or a removal), so a poisoned lock is sound.
    fn chats(&self) -> std::sync::MutexGuard<'_, HashMap<ChatId, VecDeque<Update>>> {
        self.busy.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "runner/tests.rs"]
mod tests;
