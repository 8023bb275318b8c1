//! The adapter contract suite: one async test function per MUST in the port
//! documentation, plus the concurrency guarantees, generic over any store
//! that implements every driven port. Every adapter runs the same suite.
//!
//! The contracts are split by port, one file each (`catalog`, `bookings`,
//! `reschedule`, `booking_queries`, `lifecycle_queries`, `audit` and `races` for the
//! booking port,
//! `customers`, `conversations`, `outbox`, `staff_access`, `inbox`), and each file
//! lists its own contracts next to them in a `macro_rules!` list that
//! [`contract_tests!`](crate::contract_tests) composes. A unit test
//! (`listing`) fails when a `pub async fn` of a contract file is missing from
//! its file's list, or a file's list from `contract_tests!`, so no contract
//! can silently never run. `world` holds the test data the files share.
//!
//! The easiest way in is the [`contract_tests!`](crate::contract_tests)
//! macro, which writes one `#[tokio::test]` (multi-threaded, so races are
//! real) per contract:
//!
//! ```text
//! // adapter-x/tests/contract.rs
//! async fn fixture() -> (XStore, tempfile::TempDir) { /* a fresh, empty store */ }
//! booking_ports::contract_tests!(fixture);
//! ```
//!
//! The fixture is anything that implements [`Fixture`]: the store itself
//! (for `MemoryStore`), or `(store, guard)` where the guard keeps something
//! alive for the test (a temporary directory). Each test gets a fresh
//! fixture. The adapter's dev-dependencies need `tokio` with the `macros` and
//! `rt-multi-thread` features.
//!
//! Beside the port contract, [`dispatch`] holds the dispatcher scenarios
//! (run them with [`dispatch_tests!`](crate::dispatch_tests) the same way)
//! and [`sender::RecordingSender`], a sender that records deliveries.
//!
//! Every function panics with a message naming the broken MUST; they are
//! assertions, which is why this module allows `unwrap` and `panic`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod audit;
pub mod booking_queries;
pub mod bookings;
pub mod catalog;
pub mod conversations;
pub mod customers;
pub mod dispatch;
pub mod inbox;
pub mod lifecycle_queries;
#[cfg(test)]
mod listing;
pub mod outbox;
pub mod races;
pub mod reschedule;
pub mod send_budget;
pub mod sender;
pub mod staff_access;
pub mod staff_accounts;
mod world;

use crate::memory::MemoryStore;
use crate::ports::bookings::BookingStore;
use crate::ports::catalog::CatalogStore;
use crate::ports::conversations::ConversationStore;
use crate::ports::customers::CustomerStore;
use crate::ports::inbox::UpdateInbox;
use crate::ports::outbox::NotificationOutbox;
use crate::ports::staff_access::StaffAccessStore;

/// A store that implements every driven port, as the suite needs it.
pub trait ContractStore:
    CatalogStore
    + BookingStore
    + CustomerStore
    + ConversationStore
    + NotificationOutbox
    + StaffAccessStore
    + UpdateInbox
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> ContractStore for T where
    T: CatalogStore
        + BookingStore
        + CustomerStore
        + ConversationStore
        + NotificationOutbox
        + StaffAccessStore
        + UpdateInbox
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// What a test's fixture function returns: a fresh, empty store, and
/// whatever must live as long as the test.
pub trait Fixture: Send + 'static {
    type Store: ContractStore;
    fn store(&self) -> Self::Store;
}

impl Fixture for MemoryStore {
    type Store = MemoryStore;
    fn store(&self) -> MemoryStore {
        self.clone()
    }
}

impl<S: ContractStore, G: Send + 'static> Fixture for (S, G) {
    type Store = S;
    fn store(&self) -> S {
        self.0.clone()
    }
}

/// Writes one multi-threaded `#[tokio::test]` per contract function, each
/// calling `$fixture().await` for a fresh store. See [`crate::contract`].
///
/// Each contract file's list macro calls back into the `@each` arm with its
/// module and names; the tests keep the contract functions' names.
#[macro_export]
macro_rules! contract_tests {
    ($fixture:path) => {
        $crate::__catalog_contracts!($fixture);
        $crate::__bookings_contracts!($fixture);
        $crate::__reschedule_contracts!($fixture);
        $crate::__booking_queries_contracts!($fixture);
        $crate::__lifecycle_queries_contracts!($fixture);
        $crate::__audit_contracts!($fixture);
        $crate::__races_contracts!($fixture);
        $crate::__customers_contracts!($fixture);
        $crate::__conversations_contracts!($fixture);
        $crate::__outbox_contracts!($fixture);
        $crate::__staff_access_contracts!($fixture);
        $crate::__staff_accounts_contracts!($fixture);
        $crate::__inbox_contracts!($fixture);
    };
    (@each $fixture:path; $module:ident; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let fixture = $fixture().await;
                $crate::contract::$module::$name($crate::contract::Fixture::store(&fixture)).await;
            }
        )*
    };
}
