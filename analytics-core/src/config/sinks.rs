//! Which sinks a configuration asks for: `sinks:` entries, the seed's lone `mongo_url`, or
//! the SQLite default when nothing is configured.

use serde_norway::{Mapping, Value};

use super::{AnalyticsConfig, ConfigError, LivekitConfig};

/// Records per write of a sink whose batch size nothing sets.
pub const DEFAULT_BATCH_SIZE: usize = 1000;

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
        if let Some(url) = &analytics.mongo_url {
            if specs.iter().any(|spec| spec.kind == "mongo") {
                return Err(ConfigError::Invalid(
                    "openvidu.analytics.mongo_url and sinks.mongo both configure MongoDB: keep one"
                        .into(),
                ));
            }
            let mut settings = Mapping::new();
            settings.insert("url".into(), url.clone().into());
            settings.insert("database".into(), analytics.database.clone().into());
            specs.push(SinkSpec {
                name: "mongo".into(),
                kind: "mongo".into(),
                settings,
            });
        }
        if specs.is_empty() {
            let mut settings = Mapping::new();
            settings.insert("path".into(), DEFAULT_SQLITE_PATH.into());
            specs.push(SinkSpec {
                name: "sqlite".into(),
                kind: "sqlite".into(),
                settings,
            });
        }
        Ok(specs)
    }
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

    /// The most records per write for the sink `name`: its own `batch_size`, else the
    /// section's `batch_size`, else what the sink prefers, else [`DEFAULT_BATCH_SIZE`].
    pub fn batch_size_of(&self, name: &str, preferred: Option<usize>) -> usize {
        self.sink_batch_size(name)
            .ok()
            .flatten()
            .or(self.batch_size)
            .or(preferred)
            .unwrap_or(DEFAULT_BATCH_SIZE)
    }
}
