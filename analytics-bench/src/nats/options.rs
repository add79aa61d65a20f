//! The options of `analytics-bench nats`.

use clap::Args;

const DATABASES: [&str; 4] = ["postgres", "redis", "mongo", "sqlite"];

#[derive(Debug, Args)]
pub struct NatsOptions {
    /// `postgres`, `redis`, `mongo`, `sqlite`, or `all` (every database whose server is set).
    #[arg(long, default_value = "all")]
    pub sink: String,
    /// Records per measurement.
    #[arg(long, default_value_t = 50_000)]
    pub records: usize,
    /// Writer instance counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub writers: Vec<usize>,
    /// Copies of every message in the stream.
    #[arg(long, default_value_t = 3)]
    pub replicas: usize,
    /// Publishes timed one at a time for the latency figures.
    #[arg(long, default_value_t = 2_000)]
    pub latency_samples: usize,
    /// Use target/release/livekit-analytics as it is, without `cargo build --release` first.
    #[arg(long)]
    pub no_build: bool,
}

impl NatsOptions {
    /// The databases asked for.
    pub fn sinks(&self) -> Result<Vec<&'static str>, String> {
        if self.records == 0 || self.writers.contains(&0) {
            return Err("--records and --writers must be at least 1".into());
        }
        match self.sink.as_str() {
            "all" => Ok(DATABASES.to_vec()),
            name => DATABASES
                .iter()
                .find(|database| **database == name)
                .map(|database| vec![*database])
                .ok_or_else(|| {
                    format!("--sink {name}: expected one of postgres, redis, mongo, sqlite, all")
                }),
        }
    }
}
