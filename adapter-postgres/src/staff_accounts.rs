//! Staff invitations and accounts (schema level 10): an invitation is used
//! and its account written in one transaction, so a code links one user
//! once.

use booking_domain::StaffId;
use booking_ports::{RedeemInvitationError, StaffAccount, StaffUser, StoreError};
use chrono::{DateTime, Utc};

use crate::PgStore;
use crate::convert::{self, Record, to_ms};
use crate::failure::backend;
use crate::sql;

#[derive(sqlx::FromRow)]
struct AccountRow {
    user_id: i64,
    staff_id: Option<i64>,
    language: Option<String>,
}

impl PgStore {
    pub(crate) async fn insert_staff_invitation(
        &self,
        code_hash: &str,
        member: StaffId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(sql::INSERT_STAFF_INVITATION)
            .bind(code_hash)
            .bind(member.get())
            .bind(to_ms(expires_at))
            .execute(&self.pool)
            .await
            .map_err(backend("inviting a staff member"))?;
        Ok(())
    }

    pub(crate) async fn use_staff_invitation(
        &self,
        code_hash: &str,
        user: StaffUser,
        language: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<StaffId, RedeemInvitationError> {
        let context = "using an invitation";
        let mut tx = self.begin_write().await.map_err(backend(context))?;
        let staff: Option<i64> = sqlx::query_scalar(sql::TAKE_STAFF_INVITATION)
            .bind(code_hash)
            .bind(to_ms(now))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend(context))?;
        let Some(staff) = staff else {
            return Err(RedeemInvitationError::NotFound);
        };
        let member = convert::id(Record::new("staff invitation", staff), staff, StaffId::new)?;
        sqlx::query(sql::LINK_STAFF_ACCOUNT)
            .bind(user.get())
            .bind(staff)
            .bind(language)
            .execute(&mut *tx)
            .await
            .map_err(backend(context))?;
        tx.commit().await.map_err(backend(context))?;
        Ok(member)
    }

    pub(crate) async fn all_staff_accounts(&self) -> Result<Vec<StaffAccount>, StoreError> {
        let rows: Vec<AccountRow> = sqlx::query_as(sql::STAFF_ACCOUNTS)
            .fetch_all(&self.pool)
            .await
            .map_err(backend("reading staff accounts"))?;
        rows.into_iter()
            .map(|row| {
                let record = Record::new("staff account", row.user_id);
                Ok(StaffAccount {
                    user: StaffUser::new(row.user_id),
                    member: row
                        .staff_id
                        .map(|id| convert::id(record, id, StaffId::new))
                        .transpose()?,
                    language: row.language,
                })
            })
            .collect()
    }

    pub(crate) async fn record_staff_language(
        &self,
        user: StaffUser,
        language: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(sql::SET_STAFF_LANGUAGE)
            .bind(user.get())
            .bind(language)
            .execute(&self.pool)
            .await
            .map_err(backend("recording a staff member's language"))?;
        Ok(())
    }
}
