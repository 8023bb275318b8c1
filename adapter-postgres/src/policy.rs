//! The policy overrides an owner set from a bot: one row per setting, read
//! back with the same checks as the configuration file's values.

use booking_domain::{PolicyChange, PolicyField, PolicyOverrides};
use booking_ports::StoreError;
use sqlx::PgPool;

use crate::failure::backend;
use crate::sql;

#[derive(sqlx::FromRow)]
struct OverrideRow {
    field: String,
    value: i64,
}

/// Every stored override.
pub(crate) async fn overrides(pool: &PgPool) -> Result<PolicyOverrides, StoreError> {
    let rows: Vec<OverrideRow> = sqlx::query_as(sql::POLICY_OVERRIDES)
        .fetch_all(pool)
        .await
        .map_err(backend("reading the policy overrides"))?;
    let changes = rows
        .into_iter()
        .map(|row| {
            let corrupt = |e: booking_ports::BoxError| {
                StoreError::corrupt(format!("policy override {}", row.field), e)
            };
            PolicyField::from_key(&row.field)
                .ok_or_else(|| corrupt("no such policy setting".into()))?
                .with_stored(row.value)
                .map_err(|e| corrupt(e.into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PolicyOverrides::new(changes))
}

/// Stores `change` in place of its setting's earlier value.
pub(crate) async fn set(pool: &PgPool, change: PolicyChange) -> Result<(), StoreError> {
    sqlx::query(sql::UPSERT_POLICY_OVERRIDE)
        .bind(change.field().key())
        .bind(change.stored_value())
        .execute(pool)
        .await
        .map_err(backend("changing the policy"))?;
    Ok(())
}

/// Forgets every override.
pub(crate) async fn clear(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query(sql::DELETE_POLICY_OVERRIDES)
        .execute(pool)
        .await
        .map_err(backend("resetting the policy"))?;
    Ok(())
}
