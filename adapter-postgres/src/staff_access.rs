//! The staff access port: wrong PINs, sessions and refusals in their own
//! tables (`staff_access_*`, schema level 3), each row with the instant after
//! which it no longer matters, so the purge is one indexed DELETE per table.

use async_trait::async_trait;
use booking_domain::StaffId;
use booking_ports::{
    EndSessionError, OpenSession, RecordRefusalError, RecordVersion, RedeemInvitationError,
    StaffAccessStore, StaffAccount, StaffUser, StoreError,
};
use chrono::{DateTime, Utc};

use crate::PgStore;
use crate::convert::{self, Record, instant, to_ms};
use crate::failure::backend;
use crate::sql;

/// The record a stored instant of `user`'s came from, for corrupt values.
fn record(user: StaffUser) -> Record {
    Record::new("staff access of user", user.get())
}

#[async_trait]
impl StaffAccessStore for PgStore {
    async fn failed_pins(
        &self,
        user: StaffUser,
        after: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let rows: Vec<i64> = sqlx::query_scalar(sql::FAILED_PINS_AFTER)
            .bind(user.get())
            .bind(to_ms(after))
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading wrong PINs"))?;
        rows.into_iter()
            .map(|ms| instant(record(user), ms))
            .collect()
    }

    async fn all_failed_pins(
        &self,
        after: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let rows: Vec<i64> = sqlx::query_scalar(sql::ALL_FAILED_PINS_AFTER)
            .bind(to_ms(after))
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading every wrong PIN"))?;
        let every_user = Record::new("wrong PINs of every user", 0);
        rows.into_iter().map(|ms| instant(every_user, ms)).collect()
    }

    async fn record_failed_pin(
        &self,
        user: StaffUser,
        at: DateTime<Utc>,
        forget_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(sql::INSERT_FAILED_PIN)
            .bind(user.get())
            .bind(to_ms(at))
            .bind(to_ms(forget_at))
            .execute(&self.pool)
            .await
            .map_err(backend("recording a wrong PIN"))?;
        Ok(())
    }

    async fn start_session(
        &self,
        user: StaffUser,
        until: DateTime<Utc>,
        credential: &str,
    ) -> Result<(), StoreError> {
        let context = "starting a staff session";
        let mut tx = self.begin_write().await.map_err(backend(context))?;
        sqlx::query(sql::UPSERT_STAFF_SESSION)
            .bind(user.get())
            .bind(to_ms(until))
            .bind(credential)
            .execute(&mut *tx)
            .await
            .map_err(backend(context))?;
        sqlx::query(sql::DELETE_FAILED_PINS_OF_USER)
            .bind(user.get())
            .execute(&mut *tx)
            .await
            .map_err(backend(context))?;
        tx.commit().await.map_err(backend(context))
    }

    async fn session_until(
        &self,
        user: StaffUser,
        now: DateTime<Utc>,
        credential: &str,
    ) -> Result<Option<OpenSession>, StoreError> {
        let row: Option<(i64, i64)> = sqlx::query_as(sql::LIVE_STAFF_SESSION)
            .bind(user.get())
            .bind(to_ms(now))
            .bind(credential)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend("reading a staff session"))?;
        row.map(|(until_ms, version)| {
            Ok(OpenSession {
                until: instant(record(user), until_ms)?,
                version: convert::version(record(user), version)?,
            })
        })
        .transpose()
    }

    async fn end_session(
        &self,
        user: StaffUser,
        now: DateTime<Utc>,
        version: RecordVersion,
    ) -> Result<(), EndSessionError> {
        let context = "ending a staff session";
        let ended: Option<i64> = sqlx::query_scalar(sql::DELETE_STAFF_SESSION)
            .bind(user.get())
            .bind(convert::version_to_stored(version))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend(context))?;
        match ended {
            // Compared as stored, so a session ending within the same
            // millisecond as `now` counts as ended, as `LIVE_STAFF_SESSION` has it.
            Some(until_ms) if until_ms > to_ms(now) => Ok(()),
            Some(_) => Err(EndSessionError::NotSignedIn),
            None => {
                // Nothing of that version: none at all, or a newer sign-in,
                // which stays.
                let newer: Option<i64> = sqlx::query_scalar(sql::STAFF_SESSION_VERSION)
                    .bind(user.get())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend(context))?;
                match newer {
                    Some(_) => Err(EndSessionError::Superseded { read: version }),
                    None => Err(EndSessionError::NotSignedIn),
                }
            }
        }
    }

    async fn record_refusal(
        &self,
        user: StaffUser,
        at: DateTime<Utc>,
        forget_at: DateTime<Utc>,
    ) -> Result<(), RecordRefusalError> {
        let recorded: Option<i64> = sqlx::query_scalar(sql::RECORD_REFUSAL)
            .bind(user.get())
            .bind(to_ms(at))
            .bind(to_ms(forget_at))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend("recording a refusal"))?;
        match recorded {
            Some(_) => Ok(()),
            None => Err(RecordRefusalError::AlreadyRefused),
        }
    }

    async fn purge_expired_staff_access(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let context = "purging staff access";
        let mut tx = self.begin_write().await.map_err(backend(context))?;
        let now = to_ms(now);
        let failed_pins = sqlx::query(sql::PURGE_FAILED_PINS)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(backend(context))?;
        let sessions = sqlx::query(sql::PURGE_STAFF_SESSIONS)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(backend(context))?;
        let refusals = sqlx::query(sql::PURGE_REFUSALS)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(backend(context))?;
        let invitations = sqlx::query(sql::PURGE_STAFF_INVITATIONS)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(backend(context))?;
        let purged = failed_pins.rows_affected()
            + sessions.rows_affected()
            + refusals.rows_affected()
            + invitations.rows_affected();
        tx.commit().await.map_err(backend(context))?;
        Ok(purged)
    }

    async fn add_staff_invitation(
        &self,
        code_hash: &str,
        member: StaffId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.insert_staff_invitation(code_hash, member, expires_at)
            .await
    }

    async fn redeem_staff_invitation(
        &self,
        code_hash: &str,
        user: StaffUser,
        language: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<StaffId, RedeemInvitationError> {
        self.use_staff_invitation(code_hash, user, language, now)
            .await
    }

    async fn staff_accounts(&self) -> Result<Vec<StaffAccount>, StoreError> {
        self.all_staff_accounts().await
    }

    async fn set_staff_language(&self, user: StaffUser, language: &str) -> Result<(), StoreError> {
        self.record_staff_language(user, language).await
    }
}
