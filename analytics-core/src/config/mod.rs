//! Configuration: a whole LiveKit `config.yaml`, of which `keys`, `redis` and
//! `openvidu.analytics` are read and everything else is ignored.

mod api;
mod client_stats;
mod dashboard;
pub mod duration;
mod http;
mod mask;
mod nats;
mod sinks;
#[cfg(test)]
mod test_sinks;
#[cfg(test)]
mod tests;

use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf, time::Duration};

use serde::{Deserialize, Serialize};

pub use api::{ApiConfig, DEFAULT_PROJECT_ID};
pub use client_stats::ClientStatsConfig;
pub use dashboard::DashboardConfig;
pub use http::HttpConfig;
pub use mask::{mask_secrets, mask_url, mask_url_secrets_in, url_secrets};
pub use nats::{NatsBufferConfig, NatsTlsConfig, Role};
pub use sinks::{BatchSizes, SinkSpec, DEFAULT_BATCH_SIZE, DEFAULT_SQLITE_PATH};

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid config: {0}")]
    Invalid(String),
    #[error("no configuration: pass --config FILE, --config-body YAML, set LIVEKIT_CONFIG, or use --dev")]
    Missing,
}

/// The parts of a LiveKit config.yaml this service reads. Its `Debug` output is masked.
#[derive(Clone, Default, Deserialize, Serialize)]
pub struct LivekitConfig {
    /// API key → secret: webhooks and access tokens must be signed with one of them.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    /// LiveKit's Redis; also the Redis sink's default server.
    #[serde(default)]
    pub redis: Option<RedisConfig>,
    #[serde(default)]
    pub openvidu: OpenviduSection,
}

/// The `openvidu:` section; only `analytics` is ours.
#[derive(Clone, Default, Deserialize, Serialize)]
pub struct OpenviduSection {
    #[serde(default)]
    pub analytics: AnalyticsConfig,
}

/// LiveKit's `redis:` section (unknown keys such as sentinel settings are ignored). Its
/// `Debug` output is masked.
#[derive(Clone, Default, Deserialize, Serialize)]
pub struct RedisConfig {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub db: i64,
    #[serde(default)]
    pub use_tls: bool,
}

/// `openvidu.analytics`. Unknown keys are an error that names them. Its `Debug` output is
/// masked.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalyticsConfig {
    pub enabled: bool,
    /// The seed's key: alone, it means one MongoDB sink.
    pub mongo_url: Option<String>,
    /// MongoDB database name for the seed's `mongo_url`.
    pub database: String,
    /// How often queued records are written (and the longest a record waits).
    #[serde(with = "duration")]
    pub interval: Duration,
    /// Time to live of every stored record.
    #[serde(with = "duration")]
    pub expiration: Duration,
    /// Fixer period floor; the effective period is max(2*interval + 10s, fixer_interval).
    #[serde(with = "duration")]
    pub fixer_interval: Duration,
    /// HTTP and gRPC on one port.
    pub listen: SocketAddr,
    /// LiveKit's API, for the active-entities fixer.
    pub livekit_url: Option<String>,
    /// Sink name → settings; `type` defaults to the name.
    pub sinks: BTreeMap<String, serde_norway::Mapping>,
    pub buffer: BufferConfig,
    /// Which part of the work this instance does: `all` (default), `ingest` (accept and
    /// publish to `buffer.nats`) or `writer` (consume `buffer.nats` and write the sinks).
    pub role: Role,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Most records per write, for every sink without a `batch_size` of its own; a full
    /// batch is written without waiting for `interval`. Unset: each sink's preferred size
    /// (SQLite 10 000 a batch, up to 50 000 a write while a backlog waits), else
    /// [`DEFAULT_BATCH_SIZE`].
    pub batch_size: Option<usize>,
    /// How long shutdown may spend writing what is queued.
    #[serde(with = "duration")]
    pub shutdown_timeout: Duration,
    /// Longest wait between two retries of a failed batch.
    #[serde(with = "duration")]
    pub max_retry_backoff: Duration,
    /// Connection limits of the listener.
    pub http: HttpConfig,
    /// The browser dashboard's sign-in.
    pub dashboard: DashboardConfig,
    /// The read API: which sink answers it, and its project id.
    pub api: ApiConfig,
}

/// Debug output through the masked YAML value, so a config logged by mistake leaks nothing.
fn masked_debug<T: Serialize>(value: &T, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    let value = serde_norway::to_value(value).unwrap_or(serde_norway::Value::Null);
    std::fmt::Debug::fmt(&mask_secrets(value), f)
}

impl std::fmt::Debug for LivekitConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        masked_debug(self, f)
    }
}

impl std::fmt::Debug for OpenviduSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        masked_debug(self, f)
    }
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        masked_debug(self, f)
    }
}

impl std::fmt::Debug for AnalyticsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        masked_debug(self, f)
    }
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        AnalyticsConfig {
            enabled: false,
            mongo_url: None,
            database: "openvidu".to_owned(),
            interval: Duration::from_secs(10),
            expiration: Duration::from_secs(768 * 3600),
            fixer_interval: Duration::from_secs(60),
            listen: SocketAddr::from(([127, 0, 0, 1], 7890)),
            livekit_url: None,
            sinks: BTreeMap::new(),
            buffer: BufferConfig::default(),
            role: Role::All,
            max_body_bytes: 1024 * 1024,
            batch_size: None,
            shutdown_timeout: Duration::from_secs(10),
            max_retry_backoff: Duration::from_secs(30),
            http: HttpConfig::default(),
            dashboard: DashboardConfig::default(),
            api: ApiConfig::default(),
        }
    }
}

