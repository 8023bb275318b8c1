//! The notification outbox: rows written by the booking module inside the
//! transaction of the change that causes them, read and settled here by the
//! dispatcher.

use async_trait::async_trait;
use booking_domain::{BookingId, CustomerId, StaffId};
use booking_ports::{
    DeliveryState, FailureReason, MarkNotificationError, NewNotice, NoticeKind, Notification,
    NotificationClaim, NotificationId, NotificationOutbox, OutboxBacklog, Recipient, StoreError,
};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::PgStore;
use crate::convert::{self, Record, to_ms};
use crate::failure::backend;
use crate::sql;

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: i64,
    booking_id: i64,
    recipient_kind: String,
    recipient_id: i64,
    kind: String,
    awaiting_confirmation: Option<bool>,
    before_min: Option<i64>,
    due_at_ms: i64,
    state: String,
    settled_at_ms: Option<i64>,
    failure_reason: Option<String>,
    attempts: i64,
    next_attempt_at_ms: i64,
    claims: i64,
    claimed_until_ms: Option<i64>,
}

impl NotificationRow {
    fn into_notification(self) -> Result<Notification, StoreError> {
        let record = Record::new("notification", self.id);
        let recipient = match self.recipient_kind.as_str() {
            "customer" => {
                Recipient::Customer(convert::id(record, self.recipient_id, CustomerId::new)?)
            }
            "staff" => Recipient::Staff(convert::id(record, self.recipient_id, StaffId::new)?),
            other => return Err(record.corrupt(format!("unknown recipient kind {other:?}"))),
        };
        let before = || {
            self.before_min
                .ok_or_else(|| record.corrupt("a reminder without its lead time"))
                .and_then(|m| convert::minutes(record, m))
        };
        let kind = match self.kind.as_str() {
            "new_booking" => NoticeKind::NewBooking {
                awaiting_confirmation: self
                    .awaiting_confirmation
                    .ok_or_else(|| record.corrupt("a new-booking notice without its flag"))?,
            },
            "confirmed" => NoticeKind::Confirmed,
            "cancelled" => NoticeKind::Cancelled,
            "rescheduled" => NoticeKind::Rescheduled,
            "customer_reminder" => NoticeKind::CustomerReminder { before: before()? },
            "staff_reminder" => NoticeKind::StaffReminder { before: before()? },
            "confirmation_reminder" => NoticeKind::ConfirmationReminder { before: before()? },
            "expired" => NoticeKind::Expired,
            other => return Err(record.corrupt(format!("unknown notice kind {other:?}"))),
        };
        let settled_at = || {
            self.settled_at_ms
                .ok_or_else(|| record.corrupt("a settled notification without a time"))
                .and_then(|ms| convert::instant(record, ms))
        };
        let state = match self.state.as_str() {
            "pending" => DeliveryState::Pending,
            "sent" => DeliveryState::Sent { at: settled_at()? },
            "failed" => DeliveryState::Failed {
                at: settled_at()?,
                reason: FailureReason::new(self.failure_reason.as_deref().unwrap_or_default()),
            },
            "withdrawn" => DeliveryState::Withdrawn,
            other => return Err(record.corrupt(format!("unknown delivery state {other:?}"))),
        };
        Ok(Notification {
            id: convert::id(record, self.id, NotificationId::new)?,
            booking: convert::id(record, self.booking_id, BookingId::new)?,
            recipient,
            kind,
            due_at: convert::instant(record, self.due_at_ms)?,
            state,
            attempts: convert::unsigned(record, self.attempts)?,
            next_attempt_at: convert::instant(record, self.next_attempt_at_ms)?,
            claims: convert::unsigned(record, self.claims)?,
            claimed_until: convert::optional_instant(record, self.claimed_until_ms)?,
        })
    }
}

/// A notice as the columns of its row (besides its booking and state).
struct NoticeColumns {
    recipient_kind: &'static str,
    recipient_id: i64,
    kind: &'static str,
    awaiting_confirmation: Option<bool>,
    before_min: Option<i64>,
    due_at_ms: i64,
}

impl NoticeColumns {
    fn of(notice: &NewNotice) -> Self {
        let (recipient_kind, recipient_id) = match notice.recipient {
            Recipient::Customer(customer) => ("customer", customer.get()),
            Recipient::Staff(staff) => ("staff", staff.get()),
        };
        let (kind, awaiting_confirmation, before_min) = match notice.kind {
            NoticeKind::NewBooking {
                awaiting_confirmation,
            } => ("new_booking", Some(awaiting_confirmation), None),
            NoticeKind::Confirmed => ("confirmed", None, None),
            NoticeKind::Cancelled => ("cancelled", None, None),
            NoticeKind::Rescheduled => ("rescheduled", None, None),
            NoticeKind::CustomerReminder { before } => {
                ("customer_reminder", None, Some(i64::from(before.get())))
            }
            NoticeKind::StaffReminder { before } => {
                ("staff_reminder", None, Some(i64::from(before.get())))
            }
            NoticeKind::ConfirmationReminder { before } => {
                ("confirmation_reminder", None, Some(i64::from(before.get())))
            }
            NoticeKind::Expired => ("expired", None, None),
        };
        Self {
            recipient_kind,
            recipient_id,
            kind,
            awaiting_confirmation,
            before_min,
            due_at_ms: to_ms(notice.due_at),
        }
    }
}

