//! [`SinkQueue`]: where a sender takes its batches from — its own bounded memory queue, or
//! its position in the shared disk buffer.

use std::sync::Arc;

use super::queue::RecordQueue;
use crate::{
    disk_buffer::DiskQueue,
    record::{Batch, Record},
};

pub(crate) enum SinkQueue {
    Memory(RecordQueue),
    Disk(DiskQueue),
}

impl SinkQueue {
    /// Records waiting or being written.
    pub(crate) fn len(&self) -> usize {
        match self {
            SinkQueue::Memory(queue) => queue.len(),
            SinkQueue::Disk(queue) => queue.len(),
        }
    }

    /// Estimated bytes held in memory (the disk buffer holds its records on disk).
    pub(crate) fn bytes(&self) -> u64 {
        match self {
            SinkQueue::Memory(queue) => queue.bytes(),
            SinkQueue::Disk(_) => 0,
        }
    }

    /// With the disk buffer: records not yet written by the slowest sink, and segment bytes.
    pub(crate) fn disk_pending(&self) -> Option<(u64, u64)> {
        match self {
            SinkQueue::Memory(_) => None,
            SinkQueue::Disk(queue) => Some(queue.log_pending()),
        }
    }

    pub(crate) fn memory(&self) -> Option<&RecordQueue> {
        match self {
            SinkQueue::Memory(queue) => Some(queue),
            SinkQueue::Disk(_) => None,
        }
    }

    pub(crate) async fn full_batch_waiting(&self) {
        match self {
            SinkQueue::Memory(queue) => queue.full_batch_waiting().await,
            SinkQueue::Disk(queue) => queue.full_batch_waiting().await,
        }
    }

    /// Whether [`SinkQueue::full_batch_waiting`] resolves for as long as records are
    /// waiting (the disk buffer's published end), rather than once per push (memory): such a
    /// signal must not be awaited again until a batch could be taken, or the sender spins.
    pub(crate) fn full_batch_signal_is_a_level(&self) -> bool {
        matches!(self, SinkQueue::Disk(_))
    }

    /// Whether several batches may be taken before the first is settled (a disk queue
    /// tracks one batch in flight: its cursor moves when that batch is done).
    pub(crate) fn takes_batches_in_flight(&self) -> bool {
        matches!(self, SinkQueue::Memory(_))
    }

    pub(crate) fn take_batch(&self, all: bool, sink: &str) -> Option<Batch> {
        match self {
            SinkQueue::Memory(queue) => queue.take_batch(all),
            SinkQueue::Disk(queue) => queue.take_batch(all).unwrap_or_else(|error| {
                tracing::error!(sink, error = %error, "disk buffer: cannot read; will retry");
                None
            }),
        }
    }

    /// Records that are settled (written, or refused for good).
    pub(crate) fn settle(&self, records: &[Arc<Record>]) {
        if let SinkQueue::Memory(queue) = self {
            queue.release(records);
        }
    }

    /// The whole batch in flight is settled.
    pub(crate) fn batch_done(&self, sink: &str) {
        if let SinkQueue::Disk(queue) = self {
            if let Err(error) = queue.commit() {
                tracing::error!(sink, error = %error, "disk buffer: cannot store the cursor; the batch may be written again");
            }
        }
    }

    /// The batch in flight was not written; it will be taken again.
    pub(crate) fn put_back(&self, batch: Batch) {
        match self {
            SinkQueue::Memory(queue) => queue.put_back(batch),
            SinkQueue::Disk(queue) => queue.put_back(),
        }
    }
}
