//! `openvidu.analytics.buffer.nats` and `openvidu.analytics.role`: the shared NATS
//! JetStream log that ingest and writer instances use instead of a local buffer, and which
//! half of the work an instance does.

use std::{path::PathBuf, time::Duration};

use serde::{Deserialize, Serialize};

use super::duration;

/// Which part of the work an instance does (`openvidu.analytics.role`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Accept records and write them (the only role without `buffer.nats`).
    #[default]
    All,
    /// Accept records and publish them to the stream; write nothing.
    Ingest,
    /// Consume the stream and write the sinks; refuse ingest with 503.
    Writer,
}

impl Role {
    /// Whether this instance accepts records from LiveKit.
    pub fn ingests(self) -> bool {
        matches!(self, Role::All | Role::Ingest)
    }

    /// Whether this instance writes the sinks.
    pub fn writes(self) -> bool {
        matches!(self, Role::All | Role::Writer)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::All => "all",
            Role::Ingest => "ingest",
            Role::Writer => "writer",
        }
    }
}

/// `buffer.nats`: the JetStream stream every accepted record is published to before the
/// request is answered, and from which one durable consumer per sink feeds the writers.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NatsBufferConfig {
    /// Server URLs (`nats://host:4222`, `tls://...`); the client also learns the cluster's
    /// other servers from the first it reaches.
    pub urls: Vec<String>,
    /// Stream name; created when missing (its settings are then these), used as is otherwise.
    pub stream: String,
    /// Subject the records are published on (the stream's only subject).
    pub subject: String,
    /// Copies of every message in the cluster (1, 3 or 5; at most the number of servers).
    pub replicas: usize,
    /// Most bytes the stream holds; past it publishing fails and ingest answers 503.
    pub max_bytes: i64,
    /// The window within which a re-published record id is recognised and stored once.
    #[serde(with = "duration")]
    pub duplicate_window: Duration,
    /// Prefix of the durable consumers' names: `<prefix><sink>`.
    pub consumer_prefix: String,
    /// Most messages a sink's consumer hands out unacknowledged, over all writer instances.
    pub max_ack_pending: i64,
    /// How long a writer may hold a message before JetStream gives it to another writer.
    #[serde(with = "duration")]
    pub ack_wait: Duration,
    /// How long ingest waits for JetStream's acknowledgement of a publish.
    #[serde(with = "duration")]
    pub publish_timeout: Duration,
    /// A token (`authorization { token }` in the server's config).
    pub token: Option<String>,
    /// User and password.
    pub user: Option<String>,
    pub password: Option<String>,
    /// A `.creds` file (JWT and NKey seed), as `nsc` writes it.
    pub credentials: Option<PathBuf>,
    /// TLS settings; `tls://` URLs or `tls.required` turn TLS on.
    pub tls: NatsTlsConfig,
}

/// `buffer.nats.tls`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NatsTlsConfig {
    pub required: bool,
    /// PEM file of the certificate authorities to trust (besides the system's).
    pub ca_file: Option<PathBuf>,
    /// Client certificate and key (PEM), for servers that verify clients.
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
}

impl Default for NatsBufferConfig {
    fn default() -> Self {
        NatsBufferConfig {
            urls: vec!["nats://127.0.0.1:4222".to_owned()],
            stream: "LIVEKIT_ANALYTICS".to_owned(),
            subject: "livekit-analytics.records".to_owned(),
            replicas: 1,
            max_bytes: 1 << 30,
            duplicate_window: Duration::from_secs(120),
            consumer_prefix: "lka-".to_owned(),
            max_ack_pending: 20_000,
            ack_wait: Duration::from_secs(30),
            publish_timeout: Duration::from_secs(5),
            token: None,
            user: None,
            password: None,
            credentials: None,
            tls: NatsTlsConfig::default(),
        }
    }
}

