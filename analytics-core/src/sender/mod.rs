//! [`AnalyticsSender`]: one per sink. Its own bounded queue of records, written in batches
//! every `interval` (or as soon as a full batch is waiting), retried with backoff without
//! holding other sinks back, and drained on shutdown within a deadline.

#[cfg(test)]
mod backlog_tests;
mod backoff;
#[cfg(test)]
mod deadline_tests;
mod external;
#[cfg(test)]
mod in_flight_tests;
#[cfg(test)]
mod operator_tests;
mod problem;
pub(crate) mod queue;
pub(crate) mod sink_queue;
#[cfg(test)]
mod tests;

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, SystemTime},
};

use futures::{stream::FuturesOrdered, StreamExt};
use tokio::{sync::watch, time::Instant};
use tokio_util::sync::CancellationToken;

pub use backoff::Backoff;
use problem::ProblemSlot;
pub use problem::SinkProblem;
use sink_queue::SinkQueue;

use crate::{
    metrics::Metrics,
    record::{Batch, Record, RecordKind},
    sink::{RecordFailure, Sink, SinkError},
    turns::{Ticket, Turns},
};

/// Resolves once the shutdown deadline is set and has passed (never before shutdown).
async fn deadline_passed(deadline: &watch::Receiver<Option<Instant>>) {
    let mut deadline = deadline.clone();
    loop {
        let stop_at = *deadline.borrow_and_update();
        if let Some(stop_at) = stop_at {
            tokio::time::sleep_until(stop_at).await;
            return;
        }
        if deadline.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}

/// How often records past their expiry are deleted in sinks without native expiry.
const EXPIRE_EVERY: Duration = Duration::from_secs(60);

/// How often a sender writes, and how it retries and stops (batch size and bounds belong to
/// its queue).
#[derive(Debug, Clone)]
pub struct SenderSettings {
    pub interval: Duration,
    pub max_retry_backoff: Duration,
    pub shutdown_timeout: Duration,
}

/// What a sender wrote, had refused and left unwritten when it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderReport {
    pub sink: String,
    pub unwritten: usize,
    /// Records the sink wrote (or found already written).
    pub written: u64,
    /// Records the database refused for good (dropped, never retried).
    pub refused: u64,
}

/// Whether a flush runs in the sender's loop or drains the queue at shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    Draining,
}

/// The queue and write loop of one sink.
pub struct AnalyticsSender {
    name: String,
    sink: Arc<dyn Sink>,
    settings: SenderSettings,
    queue: SinkQueue,
    ready: AtomicBool,
    problem: ProblemSlot,
    metrics: Arc<Metrics>,
    written: AtomicU64,
    refused: AtomicU64,
}

impl AnalyticsSender {
    pub(crate) fn new(
        name: String,
        sink: Arc<dyn Sink>,
        queue: SinkQueue,
        settings: SenderSettings,
        metrics: Arc<Metrics>,
    ) -> Arc<AnalyticsSender> {
        Arc::new(AnalyticsSender {
            queue,
            name,
            sink,
            settings,
            ready: AtomicBool::new(false),
            problem: ProblemSlot::default(),
            metrics,
            written: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        })
    }

    /// The sink's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sink this sender writes to.
    pub fn sink(&self) -> &Arc<dyn Sink> {
        &self.sink
    }

    /// Whether the sink has been initialised.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// The operator error (permission, authentication, schema, settings) the sink has had
    /// since it last wrote or initialised, if any.
    pub fn problem(&self) -> Option<SinkProblem> {
        self.problem.get()
    }

    /// Records queued or being written.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Estimated bytes of the records waiting in memory.
    pub fn queued_bytes(&self) -> u64 {
        self.queue.bytes()
    }

    /// Reserves memory-queue room for the longest prefix of `records` that fits (all of
    /// them or none with `all_or_nothing`) and returns its length.
    pub(crate) fn reserve(&self, records: &[Arc<Record>], all_or_nothing: bool) -> usize {
        self.queue
            .memory()
            .map_or(0, |queue| queue.reserve(records, all_or_nothing))
    }

