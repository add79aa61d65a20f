//! `sinks.redis` settings, and how they (or LiveKit's own `redis:` section) become the
//! server(s) to connect to.

use std::fmt;

use analytics_core::{RedisConfig, SinkError};
use redis::{ConnectionAddr, ConnectionInfo, IntoConnectionInfo, RedisConnectionInfo};
use serde::Deserialize;

/// The key prefix when none is configured (the one openvidu uses).
pub const DEFAULT_PREFIX: &str = "openvidu:";

const DEFAULT_PORT: u16 = 6379;

/// `openvidu.analytics.sinks.redis`. With neither `address` nor `url` (nor a node list in
/// `cluster`), LiveKit's own `redis:` section of the same file is used.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisSinkConfig {
    /// `host:port` (LiveKit's style); port 6379 when missing.
    #[serde(default)]
    pub address: Option<String>,
    /// `redis://[user[:password]@]host[:port][/db]`, or `rediss://` for TLS.
    #[serde(default)]
    pub url: Option<String>,
    /// ACL user; overrides the one in `url`.
    #[serde(default)]
    pub username: Option<String>,
    /// Overrides the one in `url`. Never logged.
    #[serde(default)]
    pub password: Option<String>,
    /// Database number; must be 0 (or unset) with `cluster`.
    #[serde(default)]
    pub db: Option<i64>,
    /// TLS to an `address` (a `url` says it with `rediss://`).
    #[serde(default)]
    pub use_tls: Option<bool>,
    /// Put before every key; must not contain `{` or `}` (the sink places hash tags itself).
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// `true`: `address`/`url` is one node of a Redis Cluster. A list: the cluster's seed
    /// nodes (`host:port` or URLs), instead of `address`/`url`.
    #[serde(default)]
    pub cluster: ClusterSetting,
}

fn default_prefix() -> String {
    DEFAULT_PREFIX.to_owned()
}

/// `cluster: true|false` or `cluster: [node, ...]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ClusterSetting {
    Enabled(bool),
    Nodes(Vec<String>),
}

impl Default for ClusterSetting {
    fn default() -> Self {
        ClusterSetting::Enabled(false)
    }
}

impl fmt::Debug for RedisSinkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSinkConfig")
            .field("address", &self.address)
            .field(
                "url",
                &self.url.as_deref().map(analytics_core::config::mask_url),
            )
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("db", &self.db)
            .field("use_tls", &self.use_tls)
            .field("prefix", &self.prefix)
            .field("cluster", &self.cluster)
            .finish()
    }
}

/// Where to connect: one server, or the seed nodes of a cluster.
#[derive(Clone)]
pub struct ServerTarget {
    /// One entry for a single server; the seed nodes of a cluster.
    pub nodes: Vec<ConnectionInfo>,
    pub cluster: bool,
    pub tls: bool,
}

impl fmt::Debug for ServerTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes: Vec<String> = self
            .nodes
            .iter()
            .map(|node| node.addr().to_string())
            .collect();
        f.debug_struct("ServerTarget")
            .field("nodes", &nodes)
            .field("cluster", &self.cluster)
            .field("tls", &self.tls)
            .finish()
    }
}

impl RedisSinkConfig {
    /// Checks the settings and resolves the server(s), falling back to LiveKit's `redis:`.
    pub fn server_target(&self, livekit: Option<&RedisConfig>) -> Result<ServerTarget, SinkError> {
        check_prefix(&self.prefix)?;
        let own_nodes = match (&self.address, &self.url) {
            (Some(_), Some(_)) => {
                return Err(config_error("give either `address` or `url`, not both"))
            }
            (Some(address), None) => Some(vec![address.clone()]),
            (None, Some(url)) => Some(vec![url.clone()]),
            (None, None) => None,
        };
        let (nodes, cluster) = match (&self.cluster, own_nodes) {
            (ClusterSetting::Nodes(_), Some(_)) => {
                return Err(config_error(
                    "give the cluster's nodes either in `cluster: [...]` or in `address`/`url`, not both",
                ))
            }
            (ClusterSetting::Nodes(list), None) if list.is_empty() => {
                return Err(config_error("`cluster` lists no node"))
            }
            (ClusterSetting::Nodes(list), None) => (list.clone(), true),
            (ClusterSetting::Enabled(cluster), Some(nodes)) => (nodes, *cluster),
            (ClusterSetting::Enabled(cluster), None) => {
                return self.livekit_target(livekit, *cluster);
            }
        };
        self.target_of(&nodes, cluster, self.use_tls.unwrap_or(false))
    }

