//! Which sinks a configuration asks for: `sinks:` entries, the seed's lone `mongo_url`, or
//! the SQLite default when nothing is configured.

use serde_norway::{Mapping, Value};

use super::{ConfigError, LivekitConfig};

/// Default SQLite file, relative to the working directory.
pub const DEFAULT_SQLITE_PATH: &str = "./livekit-analytics.db";

/// One configured sink: its name (the key under `sinks:`), its type (the registered sink
/// kind, `type:` or else the name) and its own settings (without `type`).
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
