//! `openvidu.analytics.http`: the limits that keep slow, idle and half-sent connections from
//! holding the listener's file descriptors and tasks.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration;

/// Connection limits of the one HTTP/gRPC listener.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Most connections open at once; past it, new connections wait in the kernel's backlog
    /// until one closes. Lowered at start to what the open-file limit leaves room for.
    pub max_connections: usize,
    /// Time a client gets to send a request's headers (an HTTP/1 connection idle between two
    /// requests counts as sending headers) and, on a new connection, its first request.
    #[serde(with = "duration")]
    pub header_timeout: Duration,
    /// Time a plain HTTP request (webhook, JSON API) gets to send its body and be answered.
    /// gRPC streams are long-lived and are not bound by it.
    #[serde(with = "duration")]
    pub request_timeout: Duration,
    /// Period of the HTTP/2 pings that find dead peers of long-lived gRPC streams; a ping
    /// unanswered for as long closes the connection.
    #[serde(with = "duration")]
    pub keepalive_interval: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            keepalive_interval: Duration::from_secs(20),
        }
    }
}

impl HttpConfig {
    /// Why these limits cannot be used, if they cannot.
    pub(super) fn problem(&self) -> Option<&'static str> {
        if self.max_connections == 0 {
            return Some("openvidu.analytics.http.max_connections must be above 0");
        }
        if self.header_timeout.is_zero()
            || self.request_timeout.is_zero()
            || self.keepalive_interval.is_zero()
        {
            return Some(
                "openvidu.analytics.http.header_timeout, request_timeout and keepalive_interval must be above 0",
            );
        }
        None
    }
}
