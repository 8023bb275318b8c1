//! Pooled connections lent to one statement at a time, taken back without
//! sqlx's ping.
//!
//! sqlx 0.9 pings every connection that comes back into its pool
//! (`PoolConnection::return_to_pool`, unconditionally): for a statement run
//! on `&pool` that is a second round trip to the connection's worker thread
//! and a spawned task, which cost 2 to 5 times the statement itself
//! (docs/BENCHMARKS.md, figure 8). The statements every update of the bots
//! makes (a conversation's read and write, the catalog revision, a day's
//! occupancy, a customer's upcoming bookings and churn) borrow a connection
//! here instead: [`Lender::take_back`] keeps it in a list, and the next
//! [`Lender::lend`] hands it out again with no round trip.
//!
//! The ping guards against a statement dropped midway. A borrower that is
//! cancelled never reaches `take_back`: its connection is dropped and goes
//! back to sqlx's pool, ping included, as before. Only connections whose
//! statement finished are kept.
//!
//! At most `keep` connections wait here; the rest of the pool stays with
//! sqlx, so transactions, backups and every other statement always find a
//! connection. [`Lender::give_back_all`] returns the kept ones before the
//! pool closes (sqlx's `close` waits for every connection to come back).
//!
//! Nothing is kept while a borrower waits for the pool: that borrower
//! waits on sqlx's pool, which a kept connection never reaches, so it
//! would wait for the pool's whole acquire timeout (30 s) while a
//! connection sat idle here. A burst of new chats did just that on the
//! two-connection conversation pool.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqlitePool};

/// A connection lent by a [`Lender`]: give it back with
/// [`Lender::take_back`] once its statement finished.
pub(crate) type Lent = PoolConnection<Sqlite>;

/// Lends connections of one pool, keeping up to `keep` between loans.
pub(crate) struct Lender {
    pool: SqlitePool,
    shelf: Mutex<Shelf>,
    keep: usize,
    /// Set by `give_back_all`: nothing is kept afterwards.
    closed: AtomicBool,
}

/// The kept connections, and how many borrowers wait for the pool; under
/// one lock, so a connection is never kept after a borrower found none
/// kept and went to wait for the pool.
struct Shelf {
    kept: Vec<Lent>,
    waiting: usize,
}

/// Counts one borrower waiting for the pool, until it is dropped (also
/// when the borrower is cancelled).
struct Waiting<'a>(&'a Lender);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.shelf().waiting -= 1;
    }
}

impl fmt::Debug for Lender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lender")
            .field("keep", &self.keep)
            .finish_non_exhaustive()
    }
}

impl Lender {
    /// Lends connections of `pool`, keeping at most `keep` of them.
    pub(crate) fn new(pool: SqlitePool, keep: usize) -> Self {
        Self {
            pool,
            shelf: Mutex::new(Shelf {
                kept: Vec::with_capacity(keep),
                waiting: 0,
            }),
            keep,
            closed: AtomicBool::new(false),
        }
    }

    /// A connection: a kept one if any, else one from the pool.
    ///
    /// # Errors
    /// The pool's, when it has no connection to give (closed, or none
    /// free within its acquire timeout).
    pub(crate) async fn lend(&self) -> Result<Lent, sqlx::Error> {
        let waiting = {
            let mut shelf = self.shelf();
            if let Some(connection) = shelf.kept.pop() {
                return Ok(connection);
            }
            shelf.waiting += 1;
            Waiting(self)
        };
        let connection = self.pool.acquire().await;
        drop(waiting);
        connection
    }

