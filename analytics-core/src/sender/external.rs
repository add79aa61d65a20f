//! What a writer outside the sender's own loop reports through the [`AnalyticsSender`] of
//! its sink: the shared log's consumers (`buffer-nats`) write the sink themselves, and count
//! written, refused and failed records, retries and operator errors here, so metrics,
//! `/readyz` problems and the shutdown report read the same whichever buffer is in use.

use std::{
    sync::{atomic::Ordering, Arc},
    time::Duration,
};

use super::AnalyticsSender;
use crate::{record::Record, sink::SinkError};

impl AnalyticsSender {
    /// The longest wait between two retries (`max_retry_backoff`).
    pub fn max_retry_backoff(&self) -> Duration {
        self.settings.max_retry_backoff
    }

    /// The sink stored `records` (or found them stored): counted, and a pending operator
    /// problem is resolved.
    pub fn note_written(&self, records: &[Arc<Record>]) {
        self.resolve_problem();
        self.count_written(records);
    }

    /// The database refused `record` for good: reported, counted as dropped (`rejected`).
    pub fn note_refused(&self, record: &Record, reason: &str) {
        tracing::error!(sink = %self.name, record = %record.id, reason, "record refused by the database; dropped");
        self.metrics.dropped(&self.name, "rejected", 1);
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// A record that cannot be read back from the shared log: reported and counted as
    /// dropped (`undecodable`).
    pub fn note_undecodable(&self, reason: &str) {
        tracing::error!(sink = %self.name, reason, "a message of the shared log is no record; dropped");
        self.metrics.dropped(&self.name, "undecodable", 1);
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// A batch write failed with `error` and will be retried: counted, and an operator
    /// error is reported and kept for `/readyz`.
    pub fn note_failure(&self, error: &SinkError, records: usize) {
        self.metrics.sink_error(&self.name);
        self.metrics.sink_retry(&self.name);
        if error.is_retryable() || matches!(error, SinkError::Records(_)) {
            tracing::warn!(sink = %self.name, records, error = %error, "batch write failed; redelivered later");
        } else {
            self.report_operator_error(error, "batch write refused; redelivered slowly");
        }
    }

    /// How long one batch write took.
    pub fn note_batch_seconds(&self, seconds: f64) {
        self.metrics.batch_seconds(&self.name, seconds);
    }

    /// The pace of retries after an operator error (the slowest backoff step, jittered).
    pub fn operator_retry_delay(&self) -> Duration {
        self.operator_delay()
    }
}
