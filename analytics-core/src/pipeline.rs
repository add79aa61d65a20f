//! The [`Pipeline`]: every enabled sink's [`AnalyticsSender`], fed by ingest. A record is
//! admitted into every sink's queue or, in `block` mode, into none.

use std::{
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use tokio::{sync::watch, task::JoinHandle, time::Instant};
use tokio_util::sync::CancellationToken;

use crate::{
    config::{AnalyticsConfig, WhenFull},
    disk_buffer::{DiskLog, DiskQueue, OpenReport},
    metrics::Metrics,
    record::{Record, RecordKind},
    registry::NamedSink,
    sender::{queue::RecordQueue, sink_queue::SinkQueue},
    sender::{AnalyticsSender, SenderReport, SenderSettings},
    shared_log::{SharedLog, SharedLogRefusal},
};

/// The answer to an ingest request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Queued (in `drop_newest` mode, possibly minus what was dropped and counted).
    Accepted,
    /// Refused because a sink's queue is full (`block` mode): answer 503 / RESOURCE_EXHAUSTED.
    /// Counted here (`rejected_total{reason="queue_full"}`).
    Full { sink: String },
    /// Refused because the file system of the disk buffer is full (or over its quota):
    /// nothing of the request was kept. The caller answers and counts it (`disk_full`).
    DiskFull,
    /// Refused because the disk buffer could not be written for another reason: nothing
    /// of the request was kept. The caller answers and counts it (`disk_buffer_error`).
    DiskError,
    /// Refused because the shared log (`buffer.nats`) is full or did not acknowledge: some
    /// records may be stored there already (a retry stores them once). Counted here
    /// (`rejected_total{reason="shared_log_full" | "shared_log_unavailable"}`).
    SharedLog(SharedLogRefusal),
}

/// Whether `error` says the file system is full or the user's quota used up (ENOSPC,
/// EDQUOT): a condition that passes once space is freed.
pub fn is_disk_full(error: &std::io::Error) -> bool {
    /// Linux's EDQUOT, which std reports as a kind of its own.
    const EDQUOT: i32 = 122;
    /// Linux's ENOSPC.
    const ENOSPC: i32 = 28;
    error.kind() == std::io::ErrorKind::StorageFull
        || matches!(error.raw_os_error(), Some(ENOSPC | EDQUOT))
}

fn sender_settings(config: &AnalyticsConfig) -> SenderSettings {
    SenderSettings {
        interval: config.interval,
        max_retry_backoff: config.max_retry_backoff,
        shutdown_timeout: config.shutdown_timeout,
    }
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
    disk: Option<Arc<DiskLog>>,
    /// Held from the bound check to the append, so concurrent requests cannot both take
    /// the last room in the disk buffer.
    disk_admission: Mutex<()>,
    max_records: usize,
    max_bytes: u64,
    when_full: WhenFull,
    expiration: Duration,
    shutdown_timeout: Duration,
    metrics: Arc<Metrics>,
    /// With `buffer.nats`: where admitted records go instead of the local queues.
    shared_log: OnceLock<Arc<dyn SharedLog>>,
    shutdown: CancellationToken,
    deadline: watch::Sender<Option<Instant>>,
    tasks: Mutex<Vec<JoinHandle<SenderReport>>>,
}

impl Pipeline {
    /// Starts one sender task per sink (initialising each in the background), each with its
    /// own bounded memory queue.
    pub fn start(
        sinks: Vec<NamedSink>,
        config: &AnalyticsConfig,
        metrics: Arc<Metrics>,
    ) -> Arc<Pipeline> {
        let senders = sinks
            .into_iter()
            .map(|(name, sink)| {
                let queue = RecordQueue::new(
                    config.buffer.max_records,
                    config.buffer.max_bytes,
                    config.batch_sizes_of(&name, sink.as_ref()),
                );
                (name, sink, SinkQueue::Memory(queue))
            })
            .collect();
        Pipeline::launch(senders, None, config, metrics)
    }

