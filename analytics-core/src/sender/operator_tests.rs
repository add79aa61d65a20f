//! Tests of how a sender treats an error a person must fix: retried at a slow pace, counted
//! in `sink_operator_errors`, named by [`crate::Pipeline::problems`] until the sink writes.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, SystemTime},
};

use async_trait::async_trait;

use crate::{
    config::AnalyticsConfig, sink::RetryClass, testkit_records, Admission, Batch, Metrics,
    Pipeline, Sink, SinkError,
};

/// Refuses every batch with a permission error until `granted`.
#[derive(Default)]
struct LockedSink {
    granted: AtomicBool,
    attempts: AtomicUsize,
    stored: AtomicUsize,
}

#[async_trait]
impl Sink for LockedSink {
    fn capabilities(&self) -> crate::Capabilities {
        crate::Capabilities::APPEND_ONLY
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        Ok(())
    }

    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if !self.granted.load(Ordering::SeqCst) {
            let cause = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
            return Err(SinkError::classified(
                RetryClass::Operator,
                "permission denied for table events",
                cause.into(),
            ));
        }
        self.stored.fetch_add(batch.len(), Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_permission_error_is_reported_retried_slowly_and_cleared_by_the_next_write() {
    let sink = Arc::new(LockedSink::default());
    let config = AnalyticsConfig {
        interval: Duration::from_millis(100),
        max_retry_backoff: Duration::from_secs(10),
        ..Default::default()
    };
    let metrics = Arc::new(Metrics::new());
    let pipeline = Pipeline::start(vec![("locked".into(), sink.clone())], &config, metrics);
    let records = testkit_records(SystemTime::now());
    let count = records.len();
    assert_eq!(pipeline.admit(records, "test"), Admission::Accepted);

    tokio::time::sleep(Duration::from_secs(30)).await;
    let problems = pipeline.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "locked");
    assert_eq!(problems[0].1.class, RetryClass::Operator);
    assert!(problems[0].1.error.contains("permission denied"));
    // At the capped pace (5-10 s apart), not the 100 ms, 200 ms, ... of a transient error.
    let attempts = sink.attempts.load(Ordering::SeqCst);
    assert!((3..=7).contains(&attempts), "{attempts} attempts in 30 s");
    let text = pipeline.metrics().encode();
    assert!(
        text.contains(&format!(
            "livekit_analytics_sink_operator_errors_total{{sink=\"locked\"}} {attempts}"
        )),
        "{text}"
    );

    sink.granted.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert_eq!(sink.stored.load(Ordering::SeqCst), count);
    assert!(pipeline.problems().is_empty());
    assert_eq!(pipeline.shutdown().await.unwritten(), 0);
}

/// Cannot set itself up until `granted`.
#[derive(Default)]
struct UnconfiguredSink {
    granted: AtomicBool,
}

#[async_trait]
impl Sink for UnconfiguredSink {
    fn capabilities(&self) -> crate::Capabilities {
        crate::Capabilities::APPEND_ONLY
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        if self.granted.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(SinkError::operator("permission denied for schema openvidu"))
        }
    }

    async fn send_batch(&self, _: &Batch) -> Result<(), SinkError> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_set_up_refused_for_permission_is_a_problem_until_the_sink_initialises() {
    let sink = Arc::new(UnconfiguredSink::default());
    let config = AnalyticsConfig {
        max_retry_backoff: Duration::from_secs(2),
        ..Default::default()
    };
    let pipeline = Pipeline::start(
        vec![("schema".into(), sink.clone())],
        &config,
        Arc::new(Metrics::new()),
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(pipeline.readiness(), vec![("schema".to_owned(), false)]);
    let problems = pipeline.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].1.class, RetryClass::Operator);
    sink.granted.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(pipeline.readiness(), vec![("schema".to_owned(), true)]);
    assert!(pipeline.problems().is_empty());
    assert_eq!(pipeline.shutdown().await.unwritten(), 0);
}
