//! The server dropping the sink's connections mid-write (`pg_terminate_backend`, as in a
//! restart or failover) loses nothing: the write reports `Unavailable`, the sender's retry
//! succeeds, and every record is stored once.

use std::time::{Duration, SystemTime};

use analytics_core::{testkit::session_records, Sink, SinkError};
use sqlx::Connection;

use super::support::{batch_of, stats, TestSchema};
use crate::PostgresSink;

/// Terminates every backend of `application`; returns how many.
async fn terminate(schema: &TestSchema, application: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(application)
    .fetch_one(&schema.admin)
    .await
    .expect("terminated")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_lose_nothing() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    let application = format!("{}_sink", schema.name);
    let mut config = schema.config();
    let separator = if config.url.contains('?') { '&' } else { '?' };
    config.url = format!("{}{separator}application_name={application}", config.url);
    let sink = PostgresSink::new("postgres", &config).expect("valid settings");
    sink.initialize().await.expect("initialised");
    let now = SystemTime::now();
    let first = session_records(now);
    sink.send_batch(&batch_of(&first)).await.expect("written");

    // Hold the stats table so the next write is in flight when its connections die.
    let mut blocker = sqlx::PgConnection::connect(&schema.url)
        .await
        .expect("connected");
    let mut lock = blocker.begin().await.expect("transaction");
    sqlx::raw_sql(schema.sql("LOCK TABLE {schema}.stats IN ACCESS EXCLUSIVE MODE"))
        .execute(&mut *lock)
        .await
        .expect("locked");
    let second = stats(
        1500,
        now + Duration::from_secs(600),
        now,
        Duration::from_secs(3600),
    );
    let batch = batch_of(&second);
    let in_flight = {
        let batch = batch.clone();
        let sink = std::sync::Arc::new(sink);
        let writer = sink.clone();
        (
            sink,
            tokio::spawn(async move { writer.send_batch(&batch).await }),
        )
    };
    let (sink, handle) = in_flight;
    let mut waiting = 0;
    for _ in 0..100 {
        waiting = sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
        )
        .bind(&application)
        .fetch_one(&schema.admin)
        .await
        .expect("activity read");
        if waiting == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        waiting, 2,
        "both connections write at once and wait on the lock"
    );
    assert_eq!(terminate(&schema, &application).await, 2);
    lock.rollback().await.expect("released");
    match handle.await.expect("task ran") {
        Err(error @ SinkError::Unavailable { .. }) => assert!(error.is_retryable()),
        other => panic!("a dropped connection must be Unavailable, got {other:?}"),
    }

    // As the sender does: retry with a pause until it succeeds.
    let mut attempts = 0;
    loop {
        attempts += 1;
        match sink.send_batch(&batch).await {
            Ok(()) => break,
            Err(SinkError::Unavailable { .. }) if attempts < 10 => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(error) => panic!("retry failed: {error}"),
        }
    }
    // Idle connections dropped between writes: the pool replaces them.
    terminate(&schema, &application).await;
    sink.send_batch(&batch_of(&first))
        .await
        .expect("written on fresh connections");

    let counts: (i64, i64, i64, i64) = sqlx::query_as(schema.sql(
        "SELECT (SELECT count(*) FROM {schema}.events), (SELECT count(DISTINCT id) FROM {schema}.events),
                (SELECT count(*) FROM {schema}.stats), (SELECT count(DISTINCT id) FROM {schema}.stats)",
    ))
    .fetch_one(&schema.admin)
    .await
    .expect("counted");
    let first_events = first
        .iter()
        .filter(|r| r.kind == analytics_core::RecordKind::Event)
        .count() as i64;
    let first_stats = first.len() as i64 - first_events;
    assert_eq!(
        counts,
        (
            first_events,
            first_events,
            first_stats + 1500,
            first_stats + 1500
        ),
        "every record once"
    );
    schema.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_dropped_under_the_running_sink_is_set_up_again() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    let sink = schema.sink();
    sink.initialize().await.expect("initialised");
    let records = session_records(SystemTime::now());
    sink.send_batch(&batch_of(&records)).await.expect("written");
    sqlx::raw_sql(schema.sql("DROP SCHEMA {schema} CASCADE"))
        .execute(&schema.admin)
        .await
        .expect("dropped");
    match sink.send_batch(&batch_of(&records)).await {
        Err(error @ SinkError::Unavailable { .. }) => {
            assert!(error.to_string().contains("set up again"), "{error}")
        }
        other => panic!("a missing table must be retried after set-up, got {other:?}"),
    }
    sink.send_batch(&batch_of(&records))
        .await
        .expect("the retry writes");
    let stored: i64 = sqlx::query_scalar(schema.sql(
        "SELECT (SELECT count(*) FROM {schema}.events) + (SELECT count(*) FROM {schema}.stats)",
    ))
    .fetch_one(&schema.admin)
    .await
    .expect("counted");
    assert_eq!(stored as usize, records.len());
    schema.drop().await;
}
