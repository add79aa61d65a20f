//! SIGTERM under a steady gRPC load, with memory queues holding seconds of records no sink
//! has written yet: the service stops accepting, writes everything it acknowledged to every
//! sink, and exits 0 within its shutdown deadline.

#![cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "redis",
    feature = "mongo"
))]

use crate::fault_support;

use std::{sync::Arc, time::Duration};

use fault_support::{
    service::{config_yaml, metric, FaultService},
    stores::{Stores, SINKS},
    traffic::{send_paced, IdSet, StreamClient, Workload},
};
use tokio_util::sync::CancellationToken;

/// 100 records every 50 ms: 2 000 records/s.
const PER_CALL: u64 = 100;
const EVERY: Duration = Duration::from_millis(50);
const LOAD_BEFORE_SIGTERM: Duration = Duration::from_secs(6);
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(60);
/// The service's grace for open connections before it flushes regardless (service.rs).
const CONNECTION_GRACE: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_writes_every_acknowledged_record_before_the_deadline() {
    let _turn = fault_support::turn::wait_for_turn().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(stores) = Stores::new("sigterm", dir.path(), None) else {
        return;
    };
    let port = FaultService::port();
    // Memory queues, and an interval longer than the test: only the shutdown flush writes.
    let extra = format!(
        "    interval: 60s\n    batch_size: 1000000\n    shutdown_timeout: {}s\n    buffer: {{ max_records: 1000000, when_full: block }}\n",
        SHUTDOWN_TIMEOUT.as_secs()
    );
    let mut service =
        FaultService::start(dir.path(), port, &config_yaml(port, &stores, &extra)).await;

    let calls = Arc::new(Workload::new("sigterm").calls(0, 60_000, PER_CALL));
    let stop = CancellationToken::new();
    let sending = tokio::spawn(send_paced(
        StreamClient::new(port),
        calls.clone(),
        EVERY,
        stop.clone(),
    ));
    tokio::time::sleep(LOAD_BEFORE_SIGTERM).await;

    let metrics = service.metrics().await;
    for sink in SINKS {
        let queued = metric(
            &metrics,
            "livekit_analytics_queue_records",
            &[("sink", sink)],
        );
        assert!(
            queued >= 1000.0,
            "{sink} holds queued records at SIGTERM: {queued}"
        );
    }
    let limit = SHUTDOWN_TIMEOUT + CONNECTION_GRACE + Duration::from_secs(5);
    let (status, took) = service.terminate(limit).await;
    stop.cancel();
    let outcome = sending.await.expect("sender task");
    let started = outcome.acknowledged.len() + outcome.failed.len();
    let acknowledged = outcome.acknowledged_ids(&calls);
    eprintln!(
        "SIGTERM: exit {status} after {took:?}; {} records acknowledged, {} calls not acknowledged",
        acknowledged.len(),
        outcome.failed.len()
    );
    assert!(
        status.success(),
        "exit 0: every queued record written; log:\n{}",
        service.log()
    );
    assert!(
        acknowledged.len() >= 10_000,
        "the load ran: {} records acknowledged",
        acknowledged.len()
    );
    let sent = IdSet::of_calls(calls.iter().take(started));
    stores
        .assert_stored_exactly_once(&acknowledged, &sent, Duration::from_secs(10))
        .await;
    stores.clean_up().await;
}
