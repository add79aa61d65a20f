//! The flags of `livekit-analytics simulate`.

use std::time::Duration;

use clap::{Args, ValueEnum};

/// How the simulated traffic reaches the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Source {
    /// The gRPC analytics stream (IngestEvents and IngestStats), as a patched LiveKit sends it.
    Grpc,
    /// Signed webhooks: only the lifecycle events LiveKit sends as webhooks, no stats.
    Webhook,
    /// The JSON API (`POST /v1/events`, `POST /v1/stats`), in batches.
    Json,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Grpc => "grpc",
            Source::Webhook => "webhook",
            Source::Json => "json",
        }
    }
}

/// Sends realistic LiveKit analytics traffic to a running livekit-analytics.
#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// The livekit-analytics address, e.g. http://127.0.0.1:7890.
    #[arg(long)]
    pub url: String,
    /// An API key of the service's `keys:`.
    #[arg(long)]
    pub api_key: String,
    /// Its secret.
    #[arg(long, env = "LIVEKIT_API_SECRET", hide_env_values = true)]
    pub api_secret: String,
    /// Rooms in the session.
    #[arg(long, default_value_t = 2)]
    pub rooms: usize,
    /// Participants per room.
    #[arg(long, default_value_t = 3)]
    pub participants: usize,
    /// Simulated length of the session (e.g. 5m, 1h).
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
    pub duration: Duration,
    /// Transport.
    #[arg(long, value_enum, default_value_t = Source::Grpc)]
    pub source: Source,
    /// Simulated seconds per real second; 0 sends as fast as possible.
    #[arg(long, default_value_t = 30.0)]
    pub time_scale: f64,
    /// Seed of the ids, scores and packet counts: the same seed simulates the same rooms,
    /// participants and tracks (the same sids). Unset: a random one, printed.
    #[arg(long)]
    pub seed: Option<u64>,
}
