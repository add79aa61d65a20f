//! `analytics-bench`: measures, on the same realistic data, how fast each database takes a
//! bulk insert from its own driver (the baseline), how fast livekit-analytics stores the
//! same records pushed over gRPC (the pipeline), the ingest ceiling with a sink that
//! discards, and the memory a queued record costs while its sink is unreachable.

mod dataset;
mod measure;
mod options;
mod push;
mod report;
mod servers;
mod service;
mod targets;

use std::process::ExitCode;

use clap::Parser;

use crate::{options::Options, servers::Servers};

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
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
