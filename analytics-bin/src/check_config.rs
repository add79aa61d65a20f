//! `livekit-analytics check-config`: validate, then print the effective configuration with
//! secrets masked, the sinks it runs (with the batch size each writes) and the sinks
//! compiled in. It connects to no database: sinks are built (which checks their settings)
//! but never initialised.

use std::process::ExitCode;

use crate::{cli::ConfigSource, compiled_sinks::compiled_sink_kinds};

pub fn run(source: &ConfigSource) -> ExitCode {
    let config = match source.load() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Some drivers (sqlx's lazy pool) spawn their housekeeping when a sink is built, which
    // needs a Tokio runtime even though nothing here connects; `main` enters none for
    // `check-config`, so this command brings its own small one.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let _entered = runtime.enter();
    let sinks = match analytics_core::registry::build_sinks(&config) {
        Ok(sinks) => sinks,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", config.to_masked_yaml());
    println!("# sinks compiled in: {}", compiled_sink_kinds().join(", "));
    let specs = config.sink_specs().unwrap_or_default();
    let configured: Vec<String> = specs
        .iter()
        .zip(&sinks)
        .map(|(spec, (name, sink))| {
            let batch_size = config
                .openvidu
                .analytics
                .batch_size_of(name, sink.preferred_batch_size());
            format!("{} ({}, batch_size {batch_size})", spec.name, spec.kind)
        })
        .collect();
    println!("# sinks configured: {}", configured.join(", "));
    if !config.openvidu.analytics.enabled {
        println!("# openvidu.analytics.enabled is false: the service would exit without storing anything");
    }
    drop(sinks);
    println!("# configuration is valid");
    ExitCode::SUCCESS
}
