//! [`Error`]: why a command failed. `main` is the one place that reports it (`error: ...` on
//! stderr, and in the log for the service and replay) and exits 1.

use std::{io, net::SocketAddr, path::PathBuf};

use analytics_core::config::ConfigError;

/// Why `livekit-analytics` (the service or one of its commands) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] io::Error),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("keys: at least one API key is needed to authenticate LiveKit")]
    NoKeys,
    #[error("cannot open the disk buffer: {0}")]
    OpenDiskBuffer(#[source] io::Error),
    /// The NATS buffer (`buffer.nats`) cannot start, or is not compiled in.
    #[error("{0}")]
    SharedBuffer(String),
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        #[source]
        source: io::Error,
    },
    /// The HTTP server's task ended before a shutdown signal (its join result, debug-printed).
    #[error("the HTTP server stopped: {0}")]
    ServerStopped(String),
    #[error("--rooms and --participants must be at least 1")]
    NoRoomsOrParticipants,
    #[error("--time-scale must be 0 (as fast as possible) or a positive number")]
    InvalidTimeScale,
    /// `simulate` could not reach or set up its transport.
    #[error("{0}")]
    Connect(String),
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

/// Why `replay` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    #[error("openvidu.analytics.buffer.dir is not set: there is no disk buffer to replay from")]
    NoBufferDir,
    #[error(
        "sink `{sink}` is not configured under openvidu.analytics.sinks (configured: {configured})"
    )]
    UnknownSink { sink: String, configured: String },
    #[error("the disk buffer folder {} does not exist: nothing to replay", .0.display())]
    NoBufferFolder(PathBuf),
    #[error("cannot open the disk buffer {}: {source}", .dir.display())]
    Open {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot read the cursor of sink {sink}: {source}")]
    ReadCursor {
        sink: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot rewind the cursor of sink {sink}: {source}")]
    Rewind {
        sink: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot read the disk buffer: {0}")]
    Read(#[source] io::Error),
    #[error("sink {sink} did not catch up ({why}): written up to sequence {reached} of {from}..{to} ({} records left, {unwritten} unwritten at exit); run replay again once the sink's database works", .to - .reached)]
    NotCaughtUp {
        sink: String,
        why: String,
        reached: u64,
        from: u64,
        to: u64,
        unwritten: usize,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
