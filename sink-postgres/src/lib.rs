//! The PostgreSQL destination of livekit-analytics: `events` and `stats` with typed columns
//! for what dashboards filter on and the openvidu document as `data jsonb`, written in one
//! `UNNEST` statement per batch (`ON CONFLICT (id) DO NOTHING`), active entities kept in
//! batch order, versioned migrations under an advisory lock, expiry by chunked indexed
//! deletes, and the storage side of the active-entities fixer. See `docs/sink-postgres.md`.

mod active_entity_store;
mod columns;
mod config;
mod connection;
mod error;
mod expiry;
mod nul;
pub mod queries;
mod query;
mod schema;
mod sink;
mod statement;
mod url_parameters;
mod writer;

#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
#[cfg(test)]
mod tests;

pub use config::{PostgresConfig, DEFAULT_SCHEMA};
pub use schema::SCHEMA_VERSION;
pub use sink::PostgresSink;

use std::sync::Arc;

use analytics_core::{Sink, SinkContext, SinkError, SinkFactory};

fn build_postgres_sink(context: &SinkContext) -> Result<Arc<dyn Sink>, SinkError> {
    let config: PostgresConfig = context.settings()?;
    Ok(Arc::new(PostgresSink::new(&context.name, &config)?))
}

analytics_core::inventory::submit! {
    SinkFactory::new("postgres", build_postgres_sink)
}
