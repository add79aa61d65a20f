//! The contract every destination implements: [`Sink`], and the [`SinkError`] that tells
//! the sender whether a failure is worth retrying and which records failed.

use std::time::SystemTime;

use async_trait::async_trait;

pub use crate::sink_error::{BoxError, RecordFailure, RetryClass, SinkError};
use crate::{
    capabilities::Capabilities, fixer::ActiveEntityStore, query::SessionQuery, record::Batch,
};

/// A destination of records (MongoDB, PostgreSQL, Redis, SQLite, ...).
#[async_trait]
pub trait Sink: Send + Sync {
    /// Create schema, indexes and expiry. Idempotent; called (and retried with backoff until
    /// it succeeds) before the first batch.
    async fn initialize(&self) -> Result<(), SinkError>;

    /// Write a batch of events and stats. Must be idempotent: after a failure, a timeout or
    /// a restart the same records may come again and must not be stored twice. A record
    /// the database refuses must not sink the others: report it in
    /// [`SinkError::Records`]. The one exception is an append-only sink that cannot check
    /// what it stored (a file, a queue): a re-sent record is stored again (at-least-once),
    /// it declares no `read_back`, and its docs say so.
    ///
    /// A sink that keeps active entities applies the net change of the records this write
    /// newly stored, computed by [`crate::active_entities::net_active_entity_changes`]:
    /// duplicates and refused records change nothing, the last change of an id in the
    /// batch wins, a close whose open was never stored closes nothing, and an open that
    /// comes after its close (another, newly stored event) opens the entity again and is
    /// left for the active-entities fixer.
    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError>;

    /// What the sink can do beyond storing records; the compliance suite checks exactly
    /// what it declares.
    fn capabilities(&self) -> Capabilities;

    /// The storage side of the shared active-entities fixer, when the sink offers it
    /// (usually `Some(self)`).
    fn active_entity_store(&self) -> Option<&dyn ActiveEntityStore> {
        None
    }

    /// The read side for the read API's session queries, when the sink declares `queries`
    /// (usually `Some(self)`, through [`crate::query::SessionRows`]).
    fn query(&self) -> Option<&dyn SessionQuery> {
        None
    }

    /// The batch size this sink writes best at when the configuration sets none (see
    /// [`crate::config::AnalyticsConfig::batch_size_of`]); `None` for the common default.
    /// A sink whose cost is per batch rather than per record (a commit that rewrites the
    /// pages it touched) says a larger one.
    fn preferred_batch_size(&self) -> Option<usize> {
        None
    }

    /// The most records one write may take while more than a batch waits (a backlog, after
    /// an outage or a burst), when the configuration sets no `batch_size`; `None` for the
    /// batch size itself. A batch is still written as soon as it is full, so records wait
    /// no longer; a sink whose commits cost more than its rows catches up faster with
    /// fewer, larger ones. See [`crate::config::AnalyticsConfig::batch_sizes_of`].
    fn preferred_backlog_batch_size(&self) -> Option<usize> {
        None
    }

    /// How many batches the sender may write at once from a memory queue (a disk-buffered
    /// sink always gets one at a time). More than one keeps the database busy while the
    /// service reads the last answer and prepares the next batch; allow it only when
    /// concurrent batches keep the order that matters, as one ordered connection does, or
    /// as a sink that takes its place in an order before the first `.await` of
    /// [`Sink::send_batch`]: the sender starts its writes (polls each the first time) in
    /// queue order, and retries a batch only once every batch taken before it is settled.
    fn batches_in_flight(&self) -> usize {
        1
    }

    /// Delete records whose expiry time is before `now`, for stores without native expiry.
    /// Returns how many records went away.
    async fn expire(&self, _now: SystemTime) -> Result<u64, SinkError> {
        Ok(0)
    }

    /// Releases the database at shutdown, after the last write, within the shutdown
    /// deadline (an embedded database folds its journal back into its file here, so the
    /// file alone holds everything once the process is gone).
    async fn close(&self) {}
}
