//! The JetStream topology under faults: two ingest-only and two writer-only instances on a
//! three-node JetStream cluster of the test's own (stream replicated three times), writing
//! every sink: SQLite, PostgreSQL, Redis and MongoDB. Mid-stream one writer is killed with SIGKILL and one NATS
//! node with it; both come back. Every call that was refused is re-sent (as LiveKit does),
//! and in the end every sink holds every record exactly once, and every consumer is drained.

#![cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "redis",
    feature = "mongo",
    feature = "nats"
))]

use std::{
    path::Path,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use crate::{
    fault_support::{
        self,
        service::{config_yaml, FaultService},
        stores::Stores,
        traffic::{send_all, Call, IdSet, StreamClient, Workload},
    },
    nats_support::{
        backlog, buffer_yaml, cluster::NatsCluster, jetstream, nats_urls, unique_stream,
    },
};

const SINKS: [&str; 4] = ["sqlite", "postgres", "redis", "mongo"];
const RECORDS: u64 = 12_000;
const PER_CALL: u64 = 50;
/// The kills come once this many records are acknowledged.
const KILL_AFTER: usize = 4_000;

/// Starts an instance with `role` in its own folder under `dir`.
async fn instance(
    dir: &Path,
    name: &str,
    stores: &Stores,
    role: &str,
    buffer: &str,
) -> FaultService {
    let dir = dir.join(name);
    std::fs::create_dir_all(&dir).expect("instance dir");
    let port = FaultService::port();
    let extra = format!(
        "    interval: 200ms\n    batch_size: 500\n    max_retry_backoff: 1s\n    role: {role}\n{buffer}"
    );
    FaultService::start(&dir, port, &config_yaml(port, stores, &extra)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_nats_writer_and_node_killed_mid_stream_store_every_record_exactly_once() {
    let _turn = fault_support::turn::wait_for_turn().await;
    if nats_urls().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(stores) = Stores::with_sinks("nats_failover", dir.path(), None, &SINKS) else {
        return;
    };
    let mut cluster = NatsCluster::start().await;
    let urls = cluster.urls();
    let stream = unique_stream("failover");
    let buffer = buffer_yaml(
        &urls,
        &stream,
        "replicas: 3, ack_wait: 5s, max_ack_pending: 2000, publish_timeout: 3s",
    );
    let ingest = [
        instance(dir.path(), "ingest-1", &stores, "ingest", &buffer).await,
        instance(dir.path(), "ingest-2", &stores, "ingest", &buffer).await,
    ];
    let mut writers = [
        instance(dir.path(), "writer-1", &stores, "writer", &buffer).await,
        instance(dir.path(), "writer-2", &stores, "writer", &buffer).await,
    ];

    let calls = Workload::new("nats-failover").calls(0, RECORDS, PER_CALL);
    let sent = IdSet::of_calls(calls.iter());
    let halves: Vec<Arc<Vec<Call>>> = calls
        .chunks(calls.len().div_ceil(2))
        .map(|half| Arc::new(half.to_vec()))
        .collect();
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let sending: Vec<_> = halves
        .iter()
        .zip(&ingest)
        .map(|(half, service)| {
            tokio::spawn(send_all(
                StreamClient::new(service.port),
                half.clone(),
                4,
                acknowledged.clone(),
            ))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            Instant::now() < deadline,
            "{KILL_AFTER} records not acknowledged in 60 s; log:\n{}",
            ingest[0].log()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    writers[0].kill9();
    cluster.kill_node(1);
    eprintln!(
        "killed writer 1 and NATS node 1 with {} records acknowledged",
        acknowledged.load(Ordering::SeqCst)
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    cluster.restart_node(1).await;
    writers[0].restart().await;

    // LiveKit re-sends what was refused (503 / RESOURCE_EXHAUSTED) until it is taken.
    let mut refused: Vec<Call> = Vec::new();
    for (task, half) in sending.into_iter().zip(&halves) {
        let outcome = task.await.expect("sender task");
        refused.extend(
            outcome
                .failed_indexes()
                .into_iter()
                .map(|i| half[i].clone()),
        );
    }
    eprintln!("{} calls refused during the faults", refused.len());
    for round in 0..10 {
        if refused.is_empty() {
            break;
        }
        let again = Arc::new(std::mem::take(&mut refused));
        let outcome = send_all(
            StreamClient::new(ingest[round % 2].port),
            again.clone(),
            4,
            Arc::default(),
        )
        .await;
        refused.extend(
            outcome
                .failed_indexes()
                .into_iter()
                .map(|i| again[i].clone()),
        );
        if !refused.is_empty() {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    assert!(refused.is_empty(), "every call is taken in the end");

    stores
        .assert_stored_exactly_once(&sent, &sent, Duration::from_secs(60))
        .await;
    let context = jetstream(&urls).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    for sink in SINKS {
        loop {
            let (_, pending) = backlog(&context, &stream, sink).await;
            if pending == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "consumer of {sink} still has {pending} messages unacknowledged"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    for service in writers.iter_mut() {
        let (status, _) = service.terminate(Duration::from_secs(30)).await;
        assert!(status.success(), "clean exit; log:\n{}", service.log());
    }
    drop(ingest);
    stores.clean_up().await;
}
