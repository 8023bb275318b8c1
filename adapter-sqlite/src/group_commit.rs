//! Group commit for new bookings: concurrent `create_booking` calls share
//! one write transaction, so they share its commit and its fsync.
//!
//! Why: with the default durability (`synchronous=FULL`) every commit waits
//! for the disk, SQLite runs one writer at a time, and every statement
//! crosses to sqlx's worker thread and back. One transaction per booking pays
//! all of that per booking, one booking after the other. Here one writer
//! task owns the booking writes: it takes every request waiting in its queue
//! (at most [`MAX_BATCH`]), runs each in its own savepoint inside one
//! `BEGIN IMMEDIATE` transaction, commits once, and only then answers each
//! caller. Nothing waits on a timer: a lone booking is a batch of one, and
//! requests that arrive while a batch is being written form the next batch.
//!
//! What callers get is what one transaction per booking gives them:
//! - **Acknowledged means durable.** A caller hears "created" only after the
//!   commit that stored its booking returned, so the booking survives what
//!   the configured durability promises.
//! - **Refusals are exact.** Each booking's checks (the overlap trigger, the
//!   active-booking limit in the inserting statement) run after the earlier
//!   bookings of the batch were written into the same transaction, so they
//!   see them exactly as they would see earlier commits. A refused booking
//!   rolls back its own savepoint only; the others go on.
//! - **All or nothing per booking.** A booking and its notices are written
//!   in one savepoint. When the transaction itself cannot go on (a savepoint
//!   cannot be rolled back, or the commit fails), every caller of the batch
//!   gets a store error, refused ones included (their refusal may have come
//!   from a batch-mate that is no longer stored), and nothing of the batch
//!   is stored.
//!
//! Other writes (updates, reschedules, the catalog) keep their own
//! `BEGIN IMMEDIATE` transactions and queue for SQLite's lock beside the
//! writer's, as do other processes on the same file.

use std::sync::Arc;

use booking_domain::{Booking, NewBooking};
use booking_ports::{ActiveBookingLimit, CreateBookingError, NewNotice, StoreError};
use sqlx::{Connection, SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use crate::bookings::{apply_outbox, created_as_stored, insert_booking};
use crate::db::is_slot_taken;

/// The most bookings one transaction writes. Bounds how long one commit
/// keeps the write lock (and the readers of a big batch waiting for their
/// answer) when requests keep arriving faster than they are written.
const MAX_BATCH: usize = 64;

/// Requests that may wait for the writer before callers wait to enqueue.
const QUEUE: usize = 4 * MAX_BATCH;

const CONTEXT: &str = "creating a booking";

/// The writer task went away: the runtime that opened the store shut down,
/// or the task failed. Whether the caller's booking was stored is unknown.
#[derive(Debug, thiserror::Error)]
#[error("the booking writer stopped (was the store's runtime shut down?)")]
struct WriterStopped;

/// One `create_booking` call, waiting for its batch.
struct Request {
    new: NewBooking,
    limit: ActiveBookingLimit,
    notices: Vec<NewNotice>,
    reply: oneshot::Sender<Result<Booking, CreateBookingError>>,
}

/// What the transaction decided for one request, before the commit.
enum Decision {
    Created(i64),
    SlotTaken,
    TooManyActiveBookings,
    /// This request's statements failed; its savepoint was rolled back and
    /// the batch went on.
    Failed(sqlx::Error),
}

/// The handle through which the store's clones reach the one writer task.
/// When the last handle is dropped, the task finishes its batch and ends.
#[derive(Debug, Clone)]
pub(crate) struct BookingWriter {
    queue: mpsc::Sender<Request>,
}

impl BookingWriter {
    /// Starts the writer task on the current Tokio runtime.
    pub(crate) fn start(pool: SqlitePool) -> Self {
        let (queue, requests) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, requests));
        Self { queue }
    }

    /// Creates `new` with its notices in the next batch; see the module
    /// documentation for what the answer guarantees.
    pub(crate) async fn create(
        &self,
        new: NewBooking,
        limit: ActiveBookingLimit,
        notices: Vec<NewNotice>,
    ) -> Result<Booking, CreateBookingError> {
        let stopped = || StoreError::backend(CONTEXT, WriterStopped);
        let (reply, answer) = oneshot::channel();
        let request = Request {
            new,
            limit,
            notices,
            reply,
        };
        self.queue.send(request).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The writer task: one batch at a time, until every handle is dropped.
async fn run(pool: SqlitePool, mut requests: mpsc::Receiver<Request>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // `recv_many` waits for one request, then takes every other one already
    // queued: the batch is whatever arrived while the previous one was
    // being written.
    while requests.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let decisions = write(&pool, &batch).await;
        for (request, decision) in batch.drain(..).zip(decisions) {
            let outcome = match decision {
                Ok(decision) => outcome(decision, request.new, request.limit),
                Err(e) => Err(StoreError::backend(CONTEXT, e).into()),
            };
            // A caller that stopped waiting gets no answer. Its booking, if
            // created, stays: it was committed like any other.
            let _ = request.reply.send(outcome);
        }
    }
}

