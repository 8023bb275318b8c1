//! The booking writes, one attempt each (the port methods in `bookings`
//! run them again after a deadlock): create under the customer's and the
//! staff member's advisory locks, the conditional update, and the atomic
//! reschedule.

use sqlx::Postgres;
use sqlx::postgres::PgArguments;
use sqlx::query::QueryScalar;

use super::*;
use crate::outbox::NoticeArrays;

/// Inserts `new` under `id` (or a fresh id when `None`) if the customer is
/// under `limit`; returns the id, or `None` when the limit refused it. The
/// exclusion constraint may refuse it (23P01, see `failure::is_slot_taken`).
async fn insert_booking(
    conn: &mut PgConnection,
    id: Option<i64>,
    new: &NewBooking,
    rescheduled_from: Option<BookingId>,
    limit: Option<ActiveBookingLimit>,
) -> Result<Option<i64>, sqlx::Error> {
    // One statement decides the limit and inserts (see the statement).
    let limit = match limit {
        Some(limit) => (to_ms(limit.now), i64::from(limit.max)),
        // A reschedule replaces one active booking with another: no limit.
        None => (i64::MIN / 2, i64::MAX),
    };
    let insert = sqlx::query_scalar(sql::INSERT_BOOKING_UNDER_LIMIT).bind(id);
    bind_new_booking(insert, new, rescheduled_from, limit)
        .fetch_optional(&mut *conn)
        .await
}

/// `query` with `new`'s columns bound next, in the order of
/// `INSERT_BOOKING_UNDER_LIMIT`'s `$2` to `$19` (which
/// `CREATE_BOOKING_UNDER_LIMIT` takes as `$1` to `$18`): the limit's
/// `(now_ms, max)` among them.
fn bind_new_booking<'q, O>(
    query: QueryScalar<'q, Postgres, O, PgArguments>,
    new: &'q NewBooking,
    rescheduled_from: Option<BookingId>,
    (now_ms, max): (i64, i64),
) -> QueryScalar<'q, Postgres, O, PgArguments> {
    let status = StatusColumns::of(new.status());
    query
        .bind(new.customer().get())
        .bind(new.service().get())
        .bind(new.staff().get())
        .bind(to_ms(new.start()))
        .bind(to_ms(new.end()))
        .bind(i64::from(new.buffer_before().get()))
        .bind(i64::from(new.buffer_after().get()))
        .bind(new.comment().map(Comment::expose))
        .bind(status.status)
        .bind(rescheduled_from.map(BookingId::get))
        .bind(to_ms(new.created_at()))
        .bind(now_ms)
        .bind(max)
        .bind(new.booked_for().map(|who| who.name.expose()))
        .bind(
            new.booked_for()
                .and_then(|who| who.phone.as_ref())
                .map(PhoneNumber::expose),
        )
        .bind(new.price().map(|p| p.minor()))
        .bind(new.price().map(|p| p.currency().code().to_owned()))
        .bind(audit::actor_code(new.created_by()))
}

/// Takes the turn of `staff`'s bookings until the transaction ends.
///
/// Two transactions writing overlapping active bookings of one staff member
/// would each wait, in the exclusion constraint's check, for the other's
/// transaction: a deadlock the server breaks after a second (measured in the
/// 50-racer contract test: five in a row, enough to run out the pool's
/// acquire timeout). Writes of one staff member's bookings therefore take
/// turns, always before any row lock, so they meet the constraint one at a
/// time; the retry on 40P01 stays as the safety net.
pub(super) async fn lock_staff_bookings(
    conn: &mut PgConnection,
    staff: StaffId,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql::LOCK_STAFF_BOOKINGS)
        .bind(fold_lock_key(staff.get()))
        .execute(conn)
        .await
        .map(drop)
}

/// An id folded into the 32-bit second key of an advisory lock.
pub(super) fn fold_lock_key(id: i64) -> i32 {
    // Truncation is the point: both halves mixed, any collision harmless.
    ((id ^ (id >> 32)) & 0xffff_ffff) as u32 as i32
}

/// Runs `CREATE_BOOKING_UNDER_LIMIT` (migration 7) for `new` on
/// `connection`: the new booking's id, or `None` when the limit refused it.
/// One round trip where a transaction of separate statements made five.
async fn call_create_booking(
    connection: &mut PgConnection,
    new: &NewBooking,
    limit: ActiveBookingLimit,
    notices: &[NewNotice],
) -> Result<Option<i64>, sqlx::Error> {
    let notices = NoticeArrays::of(notices);
    let call = sqlx::query_scalar(sql::CREATE_BOOKING_UNDER_LIMIT);
    let limit = (to_ms(limit.now), i64::from(limit.max));
    bind_new_booking(call, new, new.rescheduled_from(), limit)
        .bind(fold_lock_key(new.customer().get()))
        .bind(fold_lock_key(new.staff().get()))
        .bind(notices.recipient_kinds)
        .bind(notices.recipient_ids)
        .bind(notices.kinds)
        .bind(notices.awaiting_confirmation)
        .bind(notices.before_min)
        .bind(notices.due_at_ms)
        .fetch_one(connection)
        .await
}

