//! Group commit for new bookings: concurrent `create_booking` calls share
//! one write transaction, so they share its commit and its fsync.
//!
//! Why: with the default durability (`synchronous=FULL`) every commit waits
//! for the disk, SQLite runs one writer at a time, and every statement
//! crosses to sqlx's worker thread and back. One transaction per booking pays
//! all of that per booking, one booking after the other. Here one writer
//! task owns the creation of bookings: it takes every request waiting in its
//! queue (at most [`MAX_BATCH`]), writes them one after the other inside one
//! `BEGIN IMMEDIATE` transaction, commits once, and only then answers each
//! caller. Nothing waits on a timer: a lone booking is a batch of one, and
//! requests that arrive while a batch is being written form the next one.
//!
//! What callers get is what one transaction per booking gives them:
//! - **Acknowledged means durable.** A caller hears "created" only after the
//!   commit that stored its booking returned, so the booking survives what
//!   the configured durability promises.
//! - **Refusals are exact and touch nobody else.** Each booking's checks
//!   (the overlap trigger, the active-booking limit in the inserting
//!   statement) run after the earlier bookings of the batch were written
//!   into the same transaction, so they see them exactly as they would see
//!   earlier commits. A refusal needs no savepoint: the inserting statement
//!   is atomic, and SQLite undoes a statement refused by `RAISE(ABORT)` (or
//!   inserts nothing when the limit's `SELECT` yields no row) while the
//!   transaction goes on.
//! - **One booking's failure is its own.** Anything else that goes wrong in
//!   a booking's statements (it would be a bug or a failing disk) rolls the
//!   whole transaction back, and the batch is written again one booking per
//!   transaction, so each caller gets the outcome of its own booking alone.
//!   That rare path is why no savepoint is needed: a savepoint per booking
//!   would cost two more round trips to the worker thread for every booking.
//! - **A failed transaction stores nothing.** When beginning or committing
//!   the transaction fails, every caller of the batch gets a store error
//!   (as it would for its own failed commit) and none of the batch is
//!   stored.
//!
//! Other writes (updates, reschedules, the catalog) keep their own
//! `BEGIN IMMEDIATE` transactions and queue for SQLite's lock beside the
//! writer's, as do other processes on the same file.

use std::sync::Arc;

use booking_domain::{Booking, NewBooking};
use booking_ports::{ActiveBookingLimit, CreateBookingError, NewNotice, StoreError};
use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use crate::bookings::{apply_outbox, created_as_stored, insert_booking};
use crate::db::is_slot_taken;

/// The most bookings one transaction writes. Bounds how long one commit
/// keeps the write lock (and the first callers of a batch waiting for their
/// answer) when requests keep arriving faster than they are written.
const MAX_BATCH: usize = 64;

/// Requests that may wait for the writer before callers wait to enqueue.
const QUEUE: usize = 4 * MAX_BATCH;

const CONTEXT: &str = "creating a booking";

/// The writer task went away: the runtime that opened the store shut down.
/// Whether the caller's booking was stored is unknown.
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

/// What the transaction decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Created(i64),
    SlotTaken,
    TooManyActiveBookings,
}

