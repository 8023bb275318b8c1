//! The store as plain text cells, for `booking migrate-store`
//! (`booking_ports::stored::transfer`): every business table, read in one
//! transaction so the copy is of one moment, and the id counters.

use booking_ports::StoreError;
use booking_ports::stored::transfer::{StoreDump, TABLES, TableDump};
use sqlx::{AssertSqlSafe, Row};

use crate::SqliteStore;
use crate::failure::backend;
use crate::sql;

impl SqliteStore {
    /// Every table of `TABLES` with its rows in key order, and the id
    /// counters. Holds the whole store in memory: a small business's is a
    /// few megabytes.
    ///
    /// # Errors
    /// [`StoreError`] when a read fails.
    pub async fn dump(&self) -> Result<StoreDump, StoreError> {
        let failed = backend("dumping the database");
        let mut tx = self.pool.begin().await.map_err(&failed)?;
        let mut tables = Vec::with_capacity(TABLES.len());
        for (name, order) in TABLES {
            let columns: Vec<String> = sqlx::query_scalar(sql::TABLE_COLUMNS)
                .bind(*name)
                .fetch_all(&mut *tx)
                .await
                .map_err(&failed)?;
            let rows = sqlx::query(AssertSqlSafe(sql::dump_table(name, &columns, order)))
                .fetch_all(&mut *tx)
                .await
                .map_err(&failed)?;
            let rows = rows
                .iter()
                .map(|row| {
                    (0..columns.len())
                        .map(|i| row.try_get::<Option<String>, _>(i))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(&failed)?;
            tables.push(TableDump {
                name: (*name).to_owned(),
                columns,
                rows,
            });
        }
        let counters: Vec<(String, i64)> = sqlx::query_as(sql::ID_COUNTERS)
            .fetch_all(&mut *tx)
            .await
            .map_err(&failed)?;
        tx.commit().await.map_err(&failed)?;
        Ok(StoreDump { tables, counters })
    }
}
