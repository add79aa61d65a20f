//! How the sink opens and closes its file: WAL journal, `synchronous = NORMAL`, and the
//! cache, memory map and checkpoint sizes that suit a write-heavy store
//! ([`connect_options`], public so that the bench's baseline opens its file the same way);
//! the folder created when missing; the WAL folded back into the file at shutdown.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

use analytics_core::SinkError;
use sqlx::{
    sqlite::SqlitePoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
    SqlitePool,
};

use crate::error;

/// Page cache per connection, in KiB (negative: a size, not a page count): the primary
/// keys and indexes are keyed by random ids, so inserts touch pages all over them, and
/// SQLite's default 2 MiB cache rereads them from the file for every batch. Pages are
/// cached as they are used, so a small database never takes this much.
const CACHE_SIZE: &str = "-65536";

/// Read the file through a memory map (up to 256 MiB) rather than a `pread` per page.
const MMAP_SIZE: &str = "268435456";

/// Copy the WAL back into the file every 10 000 pages (40 MiB) rather than every 1 000: a
/// checkpoint rewrites the same hot index pages, so fewer of them means less writing.
const WAL_AUTOCHECKPOINT: &str = "10000";

/// The options of every connection to the database file at `path` (created if missing).
pub fn connect_options(path: &Path) -> Result<SqliteConnectOptions, sqlx::Error> {
    Ok(SqliteConnectOptions::from_str("sqlite://")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .pragma("cache_size", CACHE_SIZE)
        .pragma("mmap_size", MMAP_SIZE)
        .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT))
}

/// Opens the pool on the file at `path`, creating its folder and the file when missing.
pub(crate) async fn open(path: &Path) -> Result<SqlitePool, SinkError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent).await.map_err(|error| {
            let message = format!("cannot create folder {}: {error}", parent.display());
            SinkError::classified(error::io_class(&error), message, error.into())
        })?;
    }
    let options = connect_options(path).map_err(error::sink_error)?;
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(|error| {
            let context = format!("cannot open {}", path.display());
            error::sink_error_in(&context, error)
        })?;
    tracing::info!(path = %absolute(path).display(), "SQLite database opened");
    Ok(pool)
}

/// Closes `pool` on the file at `path`.
pub(crate) async fn close(pool: &SqlitePool, path: &Path) {
    // TRUNCATE copies the whole WAL into the file and empties it; closing the pool then
    // lets the last connection remove it.
    if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(pool)
        .await
    {
        tracing::warn!(error = %error, path = %path.display(), "cannot fold the WAL back into the database file");
    }
    pool.close().await;
    tracing::info!(path = %absolute(path).display(), "SQLite database closed");
}

/// `path` from the root, so that the log says where the file is whatever the working folder.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}
