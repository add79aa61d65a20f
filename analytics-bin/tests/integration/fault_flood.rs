//! A flood past `buffer.max_records`, with memory queues and with the disk buffer: in
//! `block` mode clients get RESOURCE_EXHAUSTED (gRPC) and 503 (HTTP) and every accepted
//! record is stored, nothing else; in `drop_newest` mode every call is accepted, the drops
//! are counted exactly per sink in `/metrics`, and exactly the records that fitted are stored.

#![cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "redis",
    feature = "mongo"
))]

use crate::fault_support;
use crate::support;

use std::{sync::Arc, time::Duration};

use fault_support::{
    service::{config_yaml, metric, FaultService},
    stores::{Stores, SINKS},
    traffic::{send_all, IdSet, StreamClient, Workload},
};
use livekit_protocol::AnalyticsEvents;
use tonic::Code;

const MAX_RECORDS: u64 = 2_000;
const PER_CALL: u64 = 100;
const CALLS: u64 = 50;

/// Starts a service whose queues hold `MAX_RECORDS` and write nothing before shutdown.
async fn start(
    name: &str,
    when_full: &str,
    disk: bool,
) -> Option<(tempfile::TempDir, Stores, FaultService)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let stores = Stores::new(name, dir.path(), None)?;
    let port = FaultService::port();
    let disk_dir = if disk {
        format!(", dir: '{}'", dir.path().join("buffer").display())
    } else {
        String::new()
    };
    // A one-hour interval and huge batches: nothing is written before SIGTERM.
    let extra = format!(
        "    interval: 1h\n    batch_size: 100000\n    shutdown_timeout: 60s\n    buffer: {{ max_records: {MAX_RECORDS}, when_full: {when_full}{disk_dir} }}\n"
    );
    let service = FaultService::start(dir.path(), port, &config_yaml(port, &stores, &extra)).await;
    Some((dir, stores, service))
}

async fn block_mode_refuses_the_overflow_and_stores_everything_accepted(name: &str, disk: bool) {
    let Some((_dir, stores, mut service)) = start(name, "block", disk).await else {
        return;
    };
    let workload = Workload::new(name);
    let calls = Arc::new(workload.calls(0, CALLS * PER_CALL, PER_CALL));
    let outcome = send_all(
        StreamClient::new(service.port),
        calls.clone(),
        4,
        Arc::default(),
    )
    .await;
    let accepted = outcome.acknowledged_ids(&calls);
    assert_eq!(
        accepted.len() as u64,
        MAX_RECORDS,
        "exactly the queue's room is accepted"
    );
    let refused = outcome.failed.len();
    assert_eq!(
        outcome.failed_with(Code::ResourceExhausted),
        refused,
        "refusals are RESOURCE_EXHAUSTED: {:?}",
        outcome.failed.first()
    );

    let body = serde_json::to_string(&AnalyticsEvents {
        events: vec![workload.event(1_000_000)],
    })
    .expect("JSON");
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{}/v1/events", service.port))
        .bearer_auth(support::access_token(support::API_KEY, support::API_SECRET))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("JSON request");
    assert_eq!(response.status(), 503, "the JSON API answers 503 when full");

    let metrics = service.metrics().await;
    let rejected_grpc = metric(
        &metrics,
        "livekit_analytics_rejected_total",
        &[("source", "grpc"), ("reason", "queue_full")],
    );
    assert_eq!(rejected_grpc, refused as f64, "{metrics}");
    assert_eq!(
        metric(
            &metrics,
            "livekit_analytics_rejected_total",
            &[("source", "json"), ("reason", "queue_full")]
        ),
        1.0
    );
    for sink in SINKS {
        assert_eq!(
            metric(
                &metrics,
                "livekit_analytics_queue_records",
                &[("sink", sink)]
            ),
            MAX_RECORDS as f64,
            "{metrics}"
        );
        assert_eq!(
            metric(
                &metrics,
                "livekit_analytics_dropped_total",
                &[("sink", sink)]
            ),
            0.0,
            "{metrics}"
        );
        if !disk {
            assert!(
                metric(&metrics, "livekit_analytics_queue_bytes", &[("sink", sink)]) > 0.0,
                "{metrics}"
            );
        }
    }
    if disk {
        assert_eq!(
            metric(&metrics, "livekit_analytics_disk_buffer_records", &[]),
            MAX_RECORDS as f64,
            "{metrics}"
        );
    }

    let (status, _) = service.terminate(Duration::from_secs(90)).await;
    assert!(
        status.success(),
        "every accepted record written at shutdown; log:\n{}",
        service.log()
    );
    stores
        .assert_stored_exactly_once(&accepted, &accepted, Duration::from_secs(30))
        .await;
    stores.clean_up().await;
}

async fn drop_newest_mode_accepts_and_counts_every_drop(name: &str, disk: bool) {
    let Some((_dir, stores, mut service)) = start(name, "drop_newest", disk).await else {
        return;
    };
    let calls = Arc::new(Workload::new(name).calls(0, CALLS * PER_CALL, PER_CALL));
    // One call at a time: the records that fit are the first ones, in every sink.
    let outcome = send_all(
        StreamClient::new(service.port),
        calls.clone(),
        1,
        Arc::default(),
    )
    .await;
    assert!(
        outcome.failed.is_empty(),
        "drop_newest accepts every call: {:?}",
        outcome.failed.first()
    );
    let dropped = CALLS * PER_CALL - MAX_RECORDS;
    let metrics = service.metrics().await;
    for sink in SINKS {
        assert_eq!(
            metric(
                &metrics,
                "livekit_analytics_dropped_total",
                &[("sink", sink), ("reason", "queue_full")]
            ),
            dropped as f64,
            "{sink}: {metrics}"
        );
        assert_eq!(
            metric(
                &metrics,
                "livekit_analytics_queue_records",
                &[("sink", sink)]
            ),
            MAX_RECORDS as f64,
            "{metrics}"
        );
    }
    assert_eq!(
        metric(&metrics, "livekit_analytics_rejected_total", &[]),
        0.0,
        "{metrics}"
    );

    let (status, _) = service.terminate(Duration::from_secs(90)).await;
    assert!(status.success(), "log:\n{}", service.log());
    let kept = IdSet::of_calls(calls.iter().take((MAX_RECORDS / PER_CALL) as usize));
    stores
        .assert_stored_exactly_once(&kept, &kept, Duration::from_secs(30))
        .await;
    stores.clean_up().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_in_block_mode_is_refused_and_nothing_accepted_is_lost() {
    block_mode_refuses_the_overflow_and_stores_everything_accepted("flood_block", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_in_block_mode_with_the_disk_buffer_is_refused_and_nothing_accepted_is_lost() {
    block_mode_refuses_the_overflow_and_stores_everything_accepted("flood_block_disk", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_in_drop_newest_mode_counts_every_drop_exactly() {
    drop_newest_mode_accepts_and_counts_every_drop("flood_drop", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_in_drop_newest_mode_with_the_disk_buffer_counts_every_drop_exactly() {
    drop_newest_mode_accepts_and_counts_every_drop("flood_drop_disk", true).await;
}