/// Why a batch's transaction did not commit. Either way nothing of the
/// batch was stored.
#[derive(Debug)]
enum BatchFailure {
    /// One request's statements failed with something other than a refusal.
    Request(sqlx::Error),
    /// Beginning or committing the transaction failed.
    Transaction(sqlx::Error),
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

/// Writes `batch` and returns each request's decision, or the error that
/// kept its booking from being stored.
async fn write(pool: &SqlitePool, batch: &[Request]) -> Vec<Result<Decision, Arc<sqlx::Error>>> {
    match write_batch(pool, batch).await {
        Ok(decisions) => decisions.into_iter().map(Ok).collect(),
        Err(BatchFailure::Request(_)) if batch.len() > 1 => {
            // One booking failed the whole transaction. Each one alone, so
            // that failure is only its own.
            let mut decisions = Vec::with_capacity(batch.len());
            for request in batch {
                decisions.push(write_alone(pool, request).await);
            }
            decisions
        }
        Err(BatchFailure::Request(e) | BatchFailure::Transaction(e)) => {
            let e = Arc::new(e);
            batch.iter().map(|_| Err(Arc::clone(&e))).collect()
        }
    }
}

/// Writes one request in a transaction of its own.
async fn write_alone(pool: &SqlitePool, request: &Request) -> Result<Decision, Arc<sqlx::Error>> {
    let alone = async {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let decision = decide(&mut tx, request).await?;
        tx.commit().await?;
        Ok(decision)
    };
    alone.await.map_err(Arc::new)
}

/// Writes every request of `batch` in one transaction and commits it.
async fn write_batch(pool: &SqlitePool, batch: &[Request]) -> Result<Vec<Decision>, BatchFailure> {
    // IMMEDIATE takes the write lock at BEGIN, waiting up to the busy
    // timeout for other connections and processes.
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(BatchFailure::Transaction)?;
    let mut decisions = Vec::with_capacity(batch.len());
    for request in batch {
        // On an error, `tx` is dropped uncommitted, which rolls it back.
        let decision = decide(&mut tx, request)
            .await
            .map_err(BatchFailure::Request)?;
        decisions.push(decision);
    }
    tx.commit().await.map_err(BatchFailure::Transaction)?;
    Ok(decisions)
}

/// Inserts one booking and its notices on `conn`, after the batch's
/// earlier bookings. A refusal leaves the transaction as it was.
async fn decide(conn: &mut SqliteConnection, request: &Request) -> Result<Decision, sqlx::Error> {
    let new = &request.new;
    let limit = Some(request.limit);
    match insert_booking(conn, None, new, new.rescheduled_from(), limit).await {
        Ok(Some(id)) => {
            apply_outbox(conn, id, &request.notices, None).await?;
            Ok(Decision::Created(id))
        }
        Ok(None) => Ok(Decision::TooManyActiveBookings),
        Err(e) if is_slot_taken(&e) => Ok(Decision::SlotTaken),
        Err(e) => Err(e),
    }
}

/// The answer to a request whose transaction committed.
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
    }
}

#[cfg(test)]
mod tests {
    use booking_domain::{
        BookingStatus, Currency, CustomerId, LocalTimeRange, Minutes, Money, NewBookingParts,
        ServiceId, ServiceName, ServiceSpec, StaffId, StaffName, StaffSpec, WeeklyHours,
    };
    use booking_ports::{BookingStore, CatalogStore, NoticeKind, NotificationOutbox, Recipient};
    use chrono::{DateTime, Duration, TimeZone, Utc, Weekday};

    use super::*;
    use crate::{SqliteSettings, SqliteStore};

    struct World {
        _dir: tempfile::TempDir,
        store: SqliteStore,
        service: ServiceId,
        anna: StaffId,
        boris: StaffId,
    }

