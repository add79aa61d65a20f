//! The MongoDB destination of livekit-analytics: a drop-in for openvidu-livekit's storage
//! (database `openvidu`, collections `events`, `stats`, `active_entities`, `last_alive`, the
//! same indexes and documents), registered as sink type `mongo`.

mod active_entities;
mod active_entity_store;
pub mod config;
pub mod document;
pub mod indexes;
mod retry_policy;
mod sink;
mod writer;

use std::sync::Arc;

use analytics_core::{Sink, SinkContext, SinkError};

pub use config::MongoSettings;
pub use sink::MongoSink;

analytics_core::inventory::submit! {
    analytics_core::SinkFactory { kind: "mongo", build: build_mongo_sink }
}

/// Builds a MongoDB sink from its settings, without touching the network.
pub fn build_mongo_sink(context: &SinkContext) -> Result<Arc<dyn Sink>, SinkError> {
    let settings: MongoSettings = context.settings()?;
    Ok(Arc::new(MongoSink::new(context.name.clone(), settings)?))
}
