//! The PostgreSQL side of the shared active-entities fixer: `active_entities`,
//! `last_alive` and `fixer_lease` (a lease row whose expiry is the server's clock), and the
//! close-event lookups on `events`. The store is the one both SQL sinks share
//! ([`sink_sql::impl_active_entity_store!`]); this file gives it the sink's pool and the
//! queries on the sink's schema.

use analytics_core::SinkError;
use sink_sql::{ActiveEntityQueries, Dialect};
use sqlx::PgPool;

use crate::{error::sink_error, sink::PostgresSink};

impl PostgresSink {
    /// The pool the store's queries run on (it connects lazily by itself).
    async fn fixer_pool(&self) -> Result<&PgPool, SinkError> {
        Ok(self.pool())
    }

    /// The store's queries on this sink's schema.
    fn fixer_queries(&self) -> ActiveEntityQueries {
        ActiveEntityQueries::new(Dialect::postgres(self.schema_name()))
    }
}

sink_sql::impl_active_entity_store!(PostgresSink, sink_error);
