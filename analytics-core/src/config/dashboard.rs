//! `openvidu.analytics.dashboard`: the browser dashboard's sign-in sessions (cookie flags
//! and lifetime) and the limit on failed sign-ins.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration;

/// How the dashboard signs people in.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashboardConfig {
    /// Marks the session cookie `Secure` (sent over HTTPS only): set it when the service is
    /// reached through TLS (a reverse proxy), leave it off for plain `http://` access.
    pub secure_cookie: bool,
    /// How long a sign-in lasts; the cookie and the server-side session expire together.
    #[serde(with = "duration")]
    pub session_lifetime: Duration,
    /// Most failed sign-ins per client address in one minute; past it, 429 with
    /// `Retry-After` until the oldest failure is a minute old.
    pub sign_in_failures_per_minute: u32,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            secure_cookie: false,
            session_lifetime: Duration::from_secs(12 * 3600),
            sign_in_failures_per_minute: 5,
        }
    }
}

impl DashboardConfig {
    /// Why these settings cannot be used, if they cannot.
    pub(super) fn problem(&self) -> Option<&'static str> {
        if self.session_lifetime < Duration::from_secs(1) {
            return Some("openvidu.analytics.dashboard.session_lifetime must be at least 1s");
        }
        if self.sign_in_failures_per_minute == 0 {
            return Some(
                "openvidu.analytics.dashboard.sign_in_failures_per_minute must be above 0",
            );
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::LivekitConfig;

    fn analytics(yaml: &str) -> String {
        format!("keys:\n  k: s\nopenvidu:\n  analytics:\n    enabled: true\n{yaml}")
    }

    #[test]
    fn the_dashboard_settings_are_read_with_their_defaults() {
        let config = LivekitConfig::from_yaml(&analytics("")).expect("valid");
        let dashboard = &config.openvidu.analytics.dashboard;
        assert!(!dashboard.secure_cookie);
        assert_eq!(dashboard.session_lifetime, Duration::from_secs(12 * 3600));
        assert_eq!(dashboard.sign_in_failures_per_minute, 5);
        let config = LivekitConfig::from_yaml(&analytics(
            "    dashboard:\n      secure_cookie: true\n      session_lifetime: 30m\n      sign_in_failures_per_minute: 10\n",
        ))
        .expect("valid");
        let dashboard = &config.openvidu.analytics.dashboard;
        assert!(dashboard.secure_cookie);
        assert_eq!(dashboard.session_lifetime, Duration::from_secs(1800));
        assert_eq!(dashboard.sign_in_failures_per_minute, 10);
    }

    #[test]
    fn a_zero_lifetime_or_limit_or_an_unknown_key_is_refused() {
        for yaml in [
            "    dashboard:\n      session_lifetime: 0s\n",
            "    dashboard:\n      sign_in_failures_per_minute: 0\n",
            "    dashboard:\n      secure: true\n",
        ] {
            assert!(
                LivekitConfig::from_yaml(&analytics(yaml)).is_err(),
                "{yaml}"
            );
        }
    }
}
