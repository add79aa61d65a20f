//! `livekit-analytics check-config`: validate, then print the effective configuration with
//! secrets masked, the sinks it runs (with the batch size each writes) and the sinks
//! compiled in, and which sink answers the read API. It connects to no database: sinks are built (which checks their settings)
//! but never initialised.

use crate::{
    compiled_sinks::compiled_sink_kinds,
    config_source::ConfigSource,
    error::{Error, Result},
};

pub fn run(source: &ConfigSource) -> Result<()> {
    let config = source.load()?;
    // Some drivers (sqlx's lazy pool) spawn their housekeeping when a sink is built, which
    // needs a Tokio runtime even though nothing here connects; `main` enters none for
    // `check-config`, so this command brings its own small one.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let _entered = runtime.enter();
    let sinks = analytics_core::registry::build_sinks(&config)?;
    let query_sink = analytics_core::query::choose_query_sink(
        &config.openvidu.analytics.api,
        sinks.iter().map(|(name, sink)| (name.as_str(), sink)),
    )?;
    print!("{}", config.to_masked_yaml());
    println!("# sinks compiled in: {}", compiled_sink_kinds().join(", "));
    let specs = config.sink_specs().unwrap_or_default();
    let configured: Vec<String> = specs
        .iter()
        .zip(&sinks)
        .map(|(spec, (name, sink))| {
            let sizes = config
                .openvidu
                .analytics
                .batch_sizes_of(name, sink.as_ref());
            let backlog = if sizes.most > sizes.full {
                format!(", up to {} a write under a backlog", sizes.most)
            } else {
                String::new()
            };
            format!(
                "{} ({}, batch_size {}{backlog})",
                spec.name, spec.kind, sizes.full
            )
        })
        .collect();
    println!("# sinks configured: {}", configured.join(", "));
    match query_sink {
        Some((name, _)) => println!("# the read API answers from sink {name}"),
        None => println!("# no configured sink answers queries: the read API would answer 503"),
    }
    if !config.openvidu.analytics.enabled {
        println!("# openvidu.analytics.enabled is false: the service would exit without storing anything");
    }
    drop(sinks);
    println!("# configuration is valid");
    Ok(())
}
