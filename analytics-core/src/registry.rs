//! The sink registry: each sink crate registers a [`SinkFactory`] with
//! `inventory::submit!`, and the binary builds whatever the configuration names from what is
//! compiled in.

use std::{sync::Arc, time::Duration};

use serde::de::DeserializeOwned;
/// A sink's settings, as read from the configuration.
pub use serde_norway::Mapping;

use crate::{
    config::{AnalyticsConfig, ConfigError, LivekitConfig, SinkSpec},
    sink::{Sink, SinkError},
};

/// How to build one kind of sink, and what the configuration says about it without naming
/// it. Register with:
/// `analytics_core::inventory::submit! { SinkFactory::new("mykind", build_sink) }`.
pub struct SinkFactory {
    /// The sink type named in the configuration, and the cargo feature that compiles it in.
    pub kind: &'static str,
    /// Builds the sink from its settings. Must not touch the network: connecting happens in
    /// [`Sink::initialize`], so a database that is down does not stop the service.
    pub build: fn(&SinkContext) -> Result<Arc<dyn Sink>, SinkError>,
    /// The settings of the sink run when the configuration names none; set on the one
    /// kind that is the default.
    pub default_settings: Option<fn() -> Mapping>,
    /// A key of `openvidu.analytics` that configures a sink of this kind on its own.
    pub legacy_key: Option<LegacyKey>,
}

/// A key of `openvidu.analytics` older than `sinks:` that, when set, means one sink of its
/// kind (named after the kind), with the settings `settings` reads from the section.
pub struct LegacyKey {
    /// The key, for the error when `sinks:` configures the same kind too.
    pub key: &'static str,
    /// The sink's settings when the key is set, else `None`.
    pub settings: fn(&AnalyticsConfig) -> Option<Mapping>,
}

impl SinkFactory {
    /// A factory for `kind`, neither the default nor reached by a legacy key.
    pub const fn new(
        kind: &'static str,
        build: fn(&SinkContext) -> Result<Arc<dyn Sink>, SinkError>,
    ) -> SinkFactory {
        SinkFactory {
            kind,
            build,
            default_settings: None,
            legacy_key: None,
        }
    }

    /// This kind runs, with `settings`, when the configuration names no sink.
    pub const fn default_sink(self, settings: fn() -> Mapping) -> SinkFactory {
        SinkFactory {
            default_settings: Some(settings),
            ..self
        }
    }

    /// The `openvidu.analytics` key `key` configures a sink of this kind on its own.
    pub const fn legacy_key(
        self,
        key: &'static str,
        settings: fn(&AnalyticsConfig) -> Option<Mapping>,
    ) -> SinkFactory {
        SinkFactory {
            legacy_key: Some(LegacyKey { key, settings }),
            ..self
        }
    }
}

inventory::collect!(SinkFactory);

/// What a sink is built from. Its `Debug` output masks secrets.
#[derive(Clone)]
pub struct SinkContext {
    /// The name under `sinks:` (metric label `sink`).
    pub name: String,
    /// Its settings, `type` removed.
    pub settings: Mapping,
    /// Time to live of stored records.
    pub expiration: Duration,
    /// LiveKit's whole configuration (its `redis:` section is the Redis sink's default
    /// server).
    pub livekit: Arc<LivekitConfig>,
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
            .field("livekit_redis", &self.livekit.redis)
            .finish()
    }
}

impl SinkContext {
    /// The context of the sink `name` with `settings`, records kept for `expiration`, and
    /// an empty LiveKit configuration (see [`SinkContext::with_livekit`]).
    pub fn new(name: impl Into<String>, settings: Mapping, expiration: Duration) -> SinkContext {
        SinkContext {
            name: name.into(),
            settings,
            expiration,
            livekit: Arc::new(LivekitConfig::default()),
        }
    }

    /// The same context with LiveKit's configuration `livekit`.
    pub fn with_livekit(self, livekit: Arc<LivekitConfig>) -> SinkContext {
        SinkContext { livekit, ..self }
    }

    /// The settings as the sink's own type (which should `deny_unknown_fields`).
    pub fn settings<T: DeserializeOwned>(&self) -> Result<T, SinkError> {
        serde_norway::from_value(serde_norway::Value::Mapping(self.settings.clone())).map_err(
            |error| SinkError::config(format!("openvidu.analytics.sinks.{}: {error}", self.name)),
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
    let context = SinkContext::new(
        spec.name.clone(),
        spec.settings,
        config.openvidu.analytics.expiration,
    )
    .with_livekit(Arc::new(config.clone()));
    let sink =
        (factory.build)(&context).map_err(|error| ConfigError::Invalid(error.to_string()))?;
    Ok((spec.name, sink))
}