    /// Starts the pipeline as configured: with the disk buffer of `buffer.dir` when set
    /// (reporting what it recovered), else as [`Pipeline::start`].
    pub fn open(
        sinks: Vec<NamedSink>,
        config: &AnalyticsConfig,
        metrics: Arc<Metrics>,
    ) -> std::io::Result<(Arc<Pipeline>, Option<OpenReport>)> {
        let Some(dir) = &config.buffer.dir else {
            return Ok((Pipeline::start(sinks, config, metrics), None));
        };
        let (log, report) = DiskLog::open(dir, config.buffer.fsync_interval)?;
        let pipeline = Pipeline::on_disk_log(sinks, log, config, metrics)?;
        Ok((pipeline, Some(report)))
    }

    /// Starts the pipeline on a disk log opened by the caller (`replay` rewinds a cursor
    /// and registers the sinks it does not run, so their segments are kept, before this).
    pub fn on_disk_log(
        sinks: Vec<NamedSink>,
        log: Arc<DiskLog>,
        config: &AnalyticsConfig,
        metrics: Arc<Metrics>,
    ) -> std::io::Result<Arc<Pipeline>> {
        let mut senders = Vec::new();
        for (name, sink) in sinks {
            let batch_sizes = config.batch_sizes_of(&name, sink.as_ref());
            let queue = DiskQueue::new(log.clone(), &name, batch_sizes)?;
            senders.push((name, sink, SinkQueue::Disk(queue)));
        }
        let (records, bytes) = log.pending();
        metrics.set_disk_buffer(records, bytes);
        Ok(Pipeline::launch(senders, Some(log), config, metrics))
    }

