//! `livekit-analytics`: see `livekit-analytics --help`.

use std::process::ExitCode;

use analytics_bin::{
    check_config,
    cli::{Cli, Command},
    logging, replay, service, simulate,
};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match &cli.command {
        Some(Command::CheckConfig) => check_config::run(&cli.config_source()),
        Some(Command::Simulate(args)) => runtime.block_on(simulate::run(args.clone())),
        Some(Command::Replay(args)) => {
            runtime.block_on(replay::run(cli.config_source(), args.clone()))
        }
        None => runtime.block_on(service::run(cli.config_source())),
    }
}
