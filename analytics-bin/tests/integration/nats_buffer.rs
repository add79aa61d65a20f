//! The NATS JetStream buffer against the shared three-node test cluster
//! (scripts/servers/nats.sh): an ingest-only and a writer-only instance split the work and
//! every acknowledged record is stored once; a writer refuses records; a full stream
//! answers RESOURCE_EXHAUSTED (503); wrong credentials and a stream that cannot be created
//! stop the start with a clear error.

#![cfg(all(feature = "sqlite", feature = "nats"))]

use std::sync::{atomic::AtomicUsize, Arc};

use tonic::Code;

use crate::{
    fault_support::{
        service::{metric, FaultService},
        traffic::{send_all, IdSet, StreamClient, Workload},
    },
    nats_support::{
        buffer_yaml, delete_stream,
        instance::{assert_sqlite_holds_exactly, config, run_until_exit, sqlite_sink},
        nats_urls,
        standalone::StandaloneNats,
        unique_stream,
    },
    support::free_port,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_ingest_and_writer_roles_split_the_work_and_store_every_record_once() {
    let Some(urls) = nats_urls() else {
        return;
    };
    let stream = unique_stream("roles");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("analytics.db");
    let buffer = buffer_yaml(&urls, &stream, "ack_wait: 5s");
    let ingest_dir = dir.path().join("ingest");
    let writer_dir = dir.path().join("writer");
    std::fs::create_dir_all(&ingest_dir).expect("ingest dir");
    std::fs::create_dir_all(&writer_dir).expect("writer dir");
    let (ingest_port, writer_port) = (FaultService::port(), FaultService::port());
    let ingest = FaultService::start(
        &ingest_dir,
        ingest_port,
        &config(
            ingest_port,
            &sqlite_sink(&db),
            &format!("    role: ingest\n{buffer}"),
        ),
    )
    .await;
    let writer = FaultService::start(
        &writer_dir,
        writer_port,
        &config(
            writer_port,
            &sqlite_sink(&db),
            &format!("    role: writer\n{buffer}"),
        ),
    )
    .await;

    let calls = Arc::new(Workload::new("nats-roles").calls(0, 2_000, 50));
    let outcome = send_all(
        StreamClient::new(ingest_port),
        calls.clone(),
        4,
        Arc::default(),
    )
    .await;
    assert!(
        outcome.failed.is_empty(),
        "every call acknowledged: {:?}; log:\n{}",
        outcome.failed.first(),
        ingest.log()
    );
    assert_sqlite_holds_exactly(&db, &IdSet::of_calls(calls.iter())).await;

    // The writer takes no records itself.
    let refused = StreamClient::new(writer_port).send(&calls[0]).await;
    let status = refused.expect_err("a writer-only instance refuses records");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(status.message().contains("only writes"), "{status:?}");
    let ingest_metrics = ingest.metrics().await;
    assert_eq!(
        metric(&ingest_metrics, "livekit_analytics_sink_written_total", &[]),
        0.0,
        "the ingest-only instance wrote nothing itself"
    );
    let writer_metrics = writer.metrics().await;
    assert_eq!(
        metric(
            &writer_metrics,
            "livekit_analytics_sink_written_total",
            &[("sink", "sqlite")]
        ),
        2_000.0,
        "the writer wrote every record"
    );
    drop((ingest, writer));
    delete_stream(&urls, &stream).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_full_stream_answers_resource_exhausted_and_counts_it() {
    let Some(urls) = nats_urls() else {
        return;
    };
    let stream = unique_stream("full");
    let dir = tempfile::tempdir().expect("temp dir");
    let port = FaultService::port();
    // Ingest only: nothing consumes, so the stream fills at 64 KiB.
    let buffer = buffer_yaml(&urls, &stream, "max_bytes: 65536");
    let service = FaultService::start(
        dir.path(),
        port,
        &config(
            port,
            &sqlite_sink(&dir.path().join("analytics.db")),
            &format!("    role: ingest\n{buffer}"),
        ),
    )
    .await;
    let calls = Arc::new(Workload::new("nats-full").calls(0, 2_000, 50));
    let outcome = send_all(
        StreamClient::new(port),
        calls,
        1,
        Arc::new(AtomicUsize::new(0)),
    )
    .await;
    assert!(
        !outcome.acknowledged.is_empty(),
        "the stream took records before it was full"
    );
    let (_, status) = outcome
        .failed
        .first()
        .expect("the full stream refused calls");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(status.message().contains("full"), "{status:?}");
    let metrics = service.metrics().await;
    assert!(
        metric(
            &metrics,
            "livekit_analytics_rejected_total",
            &[("reason", "shared_log_full")]
        ) >= 1.0,
        "counted as shared_log_full"
    );
    drop(service);
    delete_stream(&urls, &stream).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_wrong_credentials_stop_the_start_with_a_clear_error() {
    if nats_urls().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = StandaloneNats::start(dir.path(), &["--user", "lka", "--pass", "right-password"]);
    let urls = format!("nats://127.0.0.1:{}", server.port);
    let port = free_port();
    let sinks = sqlite_sink(&dir.path().join("analytics.db"));
    let wrong = buffer_yaml(&urls, "LKA_CREDS", "user: lka, password: wrong-password");
    let (success, stderr) = run_until_exit(dir.path(), &config(port, &sinks, &wrong));
    assert!(!success, "exit 1 with wrong credentials");
    assert!(
        stderr.contains("refused the credentials"),
        "a clear error: {stderr}"
    );
    assert!(
        !stderr.contains("wrong-password"),
        "the password is not printed: {stderr}"
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_stream_that_cannot_be_created_stops_the_start_with_a_clear_error() {
    let Some(urls) = nats_urls() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let stream = unique_stream("replicas");
    // Five copies on a three-node cluster cannot be placed.
    let buffer = buffer_yaml(&urls, &stream, "replicas: 5");
    let sinks = sqlite_sink(&dir.path().join("analytics.db"));
    let (success, stderr) = run_until_exit(dir.path(), &config(port, &sinks, &buffer));
    assert!(!success, "exit 1 when the stream cannot be created");
    assert!(
        stderr.contains(&format!("cannot create or use stream `{stream}`")),
        "a clear error naming the stream: {stderr}"
    );
}
