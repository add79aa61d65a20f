//! The service's Prometheus metrics (contract names, all prefixed `livekit_analytics_`).

use prometheus_client::{
    encoding::text::encode,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

type Labels = Vec<(&'static str, String)>;

fn new_batch_histogram() -> Histogram {
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.001, 2.0, 16,
    ))
}

/// Every metric the service exposes at `/metrics`.
pub struct Metrics {
    registry: Registry,
    ingested: Family<Labels, Counter>,
    rejected: Family<Labels, Counter>,
    ignored: Family<Labels, Counter>,
    sink_written: Family<Labels, Counter>,
    sink_errors: Family<Labels, Counter>,
    sink_operator_errors: Family<Labels, Counter>,
    sink_retries: Family<Labels, Counter>,
    queue_records: Family<Labels, Gauge>,
    queue_bytes: Family<Labels, Gauge>,
    disk_buffer_records: Gauge,
    disk_buffer_bytes: Gauge,
    dropped: Family<Labels, Counter>,
    batch_seconds: Family<Labels, Histogram, fn() -> Histogram>,
    fixer_closed: Family<Labels, Counter>,
    fixer_runs: Family<Labels, Counter>,
    dashboard_sign_in_failures: Family<Labels, Counter>,
    client_stats_accepted: Counter,
    client_stats_refused: Family<Labels, Counter>,
    client_stats_browser_dropped: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("livekit_analytics");
        let metrics = Metrics {
            ingested: Family::default(),
            rejected: Family::default(),
            ignored: Family::default(),
            sink_written: Family::default(),
            sink_errors: Family::default(),
            sink_operator_errors: Family::default(),
            sink_retries: Family::default(),
            queue_records: Family::default(),
            queue_bytes: Family::default(),
            disk_buffer_records: Gauge::default(),
            disk_buffer_bytes: Gauge::default(),
            dropped: Family::default(),
            batch_seconds: Family::new_with_constructor(new_batch_histogram),
            fixer_closed: Family::default(),
            fixer_runs: Family::default(),
            dashboard_sign_in_failures: Family::default(),
            client_stats_accepted: Counter::default(),
            client_stats_refused: Family::default(),
            client_stats_browser_dropped: Counter::default(),
            registry: Registry::default(),
        };
        metrics.register_ingest(&mut registry);
        metrics.register_sinks(&mut registry);
        metrics.register_queues(&mut registry);
        metrics.register_fixer(&mut registry);
        metrics.register_client_stats(&mut registry);
        registry.register(
            "dashboard_sign_in_failures",
            "Refused dashboard sign-ins, by reason (wrong_credentials, rate_limited)",
            metrics.dashboard_sign_in_failures.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }

    /// What came in: accepted, refused and ignored inputs.
    fn register_ingest(&self, registry: &mut Registry) {
        registry.register(
            "ingested",
            "Records accepted, by source and kind",
            self.ingested.clone(),
        );
        registry.register(
            "rejected",
            "Requests or records refused, by source and reason",
            self.rejected.clone(),
        );
        registry.register(
            "ignored",
            "Inputs accepted but not stored (e.g. unknown webhook events)",
            self.ignored.clone(),
        );
    }

    /// What the sinks did: writes, errors, retries, batch times and drops.
    fn register_sinks(&self, registry: &mut Registry) {
        registry.register(
            "sink_written",
            "Records written (or found already written) by a sink",
            self.sink_written.clone(),
        );
        registry.register(
            "sink_errors",
            "Failed batch writes",
            self.sink_errors.clone(),
        );
        registry.register(
            "sink_operator_errors",
            "Failed writes or set-ups a person must fix (permission, authentication, schema, settings)",
            self.sink_operator_errors.clone(),
        );
        registry.register(
            "sink_retries",
            "Batch write retries",
            self.sink_retries.clone(),
        );
        registry.register(
            "batch_seconds",
            "Time to write one batch",
            self.batch_seconds.clone(),
        );
        registry.register(
            "dropped",
            "Records that will never be written, by reason",
            self.dropped.clone(),
        );
    }

    /// What waits to be written: memory queues and the disk buffer.
    fn register_queues(&self, registry: &mut Registry) {
        registry.register(
            "queue_records",
            "Records waiting in a sink's queue",
            self.queue_records.clone(),
        );
        registry.register(
            "queue_bytes",
            "Estimated bytes of the records waiting in a sink's memory queue",
            self.queue_bytes.clone(),
        );
        registry.register(
            "disk_buffer_records",
            "Records in the disk buffer not yet written by the slowest sink",
            self.disk_buffer_records.clone(),
        );
        registry.register(
            "disk_buffer_bytes",
            "Bytes of the disk buffer's segments",
            self.disk_buffer_bytes.clone(),
        );
    }

