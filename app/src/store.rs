//! The opened store, SQLite or PostgreSQL, behind one type for the commands
//! and `booking run`. Both adapters implement every port, so what differs
//! is only what is not a port: the schema level, closing, the run lock and
//! SQLite's file backups.
//!
//! Code that needs the store as ports is generic over [`AnyStore`] and
//! called from a `match` on [`Store`] (`serve::serve`): one monomorphised
//! copy per adapter, no dynamic dispatch added to the hot paths.

use std::sync::Arc;

use adapter_postgres::PgStore;
use adapter_sqlite::SqliteStore;
use booking_domain::Policy;
use booking_ports::{
    BookingStore, CatalogStore, Clock, ConversationStore, CustomerStore, Engine, EngineSettings,
    NotificationOutbox, StaffAccessStore, UpdateInbox,
};

use crate::health::DatabaseProbe;

/// Every port the deployment uses, and a readiness probe: what both
/// adapters are.
pub trait AnyStore:
    CatalogStore
    + BookingStore
    + CustomerStore
    + ConversationStore
    + StaffAccessStore
    + UpdateInbox
    + NotificationOutbox
    + DatabaseProbe
    + Clone
    + 'static
{
}

impl<S> AnyStore for S where
    S: CatalogStore
        + BookingStore
        + CustomerStore
        + ConversationStore
        + StaffAccessStore
        + UpdateInbox
        + NotificationOutbox
        + DatabaseProbe
        + Clone
        + 'static
{
}

/// The store `BOOKING_DATABASE_URL` names, open. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Store {
    /// The schema level this release migrates the store to.
    pub fn schema_level(&self) -> i64 {
        match self {
            Self::Sqlite(_) => adapter_sqlite::schema_level(),
            Self::Postgres(_) => adapter_postgres::schema_level(),
        }
    }

    /// Closes the store's connections.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(store) => store.close().await,
            Self::Postgres(store) => store.close().await,
        }
    }

    /// An engine on this store.
    pub fn engine(
        &self,
        clock: impl Clock + 'static,
        policy: Policy,
        settings: EngineSettings,
    ) -> Engine {
        match self {
            Self::Sqlite(store) => Engine::on_store(store.clone(), clock, policy, settings),
            Self::Postgres(store) => Engine::on_store(store.clone(), clock, policy, settings),
        }
    }

    /// The catalog port.
    pub fn catalog(&self) -> Arc<dyn CatalogStore> {
        match self {
            Self::Sqlite(store) => Arc::new(store.clone()),
            Self::Postgres(store) => Arc::new(store.clone()),
        }
    }

    /// What the database is, for messages: "SQLite" or "PostgreSQL".
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
        }
    }
}
