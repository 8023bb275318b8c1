//! Settings that change while the bots run.
//!
//! teloxide builds a dispatcher's dependency map once, so a value put in it
//! stays what it was at start. A [`Live`] is put there instead: handlers read
//! the current value once per update, and the app replaces it when the
//! config file is reloaded. Reads are lock-free (`arc-swap`), so a reload
//! never makes an update wait, and an update that started with the old
//! value finishes with it.

use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;

/// A shared, replaceable value. Clones share it: a [`Live::set`] through
/// any clone is seen by every other.
pub struct Live<T>(Arc<ArcSwap<T>>);

impl<T> Live<T> {
    pub fn new(value: T) -> Self {
        Self(Arc::new(ArcSwap::from_pointee(value)))
    }

    /// The value in force now. Read it once per update and keep the `Arc`,
    /// so one answer never mixes two versions.
    pub fn get(&self) -> Arc<T> {
        self.0.load_full()
    }

    /// Replaces the value for every later [`Live::get`].
    pub fn set(&self, value: T) {
        self.0.store(Arc::new(value));
    }
}

impl<T> Clone for Live<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T: fmt::Debug> fmt::Debug for Live<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Live").field(&self.get()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_set_through_one_clone_is_seen_through_every_other() {
        let live = Live::new(1);
        let other = live.clone();
        let before = live.get();

        other.set(2);

        assert_eq!(*live.get(), 2);
        assert_eq!(*before, 1, "a value already read stays what it was");
    }
}
