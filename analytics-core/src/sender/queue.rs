//! The bounded record queue of one sender. Room is reserved before records are pushed, so
//! that ingest can refuse a request (or drop what does not fit) without ever exceeding the
//! bound; a record keeps its room until the sink has written it.

use std::{
    collections::VecDeque,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex, MutexGuard,
    },
};

use tokio::sync::Notify;

use crate::record::{Batch, Record};

pub(crate) struct RecordQueue {
    records: Mutex<VecDeque<Arc<Record>>>,
    /// Records reserved, queued or being written: what counts against `capacity`.
    occupied: AtomicUsize,
    capacity: usize,
    batch_size: usize,
    full_batch: Notify,
}

impl RecordQueue {
    pub(crate) fn new(capacity: usize, batch_size: usize) -> RecordQueue {
        RecordQueue {
            records: Mutex::new(VecDeque::new()),
            occupied: AtomicUsize::new(0),
            capacity,
            batch_size,
            full_batch: Notify::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.occupied.load(Ordering::Acquire)
    }

    /// Reserves room for up to `wanted` records and returns how many fit (`wanted` or 0 with
    /// `all_or_nothing`).
    pub(crate) fn reserve(&self, wanted: usize, all_or_nothing: bool) -> usize {
        let mut granted = 0;
        let _ = self
            .occupied
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |occupied| {
                let free = self.capacity.saturating_sub(occupied);
                granted = if all_or_nothing && free < wanted {
                    0
                } else {
                    wanted.min(free)
                };
                Some(occupied + granted)
            });
        granted
    }

    /// Frees room: records written, refused for good, or a reservation given back.
    pub(crate) fn release(&self, count: usize) {
        let _ = self
            .occupied
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |occupied| {
                Some(occupied.saturating_sub(count))
            });
    }

    pub(crate) fn push_reserved(&self, new_records: &[Arc<Record>]) {
        let waiting = {
            let mut records = self.lock();
            records.extend(new_records.iter().cloned());
            records.len()
        };
        if waiting >= self.batch_size {
            self.full_batch.notify_one();
        }
    }

    /// Resolves once a full batch may be waiting.
    pub(crate) async fn full_batch_waiting(&self) {
        self.full_batch.notified().await;
    }

    /// The next batch: a full one, or with `all` whatever is waiting. The records keep their
    /// room until [`RecordQueue::release`].
    pub(crate) fn take_batch(&self, all: bool) -> Option<Batch> {
        let mut records = self.lock();
        if records.is_empty() || (!all && records.len() < self.batch_size) {
            return None;
        }
        let take = records.len().min(self.batch_size);
        Some(Batch::new(records.drain(..take).collect()))
    }

    /// Returns an unwritten batch to the front of the queue, in order.
    pub(crate) fn put_back(&self, batch: Batch) {
        let mut records = self.lock();
        for record in batch.0.into_iter().rev() {
            records.push_front(record);
        }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Arc<Record>>> {
        // A panic while holding this lock cannot leave the deque half-updated.
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
