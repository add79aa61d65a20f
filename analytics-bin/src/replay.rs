//! `livekit-analytics replay --sink NAME`: back-fills one sink from what the disk buffer still
//! holds. Its cursor is rewound to the oldest record kept, and the pipeline runs for that sink
//! alone until it has written everything up to the log's end as of the start. Run it while
//! the service is stopped: both would otherwise use the same buffer folder at once.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use analytics_core::{disk_buffer::DiskLog, registry::build_sinks, Metrics, Pipeline};

use crate::{
    config_source::ConfigSource,
    error::{ReplayError, Result},
};

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

/// Runs `replay`: the summary on stdout, or why the sink did not catch up.
pub async fn run(source: ConfigSource, args: ReplayArgs) -> Result<()> {
    let summary = replay(&source, &args).await?;
    println!("{summary}");
    Ok(())
}

async fn replay(source: &ConfigSource, args: &ReplayArgs) -> Result<ReplaySummary> {
    let config = source.load()?;
    let analytics = &config.openvidu.analytics;
    let Some(dir) = analytics.buffer.dir.clone() else {
        return Err(ReplayError::NoBufferDir.into());
    };
    let mut sinks = build_sinks(&config)?;
    let names: Vec<String> = sinks.iter().map(|(name, _)| name.clone()).collect();
    let Some(position) = names.iter().position(|name| *name == args.sink) else {
        return Err(ReplayError::UnknownSink {
            sink: args.sink.clone(),
            configured: names.join(", "),
        }
        .into());
    };
    if !dir.is_dir() {
        return Err(ReplayError::NoBufferFolder(dir).into());
    }
    let (log, report) = DiskLog::open(&dir, analytics.buffer.fsync_interval).map_err(|source| {
        ReplayError::Open {
            dir: dir.clone(),
            source,
        }
    })?;
    for skipped in &report.skipped {
        eprintln!("warning: disk buffer: corrupt data skipped: {skipped}");
    }
    // The other sinks' cursors keep holding the segments they have not written yet.
    for name in names.iter().filter(|name| **name != args.sink) {
        log.register_sink(name)
            .map_err(|source| ReplayError::ReadCursor {
                sink: name.clone(),
                source,
            })?;
    }
    let from = log
        .rewind(&args.sink)
        .map_err(|source| ReplayError::Rewind {
            sink: args.sink.clone(),
            source,
        })?;
    let to = log.next_seq();
    tracing::info!(sink = %args.sink, from, to, "replaying the disk buffer");
    let sink = sinks.swap_remove(position);
    let metrics = Arc::new(Metrics::new());
    let pipeline = Pipeline::on_disk_log(vec![sink], log.clone(), analytics, metrics)
        .map_err(ReplayError::Read)?;
    let outcome = catch_up(&log, &args.sink, to, args.timeout).await;
    let shutdown = pipeline.shutdown().await;
    let reached = log.cursor(&args.sink);
    if reached < to {
        let why = match outcome {
            CatchUp::TimedOut => format!("the --timeout of {:?} passed", args.timeout),
            CatchUp::Interrupted => "interrupted".to_owned(),
            CatchUp::Done => "the shutdown deadline passed".to_owned(),
        };
        return Err(ReplayError::NotCaughtUp {
            sink: args.sink.clone(),
            why,
            reached,
            from,
            to,
            unwritten: shutdown.unwritten(),
        }
        .into());
    }
    let report = shutdown
        .reports
        .iter()
        .find(|report| report.sink == args.sink);
    Ok(ReplaySummary {
        sink: args.sink.clone(),
        from,
        to,
        written: report.map_or(0, |report| report.written),
        refused: report.map_or(0, |report| report.refused),
    })
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