    async fn world() -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&SqliteSettings::new(dir.path().join("batch.db")))
            .await
            .unwrap();
        let hours =
            WeeklyHours::new([(Weekday::Mon, LocalTimeRange::parse("09:00-18:00").unwrap())])
                .unwrap();
        let mut staff = Vec::new();
        for name in ["Anna", "Boris"] {
            let spec = StaffSpec {
                name: StaffName::new(name).unwrap(),
                hours: hours.clone(),
                active: true,
            };
            staff.push(store.add_staff(spec).await.unwrap().id());
        }
        let service = store
            .add_service(ServiceSpec {
                name: ServiceName::new("Haircut").unwrap(),
                duration: Minutes::new(60).unwrap(),
                price: Money::new(2500, Currency::new("EUR").unwrap()).unwrap(),
                buffer_before: Minutes::ZERO,
                buffer_after: Minutes::ZERO,
                active: true,
                performers: staff.clone(),
            })
            .await
            .unwrap()
            .id();
        World {
            _dir: dir,
            store,
            service,
            anna: staff[0],
            boris: staff[1],
        }
    }

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 7, hour, 0, 0).unwrap()
    }

    /// A request for an hour with `staff`, by `customer`, who may hold
    /// `max` active bookings, with one notice to the staff member.
    fn request(
        service: ServiceId,
        staff: StaffId,
        customer: i64,
        start: DateTime<Utc>,
        max: u16,
    ) -> Request {
        let new = NewBooking::new(NewBookingParts {
            customer: CustomerId::new(customer).unwrap(),
            service,
            staff,
            start,
            end: start + Duration::hours(1),
            buffer_before: Minutes::ZERO,
            buffer_after: Minutes::ZERO,
            comment: None,
            status: BookingStatus::Confirmed,
            created_at: at(0),
            rescheduled_from: None,
        })
        .unwrap();
        Request {
            new,
            limit: ActiveBookingLimit { max, now: at(0) },
            notices: vec![NewNotice {
                recipient: Recipient::Staff(staff),
                kind: NoticeKind::NewBooking {
                    awaiting_confirmation: false,
                },
                due_at: at(0),
            }],
            reply: oneshot::channel().0,
        }
    }

    async fn stored_ids(store: &SqliteStore) -> Vec<i64> {
        let day = booking_domain::Interval::new(at(0), at(23)).unwrap();
        let active = store
            .bookings_overlapping(day, None, booking_ports::BookingScope::AllStatuses)
            .await
            .unwrap();
        active.iter().map(|b| b.id().get()).collect()
    }

    #[tokio::test]
    async fn each_booking_of_a_batch_is_checked_after_the_earlier_ones() {
        // Arrange: in one batch, a booking, one overlapping it, one with
        // another staff member at the same time, and a second booking of the
        // first customer, who may hold one.
        let w = world().await;
        let batch = [
            request(w.service, w.anna, 1, at(10), 1),
            request(w.service, w.anna, 2, at(10) + Duration::minutes(30), 5),
            request(w.service, w.boris, 3, at(10), 5),
            request(w.service, w.boris, 1, at(14), 1),
        ];

        // Act
        let decisions: Vec<_> = write(&w.store.pool, &batch)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();

        // Assert: one transaction saw its own bookings; the refused ones
        // left nothing behind, the others were committed with their notices.
        let [
            Decision::Created(first),
            Decision::SlotTaken,
            Decision::Created(third),
            Decision::TooManyActiveBookings,
        ] = decisions[..]
        else {
            panic!("unexpected decisions {decisions:?}");
        };
        assert_eq!(stored_ids(&w.store).await, [first, third]);
        for id in [first, third] {
            let booking = booking_domain::BookingId::new(id).unwrap();
            assert_eq!(
                w.store
                    .notifications_of_booking(booking)
                    .await
                    .unwrap()
                    .len(),
                1
            );
        }
    }

    #[tokio::test]
    async fn a_booking_that_fails_fails_alone() {
        // Arrange: the middle booking names a service that does not exist,
        // which the foreign key refuses: not a refusal, a failure.
        let w = world().await;
        let missing = ServiceId::new(99).unwrap();
        let batch = [
            request(w.service, w.anna, 1, at(10), 5),
            request(missing, w.anna, 2, at(12), 5),
            request(w.service, w.boris, 3, at(10), 5),
        ];

        // Act
        let decisions = write(&w.store.pool, &batch).await;

        // Assert: the others were written (each alone, after the batch was
        // rolled back), the failing one got its own error and left nothing.
        let (Ok(Decision::Created(first)), Err(_), Ok(Decision::Created(third))) =
            (&decisions[0], &decisions[1], &decisions[2])
        else {
            panic!("unexpected decisions {decisions:?}");
        };
        assert_eq!(stored_ids(&w.store).await, [*first, *third]);
        let pending = w.store.due_notifications(at(23), 10).await.unwrap();
        assert_eq!(pending.len(), 2);
    }

    #[tokio::test]
    async fn concurrent_callers_get_their_own_answers() {
        // Arrange: 40 callers at once, in pairs wanting the same hour.
        let w = world().await;
        let tasks: Vec<_> = (0..40_i64)
            .map(|i| {
                let store = w.store.clone();
                let r = request(w.service, w.anna, i + 1, at(0) + Duration::hours(i / 2), 5);
                tokio::spawn(async move { store.create_booking(r.new, r.limit, r.notices).await })
            })
            .collect();

        // Act
        let mut created = Vec::new();
        let mut taken = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(booking) => created.push(booking.id().get()),
                Err(CreateBookingError::SlotTaken { .. }) => taken += 1,
                Err(other) => panic!("unexpected {other:?}"),
            }
        }

        // Assert: one of each pair, and exactly the acknowledged ones stored.
        assert_eq!((created.len(), taken), (20, 20));
        created.sort_unstable();
        let mut stored = stored_ids(&w.store).await;
        stored.sort_unstable();
        assert_eq!(stored, created);
    }
}
