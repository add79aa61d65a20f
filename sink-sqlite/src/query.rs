//! The SQLite side of the read API: the session queries both SQL sinks share
//! ([`sink_sql::impl_session_rows!`]) run on this sink's pool, in SQLite's spelling.

use analytics_core::SinkError;
use sink_sql::{Dialect, SessionQueries};
use sqlx::SqlitePool;

use crate::{error::sink_error, sink::SqliteSink};

impl SqliteSink {
    /// The pool the read queries run on, opened on first use.
    async fn query_pool(&self) -> Result<&SqlitePool, SinkError> {
        self.pool().await
    }

    /// The read queries, in SQLite's spelling.
    fn session_queries(&self) -> SessionQueries {
        SessionQueries::new(Dialect::Sqlite)
    }
}

sink_sql::impl_session_rows!(SqliteSink, sink_error);
