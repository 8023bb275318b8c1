//! Finishing updates in batches: the updates whose handlers return while a
//! batch is being written are finished together by the next one, with one
//! statement and one commit ([`UpdateInbox::finish_updates`]).
//!
//! Why: every update is finished with a write. With the default durability
//! each commit waits for the disk, and SQLite writes one transaction at a
//! time, so a burst of N updates paid N commits one after the other before
//! its last chats were answered. Nothing here waits on a timer: the first
//! caller to find no batch being written writes its own update with
//! whatever queued meanwhile (a lone update is a batch of one), and a
//! caller whose update went into another caller's batch waits for that
//! batch's outcome. Every caller returns only once its own update was
//! written or failed to be, so whoever learns "finished" from it (the chat
//! scheduler) learns it after the write, as with one write per update.

use std::mem;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use booking_ports::{BotName, Clock, StoreError, UpdateId, UpdateInbox};
use tokio::sync::oneshot;
use tokio::sync::oneshot::error::TryRecvError;

/// What a caller learns about its update: `Err` when the batch's write
/// failed, shared by every update of the batch.
pub(crate) type Finished = Result<(), Arc<StoreError>>;

/// The updates waiting to be finished, and the turn to write them.
#[derive(Debug, Default)]
pub(crate) struct FinishBatches {
    waiting: Mutex<Vec<(UpdateId, oneshot::Sender<Finished>)>>,
    /// Held while a batch is written: one batch at a time.
    writing: tokio::sync::Mutex<()>,
}

/// The batch holding a caller's update was dropped before its outcome was
/// known (its writer was cancelled).
#[derive(Debug, thiserror::Error)]
#[error("the batch finishing this update was abandoned")]
struct Abandoned;

fn abandoned() -> Arc<StoreError> {
    Arc::new(StoreError::backend("finishing an update", Abandoned))
}

impl FinishBatches {
    /// Marks `id` of `bot` finished, in a batch with the updates finished
    /// at the same time, stamped with `clock`'s time of the write.
    pub(crate) async fn finish(
        &self,
        store: &dyn UpdateInbox,
        bot: &BotName,
        clock: &dyn Clock,
        id: UpdateId,
    ) -> Finished {
        let (outcome, mut heard) = oneshot::channel();
        self.waiting().push((id, outcome));
        // Callers take turns in order. Whoever has the turn writes
        // everything waiting; a caller whose update went into the batch of
        // the turn before needs no turn of its own, and every waiting
        // update's caller is in the line, so each is written by the time
        // its caller's turn comes. Answers are sent before a turn ends.
        let _turn = self.writing.lock().await;
        match heard.try_recv() {
            Ok(finished) => return finished,
            // The writer of its batch was cancelled mid-write.
            Err(TryRecvError::Closed) => return Err(abandoned()),
            Err(TryRecvError::Empty) => {}
        }
        let batch = mem::take(&mut *self.waiting());
        let ids = batch.iter().map(|(id, _)| *id).collect();
        let written = store
            .finish_updates(bot.clone(), ids, clock.now())
            .await
            .map_err(Arc::new);
        for (_, outcome) in batch {
            // A caller that went away needs no answer.
            let _ = outcome.send(written.clone());
        }
        heard.try_recv().unwrap_or_else(|_| Err(abandoned()))
    }

    fn waiting(&self) -> MutexGuard<'_, Vec<(UpdateId, oneshot::Sender<Finished>)>> {
        // The list stays whole through a panic elsewhere: pushes and takes
        // are single operations.
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use booking_ports::SystemClock;
    use booking_ports::ports::inbox::MockUpdateInbox;

    use super::*;

    fn bot() -> BotName {
        BotName::new("client").unwrap()
    }

    fn id(value: i64) -> UpdateId {
        UpdateId::new(value).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn updates_finished_while_a_batch_is_written_go_into_the_next_one() {
        // The first write blocks its thread until released; the others
        // queue meanwhile.
        let (started, first_started) = mpsc::channel::<()>();
        let (release, released) = mpsc::channel::<()>();
        let (started, released) = (Mutex::new(started), Mutex::new(released));
        let written = Arc::new(Mutex::new(Vec::<Vec<UpdateId>>::new()));
        let mut store = MockUpdateInbox::new();
        let seen = Arc::clone(&written);
        store
            .expect_finish_updates()
            .times(2)
            .returning(move |_, mut ids, _| {
                ids.sort_unstable();
                let first = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(ids);
                    seen.len() == 1
                };
                if first {
                    started.lock().unwrap().send(()).unwrap();
                    released.lock().unwrap().recv().unwrap();
                }
                Ok(())
            });
        let store: Arc<dyn UpdateInbox> = Arc::new(store);
        let batches = Arc::new(FinishBatches::default());
        let finish = |n: i64| {
            let (store, batches) = (Arc::clone(&store), Arc::clone(&batches));
            tokio::spawn(async move {
                batches
                    .finish(store.as_ref(), &bot(), &SystemClock, id(n))
                    .await
            })
        };

        let first = finish(1);
        tokio::task::spawn_blocking(move || first_started.recv())
            .await
            .unwrap()
            .unwrap();
        let rest: Vec<_> = (2..=5).map(finish).collect();
        while batches.waiting().len() < 4 {
            tokio::task::yield_now().await;
        }
        release.send(()).unwrap();

        first.await.unwrap().unwrap();
        for finished in rest {
            finished.await.unwrap().unwrap();
        }
        assert_eq!(
            *written.lock().unwrap(),
            [vec![id(1)], vec![id(2), id(3), id(4), id(5)]],
            "the four that came during the first write share the second"
        );
    }

    #[tokio::test]
    async fn a_failed_write_is_the_failure_of_every_update_of_its_batch() {
        let mut store = MockUpdateInbox::new();
        store
            .expect_finish_updates()
            .times(1)
            .returning(|_, _, _| Err(StoreError::backend("finishing updates", Abandoned)));
        let batches = FinishBatches::default();

        let finished = batches.finish(&store, &bot(), &SystemClock, id(1)).await;

        assert!(finished.is_err());
        assert!(batches.waiting().is_empty());
    }
}
