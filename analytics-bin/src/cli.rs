//! The command line (contract: `--config`, `--config-body`, `LIVEKIT_CONFIG`, `--dev`,
//! `check-config`, `simulate`, `replay`).

use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, Subcommand};

use crate::{config_source::ConfigSource, replay::ReplayArgs, simulate::options::SimulateArgs};

/// Stores LiveKit analytics (webhooks, the analytics stream, stats) in MongoDB, PostgreSQL,
/// Redis and SQLite.
#[derive(Debug, Parser)]
#[command(name = "livekit-analytics", version, about)]
pub struct Cli {
    /// A LiveKit config.yaml with an `openvidu.analytics` section.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The config YAML itself (instead of --config). Without either, env LIVEKIT_CONFIG.
    #[arg(long, global = true, value_name = "YAML", conflicts_with = "config")]
    pub config_body: Option<String>,
    /// Development mode, no config needed: API key `devkey` / secret `secret`, SQLite at
    /// ./livekit-analytics.db, listen 127.0.0.1:7890 (or --listen), interval 1s.
    #[arg(long, global = true, conflicts_with_all = ["config", "config_body"])]
    pub dev: bool,
    /// With --dev: the address to listen on instead of 127.0.0.1:7890 (a config file sets
    /// `openvidu.analytics.listen`).
    #[arg(long, global = true, value_name = "ADDR", requires = "dev")]
    pub listen: Option<SocketAddr>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the configuration and print it, secrets masked, with the sinks compiled in.
    CheckConfig,
    /// Send realistic LiveKit traffic (rooms, participants, tracks, egress, ingress, stats
    /// every 30 s of simulated time) to a running instance, with time compressed.
    Simulate(SimulateArgs),
    /// Back-fill one sink from what the disk buffer (`buffer.dir`) still holds: rewind its
    /// cursor to the oldest record kept and write until it has caught up. Run it while the
    /// service is stopped.
    Replay(ReplayArgs),
}

impl Cli {
    /// The configuration source the flags select.
    pub fn config_source(&self) -> ConfigSource {
        if self.dev {
            ConfigSource::Dev(self.listen)
        } else if let Some(path) = &self.config {
            ConfigSource::File(path.clone())
        } else if let Some(body) = &self.config_body {
            ConfigSource::Body(body.clone())
        } else {
            ConfigSource::Env(std::env::var("LIVEKIT_CONFIG").ok())
        }
    }
}
