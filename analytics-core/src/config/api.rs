//! `openvidu.analytics.api`: the read API (LiveKit Cloud's Analytics API shape) — which
//! sink answers its queries and the project id its paths carry — and the browser-facing
//! `POST /v1/client/stats`: the origins allowed to call it and its limits.

use serde::{Deserialize, Serialize};

use super::ClientStatsConfig;

/// The project id when none is configured.
pub const DEFAULT_PROJECT_ID: &str = "livekit-analytics";

/// The read API's settings.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// The configured sink (its name under `openvidu.analytics.sinks`) that answers the read
    /// API; unset: the first configured sink that can answer queries (SQLite, PostgreSQL,
    /// MongoDB).
    pub query_sink: Option<String>,
    /// The project id of `/api/project/{project_id}/...`: what `lk`'s `--project` names.
    pub project_id: String,
    /// The web origins (`https://app.example.com`, as a browser sends them in `Origin`)
    /// whose pages may post client stats; empty: no cross-origin page may.
    pub cors_origins: Vec<String>,
    /// The limits of `POST /v1/client/stats`.
    pub client_stats: ClientStatsConfig,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            query_sink: None,
            project_id: DEFAULT_PROJECT_ID.to_owned(),
            cors_origins: Vec::new(),
            client_stats: ClientStatsConfig::default(),
        }
    }
}

impl ApiConfig {
    /// Why these settings cannot be used, if they cannot.
    pub(super) fn problem(&self) -> Option<String> {
        let path_safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if self.project_id.is_empty() || !self.project_id.chars().all(path_safe) {
            return Some(
                "openvidu.analytics.api.project_id must be letters, digits, '-', '_' or '.' (it is part of the API's paths)".to_owned(),
            );
        }
        if self.query_sink.as_deref() == Some("") {
            return Some("openvidu.analytics.api.query_sink is empty: name a configured sink, or remove the key to use the first sink that answers queries".to_owned());
        }
        if let Some(origin) = self.cors_origins.iter().find(|origin| !is_origin(origin)) {
            return Some(format!(
                "openvidu.analytics.api.cors_origins: {origin:?} is not a web origin; write each as a browser sends it in Origin: http:// or https://, a lowercase host, an optional :port, no path or trailing slash (e.g. https://app.example.com)"
            ));
        }
        self.client_stats.problem()
    }
}

/// Whether `origin` is written as a browser serializes one: `http(s)://host[:port]`, the
/// host lowercase (an IPv6 address in brackets), nothing after it.
fn is_origin(origin: &str) -> bool {
    let Some(authority) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let (host_ok, port) = match authority.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((address, port)) => (
                !address.is_empty()
                    && address
                        .chars()
                        .all(|c| c.is_ascii_digit() || matches!(c, 'a'..='f' | ':' | '.')),
                port,
            ),
            None => (false, ""),
        },
        None => {
            let end = authority.find(':').unwrap_or(authority.len());
            let (host, port) = authority.split_at(end);
            (
                !host.is_empty()
                    && host.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-')
                    }),
                port,
            )
        }
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|digits| {
            digits.bytes().all(|b| b.is_ascii_digit()) && digits.parse::<u16>().is_ok()
        });
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use crate::LivekitConfig;

    fn api(yaml: &str) -> Result<LivekitConfig, crate::config::ConfigError> {
        LivekitConfig::from_yaml(&format!(
            "keys:\n  k: s\nopenvidu:\n  analytics:\n    enabled: true\n    api:\n{yaml}"
        ))
    }

    #[test]
    fn cors_origins_and_client_stats_limits_are_read_with_their_defaults() {
        let config = api("      project_id: p\n").expect("valid");
        let settings = &config.openvidu.analytics.api;
        assert!(settings.cors_origins.is_empty());
        assert_eq!(settings.client_stats.rate_per_second, 2.0);
        assert_eq!(settings.client_stats.burst, 10);
        assert_eq!(settings.client_stats.max_stats_per_request, 500);
        let config = api(
            "      cors_origins: [\"https://app.example.com\", \"http://127.0.0.1:5173\", \"http://[::1]:8080\"]\n      client_stats: { rate_per_second: 0.5, burst: 3, max_stats_per_request: 50 }\n",
        )
        .expect("valid");
        let settings = &config.openvidu.analytics.api;
        assert_eq!(settings.cors_origins.len(), 3);
        assert_eq!(settings.client_stats.rate_per_second, 0.5);
        assert_eq!(settings.client_stats.burst, 3);
        assert_eq!(settings.client_stats.max_stats_per_request, 50);
    }

    #[test]
    fn a_bad_origin_is_refused_naming_it() {
        for origin in [
            "app.example.com",
            "https://app.example.com/",
            "https://App.example.com",
            "https://app.example.com/path",
            "https://app.example.com:port",
            "*",
            "null",
        ] {
            let error = api(&format!("      cors_origins: [\"{origin}\"]\n"))
                .expect_err(origin)
                .to_string();
            assert!(error.contains("cors_origins"), "{error}");
            assert!(error.contains(origin), "{error}");
        }
    }

    #[test]
    fn zero_or_unknown_client_stats_limits_are_refused() {
        for (yaml, names) in [
            ("{ rate_per_second: 0 }", "rate_per_second"),
            ("{ rate_per_second: -1.5 }", "rate_per_second"),
            ("{ burst: 0 }", "burst"),
            ("{ max_stats_per_request: 0 }", "max_stats_per_request"),
            ("{ rate: 3 }", "rate"),
        ] {
            let error = api(&format!("      client_stats: {yaml}\n"))
                .expect_err(yaml)
                .to_string();
            assert!(error.contains(names), "{yaml}: {error}");
        }
    }
}
