//! Pooled connections lent to one statement or transaction at a time,
//! taken back without sqlx's pings.
//!
//! sqlx 0.9 pings a pooled PostgreSQL connection before lending it
//! (`test_before_acquire`, on by default) and again when it comes back
//! (`PoolConnection::return_to_pool`, unconditionally): a statement run on
//! `&pool` costs three network round trips, and the server, which shares
//! the machine's cores with its clients in docs/BENCHMARKS.md figure 6,
//! answers all three. The statements and the booking transaction of every
//! booking (and of every bot update) borrow a connection here instead:
//! [`Lender::take_back`] keeps it in a list and the next [`Lender::lend`]
//! hands it out again with no round trip.
//!
//! What the pings guard against is kept:
//! - a borrower cancelled midway, or whose work failed, never gives its
//!   connection back here: it is dropped and goes back to sqlx's pool,
//!   which pings it (and closes it when the ping fails), as before;
//! - a connection kept here longer than [`PING_AFTER_IDLE`] is pinged
//!   before it is lent, as sqlx would: after a quiet night and a failover
//!   of the primary, the first customer's statement does not run on a
//!   connection to the old server;
//! - a connection found lost (a failed ping, or a statement failing with
//!   an I/O or protocol error, whichever statement meets it) means the
//!   server went away: every kept connection is given back to the pool,
//!   which tests each one;
//! - a connection out of the pool for [`BACK_TO_POOL_AFTER`] goes back to
//!   it when its loan ends, so the pool's `max_lifetime` closes it in time
//!   (at most that late) even while it is lent again every millisecond.
//!
//! So a failover under load fails the statements in flight (as it does
//! with sqlx's pool) plus at most those lent in the instant before the
//! first failure showed.
//!
//! At most `keep` connections wait here; the rest of the pool stays with
//! sqlx, so every other statement always finds one.
//! [`Lender::give_back_all`] returns the kept ones before the pool closes
//! (sqlx's `close` waits for every connection to come back).
//!
//! Nothing is kept while a borrower waits for the pool: that borrower
//! waits on sqlx's pool, which a kept connection never reaches, so it
//! would wait for the pool's whole acquire timeout while a connection sat
//! idle here.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Connection, PgConnection, PgPool, Postgres};

use booking_ports::{StoreError, TakeChatUpdatesError};

use crate::failure::DriverFailure;

/// A connection lent by a [`Lender`]: give it back with
/// [`Lender::take_back`] or [`Lender::finished`] once its work is done.
/// It derefs to the connection.
pub(crate) struct Lent {
    connection: PoolConnection<Postgres>,
    /// When it left sqlx's pool, which closes a connection older than its
    /// `max_lifetime` only when the connection comes back to it.
    out_of_pool_since: Instant,
}

impl Lent {
    fn from_pool(connection: PoolConnection<Postgres>) -> Self {
        Self {
            connection,
            out_of_pool_since: Instant::now(),
        }
    }
}

impl Deref for Lent {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.connection
    }
}

impl DerefMut for Lent {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.connection
    }
}

/// A connection out of sqlx's pool this long goes back to it at its next
/// return instead of being kept, so that the pool's `max_lifetime` (30
/// minutes by default) and its health test apply to kept connections too,
/// at most this late. The pool may lend it out again at once.
pub(crate) const BACK_TO_POOL_AFTER: Duration = Duration::from_secs(5 * 60);

/// A kept connection idle this long is pinged before it is lent again.
/// Under load a kept connection is lent again within milliseconds; after
/// a pause the ping costs nothing anyone waits for.
pub(crate) const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// A connection waiting for its next loan, and since when.
struct Kept {
    connection: Lent,
    since: Instant,
}

/// Lends connections of one pool, keeping up to `keep` between loans.
pub(crate) struct Lender {
    pool: PgPool,
    shelf: Mutex<Shelf>,
    keep: usize,
    /// Set by `give_back_all`: nothing is kept afterwards.
    closed: AtomicBool,
}

/// The kept connections, and how many borrowers wait for the pool; under
/// one lock, so a connection is never kept after a borrower found none
/// kept and went to wait for the pool.
struct Shelf {
    kept: Vec<Kept>,
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

/// Whether `error` means the connection itself is gone (the server closed
/// it, restarted or cannot be reached), as opposed to a statement the
/// server refused.
pub(crate) fn connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => true,
        // The server's last word before it closes a session: shut down
        // (57P01 also when an administrator ended it), crashed, or
        // starting; and the connection exceptions (class 08).
        sqlx::Error::Database(database) => database
            .code()
            .is_some_and(|code| code.starts_with("57P0") || code.starts_with("08")),
        _ => false,
    }
}

/// An error of work on a lent connection that can tell whether the
/// connection was lost: what [`Lender::settled`] asks of it, whether the
/// driver's error or the [`StoreError`] it became.
pub(crate) trait ConnectionLoss {
    fn connection_lost(&self) -> bool;
}

impl ConnectionLoss for sqlx::Error {
    fn connection_lost(&self) -> bool {
        connection_lost(self)
    }
}

