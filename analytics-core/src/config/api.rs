//! `openvidu.analytics.api`: the read API (LiveKit Cloud's Analytics API shape) — which
//! sink answers its queries and the project id its paths carry.

use serde::{Deserialize, Serialize};

/// The project id when none is configured.
pub const DEFAULT_PROJECT_ID: &str = "livekit-analytics";

/// The read API's settings.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// The configured sink (its name under `openvidu.analytics.sinks`) that answers the read
    /// API; unset: the first configured sink that can answer queries (SQLite, PostgreSQL,
    /// MongoDB).
    pub query_sink: Option<String>,
    /// The project id of `/api/project/{project_id}/...`: what `lk`'s `--project` names.
    pub project_id: String,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            query_sink: None,
            project_id: DEFAULT_PROJECT_ID.to_owned(),
        }
    }
}

impl ApiConfig {
    /// Why these settings cannot be used, if they cannot.
    pub(super) fn problem(&self) -> Option<&'static str> {
        let path_safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if self.project_id.is_empty() || !self.project_id.chars().all(path_safe) {
            return Some(
                "openvidu.analytics.api.project_id must be letters, digits, '-', '_' or '.' (it is part of the API's paths)",
            );
        }
        if self.query_sink.as_deref() == Some("") {
            return Some("openvidu.analytics.api.query_sink is empty: name a configured sink, or remove the key to use the first sink that answers queries");
        }
        None
    }
}
