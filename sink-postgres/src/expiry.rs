//! Expiry by indexed deletes in bounded chunks: each chunk finds up to [`CHUNK_ROWS`] expired
//! rows through the `expire_at` index and deletes them by physical address (`ctid`, a TID
//! scan), so live rows are never read and no statement holds locks or WAL for long.
//!
//! Why not daily partitions: a partitioned table's primary key must include the partition
//! column, so `id` alone could no longer be the primary key that makes re-sent records
//! no-ops (`ON CONFLICT (id)`); and rows arrive in `expire_at` order anyway, so the index
//! range being deleted is always its cold left end.

use std::time::{Duration, SystemTime};

use analytics_core::{record::unix_millis, SinkError};
use sqlx::{AssertSqlSafe, PgPool};

use crate::error;

/// Rows deleted per statement: big enough to amortise the round trip, small enough that a
/// chunk takes well under a second.
pub(crate) const CHUNK_ROWS: i64 = 5_000;

/// The tables that expire.
const TABLES: [&str; 2] = ["events", "stats"];

/// The chunk delete of `table` in `schema` (quoted). `$1` = now in unix ms, `$2` = limit.
pub(crate) fn delete_chunk(schema: &str, table: &str) -> String {
    format!(
        "DELETE FROM {schema}.{table} WHERE ctid = ANY (ARRAY(
            SELECT ctid FROM {schema}.{table}
            WHERE expire_at < 'epoch'::timestamptz + $1::int8 * interval '1 millisecond'
            LIMIT $2))"
    )
}

/// Deletes expired rows of one schema.
#[derive(Clone)]
pub(crate) struct Expiry {
    pool: PgPool,
    statements: Vec<String>,
    chunk_rows: i64,
    timeout: Duration,
}

impl Expiry {
    pub(crate) fn new(pool: PgPool, quoted_schema: &str, timeout: Duration) -> Expiry {
        Expiry {
            pool,
            statements: TABLES
                .iter()
                .map(|table| delete_chunk(quoted_schema, table))
                .collect(),
            chunk_rows: CHUNK_ROWS,
            timeout,
        }
    }

    /// The same with smaller chunks, to test the chunk loop on little data.
    #[cfg(test)]
    pub(crate) fn with_chunk_rows(self, chunk_rows: i64) -> Expiry {
        Expiry { chunk_rows, ..self }
    }

    /// Deletes every row whose `expire_at` is before `now`, chunk by chunk; returns how many.
    pub(crate) async fn expire(&self, now: SystemTime) -> Result<u64, SinkError> {
        let now_ms = unix_millis(now);
        let mut removed = 0;
        for statement in &self.statements {
            loop {
                let query = sqlx::query(AssertSqlSafe(statement.as_str()))
                    .bind(now_ms)
                    .bind(self.chunk_rows);
                let deleted = tokio::time::timeout(self.timeout, query.execute(&self.pool))
                    .await
                    .map_err(|_| {
                        SinkError::unavailable(format!(
                            "expiry chunk not done within {:?}",
                            self.timeout
                        ))
                    })?
                    .map_err(error::sink_error)?
                    .rows_affected();
                removed += deleted;
                if deleted < self.chunk_rows.unsigned_abs() {
                    break;
                }
            }
        }
        Ok(removed)
    }
}
