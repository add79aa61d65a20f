//! The SQLite destination: the embedded default, so livekit-analytics runs with no database
//! server at all. One file, WAL journal, batched multi-row inserts in one transaction,
//! expiry by indexed deletes, and the storage side of the active-entities fixer.

mod active_entity_store;
mod config;
mod connect_options;
mod schema;
mod sink;
mod writer;

pub use config::SqliteConfig;
pub use connect_options::connect_options;
pub use sink::SqliteSink;

use std::sync::Arc;

use analytics_core::{Sink, SinkContext, SinkError, SinkFactory};

fn build_sqlite_sink(context: &SinkContext) -> Result<Arc<dyn Sink>, SinkError> {
    let config: SqliteConfig = context.settings()?;
    Ok(Arc::new(SqliteSink::new(config)))
}

analytics_core::inventory::submit! {
    SinkFactory { kind: "sqlite", build: build_sqlite_sink }
}
