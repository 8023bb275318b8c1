//! The embedded default store: one SQLite file, through sqlx, implementing
//! every driven port of `booking-ports` on one cloneable [`SqliteStore`].
//!
//! - [`settings`]: where the file is and how durable commits are.
//! - `db`: connection settings, the pool and the embedded migrations
//!   (`migrations/`), applied when the store opens.
//! - `sql`: every statement the adapter runs, in one place, so a test can
//!   check the query plan of each.
//! - `catalog`, `bookings`, `customers`, `conversations`, `outbox`,
//!   `staff_access`, `inbox`: one module per port, each with its private
//!   row types;
//!   `convert` holds the column conversions they share.
//! - `lender`: pooled connections lent to the statements of every update
//!   and taken back without sqlx's ping.
//! - `group_commit`: the single writer that stores concurrent new bookings
//!   in one transaction each batch, so they share one commit and one fsync.
//! - `backup`: online backup to a file and verified restore.
//! - `private`: files holding customer data are created (or narrowed to)
//!   mode 0600.
//! - `failure`: driver errors into store errors, counted by kind for
//!   [`metrics`].
//!
//! The database itself guarantees what the engine relies on most: a trigger
//! refuses an overlapping active booking of one staff member, whatever code
//! writes it, and the adapter reports that refusal as "slot taken". Every
//! write transaction is `BEGIN IMMEDIATE`, so concurrent writers (threads or
//! processes) queue for the lock instead of failing; optimistic locking is
//! one conditional `UPDATE ... WHERE id = ? AND version = ?`.
//!
//! SQL, driver error codes and row types stay private: the public surface is
//! the store, its settings, its open/backup/restore errors and the port
//! implementations.
#![forbid(unsafe_code)]

mod audit;
mod backup;
mod bookings;
mod catalog;
mod conversations;
mod convert;
mod customers;
mod db;
mod failure;
mod group_commit;
mod inbox;
mod lender;
pub mod metrics;
#[cfg(test)]
mod migration_tests;
mod outbox;
mod policy;
mod private;
pub mod settings;
mod sql;
mod staff_access;
mod staff_accounts;
mod transfer;

use std::sync::Arc;

use booking_ports::StoreError;
use sqlx::{ConnectOptions, SqlitePool};

use crate::group_commit::BookingWriter;
use crate::lender::Lender;

pub use backup::{BackupError, RestoreError, RestoreReport};
pub use db::{OpenError, schema_level};
pub use settings::{Durability, InvalidDurability, SqliteSettings};

/// The SQLite store. Cheap to clone: clones share one connection pool and
/// one booking writer (a thread with a connection of its own, which writes
/// concurrent new bookings in one transaction; see `group_commit`).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Lends the pool's connections to the statements of every update,
    /// without sqlx's ping on return (see `lender`).
    lender: Arc<Lender>,
    /// Lends the connections conversations are read and saved on: a pool
    /// of their own, which does not fsync each step
    /// (`db::open_conversation_pool`).
    conversations: Arc<Lender>,
    booking_writer: BookingWriter,
}

impl SqliteStore {
    /// Opens (creating when missing) the database at `settings.path`, with
    /// WAL, foreign keys, the busy timeout and the durability of `settings`,
    /// and migrates its schema to [`schema_level`].
    ///
    /// Several processes may open the same file; migrations take turns.
    ///
    /// # Errors
    /// [`OpenError`] when the file cannot be opened, was written by a newer
    /// release, or cannot be migrated.
    pub async fn open(settings: &SqliteSettings) -> Result<Self, OpenError> {
        let pool = db::open_pool(settings).await?;
        let options = db::connect_options(&settings.path, settings);
        let writer_connection = options.connect().await.map_err(|e| OpenError::Connect {
            path: settings.path.clone(),
            source: e.into(),
        })?;
        let booking_writer =
            BookingWriter::start(writer_connection, options).map_err(|e| OpenError::Connect {
                path: settings.path.clone(),
                source: e.into(),
            })?;
        // Half the pool at most waits with the lender; the rest stays with
        // sqlx for transactions and everything else.
        let keep = usize::try_from(settings.max_connections / 2).unwrap_or(1);
        let lender = Arc::new(Lender::new(pool.clone(), keep.max(1)));
        // Only the lender takes from this pool; one connection stays with
        // sqlx so a borrower finding none kept is never left waiting on
        // connections the lender keeps.
        let conversation_pool = db::open_conversation_pool(settings).await?;
        let keep = usize::try_from(db::CONVERSATION_CONNECTIONS - 1).unwrap_or(1);
        let conversations = Arc::new(Lender::new(conversation_pool, keep.max(1)));
        Ok(Self {
            pool,
            lender,
            conversations,
            booking_writer,
        })
    }

    /// Closes every connection, waiting for those in use to be returned.
    /// The last one to close checkpoints the write-ahead log into the file.
    /// Clones become unusable.
    pub async fn close(&self) {
        // The booking writer first: it answers the bookings queued so far.
        self.booking_writer.close().await;
        self.conversations.close().await;
        // sqlx's close waits for every connection, the lender's included.
        self.lender.give_back_all();
        self.pool.close().await;
    }

    /// Checks that the database answers: takes a pooled connection and reads
    /// the schema, which opens a read transaction on the file. Cheap enough
    /// for a readiness probe every few seconds.
    ///
    /// # Errors
    /// [`StoreError`] when the booking writer has stopped, when no connection
    /// can be had (the pool is closed or exhausted past its acquire timeout)
    /// or the read fails.
    pub async fn ping(&self) -> Result<(), StoreError> {
        // New bookings go through the writer, not the pool: a database that
        // answers reads while the writer is dead takes no booking at all.
        if !self.booking_writer.is_running() {
            return Err(group_commit::writer_stopped(
                "checking the booking writer runs",
            ));
        }
        sqlx::query(sql::PING)
            .fetch_one(&self.pool)
            .await
            .map(drop)
            .map_err(|e| StoreError::backend("checking the database answers", e))
    }

    /// Runs SQLite's `integrity_check` and `foreign_key_check` on the live
    /// database and returns the problems found (empty when healthy). For
    /// health checks and after a crash; it reads the whole file.
    ///
    /// # Errors
    /// [`StoreError`] when the check itself cannot run.
    pub async fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        let mut connection = self
            .pool
            .acquire()
            .await
            .map_err(failure::backend("checking integrity"))?;
        db::integrity_problems(&mut connection)
            .await
            .map_err(failure::backend("checking integrity"))
    }
}