    fn launch(
        senders: Vec<(String, Arc<dyn crate::Sink>, SinkQueue)>,
        disk: Option<Arc<DiskLog>>,
        config: &AnalyticsConfig,
        metrics: Arc<Metrics>,
    ) -> Arc<Pipeline> {
        let settings = sender_settings(config);
        let senders: Vec<_> = senders
            .into_iter()
            .map(|(name, sink, queue)| {
                let sender =
                    AnalyticsSender::new(name, sink, queue, settings.clone(), metrics.clone());
                sender.report_queue();
                sender
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
            disk,
            disk_admission: Mutex::new(()),
            max_records: config.buffer.max_records,
            max_bytes: config.buffer.max_bytes,
            when_full: config.buffer.when_full,
            expiration: config.expiration,
            shutdown_timeout: config.shutdown_timeout,
            metrics,
            shared_log: OnceLock::new(),
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

    /// `(sink name, problem)` for every sink with an unresolved operator error
    /// (permission, authentication, schema, settings).
    pub fn problems(&self) -> Vec<(String, crate::sender::SinkProblem)> {
        self.senders
            .iter()
            .filter_map(|s| s.problem().map(|problem| (s.name().to_owned(), problem)))
            .collect()
    }

    /// Sends every later admission to `log` instead of the local queues (the senders then
    /// only initialise, expire and serve their sinks; the log's writers write them).
    /// Returns false when a shared log was attached already.
    pub fn attach_shared_log(&self, log: Arc<dyn SharedLog>) -> bool {
        self.shared_log.set(log).is_ok()
    }

    /// The shared log, when one is attached.
    pub fn shared_log(&self) -> Option<&Arc<dyn SharedLog>> {
        self.shared_log.get()
    }

    /// Admits records from `source`: published to the shared log when one is attached
    /// (answering once it acknowledged them), else as [`Pipeline::admit`].
    pub async fn admit_async(&self, records: Vec<Record>, source: &str) -> Admission {
        let Some(log) = self.shared_log.get() else {
            return self.admit(records, source);
        };
        if records.is_empty() {
            return Admission::Accepted;
        }
        if let Err(refusal) = log.publish(&records).await {
            let reason = match refusal {
                SharedLogRefusal::Full(_) => "shared_log_full",
                SharedLogRefusal::Unavailable(_) => "shared_log_unavailable",
            };
            self.metrics.rejected(source, reason);
            return Admission::SharedLog(refusal);
        }
        self.count_ingested(records.iter().map(|r| r.kind), source);
        Admission::Accepted
    }

    /// Queues records from `source` (`webhook`, `grpc`, `json`) in every sink.
    pub fn admit(&self, records: Vec<Record>, source: &str) -> Admission {
        if records.is_empty() {
            return Admission::Accepted;
        }
        let records: Vec<Arc<Record>> = records.into_iter().map(Arc::new).collect();
        let admission = match &self.disk {
            Some(log) => self.admit_to_disk(log, &records, source),
            None => self.admit_to_memory(&records, source),
        };
        if admission != Admission::Accepted {
            return admission;
        }
        self.count_ingested(records.iter().map(|r| r.kind), source);
        Admission::Accepted
    }

    /// Counts admitted records by kind (`ingested_total{source,kind}`).
    fn count_ingested(&self, kinds: impl Iterator<Item = RecordKind>, source: &str) {
        let (mut events, mut stats) = (0u64, 0u64);
        for kind in kinds {
            match kind {
                RecordKind::Event => events += 1,
                RecordKind::Stat => stats += 1,
            }
        }
        if events > 0 {
            self.metrics
                .ingested(source, RecordKind::Event.as_str(), events);
        }
        if stats > 0 {
            self.metrics
                .ingested(source, RecordKind::Stat.as_str(), stats);
        }
    }

    fn admit_to_memory(&self, records: &[Arc<Record>], source: &str) -> Admission {
        match self.when_full {
            WhenFull::Block => {
                for (position, sender) in self.senders.iter().enumerate() {
                    if sender.reserve(records, true) == 0 {
                        for reserved in &self.senders[..position] {
                            reserved.unreserve(records);
                        }
                        self.metrics.rejected(source, "queue_full");
                        return Admission::Full {
                            sink: sender.name().to_owned(),
                        };
                    }
                }
                for sender in &self.senders {
                    sender.push_reserved(records);
                }
            }
            WhenFull::DropNewest => {
                for sender in &self.senders {
                    let fits = sender.reserve(records, false);
                    sender.push_reserved(&records[..fits]);
                    let dropped = records.len() - fits;
                    if dropped > 0 {
                        self.metrics
                            .dropped(sender.name(), "queue_full", dropped as u64);
                    }
                }
            }
        }
        Admission::Accepted
    }

    /// Appends to the disk buffer (synced before returning, unless a sync period is set);
    /// the bounds count what the slowest sink has not written.
    fn admit_to_disk(&self, log: &DiskLog, records: &[Arc<Record>], source: &str) -> Admission {
        let admission = self
            .disk_admission
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (pending, bytes) = log.pending();
        let room_records = (self.max_records as u64).saturating_sub(pending) as usize;
        let mut room_bytes = self.max_bytes.saturating_sub(bytes);
        let mut fits = 0;
        for record in records.iter().take(room_records) {
            // The frame is about the JSON of the whole record.
            let size = record.approx_bytes() as u64;
            if size > room_bytes {
                break;
            }
            room_bytes -= size;
            fits += 1;
        }
        if fits < records.len() && self.when_full == WhenFull::Block {
            self.metrics.rejected(source, "queue_full");
            return Admission::Full {
                sink: "disk buffer".to_owned(),
            };
        }
        if let Err(error) = log.append(&records[..fits]) {
            // The log took nothing of the request (a failed append is cut off again).
            if is_disk_full(&error) {
                tracing::error!(error = %error, dir = %log.dir().display(), "disk buffer: the disk is full; refusing the request");
                return Admission::DiskFull;
            }
            tracing::error!(error = %error, "disk buffer: cannot append; refusing the request");
            return Admission::DiskError;
        }
        let dropped = (records.len() - fits) as u64;
        // Still under the admission lock: a concurrent admission cannot append between a
        // gauge's reading and its setting, which would leave it at the older, lower count.
        for sender in &self.senders {
            if dropped > 0 {
                self.metrics.dropped(sender.name(), "queue_full", dropped);
            }
            sender.report_queue();
        }
        let (pending, bytes) = log.pending();
        self.metrics.set_disk_buffer(pending, bytes);
        drop(admission);
        Admission::Accepted
    }

    /// The disk buffer, when configured.
    pub fn disk_buffer(&self) -> Option<&Arc<DiskLog>> {
        self.disk.as_ref()
    }

    /// Stops the senders: each writes what is queued until the shutdown timeout passes.
    pub async fn shutdown(&self) -> PipelineSummary {
        self.deadline
            .send_replace(Some(Instant::now() + self.shutdown_timeout));
        self.shutdown.cancel();
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        let mut summary = PipelineSummary::default();
        for (task, sender) in tasks.into_iter().zip(&self.senders) {
            let report = task.await.unwrap_or_else(|_| sender.report());
            summary.reports.push(report);
        }
        summary
    }
}
