//! The in-memory adapter runs the whole adapter contract suite, as every
//! storage adapter does.

use booking_ports::MemoryStore;

async fn fixture() -> MemoryStore {
    MemoryStore::new()
}

booking_ports::contract_tests!(fixture);
