//! [`ConfigSource`]: where the configuration comes from (`--dev`, `--config`,
//! `--config-body` or `LIVEKIT_CONFIG`), and loading it; every command starts here.

use std::{net::SocketAddr, path::PathBuf};

use analytics_core::{config::ConfigError, LivekitConfig};

/// Where the configuration comes from.
#[derive(Debug, Clone)]
pub enum ConfigSource {
    /// `--dev`, listening on the given address or the default one.
    Dev(Option<SocketAddr>),
    File(PathBuf),
    Body(String),
    Env(Option<String>),
}

impl ConfigSource {
    /// Reads and validates the configuration.
    pub fn load(&self) -> Result<LivekitConfig, ConfigError> {
        match self {
            ConfigSource::Dev(listen) => {
                let mut config = LivekitConfig::dev();
                if let Some(listen) = listen {
                    config.openvidu.analytics.listen = *listen;
                }
                Ok(config)
            }
            ConfigSource::File(path) => LivekitConfig::load(Some(path), None, None),
            ConfigSource::Body(body) => LivekitConfig::load(None, Some(body), None),
            ConfigSource::Env(env) => LivekitConfig::load(None, None, env.as_deref()),
        }
    }
}
