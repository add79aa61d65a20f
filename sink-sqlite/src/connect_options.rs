//! How the sink opens its file: WAL journal, `synchronous = NORMAL`, and the cache, memory
//! map and checkpoint sizes that suit a write-heavy store. Public so that the bench's
//! baseline opens its file the same way.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

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
