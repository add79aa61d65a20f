//! Expiry by indexed deletes in bounded chunks, for both SQL sinks: each statement deletes
//! at most [`CHUNK_ROWS`] expired rows, found through the `expire_at` index, so that no
//! statement holds locks (SQLite's write lock, PostgreSQL's row locks and WAL) for long.

use std::future::Future;

use analytics_core::SinkError;

use crate::{
    tables::{EVENTS, EXPIRING, STATS},
    Dialect,
};

/// Rows deleted per statement: big enough to amortise the round trip, small enough that a
/// chunk takes well under a second.
pub const CHUNK_ROWS: i64 = 5_000;

/// The statement deleting up to `$2` rows of `table` whose `expire_at` is before `$1`
/// (unix milliseconds). PostgreSQL deletes them by physical address (`ctid`, a TID scan),
/// so live rows are never read.
pub fn delete_chunk(dialect: &Dialect, table: &str) -> String {
    let qualified = dialect.table(table);
    match dialect {
        Dialect::Sqlite => format!(
            "DELETE FROM {qualified} WHERE id IN (SELECT id FROM {qualified} WHERE expire_at < $1 LIMIT $2)"
        ),
        Dialect::Postgres { .. } => format!(
            "DELETE FROM {qualified} WHERE ctid = ANY (ARRAY(
            SELECT ctid FROM {qualified}
            WHERE expire_at < {}
            LIMIT $2))",
            dialect.timestamp("$1::int8")
        ),
    }
}

/// Runs `delete_chunk(table)` (a [`delete_chunk`] statement; returns the rows it deleted)
/// on each expiring table until a chunk deletes fewer than `chunk_rows`; returns how many
/// records (events and stats) went: the rollup rows that expire with them are not records.
pub async fn expire_in_chunks<F, Fut>(
    chunk_rows: i64,
    mut delete_chunk: F,
) -> Result<u64, SinkError>
where
    F: FnMut(&'static str) -> Fut,
    Fut: Future<Output = Result<u64, SinkError>>,
{
    let mut removed = 0;
    for table in EXPIRING {
        loop {
            let deleted = delete_chunk(table.name).await?;
            if table.name == EVENTS.name || table.name == STATS.name {
                removed += deleted;
            }
            if deleted < chunk_rows.unsigned_abs() {
                break;
            }
        }
    }
    Ok(removed)
}
