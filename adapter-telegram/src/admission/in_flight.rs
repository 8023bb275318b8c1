//! The bound on one bot's updates in flight, all chats together.
//!
//! Each chat with an update in progress has a task, and its update's
//! handler holds what it holds (a conversation, a screen, a request to
//! Telegram). With teloxide's dispatcher, whose chat workers each kept a
//! queue of about 62 KB, 10,000 new chats handed over at once held
//! thousands of workers, 83 to 323 MiB resident (docs/BENCHMARKS.md,
//! figure 5b). Behind this bound the update stream *waits* while
//! [`AdmissionSettings::max_in_flight`] updates are being handled: the
//! rest stay with Telegram (polling asks for the next answer only once the
//! runner took the last one) or in the webhook route's queue, and the
//! runner never has more busy chats than the bound.
//! Two cores are as busy with a few dozen updates as with ten thousand,
//! and those that wait are answered in the order they came. Measured
//! (figure 5b, 10,000 chats at once): 81 MiB resident with no bound, 78
//! with 256, 64 with 128, 54 and 58 with 64, the burst as fast throughout.
//!
//! [`AdmissionSettings::max_in_flight`]: super::AdmissionSettings::max_in_flight

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

/// Slots for updates in flight.
#[derive(Debug)]
pub(super) struct InFlight {
    slots: Semaphore,
    /// Slots taken and not yet given back.
    taken: AtomicUsize,
}

impl InFlight {
    /// Room for `max` updates at once (at least one).
    pub(super) fn new(max: usize) -> Self {
        Self {
            slots: Semaphore::new(max.clamp(1, Semaphore::MAX_PERMITS)),
            taken: AtomicUsize::new(0),
        }
    }

    /// Takes a slot, waiting for one when all are taken; calls `waiting`
    /// first if it has to wait.
    pub(super) async fn enter(&self, waiting: impl FnOnce()) {
        let permit = match self.slots.try_acquire() {
            Ok(permit) => Some(permit),
            // Never closed: the error is "no slot free".
            Err(_) => {
                waiting();
                self.slots.acquire().await.ok()
            }
        };
        if let Some(permit) = permit {
            // Given back by `leave`, not by a guard: the update travels
            // through the runner, which has no room for one.
            permit.forget();
            self.taken.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Gives a slot back. An update that reached the handlers without
    /// passing [`enter`](Self::enter) (a tree used without the stream
    /// filter) finds none taken and gives nothing back, so the bound never
    /// grows.
    pub(super) fn leave(&self) {
        let given_back = self
            .taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |taken| {
                taken.checked_sub(1)
            })
            .is_ok();
        if given_back {
            self.slots.add_permits(1);
        }
    }

    /// Slots taken now.
    #[cfg(test)]
    pub(super) fn taken(&self) -> usize {
        self.taken.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use futures::FutureExt;

    use super::*;

    #[test]
    fn a_full_window_waits_until_a_slot_is_given_back() {
        let window = InFlight::new(2);
        let waits = Cell::new(0);
        let wait = || waits.set(waits.get() + 1);
        assert_eq!(window.enter(wait).now_or_never(), Some(()));
        assert_eq!(window.enter(wait).now_or_never(), Some(()));
        assert_eq!(waits.get(), 0);
        let mut third = Box::pin(window.enter(wait));
        assert_eq!((&mut third).now_or_never(), None, "the third must wait");
        assert_eq!(waits.get(), 1, "told as the wait begins");
        window.leave();
        assert_eq!(third.now_or_never(), Some(()));
        assert_eq!((window.taken(), waits.get()), (2, 1));
    }

    #[test]
    fn giving_back_a_slot_never_taken_does_not_widen_the_window() {
        let window = InFlight::new(1);
        window.leave();
        window.leave();
        assert_eq!(window.enter(|| {}).now_or_never(), Some(()));
        assert_eq!(
            window.enter(|| {}).now_or_never(),
            None,
            "one slot, however often nothing was given back"
        );
    }
}
