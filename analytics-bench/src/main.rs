//! `analytics-bench`: measures, on the same realistic data, how fast each database takes a
//! bulk insert from its own driver (the baseline), how fast livekit-analytics stores the
//! same records pushed over gRPC (the pipeline), the ingest ceiling with a sink that
//! discards, and the memory a queued record costs while its sink is unreachable;
//! `analytics-bench read` times the read API on a query sink holding a project's 28 days;
//! `analytics-bench nats` measures the NATS JetStream buffer (records/s with one and two
//! writers, publish-acknowledgement latency); `analytics-bench latency` the time from a
//! record's acceptance to its sink storing it, at a steady rate. Each pipeline line also
//! gives the service's CPU time per record.

mod cpu;
mod dataset;
mod dump;
mod latency;
mod measure;
mod nats;
mod options;
mod push;
mod read;
mod report;
mod servers;
mod service;
mod targets;

use std::process::ExitCode;

use clap::Parser;

use crate::{
    options::{Command, Options},
    servers::Servers,
};

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
    match &options.command {
        Some(Command::Read(read)) => return exit_code(read::run(read).await),
        Some(Command::Nats(nats)) => return exit_code(nats::run(nats).await),
        Some(Command::Latency(latency)) => return exit_code(latency::run(latency).await),
        None => {}
    }
    if let Some(path) = &options.dump_records {
        let dumped = dataset::Dataset::generate(
            options.records,
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
        )
        .and_then(|dataset| dump::write(&dataset, path));
        return exit_code(dumped.map(|()| true));
    }
    let servers = Servers::from_env();
    let plan = match options.plan(&servers) {
        Ok(plan) => plan,
        Err(message) => return exit_code(Err(message)),
    };
    exit_code(measure::run(&options, &plan).await)
}

/// The process's exit code for a command's outcome: success only when it completed, with an
/// error printed to stderr.
fn exit_code(outcome: Result<bool, String>) -> ExitCode {
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
