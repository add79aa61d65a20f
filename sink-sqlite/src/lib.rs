//! The SQLite destination: the embedded default, so livekit-analytics runs with no database
//! server at all. One file, WAL journal, batched multi-row inserts in one transaction,
//! expiry by indexed deletes, and the storage side of the active-entities fixer.

mod active_entity_store;
mod config;
mod connection;
mod error;
mod expiry;
mod query;
mod schema;
mod sink;
mod writer;

#[cfg(feature = "testkit")]
pub mod testkit;

pub use config::SqliteConfig;
pub use connection::connect_options;
pub use sink::SqliteSink;

use std::sync::Arc;

use analytics_core::{Sink, SinkContext, SinkError, SinkFactory};

fn build_sqlite_sink(context: &SinkContext) -> Result<Arc<dyn Sink>, SinkError> {
    let config: SqliteConfig = context.settings()?;
    Ok(Arc::new(SqliteSink::new(config)))
}

/// The sink run when the configuration names none: this file in the working directory.
fn default_settings() -> analytics_core::registry::Mapping {
    let mut settings = analytics_core::registry::Mapping::new();
    settings.insert(
        "path".into(),
        analytics_core::config::DEFAULT_SQLITE_PATH.into(),
    );
    settings
}

analytics_core::inventory::submit! {
    SinkFactory::new("sqlite", build_sqlite_sink).default_sink(default_settings)
}
