//! The [`Pipeline`]: every enabled sink's [`AnalyticsSender`], fed by ingest. A record is
//! admitted into every sink's queue or, in `block` mode, into none.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tokio::{sync::watch, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{
    config::{AnalyticsConfig, WhenFull},
    metrics::Metrics,
    record::{Record, RecordKind},
    registry::NamedSink,
    sender::{AnalyticsSender, SenderReport, SenderSettings},
};

/// The answer to an ingest request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Queued (in `drop_newest` mode, possibly minus what was dropped and counted).
    Accepted,
    /// Refused because a sink's queue is full (`block` mode): answer 503 / RESOURCE_EXHAUSTED.
    Full { sink: String },
}

/// What shutdown left unwritten, per sink.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipelineSummary {
    pub reports: Vec<SenderReport>,
}

impl PipelineSummary {
    /// Records that no sink could write before the deadline, summed over sinks.
    pub fn unwritten(&self) -> usize {
        self.reports.iter().map(|r| r.unwritten).sum()
    }
}

/// All senders, and the switch that stops them.
pub struct Pipeline {
    senders: Vec<Arc<AnalyticsSender>>,
    when_full: WhenFull,
    expiration: Duration,
    shutdown_timeout: Duration,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
    deadline: watch::Sender<Option<Instant>>,
    tasks: Mutex<Vec<JoinHandle<SenderReport>>>,
}

impl Pipeline {
    /// Starts one sender task per sink (initialising each in the background).
    pub fn start(
        sinks: Vec<NamedSink>,
        config: &AnalyticsConfig,
        metrics: Arc<Metrics>,
    ) -> Arc<Pipeline> {
        let settings = SenderSettings {
            interval: config.interval,
            batch_size: config.batch_size,
            max_records: config.buffer.max_records,
            max_retry_backoff: config.max_retry_backoff,
            shutdown_timeout: config.shutdown_timeout,
        };
        let senders: Vec<_> = sinks
            .into_iter()
            .map(|(name, sink)| {
                metrics.set_queue_records(&name, 0);
                AnalyticsSender::new(name, sink, settings.clone(), metrics.clone())
            })
            .collect();
        let shutdown = CancellationToken::new();
        let (deadline, deadline_rx) = watch::channel(None);
        let tasks = senders
            .iter()
            .map(|sender| tokio::spawn(sender.clone().run(shutdown.clone(), deadline_rx.clone())))
            .collect();
        Arc::new(Pipeline {
            senders,
            when_full: config.buffer.when_full,
            expiration: config.expiration,
            shutdown_timeout: config.shutdown_timeout,
            metrics,
            shutdown,
            deadline,
            tasks: Mutex::new(tasks),
        })
    }

    /// Time to live given to records at conversion.
    pub fn expiration(&self) -> Duration {
        self.expiration
    }

    /// The metrics every part reports to.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The senders, one per sink.
    pub fn senders(&self) -> &[Arc<AnalyticsSender>] {
        &self.senders
    }

    /// `(sink name, initialised)` for every sink.
    pub fn readiness(&self) -> Vec<(String, bool)> {
        self.senders
            .iter()
            .map(|s| (s.name().to_owned(), s.is_ready()))
            .collect()
    }

    /// Queues records from `source` (`webhook`, `grpc`, `json`) in every sink.
    pub fn admit(&self, records: Vec<Record>, source: &str) -> Admission {
        if records.is_empty() {
            return Admission::Accepted;
        }
        let records: Vec<Arc<Record>> = records.into_iter().map(Arc::new).collect();
        match self.when_full {
            WhenFull::Block => {
                for (position, sender) in self.senders.iter().enumerate() {
                    if sender.reserve(records.len(), true) == 0 {
                        for reserved in &self.senders[..position] {
                            reserved.unreserve(records.len());
                        }
                        self.metrics.rejected(source, "queue_full");
                        return Admission::Full {
                            sink: sender.name().to_owned(),
                        };
                    }
                }
                for sender in &self.senders {
                    sender.push_reserved(&records);
                }
            }
            WhenFull::DropNewest => {
                for sender in &self.senders {
                    let fits = sender.reserve(records.len(), false);
                    sender.push_reserved(&records[..fits]);
                    let dropped = records.len() - fits;
                    if dropped > 0 {
                        self.metrics
                            .dropped(sender.name(), "queue_full", dropped as u64);
                    }
                }
            }
        }
        let events = records
            .iter()
            .filter(|r| r.kind == RecordKind::Event)
            .count() as u64;
        let stats = records.len() as u64 - events;
        if events > 0 {
            self.metrics
                .ingested(source, RecordKind::Event.as_str(), events);
        }
        if stats > 0 {
            self.metrics
                .ingested(source, RecordKind::Stat.as_str(), stats);
        }
        Admission::Accepted
    }

    /// Stops the senders: each writes what is queued until the shutdown timeout passes.
    pub async fn shutdown(&self) -> PipelineSummary {
        self.deadline
            .send_replace(Some(Instant::now() + self.shutdown_timeout));
        self.shutdown.cancel();
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        let mut summary = PipelineSummary::default();
        for (task, sender) in tasks.into_iter().zip(&self.senders) {
            let report = task.await.unwrap_or_else(|_| SenderReport {
                sink: sender.name().to_owned(),
                unwritten: sender.queued(),
            });
            summary.reports.push(report);
        }
        summary
    }
}
