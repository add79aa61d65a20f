//! A full disk under the disk buffer (a 5 MB tmpfs of the test's own as `buffer.dir`) under
//! steady gRPC load: requests are refused while it is full, with RESOURCE_EXHAUSTED saying
//! the disk is full (reason `disk_full`), and store nothing; once space is freed ingest
//! resumes; every acknowledged record is stored exactly once in SQLite and PostgreSQL;
//! /healthz answers throughout; SIGTERM exits in time.

#![cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "redis",
    feature = "mongo"
))]

use crate::fault_support;

use crate::fault_support::sql_sinks;
use crate::fault_support::tmpfs;

use std::{
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use fault_support::{
    service::{metric, FaultService},
    traffic::{send_paced, IdSet, StreamClient, Workload},
};
use sql_sinks::{SqlSinks, SQL_SINKS};
use tmpfs::Tmpfs;
use tokio_util::sync::CancellationToken;
use tonic::Code;

/// 100 records every 66 ms: about 1 500 records/s.
const PER_CALL: u64 = 100;
const EVERY: Duration = Duration::from_millis(66);
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);
/// What the filler file takes of the 5 MB: the log fills the rest in a few seconds.
const FILLER_BYTES: usize = 3 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_with_disk_full_stores_nothing_refused_and_loses_nothing_acknowledged()
{
    let _turn = fault_support::turn::wait_for_turn().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(sinks) = SqlSinks::new("disk_full", dir.path(), None) else {
        return;
    };
    let Some(disk) = Tmpfs::mount("5m") else {
        return;
    };
    disk.write_filler("filler", FILLER_BYTES);
    let port = FaultService::port();
    let extra = format!(
        "    interval: 200ms\n    batch_size: 500\n    shutdown_timeout: {}s\n    buffer: {{ dir: '{}', max_records: 1000000, max_bytes: 1073741824, when_full: block }}\n",
        SHUTDOWN_TIMEOUT.as_secs(),
        disk.path().join("buffer").display()
    );
    let config = sinks.config_yaml(port, &SQL_SINKS, sinks.postgres_url(), &extra);
    let mut service = FaultService::start(dir.path(), port, &config).await;

    let health = HealthProbe::start(port);
    let calls = Arc::new(Workload::new("diskfull").calls(0, 100_000, PER_CALL));
    let stop = CancellationToken::new();
    let sending = tokio::spawn(send_paced(
        StreamClient::new(port),
        calls.clone(),
        EVERY,
        stop.clone(),
    ));

    // The disk fills: requests are refused as disk_full.
    wait_for(&service, Duration::from_secs(30), |metrics| {
        rejected(metrics, "disk_full") > 0.0
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ingested_while_full = ingested(&service.metrics().await);

    // Space comes back: ingest resumes.
    std::fs::remove_file(disk.path().join("filler")).expect("filler removed");
    wait_for(&service, Duration::from_secs(20), |metrics| {
        ingested(metrics) >= ingested_while_full + 1_000.0
    })
    .await;
    stop.cancel();
    let outcome = sending.await.expect("sender task");
    let metrics = service.metrics().await;

    let disk_full_refusals: Vec<&tonic::Status> = outcome
        .failed
        .iter()
        .map(|(_, status)| status)
        .filter(|status| status.code() == Code::ResourceExhausted)
        .collect();
    eprintln!(
        "{} calls acknowledged, {} refused as disk full, {} failed otherwise",
        outcome.acknowledged.len(),
        disk_full_refusals.len(),
        outcome.failed.len() - disk_full_refusals.len()
    );
    assert!(!disk_full_refusals.is_empty(), "the disk filled up");
    for status in &disk_full_refusals {
        assert!(
            status.message().contains("disk") && status.message().contains("is full"),
            "a refusal says the disk is full: {status:?}"
        );
    }
    assert!(
        rejected(&metrics, "disk_full") as usize >= disk_full_refusals.len(),
        "each refusal counted as disk_full"
    );
    assert_eq!(
        rejected(&metrics, "queue_full"),
        0.0,
        "not reported as a full queue"
    );

    let acknowledged = outcome.acknowledged_ids(&calls);
    // A call that failed otherwise (a timeout) may or may not have been kept; a refused
    // one must have stored nothing.
    let allowed = IdSet::of_calls(
        outcome.acknowledged.iter().map(|&i| &calls[i]).chain(
            outcome
                .failed
                .iter()
                .filter(|(_, status)| status.code() != Code::ResourceExhausted)
                .map(|(i, _)| &calls[*i]),
        ),
    );
    sinks
        .assert_stored_exactly_once(&SQL_SINKS, &acknowledged, &allowed, Duration::from_secs(30))
        .await;

    let (failures, slowest) = health.stop().await;
    let (status, took) = service
        .terminate(SHUTDOWN_TIMEOUT + Duration::from_secs(5))
        .await;
    eprintln!("SIGTERM: exit {status} after {took:?}");
    assert!(status.success(), "exit 0; log:\n{}", service.log());
    assert_eq!(
        failures, 0,
        "/healthz answered throughout; slowest {slowest:?}"
    );
    assert!(
        slowest < Duration::from_secs(1),
        "/healthz answered promptly: slowest {slowest:?}"
    );
    sinks.clean_up().await;
}

fn rejected(metrics: &str, reason: &str) -> f64 {
    metric(
        metrics,
        "livekit_analytics_rejected_total",
        &[("source", "grpc"), ("reason", reason)],
    )
}

fn ingested(metrics: &str) -> f64 {
    metric(
        metrics,
        "livekit_analytics_ingested_total",
        &[("source", "grpc")],
    )
}

/// Polls `/metrics` until `done` holds; panics after `limit`.
async fn wait_for(service: &FaultService, limit: Duration, done: impl Fn(&str) -> bool) {
    let started = Instant::now();
    loop {
        let metrics = service.metrics().await;
        if done(&metrics) {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "not reached in {limit:?}; metrics:\n{metrics}\nlog:\n{}",
            service.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Asks `/healthz` every 100 ms until stopped (until the service exits, which is not a
/// failure), counting failed answers and the slowest one.
struct HealthProbe {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    failures: Arc<AtomicUsize>,
    slowest_ms: Arc<AtomicU64>,
}

impl HealthProbe {
    fn start(port: u16) -> HealthProbe {
        let stop = CancellationToken::new();
        let failures = Arc::new(AtomicUsize::new(0));
        let slowest_ms = Arc::new(AtomicU64::new(0));
        let (stop_rx, failures_tx, slowest_tx) =
            (stop.clone(), failures.clone(), slowest_ms.clone());
        let task = tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("client");
            let url = format!("http://127.0.0.1:{port}/healthz");
            while !stop_rx.is_cancelled() {
                let asked = Instant::now();
                let answered = http
                    .get(&url)
                    .send()
                    .await
                    .is_ok_and(|response| response.status().is_success());
                if stop_rx.is_cancelled() {
                    return;
                }
                if !answered {
                    failures_tx.fetch_add(1, Ordering::SeqCst);
                }
                slowest_tx.fetch_max(asked.elapsed().as_millis() as u64, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        HealthProbe {
            stop,
            task,
            failures,
            slowest_ms,
        }
    }

    /// Failed answers and the slowest answer.
    async fn stop(self) -> (usize, Duration) {
        self.stop.cancel();
        let _ = self.task.await;
        (
            self.failures.load(Ordering::SeqCst),
            Duration::from_millis(self.slowest_ms.load(Ordering::SeqCst)),
        )
    }
}
