//! Expiry by the chunked deletes both SQL sinks share ([`sink_sql::expiry`]): each chunk
//! finds up to [`CHUNK_ROWS`] expired rows through the `expire_at` index and deletes them by
//! physical address (`ctid`, a TID scan), so live rows are never read and no statement holds
//! locks or WAL for long; each chunk has the sink's write timeout.
//!
//! Why not daily partitions: a partitioned table's primary key must include the partition
//! column, so `id` alone could no longer be the primary key that makes re-sent records
//! no-ops (`ON CONFLICT (id)`); and rows arrive in `expire_at` order anyway, so the index
//! range being deleted is always its cold left end.

use std::time::{Duration, SystemTime};

use analytics_core::{record::unix_millis, SinkError};
pub(crate) use sink_sql::expiry::{delete_chunk, CHUNK_ROWS};
use sink_sql::{expiry::expire_in_chunks, Dialect};
use sqlx::{AssertSqlSafe, PgPool};

use crate::error;

/// Deletes expired rows of one schema.
#[derive(Clone)]
pub(crate) struct Expiry {
    pool: PgPool,
    dialect: Dialect,
    chunk_rows: i64,
    timeout: Duration,
}

impl Expiry {
    pub(crate) fn new(pool: PgPool, schema: &str, timeout: Duration) -> Expiry {
        Expiry {
            pool,
            dialect: Dialect::postgres(schema),
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
        expire_in_chunks(self.chunk_rows, |table| self.delete_chunk(table, now_ms)).await
    }

    /// One chunk of `table`; returns the rows it deleted.
    async fn delete_chunk(&self, table: &str, now_ms: i64) -> Result<u64, SinkError> {
        let statement = delete_chunk(&self.dialect, table);
        let query = sqlx::query(AssertSqlSafe(statement))
            .bind(now_ms)
            .bind(self.chunk_rows);
        let done = tokio::time::timeout(self.timeout, query.execute(&self.pool))
            .await
            .map_err(|_| {
                SinkError::unavailable(format!("expiry chunk not done within {:?}", self.timeout))
            })?
            .map_err(error::sink_error)?;
        Ok(done.rows_affected())
    }
}
