//! Which sinks a configuration asks for: `sinks:` entries, a legacy key a sink kind
//! registered (the seed's lone `mongo_url`), or the registered default sink when nothing is
//! configured.

use serde_norway::{Mapping, Value};

use super::{AnalyticsConfig, ConfigError, LivekitConfig};
use crate::{registry::SinkFactory, sink::Sink};

/// Records per write of a sink whose batch size nothing sets.
pub const DEFAULT_BATCH_SIZE: usize = 1000;

/// How many records one write of a sink takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSizes {
    /// A batch: written as soon as this many records wait, without waiting for `interval`.
    pub full: usize,
    /// The most records one write takes while more than a batch waits (a backlog being
    /// written); at least `full`.
    pub most: usize,
}

impl BatchSizes {
    /// Every write takes at most `size` records.
    pub fn fixed(size: usize) -> BatchSizes {
        BatchSizes {
            full: size,
            most: size,
        }
    }
}

/// Default SQLite file, relative to the working directory.
pub const DEFAULT_SQLITE_PATH: &str = "./livekit-analytics.db";

/// One configured sink: its name (the key under `sinks:`), its type (the registered sink
/// kind, `type:` or else the name) and its own settings (without `type` and `batch_size`,
/// which the pipeline reads).
#[derive(Debug, Clone, PartialEq)]
pub struct SinkSpec {
    pub name: String,
    pub kind: String,
    pub settings: Mapping,
}

impl LivekitConfig {
    /// The sinks to run, in name order.
    pub fn sink_specs(&self) -> Result<Vec<SinkSpec>, ConfigError> {
        let analytics = &self.openvidu.analytics;
        let mut specs = Vec::new();
        for (name, settings) in &analytics.sinks {
            let mut settings = settings.clone();
            let kind = match settings.remove("type") {
                Some(Value::String(kind)) => kind,
                Some(other) => {
                    return Err(ConfigError::Invalid(format!(
                        "openvidu.analytics.sinks.{name}.type must be a string, got {other:?}"
                    )))
                }
                None => name.clone(),
            };
            analytics.sink_batch_size(name)?;
            settings.remove("batch_size");
            specs.push(SinkSpec {
                name: name.clone(),
                kind,
                settings,
            });
        }
        for factory in inventory::iter::<SinkFactory>() {
            if let Some(spec) = legacy_spec(factory, analytics, &specs)? {
                specs.push(spec);
            }
        }
        if analytics.mongo_url.is_some() && !legacy_key_compiled_in("mongo_url") {
            return Err(ConfigError::Invalid(
                "openvidu.analytics.mongo_url is set, but no sink compiled into this binary reads it"
                    .into(),
            ));
        }
        if specs.is_empty() {
            specs.push(default_spec()?);
        }
        Ok(specs)
    }
}

/// The sink a legacy key of `factory` configures, if the key is set; an error if `sinks:`
/// configures the same kind too.
fn legacy_spec(
    factory: &SinkFactory,
    analytics: &AnalyticsConfig,
    specs: &[SinkSpec],
) -> Result<Option<SinkSpec>, ConfigError> {
    let Some(legacy) = &factory.legacy_key else {
        return Ok(None);
    };
    let Some(settings) = (legacy.settings)(analytics) else {
        return Ok(None);
    };
    if specs.iter().any(|spec| spec.kind == factory.kind) {
        return Err(ConfigError::Invalid(format!(
            "openvidu.analytics.{} and sinks.{} both configure the {} sink: keep one",
            legacy.key, factory.kind, factory.kind
        )));
    }
    Ok(Some(SinkSpec {
        name: factory.kind.into(),
        kind: factory.kind.into(),
        settings,
    }))
}

fn legacy_key_compiled_in(key: &str) -> bool {
    inventory::iter::<SinkFactory>()
        .any(|factory| factory.legacy_key.as_ref().is_some_and(|l| l.key == key))
}

/// The registered default sink (the first kind by name, should several claim it).
fn default_spec() -> Result<SinkSpec, ConfigError> {
    inventory::iter::<SinkFactory>()
        .filter_map(|factory| factory.default_settings.map(|settings| (factory.kind, settings)))
        .min_by_key(|(kind, _)| *kind)
        .map(|(kind, settings)| SinkSpec {
            name: kind.into(),
            kind: kind.into(),
            settings: settings(),
        })
        .ok_or_else(|| {
            ConfigError::Invalid(
                "openvidu.analytics.sinks names no sink, and no default sink is compiled into this binary".into(),
            )
        })
}

impl AnalyticsConfig {
    /// `sinks.<name>.batch_size` when set: the most records per write for that sink,
    /// overriding `batch_size`. An error unless it is an integer above 0.
    pub fn sink_batch_size(&self, name: &str) -> Result<Option<usize>, ConfigError> {
        let Some(value) = self
            .sinks
            .get(name)
            .and_then(|settings| settings.get("batch_size"))
        else {
            return Ok(None);
        };
        match value.as_u64().and_then(|size| usize::try_from(size).ok()) {
            Some(size) if size > 0 => Ok(Some(size)),
            _ => Err(ConfigError::Invalid(format!(
                "openvidu.analytics.sinks.{name}.batch_size must be an integer above 0, got {value:?}"
            ))),
        }
    }

    /// The sink `name`'s own `batch_size`, else the section's, when either is set.
    fn configured_batch_size(&self, name: &str) -> Option<usize> {
        self.sink_batch_size(name)
            .ok()
            .flatten()
            .or(self.batch_size)
    }

    /// The most records per write for the sink `name`: its own `batch_size`, else the
    /// section's `batch_size`, else what the sink prefers, else [`DEFAULT_BATCH_SIZE`].
    pub fn batch_size_of(&self, name: &str, preferred: Option<usize>) -> usize {
        self.configured_batch_size(name)
            .or(preferred)
            .unwrap_or(DEFAULT_BATCH_SIZE)
    }

    /// The batch sizes of the sink `name`: a configured `batch_size` (its own or the
    /// section's) is both the batch and the most a write takes; otherwise what the sink
    /// prefers for each ([`Sink::preferred_batch_size`],
    /// [`Sink::preferred_backlog_batch_size`]), else [`DEFAULT_BATCH_SIZE`] for both.
    pub fn batch_sizes_of(&self, name: &str, sink: &dyn Sink) -> BatchSizes {
        if let Some(size) = self.configured_batch_size(name) {
            return BatchSizes::fixed(size);
        }
        let full = sink.preferred_batch_size().unwrap_or(DEFAULT_BATCH_SIZE);
        let most = sink
            .preferred_backlog_batch_size()
            .unwrap_or(full)
            .max(full);
        BatchSizes { full, most }
    }
}