impl ConnectionLoss for StoreError {
    fn connection_lost(&self) -> bool {
        match self {
            StoreError::Backend { source, .. } => source
                .downcast_ref::<DriverFailure>()
                .is_some_and(DriverFailure::connection_lost),
            StoreError::Corrupt { .. } => false,
        }
    }
}

impl ConnectionLoss for TakeChatUpdatesError {
    fn connection_lost(&self) -> bool {
        match self {
            TakeChatUpdatesError::Store(error) => error.connection_lost(),
            TakeChatUpdatesError::NotHeld => false,
        }
    }
}

impl Lender {
    /// Lends connections of `pool`, keeping at most `keep` of them.
    pub(crate) fn new(pool: PgPool, keep: usize) -> Self {
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

    /// A connection: the most recently kept one if any (pinged first when
    /// it waited longer than [`PING_AFTER_IDLE`]), else one from the pool
    /// (which pings it).
    ///
    /// # Errors
    /// The pool's, when it has no connection to give (closed, or none
    /// free within its acquire timeout).
    pub(crate) async fn lend(&self) -> Result<Lent, sqlx::Error> {
        let kept = self.shelf().kept.pop();
        if let Some(Kept {
            mut connection,
            since,
        }) = kept
        {
            if since.elapsed() < PING_AFTER_IDLE {
                return Ok(connection);
            }
            match connection.ping().await {
                Ok(()) => return Ok(connection),
                // Lost: the others waited as long. Each goes back to the
                // pool, whose test closes the dead ones.
                Err(_) => self.give_back_kept(),
            }
        }
        self.acquire().await
    }

    /// A connection from the pool, or a kept one if one was taken back
    /// since `lend` looked.
    async fn acquire(&self) -> Result<Lent, sqlx::Error> {
        let waiting = {
            let mut shelf = self.shelf();
            if let Some(Kept { connection, .. }) = shelf.kept.pop() {
                // Taken back within the instant: no ping needed.
                return Ok(connection);
            }
            shelf.waiting += 1;
            Waiting(self)
        };
        let connection = self.pool.acquire().await;
        drop(waiting);
        connection.map(Lent::from_pool)
    }

    /// Takes back a connection whose work finished: kept for the next
    /// loan, or returned to the pool when enough are kept, a borrower
    /// waits for the pool, or it has been out of the pool for
    /// [`BACK_TO_POOL_AFTER`].
    pub(crate) fn take_back(&self, connection: Lent) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        if connection.out_of_pool_since.elapsed() >= BACK_TO_POOL_AFTER {
            return;
        }
        let mut shelf = self.shelf();
        if shelf.waiting == 0 && shelf.kept.len() < self.keep {
            shelf.kept.push(Kept {
                connection,
                since: Instant::now(),
            });
        }
        // Otherwise dropped here (after the lock): back to the pool,
        // pinged, and to whoever waits there first.
    }

    /// `result`, the outcome of a statement on `connection`: as
    /// [`Self::settled`], for the driver's own error.
    pub(crate) fn finished<T>(
        &self,
        connection: Lent,
        result: Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        self.settled(connection, result)
    }

    /// `outcome`, the result of work on `connection` that reports its own
    /// errors, after taking the connection back when the work succeeded.
    /// After a failure it goes back to the pool, which pings it; after a
    /// lost connection every kept one goes back too.
    pub(crate) fn settled<T, E: ConnectionLoss>(
        &self,
        connection: Lent,
        outcome: Result<T, E>,
    ) -> Result<T, E> {
        match &outcome {
            Ok(_) => self.take_back(connection),
            Err(error) if error.connection_lost() => self.give_back_kept(),
            Err(_) => {}
        }
        outcome
    }

    /// Returns every kept connection to the pool and keeps none from now
    /// on; before the pool closes.
    pub(crate) fn give_back_all(&self) {
        self.closed.store(true, Ordering::Release);
        self.give_back_kept();
    }

    /// Returns every kept connection to the pool, which tests each.
    fn give_back_kept(&self) {
        // Each dropped connection goes back to the pool in a task of its own.
        self.shelf().kept.clear();
    }

    /// The shelf. A panic while the lock is held cannot leave it
    /// half-changed: each change is one push, pop, clear or count.
    fn shelf(&self) -> MutexGuard<'_, Shelf> {
        self.shelf.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[cfg(all(test, feature = "test-db"))]
    pub(crate) fn kept(&self) -> usize {
        self.shelf().kept.len()
    }

    /// Makes `connection` look out of the pool since `ago`.
    #[cfg(all(test, feature = "test-db"))]
    pub(crate) fn age_out_of_pool(connection: &mut Lent, ago: Duration) {
        connection.out_of_pool_since = Instant::now().checked_sub(ago).unwrap_or_else(Instant::now);
    }

    /// Makes every kept connection look idle since `ago`, as after a pause.
    #[cfg(all(test, feature = "test-db"))]
    pub(crate) fn age_kept(&self, ago: Duration) {
        for kept in self.shelf().kept.iter_mut() {
            kept.since = Instant::now().checked_sub(ago).unwrap_or_else(Instant::now);
        }
    }
}

// Helpers of the tests unwrap too (clippy allows it in test functions only).
#[allow(clippy::unwrap_used)]
#[cfg(all(test, feature = "test-db"))]
#[path = "lender/tests.rs"]
mod tests;