impl NatsBufferConfig {
    /// What is wrong with these settings, if anything.
    pub fn problem(&self) -> Option<String> {
        let name_ok = |name: &str| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if self.urls.is_empty() || self.urls.iter().any(|url| url.trim().is_empty()) {
            return Some(
                "openvidu.analytics.buffer.nats.urls must list at least one server".into(),
            );
        }
        if !name_ok(&self.stream) {
            return Some(format!(
                "openvidu.analytics.buffer.nats.stream `{}` must be letters, digits, `-` and `_`",
                self.stream
            ));
        }
        if self.subject.is_empty() || self.subject.contains(['*', '>', ' ']) {
            return Some(format!(
                "openvidu.analytics.buffer.nats.subject `{}` must be a plain subject (no wildcards)",
                self.subject
            ));
        }
        if !name_ok(&self.consumer_prefix) && !self.consumer_prefix.is_empty() {
            return Some("openvidu.analytics.buffer.nats.consumer_prefix must be letters, digits, `-` and `_`".into());
        }
        if !(1..=5).contains(&self.replicas) {
            return Some("openvidu.analytics.buffer.nats.replicas must be 1 to 5".into());
        }
        if self.max_bytes <= 0 || self.max_ack_pending <= 0 {
            return Some(
                "openvidu.analytics.buffer.nats.max_bytes and max_ack_pending must be above 0"
                    .into(),
            );
        }
        if self.ack_wait.is_zero() || self.publish_timeout.is_zero() {
            return Some(
                "openvidu.analytics.buffer.nats.ack_wait and publish_timeout must be above 0"
                    .into(),
            );
        }
        if self.token.is_some() && (self.user.is_some() || self.credentials.is_some()) {
            return Some(
                "openvidu.analytics.buffer.nats: give one of token, user/password or credentials"
                    .into(),
            );
        }
        if self.user.is_some() != self.password.is_some() {
            return Some("openvidu.analytics.buffer.nats: user and password go together".into());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{LivekitConfig, Role};

    fn parse(analytics: &str) -> Result<LivekitConfig, String> {
        LivekitConfig::from_yaml(&format!(
            "keys: {{ k: s }}\nopenvidu:\n  analytics:\n    enabled: true\n{analytics}"
        ))
        .map_err(|error| error.to_string())
    }

    #[test]
    fn nats_buffer_and_role_parse_with_defaults() {
        let config = parse(
            "    role: writer\n    buffer:\n      nats: { urls: ['nats://a:4222'], replicas: 3, token: t0ken }\n",
        )
        .expect("valid");
        let analytics = &config.openvidu.analytics;
        assert_eq!(analytics.role, Role::Writer);
        let nats = analytics.buffer.nats.as_ref().expect("nats");
        assert_eq!(nats.replicas, 3);
        assert_eq!(nats.stream, "LIVEKIT_ANALYTICS");
        assert_eq!(nats.consumer_prefix, "lka-");
        assert!(
            !config.to_masked_yaml().contains("t0ken"),
            "the token is masked"
        );
    }

    #[test]
    fn a_role_other_than_all_needs_the_nats_buffer() {
        let error = parse("    role: ingest\n").expect_err("invalid");
        assert!(
            error.contains("needs openvidu.analytics.buffer.nats"),
            "{error}"
        );
        assert!(parse("    role: all\n").is_ok());
    }

    #[test]
    fn nats_and_dir_exclude_each_other_and_bad_settings_are_named() {
        let error = parse("    buffer: { dir: /tmp/x, nats: { urls: ['nats://a'] } }\n")
            .expect_err("invalid");
        assert!(error.contains("not both"), "{error}");
        let error = parse("    buffer: { nats: { urls: [] } }\n").expect_err("invalid");
        assert!(error.contains("urls"), "{error}");
        let error = parse("    buffer: { nats: { subject: 'a.>' } }\n").expect_err("invalid");
        assert!(error.contains("wildcards"), "{error}");
        let error = parse("    buffer: { nats: { replicas: 7 } }\n").expect_err("invalid");
        assert!(error.contains("replicas"), "{error}");
        let error = parse("    buffer: { nats: { bogus: 1 } }\n").expect_err("invalid");
        assert!(error.contains("bogus"), "{error}");
    }
}
