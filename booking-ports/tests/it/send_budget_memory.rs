//! The shared sending budget's contracts on the in-memory store.

use booking_ports::MemoryStore;

async fn fixture() -> MemoryStore {
    MemoryStore::new()
}

booking_ports::send_budget_tests!(fixture);