    /// Gives back a reservation that will not be used.
    pub(crate) fn unreserve(&self, records: &[Arc<Record>]) {
        if let Some(queue) = self.queue.memory() {
            queue.release(records);
        }
    }

    /// Queues records for which room was reserved.
    pub(crate) fn push_reserved(&self, records: &[Arc<Record>]) {
        if let Some(queue) = self.queue.memory() {
            queue.push_reserved(records);
        }
        self.report_queue();
    }

    /// Updates the queue gauges.
    pub(crate) fn report_queue(&self) {
        self.metrics.set_queue_records(&self.name, self.queue.len());
        self.metrics.set_queue_bytes(&self.name, self.queue.bytes());
        if let Some((records, bytes)) = self.queue.disk_pending() {
            self.metrics.set_disk_buffer(records, bytes);
        }
    }

    /// Runs until `shutdown` is cancelled, then writes what is queued until `deadline` (set
    /// when shutdown begins) passes, and reports what it could not write.
    pub async fn run(
        self: Arc<Self>,
        shutdown: CancellationToken,
        deadline: watch::Receiver<Option<Instant>>,
    ) -> SenderReport {
        if !self.initialize_with_retry(&shutdown, &deadline).await {
            return self.report_unwritten();
        }
        // The first write comes one interval after start, not at once: records that arrive
        // while a slow sink initialises wait for the interval like any others.
        let mut tick = tokio::time::interval_at(
            tokio::time::Instant::now() + self.settings.interval,
            self.settings.interval,
        );
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut expire_tick = tokio::time::interval(EXPIRE_EVERY);
        // Set when a full batch was announced but none could be taken (a disk queue stuck
        // at a spot it cannot read yet): then only the interval tries again, never a spin.
        let mut waiting_for_tick = false;
        loop {
            let flush_all = tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                _ = self.queue.full_batch_waiting(), if !waiting_for_tick => false,
                _ = tick.tick() => true,
                _ = expire_tick.tick() => {
                    tokio::select! {
                        _ = self.expire() => {}
                        _ = shutdown.cancelled() => break,
                    }
                    continue;
                }
            };
            let taken = tokio::select! {
                taken = self.flush(flush_all, Phase::Running, &shutdown, &deadline) => taken,
                // Writes under way at the deadline are cancelled: their records stay counted
                // as queued (memory) or behind the cursor (disk buffer).
                _ = deadline_passed(&deadline) => {
                    tracing::error!(sink = %self.name, "shutdown deadline passed while writing");
                    return self.report_unwritten();
                }
            };
            waiting_for_tick =
                !flush_all && taken == 0 && self.queue.full_batch_signal_is_a_level();
        }
        let stop_at =
            (*deadline.borrow()).unwrap_or_else(|| Instant::now() + self.settings.shutdown_timeout);
        if Instant::now() >= stop_at {
            tracing::error!(sink = %self.name, "shutdown deadline passed before the final flush");
            return self.report_unwritten();
        }
        let drained = tokio::time::timeout_at(
            stop_at,
            self.flush(true, Phase::Draining, &shutdown, &deadline),
        )
        .await;
        if drained.is_err() {
            tracing::error!(sink = %self.name, "shutdown deadline passed while writing");
        } else if tokio::time::timeout_at(stop_at, self.sink.close())
            .await
            .is_err()
        {
            tracing::warn!(sink = %self.name, "shutdown deadline passed while closing the sink");
        }
        self.report_unwritten()
    }

    /// Initialises the sink, retrying with backoff (an error a person must fix at the
    /// slowest pace). Returns false when shutdown or its deadline came first.
    async fn initialize_with_retry(
        &self,
        shutdown: &CancellationToken,
        deadline: &watch::Receiver<Option<Instant>>,
    ) -> bool {
        let mut backoff = Backoff::new(self.settings.max_retry_backoff);
        while !self.is_ready() {
            // A database that does not answer must not hold the process past its deadline.
            let initialized = tokio::select! {
                result = self.sink.initialize() => result,
                _ = deadline_passed(deadline) => return false,
            };
            match initialized {
                Ok(()) => {
                    self.ready.store(true, Ordering::Release);
                    self.resolve_problem();
                    tracing::info!(sink = %self.name, "sink initialised");
                }
                Err(error) => {
                    let delay = if error.is_retryable() {
                        tracing::warn!(sink = %self.name, error = %error, "sink not ready; will retry");
                        backoff.next_delay()
                    } else {
                        self.report_operator_error(&error, "sink cannot initialise");
                        self.operator_delay()
                    };
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = shutdown.cancelled() => return false,
                    }
                }
            }
        }
        true
    }

    fn report_unwritten(&self) -> SenderReport {
        self.report_queue();
        let unwritten = self.queue.len();
        if unwritten > 0 {
            tracing::error!(sink = %self.name, unwritten, "records not written before exit");
        } else {
            tracing::info!(sink = %self.name, "all queued records written");
        }
        self.report()
    }

    /// What this sender has written and refused so far, and what it holds unwritten.
    pub(crate) fn report(&self) -> SenderReport {
        SenderReport {
            sink: self.name.clone(),
            unwritten: self.queue.len(),
            written: self.written.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
        }
    }

    /// Writes full batches (or everything, with `all`) until the queue has less to give,
    /// up to [`Sink::batches_in_flight`] at once, started in queue order.
    /// While [`Phase::Running`], no batch is started once shutdown begins: the drain that
    /// follows writes the rest within the shutdown deadline. Returns the batches taken.
    async fn flush(
        &self,
        all: bool,
        phase: Phase,
        shutdown: &CancellationToken,
        deadline: &watch::Receiver<Option<Instant>>,
    ) -> usize {
        let in_flight = if self.queue.takes_batches_in_flight() {
            self.sink.batches_in_flight().max(1)
        } else {
            1
        };
        // A retry waits until every batch taken before it is settled, so batches in flight
        // that failed together are written again in queue order.
        let retry_order = Turns::default();
        let mut writes = FuturesOrdered::new();
        let mut stopped = false;
        let mut taken = 0;
        loop {
            if phase == Phase::Running && shutdown.is_cancelled() {
                stopped = true;
            }
            while !stopped && writes.len() < in_flight {
                match self.queue.take_batch(all, &self.name) {
                    Some(batch) => {
                        taken += 1;
                        let place = retry_order.ticket();
                        writes.push_back(self.write_with_retry(batch, place, shutdown, deadline))
                    }
                    None => break,
                }
            }
            match writes.next().await {
                // The shutdown deadline passed: let the writes under way end, start no more.
                Some(false) => stopped = true,
                Some(true) => {}
                None => return taken,
            }
        }
    }

    /// Writes one batch, retrying what may succeed later, each retry after the batches
    /// taken before it (`place`) are settled. Returns false when it stopped because the
    /// shutdown deadline passed (the batch is back in the queue).
    async fn write_with_retry(
        &self,
        mut batch: Batch,
        place: Ticket<'_>,
        shutdown: &CancellationToken,
        deadline: &watch::Receiver<Option<Instant>>,
    ) -> bool {
        let mut backoff = Backoff::new(self.settings.max_retry_backoff);
        loop {
            let started = Instant::now();
            let result = self.sink.send_batch(&batch).await;
            self.metrics
                .batch_seconds(&self.name, started.elapsed().as_secs_f64());
            let (retry, delay) = match result {
                Ok(()) => {
                    self.finish(&batch);
                    return true;
                }
                Err(SinkError::Records(failures)) => {
                    self.metrics.sink_error(&self.name);
                    match self.settle_failures(&batch, &failures) {
                        Some(retry) => (retry, backoff.next_delay()),
                        None => return true,
                    }
                }
                Err(error) if error.is_retryable() => {
                    self.metrics.sink_error(&self.name);
                    tracing::warn!(sink = %self.name, records = batch.len(), error = %error, "batch write failed; will retry");
                    (batch, backoff.next_delay())
                }
                Err(error) => {
                    self.metrics.sink_error(&self.name);
                    self.report_operator_error(&error, "batch write refused; will retry slowly");
                    (batch, self.operator_delay())
                }
            };
            batch = retry;
            self.metrics.sink_retry(&self.name);
            if shutdown.is_cancelled() {
                let past_deadline =
                    (*deadline.borrow()).is_some_and(|stop_at| Instant::now() + delay >= stop_at);
                if past_deadline {
                    self.queue.put_back(batch);
                    self.report_queue();
                    return false;
                }
            }
            tokio::join!(tokio::time::sleep(delay), place.turn());
        }
    }

    /// Settles the records of a batch the sink wrote in part: written and refused ones
    /// leave the queue. Returns the records to retry, or `None` when none are left.
    fn settle_failures(&self, batch: &Batch, failures: &[RecordFailure]) -> Option<Batch> {
        self.resolve_problem();
        let mut retry = Vec::new();
        let mut failed = vec![false; batch.len()];
        for failure in failures {
            let Some(record) = batch.get(failure.index) else {
                continue;
            };
            failed[failure.index] = true;
            if failure.retryable {
                retry.push(record.clone());
            } else {
                tracing::error!(sink = %self.name, record = %record.id, reason = %failure.reason, "record refused by the database; dropped");
                self.metrics.dropped(&self.name, "rejected", 1);
                self.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
        let written: Vec<_> = batch
            .iter()
            .zip(&failed)
            .filter(|(_, failed)| !**failed)
            .map(|(record, _)| record.clone())
            .collect();
        let refused: Vec<_> = failures
            .iter()
            .filter(|f| !f.retryable)
            .filter_map(|f| batch.get(f.index).cloned())
            .collect();
        self.count_written(&written);
        self.queue.settle(&written);
        self.queue.settle(&refused);
        if retry.is_empty() {
            self.queue.batch_done(&self.name);
            self.report_queue();
            return None;
        }
        Some(Batch::new(retry))
    }

    /// An error retrying will not fix by itself (permission, authentication, schema,
    /// settings): logged, counted and kept for `/readyz` until the sink writes again.
    fn report_operator_error(&self, error: &SinkError, what: &str) {
        self.metrics.sink_operator_error(&self.name);
        self.problem.set(error);
        tracing::error!(sink = %self.name, class = %error.class(), error = %error, "{what}: the sink needs an operator");
    }

    fn resolve_problem(&self) {
        if self.problem.clear() {
            tracing::info!(sink = %self.name, "sink problem resolved");
        }
    }

    /// The pace of retries after an operator error: the slowest backoff step at once —
    /// someone may fix the grants meanwhile, but pressing the database will not help.
    fn operator_delay(&self) -> Duration {
        Backoff::new(self.settings.max_retry_backoff).slowest_delay()
    }

    /// Counts a fully written batch and frees its room in the queue.
    fn finish(&self, batch: &Batch) {
        self.resolve_problem();
        self.count_written(batch);
        self.queue.settle(batch);
        self.queue.batch_done(&self.name);
        self.report_queue();
    }

    fn count_written(&self, written: &[Arc<Record>]) {
        self.written
            .fetch_add(written.len() as u64, Ordering::Relaxed);
        let events = written
            .iter()
            .filter(|r| r.kind == RecordKind::Event)
            .count() as u64;
        let stats = written.len() as u64 - events;
        if events > 0 {
            self.metrics
                .sink_written(&self.name, RecordKind::Event.as_str(), events);
        }
        if stats > 0 {
            self.metrics
                .sink_written(&self.name, RecordKind::Stat.as_str(), stats);
        }
    }

    async fn expire(&self) {
        match self.sink.expire(SystemTime::now()).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(sink = %self.name, removed, "expired records deleted"),
            Err(error) => {
                tracing::warn!(sink = %self.name, error = %error, "expiry failed; will retry")
            }
        }
    }
}
