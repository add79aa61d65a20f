//! Stand-ins for the SQLite and MongoDB registrations, so the configuration tests see the
//! default sink and the seed's `mongo_url` key that those crates register in a real binary.

use std::sync::Arc;

use serde_norway::Mapping;

use super::{AnalyticsConfig, DEFAULT_SQLITE_PATH};
use crate::{registry::SinkFactory, Sink, SinkContext, SinkError};

fn not_buildable(_: &SinkContext) -> Result<Arc<dyn Sink>, SinkError> {
    Err(SinkError::config("a configuration-test stand-in"))
}

fn default_settings() -> Mapping {
    let mut settings = Mapping::new();
    settings.insert("path".into(), DEFAULT_SQLITE_PATH.into());
    settings
}

fn mongo_url_settings(analytics: &AnalyticsConfig) -> Option<Mapping> {
    let url = analytics.mongo_url.as_ref()?;
    let mut settings = Mapping::new();
    settings.insert("url".into(), url.clone().into());
    settings.insert("database".into(), analytics.database.clone().into());
    Some(settings)
}

inventory::submit! {
    SinkFactory::new("sqlite", not_buildable).default_sink(default_settings)
}

inventory::submit! {
    SinkFactory::new("mongo", not_buildable).legacy_key("mongo_url", mongo_url_settings)
}
