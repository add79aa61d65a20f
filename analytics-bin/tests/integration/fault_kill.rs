//! kill -9 of livekit-analytics during a 20 000-record gRPC stream with the disk buffer on
//! (synced before every answer, and synced every 100 ms): after a restart every
//! acknowledged record (of a call that returned OK) is stored exactly once in every sink,
//! before LiveKit re-sends anything; and re-sending the calls that were not acknowledged
//! stores nothing twice.

#![cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "redis",
    feature = "mongo"
))]

use crate::fault_support;

use std::{
    sync::{atomic::AtomicUsize, atomic::Ordering, Arc},
    time::{Duration, Instant},
};

use fault_support::{
    service::{config_yaml, metric, FaultService},
    stores::Stores,
    traffic::{send_all, Call, IdSet, StreamClient, Workload},
};

const RECORDS: u64 = 20_000;
const PER_CALL: u64 = 50;
/// The kill comes once this many records are acknowledged.
const KILL_AFTER: usize = 8_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_stream_keeps_every_acknowledged_record_exactly_once() {
    kill_9_mid_stream("kill", "0s").await;
}

/// With a sync period the log is synced every 100 ms instead of before each answer: a
/// process crash still loses nothing (the data is in the kernel's page cache).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_stream_with_an_fsync_interval_keeps_every_acknowledged_record_exactly_once() {
    kill_9_mid_stream("kill_fsync", "100ms").await;
}

async fn kill_9_mid_stream(name: &str, fsync_interval: &str) {
    let _turn = fault_support::turn::wait_for_turn().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(stores) = Stores::new(name, dir.path(), None) else {
        return;
    };
    let port = FaultService::port();
    let buffer = dir.path().join("buffer");
    let extra = format!(
        "    interval: 200ms\n    batch_size: 500\n    max_retry_backoff: 1s\n    buffer: {{ dir: '{}', fsync_interval: {fsync_interval}, max_records: 1000000, when_full: block }}\n",
        buffer.display()
    );
    let mut service =
        FaultService::start(dir.path(), port, &config_yaml(port, &stores, &extra)).await;

    let calls = Arc::new(Workload::new(name).calls(0, RECORDS, PER_CALL));
    let sent = IdSet::of_calls(calls.iter());
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let sending = tokio::spawn(send_all(
        StreamClient::new(port),
        calls.clone(),
        4,
        acknowledged.clone(),
    ));
    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            Instant::now() < deadline,
            "{KILL_AFTER} records not acknowledged in 120 s; log:\n{}",
            service.log()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Proof that the kill leaves work undone: records on disk some sink has not written.
    let unwritten = metric(
        &service.metrics().await,
        "livekit_analytics_disk_buffer_records",
        &[],
    );
    service.kill9();
    let first = sending.await.expect("sender task");
    let acknowledged_ids = first.acknowledged_ids(&calls);
    eprintln!(
        "killed with {} of {} calls acknowledged ({} records), {} not acknowledged, {unwritten} records in the buffer not written by every sink",
        first.acknowledged.len(),
        calls.len(),
        acknowledged_ids.len(),
        first.failed.len()
    );
    assert!(
        !first.failed.is_empty(),
        "the kill came before the stream ended"
    );
    assert!(
        unwritten > 0.0,
        "some acknowledged records were not yet written by every sink at the kill"
    );

    service.restart().await;
    stores
        .assert_stored_exactly_once(&acknowledged_ids, &sent, Duration::from_secs(120))
        .await;

    // LiveKit re-sends what was not acknowledged; some of it may already be stored.
    let resend: Vec<Call> = first
        .failed_indexes()
        .into_iter()
        .map(|index| calls[index].clone())
        .collect();
    let second = send_all(StreamClient::new(port), Arc::new(resend), 4, Arc::default()).await;
    assert!(
        second.failed.is_empty(),
        "re-sent calls are acknowledged: {:?}",
        second.failed.first()
    );
    stores
        .assert_stored_exactly_once(&sent, &sent, Duration::from_secs(120))
        .await;

    let (status, _) = service.terminate(Duration::from_secs(30)).await;
    assert!(status.success(), "clean exit; log:\n{}", service.log());
    stores.clean_up().await;
}
