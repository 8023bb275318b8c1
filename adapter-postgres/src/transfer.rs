//! A whole store copied in, for `booking migrate-store`
//! (`booking_ports::stored::transfer`): into an empty database, every
//! table in load order in one transaction (all or nothing), then the id
//! sequences moved past the source's counters; and the store dumped as the
//! same canonical cells, which is how the copy is verified.

use booking_ports::StoreError;
use booking_ports::stored::transfer::{StoreDump, TABLES, TableDump};
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Row};

use crate::PgStore;
use crate::failure::backend;
use crate::sql;

/// Why a dump could not be loaded; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The target already holds data: a copy goes into an empty database.
    #[error("the target database is not empty: {table} has rows")]
    NotEmpty { table: String },
    /// A table's columns differ from the dump's: the two stores are at
    /// schema levels that do not match.
    #[error("the table {table} has other columns in the target than in the source")]
    Schema { table: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PgStore {
    /// Loads `dump` into this store, which must be empty.
    ///
    /// # Errors
    /// [`LoadError`]; nothing is written then.
    pub async fn load(&self, dump: &StoreDump) -> Result<(), LoadError> {
        let failed = backend("copying into the database");
        let mut tx = self.pool.begin().await.map_err(&failed)?;
        for table in &dump.tables {
            let columns = columns(&mut tx, &table.name).await?;
            let names: Vec<&String> = columns.iter().map(|(name, _)| name).collect();
            if names != table.columns.iter().collect::<Vec<_>>() {
                return Err(LoadError::Schema {
                    table: table.name.clone(),
                });
            }
            let filled: bool = sqlx::query_scalar(AssertSqlSafe(sql::has_rows(&table.name)))
                .fetch_one(&mut *tx)
                .await
                .map_err(&failed)?;
            if filled {
                return Err(LoadError::NotEmpty {
                    table: table.name.clone(),
                });
            }
            for row in &table.rows {
                // Built per row (microseconds, beside a round trip) so that
                // every statement visibly comes from `sql`.
                let mut query = sqlx::query(AssertSqlSafe(sql::load_row(&table.name, &columns)));
                for cell in row {
                    query = query.bind(cell.as_deref());
                }
                query.execute(&mut *tx).await.map_err(&failed)?;
            }
            move_sequence(&mut tx, table, &dump.counters).await?;
        }
        tx.commit().await.map_err(&failed)?;
        Ok(())
    }

    /// Every table of `TABLES` with its rows in key order, as canonical
    /// cells. No counters: PostgreSQL's sequences are not copied out.
    ///
    /// # Errors
    /// [`StoreError`] when a read fails.
    pub async fn dump(&self) -> Result<StoreDump, StoreError> {
        let failed = backend("dumping the database");
        let mut tx = self.pool.begin().await.map_err(&failed)?;
        let mut tables = Vec::with_capacity(TABLES.len());
        for (name, order) in TABLES {
            let columns = columns(&mut tx, name).await?;
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
                columns: columns.into_iter().map(|(name, _)| name).collect(),
                rows,
            });
        }
        tx.commit().await.map_err(&failed)?;
        Ok(StoreDump {
            tables,
            counters: Vec::new(),
        })
    }
}

/// `table`'s stored columns with their types.
async fn columns(
    connection: &mut PgConnection,
    table: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    sqlx::query_as(sql::TABLE_COLUMNS)
        .bind(table)
        .fetch_all(connection)
        .await
        .map_err(backend("reading the schema"))
}

/// Moves `table`'s id sequence past its highest id and the source's
/// counter, so no id is handed out twice.
async fn move_sequence(
    connection: &mut PgConnection,
    table: &TableDump,
    counters: &[(String, i64)],
) -> Result<(), StoreError> {
    if !table.columns.iter().any(|column| column == "id") {
        return Ok(());
    }
    let failed = backend("moving an id sequence");
    let sequence: Option<String> = sqlx::query_scalar(sql::ID_SEQUENCE)
        .bind(&table.name)
        .fetch_one(&mut *connection)
        .await
        .map_err(&failed)?;
    let Some(sequence) = sequence else {
        return Ok(());
    };
    let highest: i64 = sqlx::query_scalar(AssertSqlSafe(sql::max_id(&table.name)))
        .fetch_one(&mut *connection)
        .await
        .map_err(&failed)?;
    let counter = counters
        .iter()
        .find(|(name, _)| *name == table.name)
        .map_or(0, |(_, counter)| *counter);
    let last = highest.max(counter);
    if last > 0 {
        sqlx::query(sql::SET_ID_SEQUENCE)
            .bind(sequence)
            .bind(last)
            .execute(&mut *connection)
            .await
            .map_err(&failed)?;
    }
    Ok(())
}
