//! Tests of how a sender hands batches to a slow sink: [`crate::Sink::batches_in_flight`]
//! (two at once from a memory queue when the sink allows it, one from a disk buffer, each
//! write starting in queue order), and the shutdown deadline holding even while a long
//! backlog is being written.

use std::{
    collections::BTreeSet,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, SystemTime},
};

use async_trait::async_trait;

use crate::{
    config::{AnalyticsConfig, BufferConfig, WhenFull},
    testkit_records, Admission, Batch, Metrics, Pipeline, Sink, SinkError,
};

/// Takes 100 ms per batch and remembers how many batches it was given at once.
struct SlowSink {
    in_flight: usize,
    writing: AtomicUsize,
    most_at_once: AtomicUsize,
    stored: Mutex<Vec<String>>,
    /// The first record of every batch, noted before the write's first `.await`.
    started: Mutex<Vec<String>>,
}

impl SlowSink {
    fn new(in_flight: usize) -> Arc<SlowSink> {
        Arc::new(SlowSink {
            in_flight,
            writing: AtomicUsize::new(0),
            most_at_once: AtomicUsize::new(0),
            stored: Mutex::new(Vec::new()),
            started: Mutex::new(Vec::new()),
        })
    }
}

#[async_trait]
impl Sink for SlowSink {
    fn capabilities(&self) -> crate::Capabilities {
        crate::Capabilities::APPEND_ONLY
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        Ok(())
    }

    fn batches_in_flight(&self) -> usize {
        self.in_flight
    }

    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError> {
        if let Some(first) = batch.first() {
            self.started.lock().expect("lock").push(first.id.clone());
        }
        let now = self.writing.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_at_once.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.stored
            .lock()
            .expect("lock")
            .extend(batch.iter().map(|record| record.id.clone()));
        self.writing.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    }
}

fn config(dir: Option<&std::path::Path>) -> AnalyticsConfig {
    AnalyticsConfig {
        interval: Duration::from_millis(100),
        batch_size: Some(2),
        buffer: BufferConfig {
            max_records: 1000,
            when_full: WhenFull::Block,
            dir: dir.map(ToOwned::to_owned),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Admits the sample records, shuts down, and returns how many batches the sink had at once.
async fn write_all(sink: Arc<SlowSink>, config: &AnalyticsConfig) -> usize {
    let records = testkit_records(SystemTime::now());
    let expected: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    assert!(expected.len() >= 6, "enough records for three batches");
    let (pipeline, _) = Pipeline::open(
        vec![("slow".into(), sink.clone())],
        config,
        Arc::new(Metrics::new()),
    )
    .expect("opens");
    assert_eq!(pipeline.admit(records, "test"), Admission::Accepted);
    assert_eq!(pipeline.shutdown().await.unwritten(), 0);
    let stored = sink.stored.lock().expect("lock").clone();
    assert_eq!(stored.len(), expected.len(), "every record written once");
    assert_eq!(
        stored.into_iter().collect::<BTreeSet<_>>(),
        expected.iter().cloned().collect::<BTreeSet<_>>()
    );
    let started: Vec<usize> = sink
        .started
        .lock()
        .expect("lock")
        .iter()
        .map(|id| {
            expected
                .iter()
                .position(|e| e == id)
                .expect("a queued record")
        })
        .collect();
    assert!(
        started.windows(2).all(|pair| pair[0] < pair[1]),
        "writes start in queue order, batches in flight included: {started:?}"
    );
    sink.most_at_once.load(Ordering::SeqCst)
}

#[tokio::test(start_paused = true)]
async fn a_sink_that_allows_two_batches_gets_two_at_once() {
    assert_eq!(write_all(SlowSink::new(2), &config(None)).await, 2);
}

#[tokio::test(start_paused = true)]
async fn a_sink_that_allows_one_batch_gets_one_at_a_time() {
    assert_eq!(write_all(SlowSink::new(1), &config(None)).await, 1);
}

#[tokio::test(start_paused = true)]
async fn a_disk_buffered_sink_gets_one_batch_at_a_time() {
    let dir = tempfile::tempdir().expect("dir");
    assert_eq!(
        write_all(SlowSink::new(2), &config(Some(dir.path()))).await,
        1
    );
}

#[tokio::test]
async fn shutdown_keeps_its_deadline_while_a_backlog_is_being_written() {
    let sink = SlowSink::new(1);
    let config = AnalyticsConfig {
        shutdown_timeout: Duration::from_millis(200),
        ..config(None)
    };
    let pipeline = Pipeline::start(
        vec![("slow".into(), sink.clone())],
        &config,
        Arc::new(Metrics::new()),
    );
    // 30 batches of 100 ms each: 3 s to write them all.
    for _ in 0..5 {
        assert_eq!(
            pipeline.admit(testkit_records(SystemTime::now()), "test"),
            Admission::Accepted
        );
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    let started = std::time::Instant::now();
    let unwritten = pipeline.shutdown().await.unwritten();
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "shutdown took {:?} with a 200 ms deadline",
        started.elapsed()
    );
    assert!(unwritten > 0, "the backlog was cut short by the deadline");
}

/// Fails the first attempt of every batch; notes the first record of every attempt.
#[derive(Default)]
struct FailsOnceSink {
    failed: Mutex<BTreeSet<String>>,
    attempts: Mutex<Vec<String>>,
}

#[async_trait]
impl Sink for FailsOnceSink {
    fn capabilities(&self) -> crate::Capabilities {
        crate::Capabilities::APPEND_ONLY
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        Ok(())
    }

    fn batches_in_flight(&self) -> usize {
        2
    }

    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError> {
        let first = batch.first().expect("a batch").id.clone();
        self.attempts.lock().expect("lock").push(first.clone());
        tokio::time::sleep(Duration::from_millis(10)).await;
        if self.failed.lock().expect("lock").insert(first) {
            return Err(SinkError::unavailable("down for now"));
        }
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn batches_in_flight_that_failed_together_are_retried_in_queue_order() {
    for round in 0..20 {
        let sink = Arc::new(FailsOnceSink::default());
        let records = testkit_records(SystemTime::now());
        let pipeline = Pipeline::start(
            vec![("flaky".into(), sink.clone())],
            &config(None),
            Arc::new(Metrics::new()),
        );
        assert_eq!(
            pipeline.admit(records[..4].to_vec(), "test"),
            Admission::Accepted
        );
        assert_eq!(pipeline.shutdown().await.unwritten(), 0);
        let attempts = sink.attempts.lock().expect("lock").clone();
        let (a, b) = (records[0].id.clone(), records[2].id.clone());
        assert_eq!(
            attempts,
            [a.clone(), b.clone(), a, b],
            "round {round}: both fail, then the earlier batch is retried first"
        );
    }
}
