//! Tests that the shutdown deadline is a deadline when a database does not answer at all
//! (a frozen server): the write under way is cancelled, what it held is reported unwritten
//! (memory queue) or stays in the disk buffer; and that a disk queue that cannot be read
//! never makes its sender spin.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, SystemTime},
};

use async_trait::async_trait;

use crate::{
    config::{AnalyticsConfig, BufferConfig, WhenFull},
    testkit_records, Admission, Batch, Metrics, Pipeline, Sink, SinkError,
};

/// A database that accepts the connection and never answers.
#[derive(Default)]
struct FrozenSink {
    writes_started: AtomicUsize,
}

#[async_trait]
impl Sink for FrozenSink {
    fn capabilities(&self) -> crate::Capabilities {
        crate::Capabilities::APPEND_ONLY
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        Ok(())
    }

    async fn send_batch(&self, _: &Batch) -> Result<(), SinkError> {
        self.writes_started.fetch_add(1, Ordering::SeqCst);
        std::future::pending().await
    }
}

fn config(dir: Option<&std::path::Path>) -> AnalyticsConfig {
    AnalyticsConfig {
        interval: Duration::from_millis(100),
        batch_size: Some(4),
        shutdown_timeout: Duration::from_secs(3),
        buffer: BufferConfig {
            max_records: 1000,
            when_full: WhenFull::Block,
            dir: dir.map(ToOwned::to_owned),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Admits the sample records, waits until a write hangs, shuts down; returns the records
/// admitted, the unwritten count and how long shutdown took.
async fn shut_down_while_frozen(
    dir: Option<&std::path::Path>,
) -> (Arc<Pipeline>, usize, usize, Duration) {
    let sink = Arc::new(FrozenSink::default());
    let (pipeline, _) = Pipeline::open(
        vec![("frozen".into(), sink.clone())],
        &config(dir),
        Arc::new(Metrics::new()),
    )
    .expect("opens");
    let records = testkit_records(SystemTime::now());
    let count = records.len();
    assert_eq!(pipeline.admit(records, "test"), Admission::Accepted);
    while sink.writes_started.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = tokio::time::Instant::now();
    let unwritten = pipeline.shutdown().await.unwritten();
    (pipeline, count, unwritten, started.elapsed())
}

#[tokio::test(start_paused = true)]
async fn a_write_that_never_returns_is_cancelled_at_the_deadline_and_reported_unwritten() {
    let (_, count, unwritten, took) = shut_down_while_frozen(None).await;
    assert!(
        took <= Duration::from_millis(3050),
        "shutdown took {took:?} with a 3 s deadline"
    );
    assert_eq!(unwritten, count, "every record, in flight or queued");
}

#[tokio::test(start_paused = true)]
async fn with_the_disk_buffer_a_cancelled_write_leaves_its_records_behind_the_cursor() {
    let dir = tempfile::tempdir().expect("dir");
    let (pipeline, count, unwritten, took) = shut_down_while_frozen(Some(dir.path())).await;
    assert!(
        took <= Duration::from_millis(3050),
        "shutdown took {took:?} with a 3 s deadline"
    );
    assert_eq!(unwritten, count);
    let log = pipeline.disk_buffer().expect("a disk buffer");
    assert_eq!(log.cursor("frozen"), 0, "the cursor did not move");
}

/// Counts writes; always succeeds.
#[derive(Default)]
struct CountingSink {
    writes: AtomicUsize,
}

#[async_trait]
impl Sink for CountingSink {
    fn capabilities(&self) -> crate::Capabilities {
        crate::Capabilities::APPEND_ONLY
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        Ok(())
    }

    async fn send_batch(&self, _: &Batch) -> Result<(), SinkError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn a_disk_queue_that_cannot_be_read_makes_its_sender_wait_not_spin() {
    // One thread: a spinning sender would never let the test's own task run again.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let outcome = runtime.block_on(async {
            let dir = tempfile::tempdir().expect("dir");
            let sink = Arc::new(CountingSink::default());
            let config = AnalyticsConfig {
                interval: Duration::from_secs(3600),
                ..config(Some(dir.path()))
            };
            let (pipeline, _) = Pipeline::open(
                vec![("counting".into(), sink.clone())],
                &config,
                Arc::new(Metrics::new()),
            )
            .expect("opens");
            // The segment goes: a full batch is announced that cannot be read.
            for entry in std::fs::read_dir(dir.path()).expect("dir").flatten() {
                if entry.path().extension().is_some_and(|x| x == "seg") {
                    std::fs::remove_file(entry.path()).expect("removed");
                }
            }
            let records = testkit_records(SystemTime::now());
            assert_eq!(pipeline.admit(records, "test"), Admission::Accepted);
            tokio::time::sleep(Duration::from_millis(300)).await;
            let unwritten = pipeline.shutdown().await.unwritten();
            (sink.writes.load(Ordering::SeqCst), unwritten)
        });
        let _ = done.send(outcome);
    });
    let (writes, unwritten) = finished
        .recv_timeout(Duration::from_secs(20))
        .expect("the test's task ran again: the sender waits instead of spinning");
    assert_eq!(writes, 0, "nothing could be read");
    assert!(unwritten > 0, "what could not be read is reported");
}
