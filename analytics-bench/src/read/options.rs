//! `analytics-bench read`: the read benchmark's command line.

use std::path::PathBuf;

use clap::Args;

/// Loads a project's 28 days (1 000 sessions, 10 000 connections, about 5 M stats at scale
/// 1) into a query sink once, then times the read API's calls against it.
#[derive(Debug, Args)]
pub struct ReadOptions {
    /// `sqlite`, `postgres`, `mongo` or `all` (those whose server is configured).
    #[arg(long, default_value = "sqlite")]
    pub sink: String,
    /// Size of the dataset: 1 is 1 000 sessions and about 5 M stats; 0.1 for a quick run.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Timed runs of each call, after the warm-up.
    #[arg(long, default_value_t = 30)]
    pub runs: usize,
    /// Stop timing a call after this many seconds of timed runs (at least one run), so that
    /// a call taking seconds does not hold the run up for minutes.
    #[arg(long, default_value_t = 60)]
    pub budget_seconds: u64,
    /// Untimed runs of each call first.
    #[arg(long, default_value_t = 3)]
    pub warmup: usize,
    /// Where the SQLite dataset is kept between runs.
    #[arg(long, default_value = "target/read-bench")]
    pub dir: PathBuf,
    /// Drop the dataset and load it again, even when it is complete.
    #[arg(long)]
    pub reload: bool,
    /// Only load the dataset; time nothing.
    #[arg(long)]
    pub load_only: bool,
}