    /// Takes back a connection whose statement finished: kept for the next
    /// loan, or returned to the pool when enough are kept or a borrower
    /// waits for the pool.
    pub(crate) fn take_back(&self, connection: Lent) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        let mut shelf = self.shelf();
        if shelf.waiting == 0 && shelf.kept.len() < self.keep {
            shelf.kept.push(connection);
        }
        // Otherwise dropped here (after the lock): back to the pool,
        // pinged, and to whoever waits there first.
    }

    /// `result`, the outcome of a statement on `connection`, after taking
    /// the connection back when the statement succeeded (after a failure
    /// it goes back to the pool, which pings it).
    pub(crate) fn finished<T>(
        &self,
        connection: Lent,
        result: Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        if result.is_ok() {
            self.take_back(connection);
        }
        result
    }

    /// `outcome`, the result of work on `connection` that reports its own
    /// errors, after taking the connection back when the work succeeded
    /// (after a failure it goes back to the pool, which pings it).
    pub(crate) fn settled<T, E>(&self, connection: Lent, outcome: Result<T, E>) -> Result<T, E> {
        if outcome.is_ok() {
            self.take_back(connection);
        }
        outcome
    }

    /// Gives the kept connections back and closes the pool, waiting for
    /// the connections in use; for a pool only this lender lends from.
    pub(crate) async fn close(&self) {
        self.give_back_all();
        self.pool.close().await;
    }

    /// Returns every kept connection to the pool and keeps none from now
    /// on; before the pool closes.
    pub(crate) fn give_back_all(&self) {
        self.closed.store(true, Ordering::Release);
        // Each dropped connection goes back to the pool in a task of its own.
        self.shelf().kept.clear();
    }

    /// The shelf. A panic while the lock is held cannot leave it
    /// half-changed: each change is one push, pop, clear or count.
    fn shelf(&self) -> std::sync::MutexGuard<'_, Shelf> {
        self.shelf.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[cfg(test)]
    pub(crate) fn kept(&self) -> usize {
        self.shelf().kept.len()
    }
}

#[cfg(test)]
mod tests {
    use futures::FutureExt;
    use sqlx::sqlite::SqlitePoolOptions;

    use super::*;

    async fn pool(max: u32) -> (tempfile::TempDir, SqlitePool) {
        let dir = tempfile::tempdir().unwrap();
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join("lender.db"))
            .create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await
            .unwrap();
        (dir, pool)
    }

    #[tokio::test]
    async fn finished_connections_are_kept_up_to_the_bound_and_lent_again() {
        let (_dir, pool) = pool(3).await;
        let lender = Lender::new(pool.clone(), 1);
        let (a, b) = (lender.lend().await.unwrap(), lender.lend().await.unwrap());
        lender.take_back(a);
        lender.take_back(b);
        assert_eq!(lender.kept(), 1, "one kept, the other back in the pool");

        let mut lent = lender.lend().await.unwrap();
        assert_eq!(lender.kept(), 0, "the kept one is lent first");
        let answer: Result<i64, _> = sqlx::query_scalar("SELECT 7").fetch_one(&mut *lent).await;
        assert_eq!(lender.finished(lent, answer).unwrap(), 7);
        assert_eq!(lender.kept(), 1);

        let mut lent = lender.lend().await.unwrap();
        let failed: Result<i64, _> = sqlx::query_scalar("SELECT nope")
            .fetch_one(&mut *lent)
            .await;
        assert!(lender.finished(lent, failed).is_err());
        assert_eq!(lender.kept(), 0, "after a failure it goes back to the pool");
    }

    #[tokio::test]
    async fn a_connection_taken_back_while_a_borrower_waits_for_the_pool_goes_to_it() {
        let (_dir, pool) = pool(1).await;
        let lender = Lender::new(pool.clone(), 1);
        let lent = lender.lend().await.unwrap();
        let mut waiter = std::pin::pin!(lender.lend());
        assert!(
            waiter.as_mut().now_or_never().is_none(),
            "the pool's only connection is lent"
        );
        lender.take_back(lent);
        assert_eq!(lender.kept(), 0, "not kept: someone waits for it");
        // Kept, it would never reach the waiter, which would fail after
        // the pool's acquire timeout.
        let mut connection = waiter.await.unwrap();
        let answer: i64 = sqlx::query_scalar("SELECT 7")
            .fetch_one(&mut *connection)
            .await
            .unwrap();
        assert_eq!(answer, 7);
    }

    #[tokio::test]
    async fn a_cancelled_wait_for_the_pool_does_not_stop_keeping() {
        let (_dir, pool) = pool(1).await;
        let lender = Lender::new(pool.clone(), 1);
        let lent = lender.lend().await.unwrap();
        {
            let mut waiter = std::pin::pin!(lender.lend());
            assert!(waiter.as_mut().now_or_never().is_none());
        }
        lender.take_back(lent);
        assert_eq!(lender.kept(), 1);
    }

    #[tokio::test]
    async fn kept_connections_go_back_before_the_pool_closes() {
        let (_dir, pool) = pool(2).await;
        let lender = Lender::new(pool.clone(), 2);
        let (a, b) = (lender.lend().await.unwrap(), lender.lend().await.unwrap());
        lender.take_back(a);
        lender.give_back_all();
        // Returned after the close began: not kept.
        lender.take_back(b);
        assert_eq!(lender.kept(), 0);
        // sqlx's close waits for every connection: it ends.
        pool.close().await;
        assert!(pool.is_closed());
    }
}
