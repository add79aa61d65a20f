//! Running the service: configuration → sinks → pipeline → HTTP listener; on SIGINT or
//! SIGTERM stop accepting, flush what is queued within the shutdown timeout, and report
//! what could not be written.

use std::{process::ExitCode, sync::Arc, time::Duration};

use analytics_core::{
    registry::build_sinks, AnalyticsConfig, LivekitConfig, Metrics, Pipeline, PipelineSummary, Sink,
};
use axum::Router;
use tokio::net::TcpListener;

use crate::{
    auth::ApiKeys,
    client_stats::{self, ClientStatsApi},
    compiled_sinks::compiled_sink_kinds,
    config_source::ConfigSource,
    dashboard::{self, Dashboard},
    error::{Error, Result},
    fixer::{self, FixerTask},
    ingest::AppState,
    node_state::NodeRoomStates,
    read_api::{self, ReadApi},
    server::{
        listener::{self, max_connections_within_file_limit, ConnectionLimits},
        router_with_node_states,
    },
    shared_buffer::SharedBuffer,
};

/// How long open connections (long-lived gRPC streams included) get to finish after a
/// shutdown signal before the pipeline is flushed regardless.
const CONNECTION_GRACE: Duration = Duration::from_secs(2);

/// Runs the service until SIGINT or SIGTERM; exit code 1 when records were left unwritten.
pub async fn run(source: ConfigSource) -> Result<ExitCode> {
    let config = source.load()?;
    let analytics = config.openvidu.analytics.clone();
    if !analytics.enabled {
        println!("openvidu.analytics.enabled is false: nothing to store, exiting");
        return Ok(ExitCode::SUCCESS);
    }
    if config.keys.is_empty() {
        return Err(Error::NoKeys);
    }
    let (pipeline, names) = open_pipeline(&config)?;
    let shared_buffer = SharedBuffer::start(&config, &pipeline).await?;
    let keys = Arc::new(ApiKeys::new(&config.keys));
    let query_sink = choose_query_sink(&pipeline, &analytics)?;
    let read_api = ReadApi::new(keys.clone(), &analytics.api, query_sink.clone());
    let state = AppState {
        pipeline: pipeline.clone(),
        keys,
        role: analytics.role,
    };
    let client_stats = ClientStatsApi::new(state.clone(), &analytics.api, query_sink);
    let listener = TcpListener::bind(analytics.listen)
        .await
        .map_err(|source| Error::Listen {
            address: analytics.listen,
            source,
        })?;
    tracing::info!(
        listen = %analytics.listen,
        sinks = ?names,
        compiled_in = ?compiled_sink_kinds(),
        interval = ?analytics.interval,
        role = analytics.role.as_str(),
        buffer = pipeline.shared_log().map_or_else(|| "local".to_owned(), |log| log.describe()),
        "livekit-analytics started"
    );
    let node_states = Arc::new(NodeRoomStates::default());
    let fixer = start_fixer(&config, &pipeline, node_states.clone());
    let dashboard = Dashboard::new(&config, pipeline.metrics().clone());
    let read_api = read_api::router(read_api, dashboard.clone(), analytics.http.request_timeout);
    let app = router_with_node_states(
        state,
        analytics.max_body_bytes,
        analytics.http.request_timeout,
        node_states,
    )
    .merge(dashboard::router(dashboard, analytics.http.request_timeout))
    .merge(read_api)
    .merge(client_stats::router(
        client_stats,
        analytics.max_body_bytes,
        analytics.http.request_timeout,
    ));
    if matches!(source, ConfigSource::Dev(_)) {
        print_dev_dashboard(&config, &analytics);
    }
    serve_until_signal(listener, app, &analytics).await?;
    fixer.stop().await;
    shared_buffer.shutdown(analytics.shutdown_timeout).await;
    Ok(exit_code(&pipeline.shutdown().await))
}

