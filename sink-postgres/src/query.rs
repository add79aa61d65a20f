//! The PostgreSQL side of the read API: the session queries both SQL sinks share
//! ([`sink_sql::impl_session_rows!`]) run on this sink's pool, on its schema.

use analytics_core::SinkError;
use sink_sql::{Dialect, SessionQueries};
use sqlx::PgPool;

use crate::{error::sink_error, sink::PostgresSink};

impl PostgresSink {
    /// The pool the read queries run on (it connects lazily by itself).
    async fn query_pool(&self) -> Result<&PgPool, SinkError> {
        Ok(self.pool())
    }

    /// The read queries on this sink's schema.
    fn session_queries(&self) -> SessionQueries {
        SessionQueries::new(Dialect::postgres(self.schema_name()))
    }
}

sink_sql::impl_session_rows!(PostgresSink, sink_error);
