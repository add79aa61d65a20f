//! The bounded in-memory record queue of one sender. Room (records and estimated bytes) is
//! reserved before records are pushed, so that ingest can refuse a request (or drop what does
//! not fit) without ever exceeding the bound; a record keeps its room until the sink has
//! written it.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, MutexGuard},
};

use tokio::sync::Notify;

use crate::{
    config::BatchSizes,
    record::{Batch, Record},
};

#[derive(Default)]
struct State {
    records: VecDeque<Arc<Record>>,
    /// Records reserved, queued or being written: what counts against the bounds.
    occupied_records: usize,
    occupied_bytes: u64,
}

pub(crate) struct RecordQueue {
    state: Mutex<State>,
    max_records: usize,
    max_bytes: u64,
    batch_sizes: BatchSizes,
    full_batch: Notify,
}

impl RecordQueue {
    pub(crate) fn new(max_records: usize, max_bytes: u64, batch_sizes: BatchSizes) -> RecordQueue {
        RecordQueue {
            state: Mutex::new(State::default()),
            max_records,
            max_bytes,
            batch_sizes,
            full_batch: Notify::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().occupied_records
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.lock().occupied_bytes
    }

    /// Reserves room for the longest prefix of `records` that fits (all of them or none with
    /// `all_or_nothing`) and returns its length.
    pub(crate) fn reserve(&self, records: &[Arc<Record>], all_or_nothing: bool) -> usize {
        let mut state = self.lock();
        let mut count = 0;
        let mut bytes = 0u64;
        for record in records {
            let next_bytes = bytes + record.approx_bytes() as u64;
            if state.occupied_records + count + 1 > self.max_records
                || state.occupied_bytes + next_bytes > self.max_bytes
            {
                break;
            }
            count += 1;
            bytes = next_bytes;
        }
        if all_or_nothing && count < records.len() {
            return 0;
        }
        state.occupied_records += count;
        state.occupied_bytes += bytes;
        count
    }

    /// Frees the room of records: written, refused for good, or a reservation given back.
    pub(crate) fn release(&self, records: &[Arc<Record>]) {
        let bytes: u64 = records.iter().map(|r| r.approx_bytes() as u64).sum();
        let mut state = self.lock();
        state.occupied_records = state.occupied_records.saturating_sub(records.len());
        state.occupied_bytes = state.occupied_bytes.saturating_sub(bytes);
    }

    pub(crate) fn push_reserved(&self, new_records: &[Arc<Record>]) {
        let waiting = {
            let mut state = self.lock();
            state.records.extend(new_records.iter().cloned());
            state.records.len()
        };
        if waiting >= self.batch_sizes.full {
            self.full_batch.notify_one();
        }
    }

    /// Resolves once a full batch may be waiting.
    pub(crate) async fn full_batch_waiting(&self) {
        self.full_batch.notified().await;
    }

    /// The next batch: once a full one waits (or with `all`), whatever is waiting, up to
    /// the most one write takes. The records keep their room until [`RecordQueue::release`].
    pub(crate) fn take_batch(&self, all: bool) -> Option<Batch> {
        let mut state = self.lock();
        if state.records.is_empty() || (!all && state.records.len() < self.batch_sizes.full) {
            return None;
        }
        let take = state.records.len().min(self.batch_sizes.most);
        Some(Batch::new(state.records.drain(..take).collect()))
    }

    /// Returns an unwritten batch to the front of the queue, in order.
    pub(crate) fn put_back(&self, batch: Batch) {
        let mut state = self.lock();
        for record in batch.0.into_iter().rev() {
            state.records.push_front(record);
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state half-updated.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
