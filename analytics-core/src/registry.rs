//! The sink registry: each sink crate registers a [`SinkFactory`] with
//! `inventory::submit!`, and the binary builds whatever the configuration names from what is
//! compiled in.

use std::{sync::Arc, time::Duration};

use serde::de::DeserializeOwned;

use crate::{
    config::{ConfigError, LivekitConfig, RedisConfig, SinkSpec},
    sink::{Sink, SinkError},
};

/// How to build one kind of sink. Register with:
/// `analytics_core::inventory::submit! { SinkFactory { kind: "sqlite", build: build_sink } }`.
pub struct SinkFactory {
    /// The sink type named in the configuration, and the cargo feature that compiles it in.
    pub kind: &'static str,
    /// Builds the sink from its settings. Must not touch the network: connecting happens in
    /// [`Sink::initialize`], so a database that is down does not stop the service.
    pub build: fn(&SinkContext) -> Result<Arc<dyn Sink>, SinkError>,
}

inventory::collect!(SinkFactory);

/// What a sink is built from. Its `Debug` output masks secrets.
#[derive(Clone)]
pub struct SinkContext {
    /// The name under `sinks:` (metric label `sink`).
    pub name: String,
    /// Its settings, `type` removed.
    pub settings: serde_norway::Mapping,
    /// Time to live of stored records.
    pub expiration: Duration,
    /// LiveKit's own `redis:` section, the Redis sink's default server.
    pub livekit_redis: Option<RedisConfig>,
}

impl std::fmt::Debug for SinkContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SinkContext")
            .field("name", &self.name)
            .field(
                "settings",
                &crate::config::mask_secrets(serde_norway::Value::Mapping(self.settings.clone())),
            )
            .field("expiration", &self.expiration)
            .field("livekit_redis", &self.livekit_redis)
            .finish()
    }
}

impl SinkContext {
    /// The settings as the sink's own type (which should `deny_unknown_fields`).
    pub fn settings<T: DeserializeOwned>(&self) -> Result<T, SinkError> {
        serde_norway::from_value(serde_norway::Value::Mapping(self.settings.clone())).map_err(
            |error| SinkError::Config(format!("openvidu.analytics.sinks.{}: {error}", self.name)),
        )
    }
}

/// A configured sink: its name (metric label `sink`) and the sink.
pub type NamedSink = (String, Arc<dyn Sink>);

/// The sink kinds compiled into this binary, sorted.
pub fn compiled_sink_kinds() -> Vec<&'static str> {
    let mut kinds: Vec<_> = inventory::iter::<SinkFactory>().map(|f| f.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

/// Builds every configured sink, as `(name, sink)`.
pub fn build_sinks(config: &LivekitConfig) -> Result<Vec<NamedSink>, ConfigError> {
    config
        .sink_specs()?
        .into_iter()
        .map(|spec| build_sink(config, spec))
        .collect()
}

fn build_sink(config: &LivekitConfig, spec: SinkSpec) -> Result<NamedSink, ConfigError> {
    let factory = inventory::iter::<SinkFactory>()
        .find(|factory| factory.kind == spec.kind)
        .ok_or_else(|| {
            ConfigError::Invalid(format!(
                "sink `{}` has type `{}`, which is not compiled into this binary (compiled in: {}); rebuild with `cargo build -p analytics-bin --features {}`",
                spec.name,
                spec.kind,
                compiled_sink_kinds().join(", "),
                spec.kind
            ))
        })?;
    let context = SinkContext {
        name: spec.name.clone(),
        settings: spec.settings,
        expiration: config.openvidu.analytics.expiration,
        livekit_redis: config.redis.clone(),
    };
    let sink =
        (factory.build)(&context).map_err(|error| ConfigError::Invalid(error.to_string()))?;
    Ok((spec.name, sink))
}