/// Notices as one array per column, in the order of the parameters of
/// `create_booking_under_limit` (migration 7), which inserts one row per
/// element.
#[derive(Default)]
pub(crate) struct NoticeArrays {
    pub(crate) recipient_kinds: Vec<&'static str>,
    pub(crate) recipient_ids: Vec<i64>,
    pub(crate) kinds: Vec<&'static str>,
    pub(crate) awaiting_confirmation: Vec<Option<bool>>,
    pub(crate) before_min: Vec<Option<i64>>,
    pub(crate) due_at_ms: Vec<i64>,
}

impl NoticeArrays {
    pub(crate) fn of(notices: &[NewNotice]) -> Self {
        let mut arrays = Self::default();
        for columns in notices.iter().map(NoticeColumns::of) {
            arrays.recipient_kinds.push(columns.recipient_kind);
            arrays.recipient_ids.push(columns.recipient_id);
            arrays.kinds.push(columns.kind);
            arrays
                .awaiting_confirmation
                .push(columns.awaiting_confirmation);
            arrays.before_min.push(columns.before_min);
            arrays.due_at_ms.push(columns.due_at_ms);
        }
        arrays
    }
}

/// Stores `notices` about `booking`, pending, first attempt at their due
/// time: one multi-row INSERT, one round trip to the server.
pub(crate) async fn insert_notices(
    conn: &mut PgConnection,
    booking: i64,
    notices: &[NewNotice],
) -> Result<(), sqlx::Error> {
    if notices.is_empty() {
        return Ok(());
    }
    let mut insert = QueryBuilder::<Postgres>::new(sql::INSERT_NOTIFICATIONS_HEAD);
    insert.push_values(notices.iter().map(NoticeColumns::of), |mut row, notice| {
        row.push_bind(booking)
            .push_bind(notice.recipient_kind)
            .push_bind(notice.recipient_id)
            .push_bind(notice.kind)
            .push_bind(notice.awaiting_confirmation)
            .push_bind(notice.before_min)
            .push_bind(notice.due_at_ms)
            .push_bind("pending")
            .push_bind(0_i64)
            .push_bind(notice.due_at_ms);
    });
    insert.build().execute(conn).await?;
    Ok(())
}

/// Marks the pending reminders of `booking` withdrawn; notices about a
/// change stay, since the change did happen.
pub(crate) async fn withdraw_pending_reminders(
    conn: &mut PgConnection,
    booking: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql::WITHDRAW_PENDING_REMINDERS)
        .bind(booking)
        .execute(conn)
        .await?;
    Ok(())
}

