//! `livekit-analytics`: see `livekit-analytics --help`.

use std::process::ExitCode;

use analytics_bin::{
    check_config,
    cli::{Cli, Command},
    error::{Error, Result},
    logging, replay, service, simulate,
};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init();
    match run(&cli) {
        Ok(code) => code,
        Err(error) => {
            // The service and replay run long and their log is collected: the failure goes
            // there too. One-shot commands only print it.
            if matches!(cli.command, None | Some(Command::Replay(_))) {
                tracing::error!("{error}");
            }
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command the flags name (the service without one).
fn run(cli: &Cli) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    match &cli.command {
        Some(Command::CheckConfig) => {
            check_config::run(&cli.config_source()).map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Simulate(args)) => runtime.block_on(simulate::run(args.clone())),
        Some(Command::Replay(args)) => runtime
            .block_on(replay::run(cli.config_source(), args.clone()))
            .map(|()| ExitCode::SUCCESS),
        None => runtime.block_on(service::run(cli.config_source())),
    }
}
