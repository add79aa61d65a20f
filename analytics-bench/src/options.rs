//! The command line, and which measurements it asks for given the servers at hand.

use clap::{Parser, Subcommand};

use crate::{read::options::ReadOptions, servers::Servers, targets::Target};

/// Benchmarks each sink against its database's own bulk-insert speed (without a
/// subcommand), the read API on a query sink (`read`), the NATS buffer (`nats`), or the
/// time from acceptance to stored at a steady rate (`latency`).
#[derive(Debug, Parser)]
#[command(name = "analytics-bench", args_conflicts_with_subcommands = true)]
pub struct Options {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `postgres`, `redis`, `mongo`, `sqlite`, `null` (the ingest ceiling), `unreachable`
    /// (memory per queued record) or `all`.
    #[arg(long, default_value = "all")]
    pub sink: String,
    /// Records per measurement.
    #[arg(long, default_value_t = 200_000)]
    pub records: usize,
    /// Use target/release/livekit-analytics as it is, without `cargo build --release` first.
    #[arg(long)]
    pub no_build: bool,
    /// Only write the dataset's converted records (columns and document, one line each) to
    /// this file, to compare conversions before and after a change.
    #[arg(long, value_name = "FILE")]
    pub dump_records: Option<std::path::PathBuf>,
}

/// A benchmark other than the write benchmark.
#[derive(Debug, Subcommand)]
pub enum Command {
    Read(ReadOptions),
    /// Records/s through a NATS JetStream stream into each sink with one and two writer
    /// instances, and the publish acknowledgement's latency.
    Nats(crate::nats::options::NatsOptions),
    Latency(crate::latency::options::LatencyOptions),
}

/// What one run measures.
#[derive(Debug)]
pub struct Plan {
    /// Database sinks to compare with their baselines, in order.
    pub targets: Vec<Target>,
    /// Sinks asked for whose server is not configured, with the reason.
    pub missing: Vec<String>,
    pub null: bool,
    pub unreachable: bool,
}

const DATABASES: [&str; 4] = ["postgres", "redis", "mongo", "sqlite"];

impl Options {
    /// The measurements `--sink` names; an error for a name that is none of them, or for a
    /// single database whose server is not configured.
    pub fn plan(&self, servers: &Servers) -> Result<Plan, String> {
        if self.records == 0 {
            return Err("--records must be at least 1".into());
        }
        let names: Vec<&str> = match self.sink.as_str() {
            "all" => DATABASES
                .iter()
                .copied()
                .chain(["null", "unreachable"])
                .collect(),
            name if DATABASES.contains(&name) || name == "null" || name == "unreachable" => {
                vec![name]
            }
            other => {
                return Err(format!(
                    "--sink {other}: expected one of postgres, redis, mongo, sqlite, null, unreachable, all"
                ))
            }
        };
        let mut plan = Plan {
            targets: Vec::new(),
            missing: Vec::new(),
            null: names.contains(&"null"),
            unreachable: names.contains(&"unreachable"),
        };
        for name in names.into_iter().filter(|name| DATABASES.contains(name)) {
            match servers.target(name) {
                Ok(target) => plan.targets.push(target),
                Err(reason) => plan.missing.push(reason),
            }
        }
        if self.sink != "all" && !plan.missing.is_empty() {
            return Err(plan.missing.join("; "));
        }
        Ok(plan)
    }
}
