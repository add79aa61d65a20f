//! Batch writes beyond the compliance suite: large batches split across connections,
//! refused records isolated in any part, NUL characters stored rather than refused.

use std::time::{Duration, SystemTime};

use analytics_core::{
    livekit_protocol::AnalyticsEventType as T,
    record::Record,
    samples,
    testkit::{session_records, StoreProbe},
    RecordKind, Sink, SinkError,
};

use super::support::{batch_of, stats, TestSchema};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_batch_with_refused_records_stores_every_other_record_once() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    let (sink, probe) = (schema.sink(), schema.probe());
    sink.initialize().await.expect("initialised");
    let now = SystemTime::now();
    let mut records = session_records(now);
    records.extend(stats(1990, now, now, Duration::from_secs(3600)));
    // One refused event (first part) and two refused stats (the first and the last part).
    let bad = [1, 20, records.len() - 1];
    for index in bad {
        records[index].document_json = "not json".into();
    }
    match sink.send_batch(&batch_of(&records)).await {
        Err(SinkError::Records(failures)) => {
            let indexes: Vec<usize> = failures.iter().map(|f| f.index).collect();
            assert_eq!(indexes, bad, "exactly the refused records, in order");
            assert!(failures.iter().all(|f| !f.retryable));
            assert!(
                failures[0].reason.contains("json"),
                "{}",
                failures[0].reason
            );
        }
        other => panic!("refused records must be reported, got {other:?}"),
    }
    let good: Vec<&Record> = records
        .iter()
        .enumerate()
        .filter(|(index, _)| !bad.contains(index))
        .map(|(_, record)| record)
        .collect();
    for kind in [RecordKind::Event, RecordKind::Stat] {
        let mut stored = probe.stored_ids(kind).await;
        stored.sort();
        let mut expected: Vec<String> = good
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.id.clone())
            .collect();
        expected.sort();
        assert_eq!(stored, expected, "{kind:?}");
    }
    // Re-sent without the bad records: nothing new, nothing doubled.
    let resent: Vec<Record> = good.into_iter().cloned().collect();
    sink.send_batch(&batch_of(&resent)).await.expect("re-sent");
    let total: i64 = sqlx::query_scalar(schema.sql(
        "SELECT (SELECT count(*) FROM {schema}.events) + (SELECT count(*) FROM {schema}.stats)",
    ))
    .fetch_one(&schema.admin)
    .await
    .expect("counted");
    assert_eq!(total as usize, resent.len());
    schema.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_characters_are_stored_as_replacement_characters() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    let (sink, probe) = (schema.sink(), schema.probe());
    sink.initialize().await.expect("initialised");
    let mut event = samples::participant_event(
        T::ParticipantJoined,
        samples::ALICE_SID,
        "al\0ice",
        SystemTime::now(),
    );
    if let Some(participant) = event.participant.as_mut() {
        participant.metadata = "{\"note\":\"nul \u{0} inside\"}".into();
    }
    let record =
        Record::from_event(event, Duration::from_secs(3600), SystemTime::now()).expect("converts");
    assert!(
        record.document_json.contains("\\u0000"),
        "{}",
        record.document_json
    );
    sink.send_batch(&batch_of(std::slice::from_ref(&record)))
        .await
        .expect("stored, not refused");
    let document = probe
        .stored_document(RecordKind::Event, &record.id)
        .await
        .expect("stored");
    assert_eq!(document["participant"]["identity"], "al\u{FFFD}ice");
    let identity: String =
        sqlx::query_scalar(schema.sql("SELECT participant_identity FROM {schema}.events"))
            .fetch_one(&schema.admin)
            .await
            .expect("read");
    assert_eq!(identity, "al\u{FFFD}ice");
    schema.drop().await;
}

/// Records per second through `send_batch`, 1 000 stats per batch as the sender sends them,
/// with one and with two connections. Run with `--run-ignored only`; prints the rates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: run by hand"]
async fn bulk_write_rate() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    let total = 100_000;
    for pool_size in [1, 2] {
        let mut config = schema.config();
        config.schema = format!("{}_{pool_size}", schema.name);
        config.pool_size = pool_size;
        let sink = crate::PostgresSink::new("postgres", &config).expect("valid settings");
        sink.initialize().await.expect("initialised");
        let now = SystemTime::now();
        let records = stats(total, now, now, Duration::from_secs(3600));
        let batches: Vec<_> = records.chunks(1000).map(batch_of).collect();
        let started = std::time::Instant::now();
        for batch in &batches {
            sink.send_batch(batch).await.expect("written");
        }
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "pool_size {pool_size}: {total} stats in {seconds:.2} s = {:.0} records/s",
            total as f64 / seconds
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA \"{}\" CASCADE",
            config.schema
        )))
        .execute(&schema.admin)
        .await
        .expect("dropped");
    }
    schema.drop().await;
}
