//! `livekit-analytics replay --sink NAME`: back-fills one sink from what the disk buffer still
//! holds. Its cursor is rewound to the oldest record kept, and the pipeline runs for that sink
//! alone until it has written everything up to the log's end as of the start. Run it while
//! the service is stopped: both would otherwise use the same buffer folder at once.

use std::{
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use analytics_core::{disk_buffer::DiskLog, registry::build_sinks, Metrics, Pipeline};

use crate::cli::ConfigSource;

/// How often progress is logged while the sink catches up.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
/// How often the sink's cursor is looked at.
const POLL_EVERY: Duration = Duration::from_millis(100);

/// Options of `replay`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReplayArgs {
    /// The sink to back-fill: its name under `openvidu.analytics.sinks`.
    #[arg(long, value_name = "NAME")]
    pub sink: String,
    /// Give up (exit 1) when the sink has not caught up by then; what it wrote stays written.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
}

/// What a finished replay did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplaySummary {
    pub sink: String,
    /// Sequence numbers `from..to` were replayed.
    pub from: u64,
    pub to: u64,
    /// Records the sink wrote (or found already written).
    pub written: u64,
    /// Records the database refused for good (counted, never retried).
    pub refused: u64,
}

impl std::fmt::Display for ReplaySummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "replay of sink {}: {} records from the disk buffer (sequence {}..{}): {} written, {} refused by the database",
            self.sink,
            self.to - self.from,
            self.from,
            self.to,
            self.written,
            self.refused
        )
    }
}

/// Runs `replay`: the summary on stdout and exit 0, or the reason on stderr and exit 1.
pub async fn run(source: ConfigSource, args: ReplayArgs) -> ExitCode {
    match replay(&source, &args).await {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn replay(source: &ConfigSource, args: &ReplayArgs) -> Result<ReplaySummary, String> {
    let config = source.load().map_err(|error| error.to_string())?;
    let analytics = &config.openvidu.analytics;
    let Some(dir) = analytics.buffer.dir.clone() else {
        return Err(
            "openvidu.analytics.buffer.dir is not set: there is no disk buffer to replay from"
                .into(),
        );
    };
    let mut sinks = build_sinks(&config).map_err(|error| error.to_string())?;
    let names: Vec<String> = sinks.iter().map(|(name, _)| name.clone()).collect();
    let Some(position) = names.iter().position(|name| *name == args.sink) else {
        return Err(format!(
            "sink `{}` is not configured under openvidu.analytics.sinks (configured: {})",
            args.sink,
            names.join(", ")
        ));
    };
    if !dir.is_dir() {
        return Err(format!(
            "the disk buffer folder {} does not exist: nothing to replay",
            dir.display()
        ));
    }
    let (log, report) = DiskLog::open(&dir, analytics.buffer.fsync_interval)
        .map_err(|error| format!("cannot open the disk buffer {}: {error}", dir.display()))?;
    for skipped in &report.skipped {
        eprintln!("warning: disk buffer: corrupt data skipped: {skipped}");
    }
    // The other sinks' cursors keep holding the segments they have not written yet.
    for name in names.iter().filter(|name| **name != args.sink) {
        log.register_sink(name)
            .map_err(|error| format!("cannot read the cursor of sink {name}: {error}"))?;
    }
    let from = log
        .rewind(&args.sink)
        .map_err(|error| format!("cannot rewind the cursor of sink {}: {error}", args.sink))?;
    let to = log.next_seq();
    tracing::info!(sink = %args.sink, from, to, "replaying the disk buffer");
    let sink = sinks.swap_remove(position);
    let metrics = Arc::new(Metrics::new());
    let pipeline = Pipeline::on_disk_log(vec![sink], log.clone(), analytics, metrics.clone())
        .map_err(|error| format!("cannot read the disk buffer: {error}"))?;
    let outcome = catch_up(&log, &args.sink, to, args.timeout).await;
    let shutdown = pipeline.shutdown().await;
    let reached = log.cursor(&args.sink);
    let text = metrics.encode();
    let summary = ReplaySummary {
        sink: args.sink.clone(),
        from,
        to,
        written: counter_sum(&text, "livekit_analytics_sink_written_total", &args.sink),
        refused: counter_sum(&text, "livekit_analytics_dropped_total", &args.sink),
    };
    if reached < to {
        let why = match outcome {
            CatchUp::TimedOut => format!("the --timeout of {:?} passed", args.timeout),
            CatchUp::Interrupted => "interrupted".to_owned(),
            CatchUp::Done => "the shutdown deadline passed".to_owned(),
        };
        return Err(format!(
            "sink {} did not catch up ({why}): written up to sequence {reached} of {from}..{to} ({} records left, {} unwritten at exit); run replay again once the sink's database works",
            args.sink,
            to - reached,
            shutdown.unwritten()
        ));
    }
    Ok(summary)
}

enum CatchUp {
    Done,
    TimedOut,
    Interrupted,
}

/// Waits until the sink's durable cursor reaches `to`, logging progress.
async fn catch_up(log: &DiskLog, sink: &str, to: u64, timeout: Duration) -> CatchUp {
    let started = Instant::now();
    let mut last_report = started;
    let interrupted = interrupt_signal();
    tokio::pin!(interrupted);
    loop {
        let cursor = log.cursor(sink);
        if cursor >= to {
            return CatchUp::Done;
        }
        if started.elapsed() >= timeout {
            return CatchUp::TimedOut;
        }
        if last_report.elapsed() >= PROGRESS_EVERY {
            tracing::info!(sink, cursor, to, "replay in progress");
            last_report = Instant::now();
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL_EVERY) => {}
            _ = &mut interrupted => return CatchUp::Interrupted,
        }
    }
}

async fn interrupt_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
}

/// The sum of a counter's samples for one sink in Prometheus text.
fn counter_sum(text: &str, metric: &str, sink: &str) -> u64 {
    let label = format!("sink=\"{sink}\"");
    text.lines()
        .filter(|line| {
            line.strip_prefix(metric)
                .is_some_and(|rest| rest.starts_with('{'))
                && line.contains(&label)
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|value| value as u64)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::counter_sum;

    #[test]
    fn counter_sum_adds_one_sinks_samples() {
        let text = "livekit_analytics_sink_written_total{sink=\"pg\",kind=\"event\"} 3\n\
                    livekit_analytics_sink_written_total{sink=\"pg\",kind=\"stat\"} 4\n\
                    livekit_analytics_sink_written_total{sink=\"pg2\",kind=\"stat\"} 9\n\
                    livekit_analytics_sink_written_total_created{sink=\"pg\"} 1\n";
        assert_eq!(
            counter_sum(text, "livekit_analytics_sink_written_total", "pg"),
            7
        );
    }
}
