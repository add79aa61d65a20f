//! Tests of backlog writes: a batch is written once [`BatchSizes::full`] records wait, and a
//! write takes up to [`BatchSizes::most`] when more than a batch waits, from the memory
//! queue and through a whole pipeline whose sink prefers larger backlog writes.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use async_trait::async_trait;
use tokio::sync::Semaphore;

use super::queue::RecordQueue;
use crate::{
    config::{AnalyticsConfig, BatchSizes},
    testkit_records, Batch, Metrics, Pipeline, Record, Sink, SinkError,
};

/// `count` distinct records.
fn records(count: usize) -> Vec<Arc<Record>> {
    let base = testkit_records(SystemTime::now());
    (0..count)
        .map(|n| {
            let mut record = base[n % base.len()].clone();
            record.id = format!("backlog-{n}");
            Arc::new(record)
        })
        .collect()
}

fn push(queue: &RecordQueue, records: &[Arc<Record>]) {
    assert_eq!(queue.reserve(records, true), records.len(), "room for all");
    queue.push_reserved(records);
}

#[test]
fn the_memory_queue_writes_a_full_batch_and_takes_a_backlog_in_larger_writes() {
    let queue = RecordQueue::new(1000, u64::MAX, BatchSizes { full: 4, most: 10 });
    let records = records(28);
    push(&queue, &records[..3]);
    assert!(queue.take_batch(false).is_none(), "3 is not a full batch");
    push(&queue, &records[3..5]);
    assert_eq!(
        queue.take_batch(false).map(|b| b.len()),
        Some(5),
        "a full batch takes what waits"
    );
    push(&queue, &records[5..28]);
    let sizes: Vec<usize> =
        std::iter::from_fn(|| queue.take_batch(false).map(|b| b.len())).collect();
    assert_eq!(sizes, vec![10, 10], "a backlog goes in writes of the most");
    assert_eq!(
        queue.take_batch(true).map(|b| b.len()),
        Some(3),
        "the rest at the interval"
    );
}

/// Stores ids and the size of every write; each write waits for a permit of `gate`.
struct GatedSink {
    gate: Semaphore,
    writes: Mutex<Vec<usize>>,
}

#[async_trait]
impl Sink for GatedSink {
    fn capabilities(&self) -> crate::Capabilities {
        crate::Capabilities::APPEND_ONLY
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        Ok(())
    }

    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError> {
        self.gate.acquire().await.expect("open").forget();
        self.writes.lock().expect("lock").push(batch.len());
        Ok(())
    }

    fn preferred_batch_size(&self) -> Option<usize> {
        Some(4)
    }

    fn preferred_backlog_batch_size(&self) -> Option<usize> {
        Some(10)
    }
}

#[tokio::test(start_paused = true)]
async fn a_backlog_is_written_in_the_sinks_larger_writes_and_a_steady_flow_in_batches() {
    let sink = Arc::new(GatedSink {
        gate: Semaphore::new(0),
        writes: Mutex::new(Vec::new()),
    });
    let config = AnalyticsConfig {
        interval: Duration::from_secs(3600),
        ..Default::default()
    };
    let pipeline = Pipeline::start(
        vec![("gated".into(), sink.clone())],
        &config,
        Arc::new(Metrics::new()),
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    let records: Vec<Record> = records(32).iter().map(|r| (**r).clone()).collect();
    pipeline.admit(records[..4].to_vec(), "test");
    tokio::time::sleep(Duration::from_millis(10)).await;
    pipeline.admit(records[4..24].to_vec(), "test");
    sink.gate.add_permits(3);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        *sink.writes.lock().expect("lock"),
        vec![4, 10, 10],
        "the first batch alone, then the backlog behind it in writes of 10"
    );
    sink.gate.add_permits(2);
    for chunk in records[24..32].chunks(4) {
        pipeline.admit(chunk.to_vec(), "test");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        *sink.writes.lock().expect("lock"),
        vec![4, 10, 10, 4, 4],
        "without a backlog, each full batch is written as it fills"
    );
    sink.gate.add_permits(1);
    assert_eq!(pipeline.shutdown().await.unwritten(), 0);
}