impl AnalyticsConfig {
    /// What is wrong with `buffer` and `role` together, if anything.
    fn buffer_problem(&self) -> Option<String> {
        match &self.buffer.nats {
            Some(nats) => {
                if self.buffer.dir.is_some() {
                    return Some(
                        "openvidu.analytics.buffer: give `dir` (a local disk buffer) or `nats` (a shared JetStream stream), not both".into(),
                    );
                }
                nats.problem()
            }
            None if self.role != Role::All => Some(format!(
                "openvidu.analytics.role `{}` needs openvidu.analytics.buffer.nats: without a shared stream an ingest-only or writer-only instance would lose or never see records",
                self.role.as_str()
            )),
            None => None,
        }
    }

    /// The effective fixer period: max(2*interval + 10s, fixer_interval).
    pub fn fixer_period(&self) -> Duration {
        (self.interval * 2 + Duration::from_secs(10)).max(self.fixer_interval)
    }
}

/// `openvidu.analytics.buffer`: how much may wait, where, and what happens when full.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BufferConfig {
    /// Most records waiting to be written: per sink in memory, or in the disk buffer (counted
    /// from the slowest sink).
    pub max_records: usize,
    /// Most bytes waiting: per sink in memory (estimated), or on disk (the segments' size).
    pub max_bytes: u64,
    pub when_full: WhenFull,
    /// Disk buffer folder: every accepted record is appended to a checksummed log there
    /// before the request is answered, and each sink reads it with its own durable cursor.
    pub dir: Option<PathBuf>,
    /// With a disk buffer: 0s syncs the log to disk before every answer (nothing
    /// acknowledged is lost in a power cut); a period (e.g. 100ms) syncs that often instead
    /// (faster; a power cut may lose the last period, a process crash still loses nothing).
    #[serde(with = "duration")]
    pub fsync_interval: Duration,
    /// A NATS JetStream stream shared by every instance instead of a local buffer: ingest
    /// answers only once JetStream has stored the records, writers consume it (one durable
    /// consumer per sink). Excludes `dir`.
    pub nats: Option<NatsBufferConfig>,
}

impl Default for BufferConfig {
    fn default() -> Self {
        BufferConfig {
            max_records: 1_000_000,
            max_bytes: 1 << 30,
            when_full: WhenFull::Block,
            dir: None,
            fsync_interval: Duration::ZERO,
            nats: None,
        }
    }
}

/// What ingest does when a sink's queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenFull {
    /// Refuse the request (HTTP 503, gRPC RESOURCE_EXHAUSTED): LiveKit retries, nothing is lost.
    Block,
    /// Accept the request and drop the records that do not fit, counted in metrics.
    DropNewest,
}

impl LivekitConfig {
    /// Parses a whole LiveKit config.yaml and checks it.
    pub fn from_yaml(yaml: &str) -> Result<LivekitConfig, ConfigError> {
        let config: LivekitConfig = serde_norway::from_str(yaml)
            .map_err(|error| ConfigError::Invalid(error.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads the YAML from `--config FILE`, `--config-body`, or env `LIVEKIT_CONFIG`.
    pub fn load(
        file: Option<&std::path::Path>,
        body: Option<&str>,
        env_body: Option<&str>,
    ) -> Result<LivekitConfig, ConfigError> {
        let yaml = match (file, body, env_body) {
            (Some(path), _, _) => {
                std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?
            }
            (None, Some(body), _) => body.to_owned(),
            (None, None, Some(env)) if !env.trim().is_empty() => env.to_owned(),
            _ => return Err(ConfigError::Missing),
        };
        LivekitConfig::from_yaml(&yaml)
    }

    /// The configuration of `--dev`: key `devkey`/`secret`, SQLite at
    /// `./livekit-analytics.db`, listen 127.0.0.1:7890, interval 1s.
    pub fn dev() -> LivekitConfig {
        let mut config = LivekitConfig::default();
        config.keys.insert("devkey".to_owned(), "secret".to_owned());
        let analytics = &mut config.openvidu.analytics;
        analytics.enabled = true;
        analytics.interval = Duration::from_secs(1);
        config
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let analytics = &self.openvidu.analytics;
        if analytics.interval.is_zero() {
            return Err(ConfigError::Invalid(
                "openvidu.analytics.interval must be above 0".into(),
            ));
        }
        if analytics.buffer.max_records == 0 || analytics.batch_size == Some(0) {
            return Err(ConfigError::Invalid(
                "openvidu.analytics.buffer.max_records and batch_size must be above 0".into(),
            ));
        }
        if analytics.buffer.max_bytes == 0 {
            return Err(ConfigError::Invalid(
                "openvidu.analytics.buffer.max_bytes must be above 0".into(),
            ));
        }
        if let Some(problem) = analytics.buffer_problem() {
            return Err(ConfigError::Invalid(problem));
        }
        if let Some(problem) = analytics.http.problem() {
            return Err(ConfigError::Invalid(problem.into()));
        }
        if let Some(problem) = analytics.dashboard.problem() {
            return Err(ConfigError::Invalid(problem.into()));
        }
        if let Some(problem) = analytics.api.problem() {
            return Err(ConfigError::Invalid(problem));
        }
        for (key, secret) in &self.keys {
            if key.is_empty() || secret.is_empty() {
                return Err(ConfigError::Invalid(
                    "keys: an API key or secret is empty".into(),
                ));
            }
        }
        self.sink_specs()?;
        Ok(())
    }

    /// The effective configuration as YAML, with every secret masked.
    pub fn to_masked_yaml(&self) -> String {
        let value = serde_norway::to_value(self).unwrap_or(serde_norway::Value::Null);
        serde_norway::to_string(&mask_secrets(value)).unwrap_or_default()
    }
}
