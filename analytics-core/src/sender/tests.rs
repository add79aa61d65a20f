//! Tests of the sender and pipeline policies — retries, isolation between sinks, refused
//! records, shutdown and the queue bound — with an in-memory sink that fails on command.
//! (The sinks themselves are tested against their real databases in their own crates.)

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
    sink::RecordFailure,
    testkit_records, Admission, Batch, Metrics, Pipeline, Record, Sink, SinkError,
};

/// Stores ids in memory; fails the first `unavailable_for` writes, refuses ids in `refuse`.
#[derive(Default)]
struct MemorySink {
    stored: Mutex<Vec<String>>,
    unavailable_for: AtomicUsize,
    always_unavailable: bool,
    refuse: BTreeSet<String>,
    calls: AtomicUsize,
}

impl MemorySink {
    fn stored(&self) -> Vec<String> {
        self.stored.lock().expect("lock").clone()
    }
}

#[async_trait]
impl Sink for MemorySink {
    fn capabilities(&self) -> crate::Capabilities {
        crate::Capabilities::APPEND_ONLY
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        Ok(())
    }

    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.always_unavailable {
            return Err(SinkError::unavailable("down for good"));
        }
        if self
            .unavailable_for
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(SinkError::unavailable("down for now"));
        }
        let mut failures = Vec::new();
        let mut stored = self.stored.lock().expect("lock");
        for (index, record) in batch.iter().enumerate() {
            if self.refuse.contains(&record.id) {
                failures.push(RecordFailure {
                    index,
                    retryable: false,
                    reason: "refused".into(),
                });
            } else if !stored.contains(&record.id) {
                stored.push(record.id.clone());
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(SinkError::Records(failures))
        }
    }
}

fn config(max_records: usize, when_full: WhenFull) -> AnalyticsConfig {
    AnalyticsConfig {
        interval: Duration::from_millis(100),
        batch_size: Some(4),
        buffer: BufferConfig {
            max_records,
            when_full,
            ..Default::default()
        },
        max_retry_backoff: Duration::from_millis(400),
        shutdown_timeout: Duration::from_secs(2),
        ..Default::default()
    }
}

/// [`config`] in `block` mode with a disk buffer in `dir`.
fn disk_config(dir: &std::path::Path, max_records: usize) -> AnalyticsConfig {
    let memory = config(max_records, WhenFull::Block);
    AnalyticsConfig {
        buffer: BufferConfig {
            dir: Some(dir.to_owned()),
            ..memory.buffer.clone()
        },
        ..memory
    }
}

fn records() -> Vec<Record> {
    testkit_records(SystemTime::now())
}

fn ids(records: &[Record]) -> Vec<String> {
    records.iter().map(|r| r.id.clone()).collect()
}

async fn wait_until(condition: impl Fn() -> bool) {
    for _ in 0..2000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not met in time");
}

