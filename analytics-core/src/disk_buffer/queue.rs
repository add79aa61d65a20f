//! [`DiskQueue`]: one sink's view of the disk buffer as a queue. Batches are read from the
//! log at the sink's own position; the durable cursor moves only once a batch is settled
//! (written, or refused for good), so a crash re-sends at most the batch in flight, which
//! idempotent sinks store once.

use std::{
    io,
    sync::{Arc, Mutex, MutexGuard},
};

use tokio::sync::watch;

use super::{log::DiskLog, reader::LogReader};
use crate::{config::BatchSizes, record::Batch};

pub(crate) struct DiskQueue {
    log: Arc<DiskLog>,
    sink: String,
    batch_sizes: BatchSizes,
    state: Mutex<State>,
}

struct State {
    reader: LogReader,
    /// One past the last sequence number of the batch being written.
    in_flight_end: Option<u64>,
    appended: watch::Receiver<u64>,
}

impl DiskQueue {
    pub(crate) fn new(
        log: Arc<DiskLog>,
        sink: &str,
        batch_sizes: BatchSizes,
    ) -> io::Result<DiskQueue> {
        let cursor = log.register_sink(sink)?;
        Ok(DiskQueue {
            state: Mutex::new(State {
                reader: LogReader::new(log.clone(), cursor),
                in_flight_end: None,
                appended: log.subscribe(),
            }),
            log,
            sink: sink.to_owned(),
            batch_sizes,
        })
    }

    /// Records this sink has not written yet.
    pub(crate) fn len(&self) -> usize {
        let pending = self
            .log
            .next_seq()
            .saturating_sub(self.log.cursor(&self.sink));
        usize::try_from(pending).unwrap_or(usize::MAX)
    }

    /// The whole log's [`DiskLog::pending`].
    pub(crate) fn log_pending(&self) -> (u64, u64) {
        self.log.pending()
    }

    /// The next batch from the log: once a full one is there (or with `all`), what is
    /// there, up to the most one write takes.
    pub(crate) fn take_batch(&self, all: bool) -> io::Result<Option<Batch>> {
        let mut state = self.lock();
        let available = self.log.next_seq().saturating_sub(state.reader.position());
        if available == 0 || (!all && available < self.batch_sizes.full as u64) {
            return Ok(None);
        }
        let records = state.reader.read(self.batch_sizes.most)?;
        let Some((last, _)) = records.last() else {
            return Ok(None);
        };
        state.in_flight_end = Some(last + 1);
        Ok(Some(Batch::new(
            records.into_iter().map(|(_, r)| r).collect(),
        )))
    }

    /// The batch in flight is settled: move the durable cursor past it.
    pub(crate) fn commit(&self) -> io::Result<()> {
        let end = self.lock().in_flight_end.take();
        match end {
            Some(end) => self.log.commit(&self.sink, end),
            None => Ok(()),
        }
    }

    /// The batch in flight was not written: read it again later.
    pub(crate) fn put_back(&self) {
        let cursor = self.log.cursor(&self.sink);
        let mut state = self.lock();
        state.in_flight_end = None;
        state.reader.seek(cursor);
    }

    /// Resolves once a full batch may be waiting.
    pub(crate) async fn full_batch_waiting(&self) {
        let mut appended = self.lock().appended.clone();
        loop {
            let position = self.lock().reader.position();
            if appended.borrow_and_update().saturating_sub(position) >= self.batch_sizes.full as u64
            {
                return;
            }
            if appended.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