    fn livekit_target(
        &self,
        livekit: Option<&RedisConfig>,
        cluster: bool,
    ) -> Result<ServerTarget, SinkError> {
        let Some(livekit) = livekit.filter(|redis| !redis.address.is_empty()) else {
            return Err(config_error(
                "no server: set `address` or `url` (or LiveKit's `redis.address` in the same file)",
            ));
        };
        let merged = RedisSinkConfig {
            username: self
                .username
                .clone()
                .or_else(|| Some(livekit.username.clone()).filter(|u| !u.is_empty())),
            password: self
                .password
                .clone()
                .or_else(|| Some(livekit.password.clone()).filter(|p| !p.is_empty())),
            db: self.db.or(Some(livekit.db)),
            ..self.clone()
        };
        let tls = self.use_tls.unwrap_or(livekit.use_tls);
        merged.target_of(std::slice::from_ref(&livekit.address), cluster, tls)
    }

    fn target_of(
        &self,
        nodes: &[String],
        cluster: bool,
        tls: bool,
    ) -> Result<ServerTarget, SinkError> {
        if cluster && self.db.unwrap_or(0) != 0 {
            return Err(config_error(
                "Redis Cluster has only database 0: remove `db`",
            ));
        }
        let nodes = nodes
            .iter()
            .map(|node| self.connection_info(node, tls))
            .collect::<Result<Vec<_>, _>>()?;
        if cluster && nodes.iter().any(|node| node.redis_settings().db() != 0) {
            return Err(config_error(
                "Redis Cluster has only database 0: remove it from the URL",
            ));
        }
        let tls = nodes
            .iter()
            .any(|node| matches!(node.addr(), ConnectionAddr::TcpTls { .. }));
        Ok(ServerTarget {
            nodes,
            cluster,
            tls,
        })
    }

    fn connection_info(&self, node: &str, tls: bool) -> Result<ConnectionInfo, SinkError> {
        let info = if node.contains("://") {
            node.into_connection_info().map_err(|error| {
                config_error(&format!(
                    "cannot read the URL {}: {error}",
                    analytics_core::config::mask_url(node)
                ))
            })?
        } else {
            let (host, port) = parse_address(node)?;
            let addr = if tls {
                ConnectionAddr::TcpTls {
                    host,
                    port,
                    insecure: false,
                    tls_params: None,
                }
            } else {
                ConnectionAddr::Tcp(host, port)
            };
            addr.into_connection_info()
                .map_err(|error| config_error(&format!("address `{node}`: {error}")))?
        };
        let mut settings: RedisConnectionInfo = info.redis_settings().clone();
        if let Some(username) = self.username.as_deref().filter(|u| !u.is_empty()) {
            settings = settings.set_username(username);
        }
        if let Some(password) = self.password.as_deref().filter(|p| !p.is_empty()) {
            settings = settings.set_password(password);
        }
        if let Some(db) = self.db {
            settings = settings.set_db(db);
        }
        Ok(info.set_redis_settings(settings))
    }
}

/// `host`, `host:port`, `[v6]:port` or `[v6]`.
fn parse_address(address: &str) -> Result<(String, u16), SinkError> {
    let address = address.trim();
    let bad = || config_error(&format!("address `{address}` is not host:port"));
    if let Some(rest) = address.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(port) => port.parse().map_err(|_| bad())?,
            None if after.is_empty() => DEFAULT_PORT,
            None => return Err(bad()),
        };
        return Ok((host.to_owned(), port));
    }
    match address.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !host.contains(':') => {
            Ok((host.to_owned(), port.parse().map_err(|_| bad())?))
        }
        None if !address.is_empty() => Ok((address.to_owned(), DEFAULT_PORT)),
        _ => Err(bad()),
    }
}

