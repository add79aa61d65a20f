//! `openvidu.analytics.api.client_stats`: the limits of `POST /v1/client/stats`, where
//! participants' browsers post their own WebRTC stats: a token bucket per room and
//! identity, and the most stats one request may carry.

use serde::{Deserialize, Serialize};

/// The limits of browser-reported stats.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ClientStatsConfig {
    /// Requests per second each participant (room and identity) may make in the long run.
    pub rate_per_second: f64,
    /// Requests a participant may make at once after being idle (the bucket's size).
    pub burst: u32,
    /// Most stats in one request; more: 429.
    pub max_stats_per_request: usize,
}

impl Default for ClientStatsConfig {
    fn default() -> Self {
        ClientStatsConfig {
            rate_per_second: 2.0,
            burst: 10,
            max_stats_per_request: 500,
        }
    }
}

impl ClientStatsConfig {
    /// Why these limits cannot be used, if they cannot.
    pub(super) fn problem(&self) -> Option<String> {
        if !self.rate_per_second.is_finite() || self.rate_per_second <= 0.0 {
            return Some(format!(
                "openvidu.analytics.api.client_stats.rate_per_second must be a number above 0 (requests per second per participant), not {}",
                self.rate_per_second
            ));
        }
        if self.burst == 0 {
            return Some(
                "openvidu.analytics.api.client_stats.burst must be at least 1 (requests a participant may make at once)"
                    .to_owned(),
            );
        }
        if self.max_stats_per_request == 0 {
            return Some(
                "openvidu.analytics.api.client_stats.max_stats_per_request must be at least 1"
                    .to_owned(),
            );
        }
        None
    }
}