impl PgStore {
    /// One attempt of `create_booking`, on a lent connection: a booking is
    /// the write every customer makes, and a connection of sqlx's pool
    /// would cost two pings more (`lender`).
    pub(super) async fn create_booking_once(
        &self,
        new: &NewBooking,
        limit: ActiveBookingLimit,
        notices: &[NewNotice],
    ) -> Result<Booking, CreateBookingError> {
        let fail = backend("creating a booking");
        let mut connection = self.lender.lend().await.map_err(&fail)?;
        let created = call_create_booking(&mut connection, new, limit, notices).await;
        let created = match created {
            // The exclusion constraint refused it. The call's transaction
            // ended on the server as a success would: the connection is fit
            // to keep.
            Err(e) if is_slot_taken(&e) => {
                self.lender.take_back(connection);
                return Err(CreateBookingError::SlotTaken { start: new.start() });
            }
            // Kept when it succeeded (the limit's refusal included); after a
            // lost connection every kept one goes back to the pool too.
            other => self.lender.finished(connection, other).map_err(&fail)?,
        };
        let Some(id) = created else {
            return Err(CreateBookingError::TooManyActiveBookings { limit: limit.max });
        };
        Ok(created_as_stored(id, new.clone(), new.rescheduled_from())?)
    }

    /// One attempt of `update_booking`.
    pub(super) async fn update_booking_once(
        &self,
        expected: Version,
        updated: &Booking,
        outbox: &OutboxChange,
    ) -> Result<Booking, UpdateBookingError> {
        let fail = backend("updating a booking");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        lock_staff_bookings(&mut tx, updated.staff())
            .await
            .map_err(&fail)?;
        let status = StatusColumns::of(updated.status());
        let audit = AuditColumns::of(updated.audit());
        // The version check and the write are one statement: the row changes
        // only if it is still at `expected`, and the new version is computed
        // from the stored one, so it is exactly one more.
        let row: Option<BookingRow> = sqlx::query_as(sql::UPDATE_BOOKING_IF_VERSION)
            .bind(updated.customer().map(CustomerId::get))
            .bind(updated.comment().map(Comment::expose))
            .bind(status.status)
            .bind(status.cancelled_by)
            .bind(status.cancelled_by_staff_id)
            .bind(status.cancel_reason)
            .bind(status.cancelled_at_ms)
            .bind(status.rescheduled_to_id)
            .bind(updated.attendance_confirmed_at().map(to_ms))
            .bind(updated.booked_for().map(|who| who.name.expose()))
            .bind(
                updated
                    .booked_for()
                    .and_then(|who| who.phone.as_ref())
                    .map(PhoneNumber::expose),
            )
            .bind(audit.confirmed_by)
            .bind(audit.confirmed_at_ms)
            .bind(audit.closed_by)
            .bind(audit.closed_at_ms)
            .bind(updated.id().get())
            .bind(expected.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(&fail)?;
        let Some(row) = row else {
            // Nothing was written; the read only explains why, inside the
            // same transaction, so it is the state the update saw.
            return match booking_on(&mut tx, updated.id().get()).await? {
                None => Err(UpdateBookingError::NotFound),
                Some(current) => Err(UpdateBookingError::VersionConflict {
                    current: Box::new(current),
                }),
            };
        };
        let stored = row.into_booking()?;
        let id = stored.id().get();
        let withdraw = outbox.withdraw_pending_reminders.then_some(id);
        apply_outbox(&mut tx, id, &outbox.add, withdraw)
            .await
            .map_err(&fail)?;
        tx.commit().await.map_err(&fail)?;
        Ok(stored)
    }

    /// One attempt of `reschedule_booking`.
    pub(super) async fn reschedule_booking_once(
        &self,
        old: &Booking,
        new: &NewBooking,
        outbox: &OutboxChange,
    ) -> Result<Rescheduled, RescheduleError> {
        let fail = backend("rescheduling a booking");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        lock_staff_bookings(&mut tx, new.staff())
            .await
            .map_err(&fail)?;
        // The old booking is closed before the new one is inserted, so the
        // exclusion constraint does not see the booking being replaced;
        // closing it needs the new booking's id, which is therefore taken
        // here from the identity's sequence. The old row's reference to it
        // is checked at commit (a deferred foreign key).
        let new_id: i64 = sqlx::query_scalar(sql::NEXT_BOOKING_ID)
            .fetch_one(&mut *tx)
            .await
            .map_err(&fail)?;
        let new_booking_id = convert::id(Record::new("booking", new_id), new_id, BookingId::new)?;
        let closed = old.close_as_rescheduled(new_booking_id, new.moved_stamp())?;
        let closed_audit = AuditColumns::of(closed.audit());
        let row: Option<BookingRow> = sqlx::query_as(sql::CLOSE_BOOKING_AS_RESCHEDULED)
            .bind(new_id)
            .bind(closed_audit.closed_by)
            .bind(closed_audit.closed_at_ms)
            .bind(old.id().get())
            .bind(old.version().get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(&fail)?;
        let Some(row) = row else {
            return match booking_on(&mut tx, old.id().get()).await? {
                None => Err(RescheduleError::NotFound),
                Some(current) => Err(RescheduleError::VersionConflict {
                    current: Box::new(current),
                }),
            };
        };
        let closed_stored = row.into_booking()?;
        debug_assert_eq!(closed_stored.status(), closed.status());
        insert_booking(&mut tx, Some(new_id), new, Some(old.id()), None)
            .await
            .map_err(|e| {
                if is_slot_taken(&e) {
                    RescheduleError::SlotTaken { start: new.start() }
                } else {
                    fail(e).into()
                }
            })?;
        if outbox.withdraw_pending_reminders {
            outbox::withdraw_pending_reminders(&mut tx, old.id().get())
                .await
                .map_err(&fail)?;
        }
        outbox::insert_notices(&mut tx, new_id, &outbox.add)
            .await
            .map_err(&fail)?;
        tx.commit().await.map_err(&fail)?;

        let new = created_as_stored(new_id, new.clone(), Some(old.id()))?;
        Ok(Rescheduled {
            old: closed_stored,
            new,
        })
    }
}