fn check_prefix(prefix: &str) -> Result<(), SinkError> {
    if prefix.contains(['{', '}']) {
        return Err(config_error(
            "`prefix` must not contain `{` or `}`: the sink hash-tags its keys itself",
        ));
    }
    Ok(())
}

/// A settings error; the sink's builder puts the settings' path (with the sink's name) before it.
fn config_error(message: &str) -> SinkError {
    SinkError::config(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> RedisSinkConfig {
        serde_norway::from_str(yaml).expect("settings parse")
    }

    fn livekit(address: &str) -> RedisConfig {
        RedisConfig {
            address: address.to_owned(),
            username: "lk".to_owned(),
            password: "lk-secret".to_owned(),
            db: 2,
            use_tls: false,
        }
    }

    #[test]
    fn address_with_credentials_becomes_one_server() {
        let config = parse("{address: 'cache:6380', username: u, password: p, db: 3}");
        let target = config.server_target(None).expect("valid");
        assert!(!target.cluster);
        assert_eq!(target.nodes.len(), 1);
        let node = &target.nodes[0];
        assert_eq!(node.addr(), &ConnectionAddr::Tcp("cache".into(), 6380));
        assert_eq!(node.redis_settings().username(), Some("u"));
        assert_eq!(node.redis_settings().password(), Some("p"));
        assert_eq!(node.redis_settings().db(), 3);
        assert_eq!(config.prefix, DEFAULT_PREFIX);
    }

    #[test]
    fn url_settings_are_read_and_explicit_keys_win() {
        let config = parse("{url: 'redis://a:b@host:7000/4', password: other}");
        let target = config.server_target(None).expect("valid");
        let settings = target.nodes[0].redis_settings();
        assert_eq!(
            target.nodes[0].addr(),
            &ConnectionAddr::Tcp("host".into(), 7000)
        );
        assert_eq!(settings.username(), Some("a"));
        assert_eq!(settings.password(), Some("other"));
        assert_eq!(settings.db(), 4);
    }

    #[test]
    fn without_address_livekit_redis_is_used() {
        let target = parse("{prefix: 'x:'}")
            .server_target(Some(&livekit("lk-redis")))
            .expect("valid");
        let node = &target.nodes[0];
        assert_eq!(node.addr(), &ConnectionAddr::Tcp("lk-redis".into(), 6379));
        assert_eq!(node.redis_settings().password(), Some("lk-secret"));
        assert_eq!(node.redis_settings().db(), 2);
    }

    #[test]
    fn without_any_server_the_error_says_what_to_set() {
        let error = parse("{}").server_target(None).expect_err("no server");
        assert!(error.to_string().contains("address"), "{error}");
    }

    #[test]
    fn tls_address_and_ipv6() {
        let target = parse("{address: '[::1]:7001', use_tls: true}")
            .server_target(None)
            .expect("valid");
        assert!(target.tls);
        assert!(matches!(
            target.nodes[0].addr(),
            ConnectionAddr::TcpTls { host, port: 7001, .. } if host == "::1"
        ));
    }

    #[test]
    fn cluster_node_list_and_its_limits() {
        let target = parse("{cluster: ['127.0.0.1:7101', 'redis://127.0.0.1:7102']}")
            .server_target(None)
            .expect("valid");
        assert!(target.cluster);
        assert_eq!(target.nodes.len(), 2);
        assert!(parse("{cluster: ['a:1'], db: 1}")
            .server_target(None)
            .is_err());
        assert!(parse("{cluster: ['a:1'], address: 'b:2'}")
            .server_target(None)
            .is_err());
        assert!(parse("{cluster: []}").server_target(None).is_err());
        let one_seed = parse("{cluster: true, address: 'a:1'}")
            .server_target(None)
            .expect("valid");
        assert!(one_seed.cluster);
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(serde_norway::from_str::<RedisSinkConfig>("{adress: x}").is_err());
        assert!(parse("{address: a, url: 'redis://b'}")
            .server_target(None)
            .is_err());
        assert!(parse("{address: 'a:b'}").server_target(None).is_err());
        assert!(parse("{address: a, prefix: '{x}'}")
            .server_target(None)
            .is_err());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let config = parse("{url: 'redis://u:hunter2@h', password: hunter3}");
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("hunter3"),
            "{shown}"
        );
    }
}