    /// What the active-entities fixer did.
    fn register_fixer(&self, registry: &mut Registry) {
        registry.register(
            "fixer_closed",
            "Synthetic close events stored by the active-entities fixer",
            self.fixer_closed.clone(),
        );
        registry.register(
            "fixer_runs",
            "Active-entities fixer runs, by sink and outcome (ran, not_leader, livekit_unknown, sink_error, sink_not_ready, unsupported)",
            self.fixer_runs.clone(),
        );
    }

    /// What participants' browsers posted to `/v1/client/stats`.
    fn register_client_stats(&self, registry: &mut Registry) {
        registry.register(
            "client_stats_accepted",
            "Stats participants' browsers reported and the service accepted",
            self.client_stats_accepted.clone(),
        );
        registry.register(
            "client_stats_refused",
            "Requests to /v1/client/stats refused, by reason (rate_limited, too_many_stats, foreign_origin, foreign_participant, missing_grant, ...)",
            self.client_stats_refused.clone(),
        );
        registry.register(
            "client_stats_browser_dropped",
            "Stats browsers said they dropped before posting (their queue was full)",
            self.client_stats_browser_dropped.clone(),
        );
    }

    /// The metrics in Prometheus text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }

    pub fn ingested(&self, source: &str, kind: &str, count: u64) {
        self.ingested
            .get_or_create(&vec![
                ("source", source.to_owned()),
                ("kind", kind.to_owned()),
            ])
            .inc_by(count);
    }

    pub fn rejected(&self, source: &str, reason: &str) {
        self.rejected
            .get_or_create(&vec![
                ("source", source.to_owned()),
                ("reason", reason.to_owned()),
            ])
            .inc();
    }

    pub fn ignored(&self, source: &str, reason: &str) {
        self.ignored
            .get_or_create(&vec![
                ("source", source.to_owned()),
                ("reason", reason.to_owned()),
            ])
            .inc();
    }

    pub fn sink_written(&self, sink: &str, kind: &str, count: u64) {
        self.sink_written
            .get_or_create(&vec![("sink", sink.to_owned()), ("kind", kind.to_owned())])
            .inc_by(count);
    }

    pub fn sink_error(&self, sink: &str) {
        self.sink_errors
            .get_or_create(&vec![("sink", sink.to_owned())])
            .inc();
    }

    pub fn sink_operator_error(&self, sink: &str) {
        self.sink_operator_errors
            .get_or_create(&vec![("sink", sink.to_owned())])
            .inc();
    }

    pub fn sink_retry(&self, sink: &str) {
        self.sink_retries
            .get_or_create(&vec![("sink", sink.to_owned())])
            .inc();
    }

    pub fn set_queue_records(&self, sink: &str, records: usize) {
        self.queue_records
            .get_or_create(&vec![("sink", sink.to_owned())])
            .set(i64::try_from(records).unwrap_or(i64::MAX));
    }

    pub fn set_queue_bytes(&self, sink: &str, bytes: u64) {
        self.queue_bytes
            .get_or_create(&vec![("sink", sink.to_owned())])
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }

    pub fn set_disk_buffer(&self, records: u64, bytes: u64) {
        self.disk_buffer_records
            .set(i64::try_from(records).unwrap_or(i64::MAX));
        self.disk_buffer_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }

    pub fn dropped(&self, sink: &str, reason: &str, count: u64) {
        self.dropped
            .get_or_create(&vec![
                ("sink", sink.to_owned()),
                ("reason", reason.to_owned()),
            ])
            .inc_by(count);
    }

    pub fn batch_seconds(&self, sink: &str, seconds: f64) {
        self.batch_seconds
            .get_or_create(&vec![("sink", sink.to_owned())])
            .observe(seconds);
    }

    pub fn fixer_closed(&self, sink: &str, entity: &str, count: u64) {
        self.fixer_closed
            .get_or_create(&vec![
                ("sink", sink.to_owned()),
                ("entity", entity.to_owned()),
            ])
            .inc_by(count);
    }

    /// A refused dashboard sign-in (`wrong_credentials`, `rate_limited`).
    pub fn dashboard_sign_in_failed(&self, reason: &str) {
        self.dashboard_sign_in_failures
            .get_or_create(&vec![("reason", reason.to_owned())])
            .inc();
    }

    /// Stats a browser posted and the pipeline accepted.
    pub fn client_stats_accepted(&self, count: u64) {
        self.client_stats_accepted.inc_by(count);
    }

    /// A refused `/v1/client/stats` request.
    pub fn client_stats_refused(&self, reason: &str) {
        self.client_stats_refused
            .get_or_create(&vec![("reason", reason.to_owned())])
            .inc();
    }

    /// Stats a browser reports having dropped before it posted.
    pub fn client_stats_browser_dropped(&self, count: u64) {
        self.client_stats_browser_dropped.inc_by(count);
    }

    pub fn fixer_run(&self, sink: &str, outcome: &str) {
        self.fixer_runs
            .get_or_create(&vec![
                ("sink", sink.to_owned()),
                ("outcome", outcome.to_owned()),
            ])
            .inc();
    }
}
