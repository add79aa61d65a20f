//! Expiry: the chunked deletes both SQL sinks share ([`sink_sql::expiry`]), each chunk one
//! statement, so that expiry never holds SQLite's write lock for long.

use std::time::SystemTime;

use analytics_core::{record::unix_millis, SinkError};
use sink_sql::{
    expiry::{delete_chunk, expire_in_chunks, CHUNK_ROWS},
    Dialect,
};
use sqlx::{AssertSqlSafe, SqlitePool};

use crate::error::sink_error;

/// Deletes every row whose `expire_at` is before `now`; returns how many.
pub(crate) async fn expire(pool: &SqlitePool, now: SystemTime) -> Result<u64, SinkError> {
    let now_ms = unix_millis(now);
    expire_in_chunks(CHUNK_ROWS, |table| async move {
        let deleted = sqlx::query(AssertSqlSafe(delete_chunk(&Dialect::Sqlite, table)))
            .bind(now_ms)
            .bind(CHUNK_ROWS)
            .execute(pool)
            .await
            .map_err(sink_error)?;
        Ok(deleted.rows_affected())
    })
    .await
}
