//! The SQLite side of the shared active-entities fixer: the `active_entities`,
//! `last_alive` and `fixer_lease` tables, and the close-event lookups on `events`. The store
//! is the one both SQL sinks share ([`sink_sql::impl_active_entity_store!`]); this file
//! gives it the sink's pool and SQLite's spelling of the queries.

use analytics_core::SinkError;
use sink_sql::{ActiveEntityQueries, Dialect};
use sqlx::SqlitePool;

use crate::{error::sink_error, sink::SqliteSink};

impl SqliteSink {
    /// The pool the store's queries run on, opened on first use.
    async fn fixer_pool(&self) -> Result<&SqlitePool, SinkError> {
        self.pool().await
    }

    /// The store's queries, in SQLite's spelling.
    fn fixer_queries(&self) -> ActiveEntityQueries {
        ActiveEntityQueries::new(Dialect::Sqlite)
    }
}

sink_sql::impl_active_entity_store!(SqliteSink, sink_error);
