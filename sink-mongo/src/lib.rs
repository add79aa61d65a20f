//! The MongoDB destination of livekit-analytics: a drop-in for openvidu-livekit's storage
//! (database `openvidu`, collections `events`, `stats`, `active_entities`, `last_alive`, the
//! same indexes and documents), registered as sink type `mongo`.

mod active_entity_store;
pub mod config;
mod connection;
pub mod document;
mod error;
mod expiry;
mod explore_events;
mod explore_stats;
pub mod indexes;
mod open_now;
mod query;
mod session_search;
mod sink;
mod stat_sums;
mod stored_fields;
mod writer;

#[cfg(feature = "testkit")]
pub mod testkit;

use std::sync::Arc;

use analytics_core::{registry::Mapping, AnalyticsConfig, Sink, SinkContext, SinkError};

pub use config::MongoSettings;
pub use sink::MongoSink;

analytics_core::inventory::submit! {
    analytics_core::SinkFactory::new("mongo", build_mongo_sink)
        .legacy_key("mongo_url", mongo_url_settings)
}

/// The seed's `openvidu.analytics.mongo_url` (with `database`) alone means one MongoDB sink
/// named `mongo`.
fn mongo_url_settings(analytics: &AnalyticsConfig) -> Option<Mapping> {
    let url = analytics.mongo_url.as_ref()?;
    let mut settings = Mapping::new();
    settings.insert("url".into(), url.clone().into());
    settings.insert("database".into(), analytics.database.clone().into());
    Some(settings)
}

/// Builds a MongoDB sink from its settings, without touching the network.
pub fn build_mongo_sink(context: &SinkContext) -> Result<Arc<dyn Sink>, SinkError> {
    let settings: MongoSettings = context.settings()?;
    Ok(Arc::new(MongoSink::new(context.name.clone(), settings)?))
}
