//! The PostgreSQL store (issue 17, in progress): one server database,
//! through sqlx, on one cloneable [`PgStore`]. Its layout mirrors
//! adapter-sqlite's:
//!
//! - [`settings`]: the connection URL (a secret), pool size and timeouts.
//! - `db`: connection options, the pool, the server version check and the
//!   embedded migrations (`migrations/`), applied when the store opens.
//! - `sql`: every statement the adapter runs, in one place.
//! - `locks`: the run lock, a session advisory lock: exclusive for the
//!   commands that change the database ([`RunLock`]), shared by the
//!   `booking run` instances ([`InstanceLock`]).
//! - `leadership`: the roles one instance holds at a time (each bot's
//!   long polling, the periodic jobs), as session advisory locks tried
//!   and published through a [`Leadership`].
//! - `failure`: driver errors into store errors by SQLSTATE, without the
//!   DETAIL lines that carry row values.
//! - `catalog`, `bookings`, `customers`, `conversations`, `outbox`,
//!   `staff_access`, `inbox`, `policy`: one module per port, each with its
//!   private row types, ported from adapter-sqlite (adapters must not depend
//!   on each other; the column encodings both share, `convert` and `audit`,
//!   are `booking_ports::stored`'s);
//! - [`metrics`]: database errors by kind and notifications set aside, with
//!   adapter-sqlite's names.
//! - `testing` (feature `test-db`): a throwaway database per test.
//!
//! The database guarantees what the engine relies on most: the exclusion
//! constraint `bookings_no_overlap` refuses an overlapping active booking of
//! one staff member, whatever code writes it, and the adapter reports it as
//! "slot taken". Writes run at READ COMMITTED (the default), which the
//! active-booking limit relies on: a transaction-scoped advisory lock per
//! customer, taken by its own statement before the counting insert, makes
//! that count see the previous holder's commit; a second lock per staff
//! member makes conflicting booking writes meet the exclusion constraint one
//! at a time (racing ones would otherwise deadlock in its check).
//! Optimistic locking is one conditional `UPDATE ... WHERE id = $n AND
//! version = $m`.
//!
//! SQL, SQLSTATEs and row types stay private: the public surface is the
//! store, its settings and its open error.
#![forbid(unsafe_code)]

mod audit;
mod bookings;
mod catalog;
mod conversations;
mod convert;
mod customers;
mod db;
mod failure;
mod inbox;
mod leadership;
mod lender;
mod locks;
pub mod metrics;
mod outbox;
mod policy;
mod send_budget;
pub mod settings;
mod sql;
mod staff_access;
mod staff_accounts;
#[cfg(feature = "test-db")]
pub mod testing;
mod transfer;

use std::sync::Arc;

use booking_ports::StoreError;
use sqlx::PgPool;

use crate::lender::Lender;

pub use db::{OpenError, schema_level};
pub use failure::DriverFailure;
pub use leadership::{Leadership, LeadershipSettings, Role};
pub use locks::{InstanceLock, RunLock};
pub use settings::PgSettings;
pub use transfer::LoadError;

/// The PostgreSQL store. Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Lends the connections of the statements every booking and update
    /// makes, without sqlx's pings (`lender`).
    lender: Arc<Lender>,
}

impl PgStore {
    /// Connects to the database of `settings.url`, checks the server is
    /// PostgreSQL 13 or newer, and migrates the schema to [`schema_level`].
    ///
    /// Several processes may open the same database; migrations take turns.
    ///
    /// # Errors
    /// [`OpenError`] when the server cannot be reached or is too old, or the
    /// schema was written by a newer release or cannot be migrated.
    pub async fn open(settings: &PgSettings) -> Result<Self, OpenError> {
        let pool = db::open_pool(settings).await?;
        Ok(Self::on_pool(pool, settings))
    }

    /// As [`Self::open`], for a process that must have the database to
    /// itself (`migrate`, a catalog import, `migrate-store`): takes the run
    /// lock before migrating and returns it with the store.
    ///
    /// # Errors
    /// As [`Self::open`]; [`OpenError::InUse`] when another process holds
    /// the run lock.
    pub async fn open_alone(settings: &PgSettings) -> Result<(Self, RunLock), OpenError> {
        let (pool, lock) = db::open_pool_alone(settings).await?;
        Ok((Self::on_pool(pool, settings), lock))
    }

    /// As [`Self::open`], for one `booking run` instance among others:
    /// holds the run lock shared (so no command changes the database under
    /// it), and migrates the schema only when no other process holds the
    /// lock ([`InstanceLock::alone`]).
    ///
    /// # Errors
    /// As [`Self::open`]; [`OpenError::InUse`] when a command holds the
    /// run lock; [`OpenError::OlderSchema`] when other instances run and
    /// the schema needs migrating.
    pub async fn open_instance(settings: &PgSettings) -> Result<(Self, InstanceLock), OpenError> {
        let (pool, lock) = db::open_pool_instance(settings).await?;
        Ok((Self::on_pool(pool, settings), lock))
    }

    /// The store on an opened `pool`. Half the pool (at least one
    /// connection) may wait with the lender between loans; the other half
    /// stays with sqlx for transactions of other kinds, the inbox and the
    /// jobs.
    fn on_pool(pool: PgPool, settings: &PgSettings) -> Self {
        let keep = (settings.max_connections as usize / 2).max(1);
        Self {
            lender: Arc::new(Lender::new(pool.clone(), keep)),
            pool,
        }
    }

    /// Closes every connection, waiting for those in use to be returned.
    /// Clones become unusable.
    pub async fn close(&self) {
        self.lender.give_back_all();
        self.pool.close().await;
    }

    /// Checks that the server answers through a pooled connection. Cheap
    /// enough for a readiness probe every few seconds.
    ///
    /// # Errors
    /// [`StoreError`] when no connection can be had in time or the query
    /// fails.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query(sql::PING)
            .fetch_one(&self.pool)
            .await
            .map(drop)
            .map_err(failure::backend("checking the database answers"))
    }
}