#[tokio::test(start_paused = true)]
async fn a_failing_sink_is_retried_until_it_succeeds_and_nothing_is_lost() {
    let sink = Arc::new(MemorySink {
        unavailable_for: AtomicUsize::new(5),
        ..Default::default()
    });
    let metrics = Arc::new(Metrics::new());
    let pipeline = Pipeline::start(
        vec![("memory".into(), sink.clone())],
        &config(100, WhenFull::Block),
        metrics.clone(),
    );
    let records = records();
    let expected = ids(&records);
    assert_eq!(pipeline.admit(records, "test"), Admission::Accepted);
    wait_until(|| sink.stored().len() == expected.len()).await;
    assert_eq!(
        sink.stored().into_iter().collect::<BTreeSet<_>>(),
        expected.into_iter().collect()
    );
    assert!(metrics
        .encode()
        .contains(r#"livekit_analytics_sink_retries_total{sink="memory"} 5"#));
    assert_eq!(pipeline.shutdown().await.unwritten(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_failing_sink_does_not_hold_back_the_others() {
    let down = Arc::new(MemorySink {
        always_unavailable: true,
        ..Default::default()
    });
    let up = Arc::new(MemorySink::default());
    let pipeline = Pipeline::start(
        vec![("down".into(), down.clone()), ("up".into(), up.clone())],
        &config(100, WhenFull::Block),
        Arc::new(Metrics::new()),
    );
    let records = records();
    let count = records.len();
    pipeline.admit(records, "test");
    wait_until(|| up.stored().len() == count).await;
    assert!(down.stored().is_empty());
    let summary = pipeline.shutdown().await;
    assert_eq!(
        summary.unwritten(),
        count,
        "the down sink reports what it could not write"
    );
    assert_eq!(
        summary
            .reports
            .iter()
            .find(|r| r.sink == "up")
            .map(|r| r.unwritten),
        Some(0)
    );
}

#[tokio::test(start_paused = true)]
async fn refused_records_are_dropped_and_counted_and_the_rest_written() {
    let records = records();
    let refused = records[2].id.clone();
    let sink = Arc::new(MemorySink {
        refuse: [refused.clone()].into(),
        ..Default::default()
    });
    let metrics = Arc::new(Metrics::new());
    let pipeline = Pipeline::start(
        vec![("memory".into(), sink.clone())],
        &config(100, WhenFull::Block),
        metrics.clone(),
    );
    let count = records.len();
    pipeline.admit(records, "test");
    wait_until(|| sink.stored().len() == count - 1).await;
    assert!(!sink.stored().contains(&refused));
    assert_eq!(
        pipeline.shutdown().await.unwritten(),
        0,
        "a refused record is settled, not pending"
    );
    assert!(metrics
        .encode()
        .contains(r#"livekit_analytics_dropped_total{sink="memory",reason="rejected"} 1"#));
}

#[tokio::test(start_paused = true)]
async fn block_mode_admits_into_every_queue_or_none() {
    let down = Arc::new(MemorySink {
        always_unavailable: true,
        ..Default::default()
    });
    let up = Arc::new(MemorySink::default());
    let records = records();
    let count = records.len();
    let pipeline = Pipeline::start(
        vec![("up".into(), up.clone()), ("down".into(), down.clone())],
        &config(count + 2, WhenFull::Block),
        Arc::new(Metrics::new()),
    );
    assert_eq!(pipeline.admit(records, "test"), Admission::Accepted);
    wait_until(|| up.stored().len() == count).await;
    let more = testkit_records(SystemTime::now() + Duration::from_secs(3600));
    assert_eq!(
        pipeline.admit(more, "test"),
        Admission::Full {
            sink: "down".into()
        }
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        up.stored().len(),
        count,
        "nothing of a refused request reaches any sink"
    );
    pipeline.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn drop_newest_mode_keeps_what_fits_and_counts_the_rest() {
    let down = Arc::new(MemorySink {
        always_unavailable: true,
        ..Default::default()
    });
    let metrics = Arc::new(Metrics::new());
    let pipeline = Pipeline::start(
        vec![("down".into(), down)],
        &config(5, WhenFull::DropNewest),
        metrics.clone(),
    );
    let records = records();
    let count = records.len();
    assert_eq!(pipeline.admit(records, "test"), Admission::Accepted);
    assert_eq!(pipeline.senders()[0].queued(), 5);
    let text = metrics.encode();
    let expected = format!(
        r#"livekit_analytics_dropped_total{{sink="down",reason="queue_full"}} {}"#,
        count - 5
    );
    assert!(text.contains(&expected), "{text}");
    assert_eq!(pipeline.shutdown().await.unwritten(), 5);
}

#[tokio::test(start_paused = true)]
async fn shutdown_writes_what_is_queued_before_reporting() {
    let sink = Arc::new(MemorySink::default());
    let config = AnalyticsConfig {
        interval: Duration::from_secs(3600),
        batch_size: Some(1000),
        ..config(100, WhenFull::Block)
    };
    let pipeline = Pipeline::start(
        vec![("memory".into(), sink.clone())],
        &config,
        Arc::new(Metrics::new()),
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    let records = records();
    let count = records.len();
    pipeline.admit(records, "test");
    assert_eq!(pipeline.shutdown().await.unwritten(), 0);
    assert_eq!(sink.stored().len(), count);
}

#[tokio::test(start_paused = true)]
async fn a_full_batch_is_written_without_waiting_for_the_interval() {
    let sink = Arc::new(MemorySink::default());
    let config = AnalyticsConfig {
        interval: Duration::from_secs(3600),
        ..config(100, WhenFull::Block)
    };
    let pipeline = Pipeline::start(
        vec![("memory".into(), sink.clone())],
        &config,
        Arc::new(Metrics::new()),
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    let records = records();
    pipeline.admit(records[..4].to_vec(), "test");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        sink.stored().len(),
        4,
        "batch_size records are written at once"
    );
    pipeline.admit(records[4..6].to_vec(), "test");
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        sink.stored().len(),
        4,
        "a partial batch waits for the interval"
    );
    pipeline.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn with_a_disk_buffer_what_was_not_written_is_written_after_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let config = disk_config(dir.path(), 100);
    let records = records();
    let expected: BTreeSet<String> = ids(&records).into_iter().collect();
    let down = Arc::new(MemorySink {
        always_unavailable: true,
        ..Default::default()
    });
    let (pipeline, _) = Pipeline::open(
        vec![("main".into(), down)],
        &config,
        Arc::new(Metrics::new()),
    )
    .expect("opens");
    assert_eq!(pipeline.admit(records, "test"), Admission::Accepted);
    assert_eq!(pipeline.shutdown().await.unwritten(), expected.len());
    drop(pipeline);

    let up = Arc::new(MemorySink::default());
    let (pipeline, report) = Pipeline::open(
        vec![("main".into(), up.clone())],
        &config,
        Arc::new(Metrics::new()),
    )
    .expect("reopens");
    assert_eq!(
        report.expect("a disk buffer").pending_records,
        expected.len() as u64
    );
    wait_until(|| up.stored().len() == expected.len()).await;
    assert_eq!(up.stored().into_iter().collect::<BTreeSet<_>>(), expected);
    assert_eq!(pipeline.shutdown().await.unwritten(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_full_disk_buffer_refuses_in_block_mode() {
    let dir = tempfile::tempdir().expect("dir");
    let config = disk_config(dir.path(), 5);
    let down = Arc::new(MemorySink {
        always_unavailable: true,
        ..Default::default()
    });
    let (pipeline, _) = Pipeline::open(
        vec![("main".into(), down)],
        &config,
        Arc::new(Metrics::new()),
    )
    .expect("opens");
    assert_eq!(
        pipeline.admit(records()[..5].to_vec(), "test"),
        Admission::Accepted
    );
    assert_eq!(
        pipeline.admit(records()[5..7].to_vec(), "test"),
        Admission::Full {
            sink: "disk buffer".into()
        }
    );
    assert_eq!(pipeline.shutdown().await.unwritten(), 5);
}