impl PgStore {
    /// Marks pending notification `id`, whose row could not be read, failed
    /// with `error` as the reason, and counts it. The row names ids and
    /// kinds, never personal data, and so does the reason.
    async fn set_aside(
        &self,
        id: i64,
        now: DateTime<Utc>,
        error: &StoreError,
    ) -> Result<(), StoreError> {
        tracing::error!(notification = id, %error, "an unreadable notification is set aside as failed");
        let reason = FailureReason::new(&format!("unreadable: {error}"));
        sqlx::query(sql::SET_ASIDE)
            .bind(to_ms(now))
            .bind(reason.as_str().to_owned())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend("setting an unreadable notification aside"))?;
        crate::metrics::notification_set_aside();
        Ok(())
    }

    /// The rows that read as notifications; each unreadable one is set
    /// aside.
    async fn readable(
        &self,
        rows: Vec<NotificationRow>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Notification>, StoreError> {
        let mut due = Vec::with_capacity(rows.len());
        for row in rows {
            let id = row.id;
            match row.into_notification() {
                Ok(notification) => due.push(notification),
                Err(error) => self.set_aside(id, now, &error).await?,
            }
        }
        Ok(due)
    }

    /// Runs one settling UPDATE, whose values before the trailing `id` and
    /// claim number are bound already; it only matches a pending
    /// notification under `claim`. Explains a miss.
    async fn settle(
        &self,
        claim: NotificationClaim,
        update: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<(), MarkNotificationError> {
        let fail = backend("recording a delivery");
        let done = update
            .bind(claim.id.get())
            .bind(i64::from(claim.number))
            .execute(&self.pool)
            .await
            .map_err(&fail)?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        // A notification leaves `pending` for good (sent, failed, withdrawn
        // never go back) and its claim count only grows, so reading the row
        // after the missed update reports what made it miss.
        let row: Option<NotificationRow> = sqlx::query_as(sql::NOTIFICATION_BY_ID)
            .bind(claim.id.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(&fail)?;
        match row {
            None => Err(MarkNotificationError::NotFound),
            Some(row) => match row.into_notification()?.state {
                DeliveryState::Pending => Err(MarkNotificationError::ClaimLost),
                current => Err(MarkNotificationError::NotPending { current }),
            },
        }
    }
}

/// The ids and numbers of `claims`, as the two arrays the claim statements
/// unnest.
fn claim_arrays(claims: &[NotificationClaim]) -> (Vec<i64>, Vec<i64>) {
    claims
        .iter()
        .map(|claim| (claim.id.get(), i64::from(claim.number)))
        .unzip()
}

#[async_trait]
impl NotificationOutbox for PgStore {
    async fn due_notifications(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Notification>, StoreError> {
        let rows: Vec<NotificationRow> = sqlx::query_as(sql::DUE_NOTIFICATIONS)
            .bind(to_ms(now))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading due notifications"))?;
        self.readable(rows, now).await
    }

    async fn claim_due_notifications(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Notification>, StoreError> {
        let mut rows: Vec<NotificationRow> = sqlx::query_as(sql::CLAIM_DUE_NOTIFICATIONS)
            .bind(to_ms(now))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(to_ms(lease_until))
            .fetch_all(&self.pool)
            .await
            .map_err(backend("claiming due notifications"))?;
        rows.sort_by_key(|row| (row.next_attempt_at_ms, row.id));
        self.readable(rows, now).await
    }

    async fn extend_claims(
        &self,
        claims: &[NotificationClaim],
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<NotificationClaim>, StoreError> {
        let (ids, numbers) = claim_arrays(claims);
        let kept: Vec<(i64, i64)> = sqlx::query_as(sql::EXTEND_CLAIMS)
            .bind(to_ms(lease_until))
            .bind(ids)
            .bind(numbers)
            .fetch_all(&self.pool)
            .await
            .map_err(backend("extending notification claims"))?;
        // What came back is a subset of what was asked: answer with the
        // asked claims, which need no conversion.
        Ok(claims
            .iter()
            .filter(|claim| kept.contains(&(claim.id.get(), i64::from(claim.number))))
            .copied()
            .collect())
    }

    async fn release_claims(&self, claims: &[NotificationClaim]) -> Result<(), StoreError> {
        let (ids, numbers) = claim_arrays(claims);
        sqlx::query(sql::RELEASE_CLAIMS)
            .bind(ids)
            .bind(numbers)
            .execute(&self.pool)
            .await
            .map_err(backend("releasing notification claims"))?;
        Ok(())
    }

    async fn mark_sent(
        &self,
        claim: NotificationClaim,
        at: DateTime<Utc>,
    ) -> Result<(), MarkNotificationError> {
        let update = sqlx::query(sql::MARK_SENT).bind(to_ms(at));
        self.settle(claim, update).await
    }

    async fn retry_later(
        &self,
        claim: NotificationClaim,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), MarkNotificationError> {
        let update = sqlx::query(sql::RETRY_LATER).bind(to_ms(next_attempt_at));
        self.settle(claim, update).await
    }

    async fn mark_failed(
        &self,
        claim: NotificationClaim,
        at: DateTime<Utc>,
        reason: FailureReason,
    ) -> Result<(), MarkNotificationError> {
        let update = sqlx::query(sql::MARK_FAILED)
            .bind(to_ms(at))
            .bind(reason.as_str().to_owned());
        self.settle(claim, update).await
    }

    async fn withdraw_notification(
        &self,
        claim: NotificationClaim,
    ) -> Result<(), MarkNotificationError> {
        self.settle(claim, sqlx::query(sql::WITHDRAW_NOTIFICATION))
            .await
    }

    async fn outbox_backlog(&self, now: DateTime<Utc>) -> Result<OutboxBacklog, StoreError> {
        let (due, oldest): (i64, Option<i64>) = sqlx::query_as(sql::OUTBOX_BACKLOG)
            .bind(to_ms(now))
            .fetch_one(&self.pool)
            .await
            .map_err(backend("measuring the outbox backlog"))?;
        // An aggregate of many rows has no key of its own.
        let record = Record::new("outbox backlog", 0);
        Ok(OutboxBacklog {
            due: convert::unsigned(record, due)?,
            oldest_due_at: convert::optional_instant(record, oldest)?,
        })
    }

    async fn notifications_of_booking(
        &self,
        booking: BookingId,
    ) -> Result<Vec<Notification>, StoreError> {
        let rows: Vec<NotificationRow> = sqlx::query_as(sql::NOTIFICATIONS_OF_BOOKING)
            .bind(booking.get())
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading a booking's notifications"))?;
        rows.into_iter()
            .map(NotificationRow::into_notification)
            .collect()
    }
}
