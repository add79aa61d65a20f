//! A sink's database (a PostgreSQL of the test's own) stopped for 60 s under a steady
//! 400 records/s, with two instances sharing a JetStream stream (role `all`) and every sink
//! configured: no call is refused, the stream holds PostgreSQL's backlog (its consumer's
//! pending count grows) while SQLite, Redis and MongoDB keep writing, and once the database
//! is back every record is stored in every sink exactly once. (The rate is one MongoDB's
//! stand-in, SecantusDB's Python build, keeps up with beside everything else on two cores.)

#![cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "redis",
    feature = "mongo",
    feature = "nats"
))]

use std::{sync::Arc, time::Duration};

use tokio_util::sync::CancellationToken;

use crate::{
    fault_support::{
        self,
        service::{config_yaml, metric, FaultService},
        stores::Stores,
        throwaway_postgres::ThrowawayPostgres,
        traffic::{send_paced, IdSet, StreamClient, Workload},
    },
    nats_support::{backlog, buffer_yaml, delete_stream, jetstream, nats_urls, unique_stream},
};

const SINKS: [&str; 4] = ["sqlite", "postgres", "redis", "mongo"];
const OTHER_SINKS: [&str; 3] = ["sqlite", "redis", "mongo"];
/// 20 records every 50 ms: 400 records/s.
const PER_CALL: u64 = 20;
const EVERY: Duration = Duration::from_millis(50);
const WARM_UP: Duration = Duration::from_secs(5);
const OUTAGE: Duration = Duration::from_secs(60);
const AFTER: Duration = Duration::from_secs(5);
/// The other sinks must write something in every window this long (seconds).
const STALL_WINDOW: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_nats_database_down_stream_holds_the_backlog_and_other_sinks_go_on() {
    let _turn = fault_support::turn::wait_for_turn().await;
    let Some(urls) = nats_urls() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(postgres) = ThrowawayPostgres::start() else {
        return;
    };
    let Some(stores) = Stores::with_sinks("nats_outage", dir.path(), Some(postgres.url()), &SINKS)
    else {
        return;
    };
    let stream = unique_stream("outage");
    let buffer = buffer_yaml(&urls, &stream, "replicas: 3, ack_wait: 5s");
    let mut services = Vec::new();
    for name in ["a", "b"] {
        let dir = dir.path().join(name);
        std::fs::create_dir_all(&dir).expect("instance dir");
        let port = FaultService::port();
        let extra = format!(
            "    interval: 200ms\n    batch_size: 500\n    max_retry_backoff: 2s\n    shutdown_timeout: 20s\n{buffer}"
        );
        services.push(FaultService::start(&dir, port, &config_yaml(port, &stores, &extra)).await);
    }

    let total_calls = (WARM_UP + OUTAGE + AFTER).as_millis() as u64 / EVERY.as_millis() as u64;
    let calls = Arc::new(Workload::new("nats-outage").calls(0, total_calls * PER_CALL, PER_CALL));
    let stop = CancellationToken::new();
    let sending = tokio::spawn(send_paced(
        StreamClient::new(services[0].port),
        calls.clone(),
        EVERY,
        stop.clone(),
    ));
    tokio::time::sleep(WARM_UP).await;
    postgres.stop();
    let mut written: Vec<Vec<f64>> = Vec::new();
    for _ in 0..OUTAGE.as_secs() {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let mut row = vec![0.0; OTHER_SINKS.len()];
        for service in &services {
            let metrics = service.metrics().await;
            for (position, sink) in OTHER_SINKS.iter().enumerate() {
                row[position] += metric(
                    &metrics,
                    "livekit_analytics_sink_written_total",
                    &[("sink", sink)],
                );
            }
        }
        written.push(row);
    }
    let context = jetstream(&urls).await;
    let (held, postgres_backlog) = backlog(&context, &stream, "postgres").await;
    let (_, sqlite_backlog) = backlog(&context, &stream, "sqlite").await;
    postgres.start_again();
    tokio::time::sleep(AFTER).await;
    let outcome = sending.await.expect("sender task");
    stop.cancel();

    let started = outcome.acknowledged.len() + outcome.failed.len();
    let sent = IdSet::of_calls(calls.iter().take(started));
    assert!(
        outcome.failed.is_empty(),
        "no call refused during the outage: {:?}",
        outcome.failed.first()
    );
    eprintln!(
        "outage: stream held {held} messages, PostgreSQL's consumer {postgres_backlog} unacknowledged, SQLite's {sqlite_backlog}"
    );
    let sent_during_outage = OUTAGE.as_millis() as u64 / EVERY.as_millis() as u64 * PER_CALL;
    assert!(
        postgres_backlog >= sent_during_outage * 8 / 10,
        "the stream holds PostgreSQL's backlog: {postgres_backlog} of the {sent_during_outage} records sent during the outage"
    );
    assert!(
        sqlite_backlog < sent_during_outage / 5,
        "SQLite kept up meanwhile: {sqlite_backlog} unacknowledged"
    );
    fault_support::progress::assert_no_stall(&OTHER_SINKS, &written, STALL_WINDOW);
    stores
        .assert_stored_exactly_once(&sent, &sent, Duration::from_secs(60))
        .await;
    for service in services.iter_mut() {
        let (status, _) = service.terminate(Duration::from_secs(30)).await;
        assert!(status.success(), "log:\n{}", service.log());
    }
    delete_stream(&urls, &stream).await;
    stores.clean_up().await;
}
