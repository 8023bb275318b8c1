//! Waking the dispatcher's run loop when a change wrote notifications.

use std::sync::Arc;

use tokio::sync::Notify;

/// Wakes the dispatcher's run loop: the engine pokes it after each change
/// that wrote notifications, so notices go out at once instead of at the next
/// poll. Cheap to clone; clones wake the same loop. A wake-up while the loop
/// is busy is remembered, never lost.
#[derive(Debug, Clone, Default)]
pub struct DispatchWakeup(Arc<Notify>);

impl DispatchWakeup {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the loop to step now.
    pub fn wake(&self) {
        self.0.notify_one();
    }

    /// Completes at the next [`DispatchWakeup::wake`] (or at once if one
    /// came since the last wait).
    pub async fn woken(&self) {
        self.0.notified().await;
    }
}