/// Writes one batch in one transaction and returns each request's decision,
/// or, for every request, the error that made the transaction fail.
async fn write(pool: &SqlitePool, batch: &[Request]) -> Vec<Result<Decision, Arc<sqlx::Error>>> {
    match write_batch(pool, batch).await {
        Ok(decisions) => decisions.into_iter().map(Ok).collect(),
        Err(e) => {
            let e = Arc::new(e);
            batch.iter().map(|_| Err(Arc::clone(&e))).collect()
        }
    }
}

/// `Err` means the transaction failed as a whole and nothing was stored
/// (dropping an uncommitted transaction rolls it back).
async fn write_batch(pool: &SqlitePool, batch: &[Request]) -> Result<Vec<Decision>, sqlx::Error> {
    // IMMEDIATE takes the write lock at BEGIN, waiting up to the busy
    // timeout for other connections and processes.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut decisions = Vec::with_capacity(batch.len());
    for request in batch {
        let mut savepoint = Connection::begin(&mut *tx).await?;
        let decision = decide(&mut savepoint, request).await;
        // A rollback (or release) that fails means the transaction is no
        // longer whole (SQLite rolls it all back after some I/O errors):
        // the `?` fails the batch.
        match decision {
            Decision::Created(_) => savepoint.commit().await?,
            _ => savepoint.rollback().await?,
        }
        decisions.push(decision);
    }
    tx.commit().await?;
    Ok(decisions)
}

/// Inserts one booking and its notices on `conn`, inside the request's
/// savepoint.
async fn decide(conn: &mut SqliteConnection, request: &Request) -> Decision {
    let new = &request.new;
    match insert_booking(conn, None, new, new.rescheduled_from(), Some(request.limit)).await {
        Ok(Some(id)) => match apply_outbox(conn, id, &request.notices, None).await {
            Ok(()) => Decision::Created(id),
            Err(e) => Decision::Failed(e),
        },
        Ok(None) => Decision::TooManyActiveBookings,
        Err(e) if is_slot_taken(&e) => Decision::SlotTaken,
        Err(e) => Decision::Failed(e),
    }
}

/// The answer to a request whose batch committed.
fn outcome(
    decision: Decision,
    new: NewBooking,
    limit: ActiveBookingLimit,
) -> Result<Booking, CreateBookingError> {
    match decision {
        Decision::Created(id) => {
            let rescheduled_from = new.rescheduled_from();
            Ok(created_as_stored(id, new, rescheduled_from)?)
        }
        Decision::SlotTaken => Err(CreateBookingError::SlotTaken { start: new.start() }),
        Decision::TooManyActiveBookings => {
            Err(CreateBookingError::TooManyActiveBookings { limit: limit.max })
        }
        Decision::Failed(e) => Err(StoreError::backend(CONTEXT, e).into()),
    }
}