/// The configured sinks in a pipeline (with the disk buffer, if one is set), and their names.
fn open_pipeline(config: &LivekitConfig) -> Result<(Arc<Pipeline>, Vec<String>)> {
    let sinks = build_sinks(config)?;
    let names: Vec<String> = sinks.iter().map(|(name, _)| name.clone()).collect();
    let metrics = Arc::new(Metrics::new());
    let (pipeline, recovered) = Pipeline::open(sinks, &config.openvidu.analytics, metrics)
        .map_err(Error::OpenDiskBuffer)?;
    if let Some(report) = recovered {
        tracing::info!(
            pending = report.pending_records,
            skipped = report.skipped.len(),
            "disk buffer opened"
        );
    }
    Ok((pipeline, names))
}

/// The sink that answers queries (`openvidu.analytics.api.query_sink`), for the read API and
/// the client stats' participant check; a `query_sink` that is not configured or cannot
/// answer queries stops the start with a configuration error.
fn choose_query_sink(
    pipeline: &Pipeline,
    analytics: &AnalyticsConfig,
) -> Result<Option<Arc<dyn Sink>>> {
    let sinks = pipeline
        .senders()
        .iter()
        .map(|sender| (sender.name(), sender.sink()));
    let chosen = analytics_core::query::choose_query_sink(&analytics.api, sinks)?;
    match &chosen {
        Some((name, _)) => tracing::info!(sink = %name, "the read API answers from this sink"),
        None => tracing::warn!("no configured sink answers queries: the read API answers 503 and client stats' participant sids are not checked"),
    }
    Ok(chosen.map(|(_, sink)| sink))
}

/// `--dev`: where the dashboard is and the development key to sign in with (printed, not
/// logged: these are the well-known dev credentials, never a configured secret).
fn print_dev_dashboard(config: &LivekitConfig, analytics: &AnalyticsConfig) {
    println!("dashboard: http://{}/", analytics.listen);
    for (key, secret) in &config.keys {
        println!("dashboard sign-in (dev): API key {key}, secret {secret}");
    }
}

/// The active-entities fixer, reading LiveKit's state from where the config says.
fn start_fixer(
    config: &LivekitConfig,
    pipeline: &Arc<Pipeline>,
    node_states: Arc<NodeRoomStates>,
) -> FixerTask {
    let analytics = &config.openvidu.analytics;
    let (livekit, livekit_source) = fixer::livekit_source(config, node_states);
    tracing::info!(source = %livekit_source, "active-entities fixer reads LiveKit's state from");
    fixer::start(
        pipeline.clone(),
        livekit,
        analytics.fixer_period(),
        analytics.expiration,
    )
}

/// Serves `app` until SIGINT or SIGTERM, then gives open connections
/// [`CONNECTION_GRACE`] to finish.
async fn serve_until_signal(
    listener: TcpListener,
    app: Router,
    analytics: &AnalyticsConfig,
) -> Result<()> {
    let limits = ConnectionLimits {
        max_connections: max_connections_within_file_limit(analytics.http.max_connections),
        header_timeout: analytics.http.header_timeout,
        keepalive_interval: analytics.http.keepalive_interval,
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut server = tokio::spawn(listener::serve(listener, app, limits, stop_rx));
    tokio::select! {
        result = &mut server => {
            return Err(Error::ServerStopped(format!("{result:?}")));
        }
        signal = shutdown_signal() => tracing::info!(signal, "shutting down: flushing queued records"),
    }
    let _ = stop_tx.send(true);
    if tokio::time::timeout(CONNECTION_GRACE, &mut server)
        .await
        .is_err()
    {
        server.abort();
    }
    Ok(())
}

/// Exit code 1, naming each sink's unwritten records, when the shutdown left any.
fn exit_code(summary: &PipelineSummary) -> ExitCode {
    if summary.unwritten() > 0 {
        for report in summary.reports.iter().filter(|r| r.unwritten > 0) {
            eprintln!(
                "error: sink {}: {} records not written before the shutdown deadline",
                report.sink, report.unwritten
            );
        }
        return ExitCode::FAILURE;
    }
    tracing::info!("stopped; every queued record was written");
    ExitCode::SUCCESS
}

async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot listen for signals; stop with kill -9 only");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    }
}
