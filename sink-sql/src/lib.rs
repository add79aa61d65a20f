//! What the two SQL sinks (`sink-sqlite`, `sink-postgres`) share, written once and rendered
//! per [`Dialect`]: the final shape of their tables ([`tables`]), checked against each
//! migrated database by [`schema_check`]; the queries of the active-entities fixer's store
//! ([`ActiveEntityQueries`]) and the store itself ([`impl_active_entity_store!`]); and the
//! chunked-delete expiry loop ([`expiry`]); the read side's queries ([`SessionQueries`],
//! with the richer read API's lookups, run by [`impl_session_rows!`]). No driver: each sink
//! runs the SQL with its own.

mod active_entity_queries;
mod active_entity_rows;
mod active_entity_store;
pub mod connection_rollup;
mod dialect;
pub mod expiry;
mod explore_queries;
mod explore_row_values;
#[cfg(feature = "testkit")]
pub mod migration_fixture;
pub mod rollups;
pub mod schema_check;
mod session_queries;
mod session_row_values;
mod session_rows;
pub mod tables;

pub use active_entity_queries::{ActiveEntityQueries, SERVER_ID};
pub use active_entity_rows::{
    lease_millis, start_document, stored_active_entities, time_of_millis, ActiveEntityRow,
};
pub use dialect::Dialect;
pub use explore_queries::SearchParameters;
pub use explore_row_values::{
    connection_totals, opened_connection, stats_bucket, stats_totals, stored_event,
    ConnectionTotalsRow, OpenedConnectionRow, StatsBucketRow, StatsTotalsRow, StoredEventRow,
};
pub use session_queries::SessionQueries;
pub use session_row_values::{created_room, room_event, room_traffic};

/// What [`impl_active_entity_store!`] names in its expansion.
#[doc(hidden)]
pub mod __private {
    pub use analytics_core;
    pub use async_trait;
    pub use serde_json;
}
