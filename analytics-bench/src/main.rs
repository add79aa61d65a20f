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
    if let Some(Command::Read(read)) = &options.command {
        return match read::run(read).await {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(Command::Nats(nats)) = &options.command {
        return match nats::run(nats).await {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(Command::Latency(latency)) = &options.command {
        return match latency::run(latency).await {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(path) = &options.dump_records {
        let dumped = dataset::Dataset::generate(
            options.records,
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
        )
        .and_then(|dataset| dump::write(&dataset, path));
        return match dumped {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        };
    }
    let servers = Servers::from_env();
    let plan = match options.plan(&servers) {
        Ok(plan) => plan,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    match measure::run(&options, &plan).await {
        Ok(complete) if complete => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
