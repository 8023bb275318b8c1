//! The dispatcher scenarios of the contract suite on the in-memory store.

use booking_ports::MemoryStore;

async fn fixture() -> MemoryStore {
    MemoryStore::new()
}

booking_ports::dispatch_tests!(fixture);
