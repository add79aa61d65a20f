//! Consumers tailing the streams: `XREAD BLOCK` sees records in the order they were
//! written, and a consumer group gets each record once.

use std::time::{Duration, SystemTime};

use analytics_core::{
    testkit::{server_url, session_records},
    Record, RecordKind,
};
use redis::{
    streams::{StreamReadOptions, StreamReadReply},
    AsyncCommands,
};

use crate::harness::{
    batch_of, build_sink, delete_prefix, single_connection, single_settings, unique_prefix,
};

fn event_ids(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.kind == RecordKind::Event)
        .map(|r| r.id.clone())
        .collect()
}

fn ids_in(reply: &StreamReadReply, last: &mut String) -> Vec<String> {
    let mut ids = Vec::new();
    for key in &reply.keys {
        for entry in &key.ids {
            last.clone_from(&entry.id);
            ids.push(entry.get::<String>("id").unwrap_or_default());
        }
    }
    ids
}

#[tokio::test]
async fn tail_consumer_receives_records_in_order() {
    let Some(url) = server_url("LKA_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("tail");
    let stream = format!("{prefix}events");
    let start = SystemTime::now();
    let batches: Vec<Vec<Record>> = (0..10)
        .map(|i| session_records(start + Duration::from_secs(3600 * i)))
        .collect();
    let expected: Vec<String> = batches.iter().flat_map(|batch| event_ids(batch)).collect();

    let consumer_url = url.clone();
    let wanted = expected.len();
    let consumer = tokio::spawn(async move {
        let mut connection = single_connection(&consumer_url).await;
        let options = StreamReadOptions::default().block(2000).count(7);
        let mut last = "0-0".to_owned();
        let mut received = Vec::new();
        while received.len() < wanted {
            let reply: Option<StreamReadReply> = connection
                .xread_options(&[&stream], &[&last], &options)
                .await
                .expect("XREAD answers");
            match reply {
                Some(reply) if !reply.keys.is_empty() => received.extend(ids_in(&reply, &mut last)),
                _ => panic!(
                    "XREAD BLOCK timed out after {} of {wanted} records",
                    received.len()
                ),
            }
        }
        received
    });

    let sink = build_sink(&single_settings(&url, &prefix));
    sink.initialize().await.expect("initialize");
    for batch in &batches {
        sink.send_batch(&batch_of(batch)).await.expect("written");
        sink.send_batch(&batch_of(batch))
            .await
            .expect("re-sent: adds nothing");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let received = tokio::time::timeout(Duration::from_secs(30), consumer)
        .await
        .expect("consumer done in time")
        .expect("consumer did not panic");
    assert_eq!(received, expected, "every event once, in write order");
    delete_prefix(&url, &prefix)
        .await
        .expect("test keys deleted");
}

#[tokio::test]
async fn consumer_group_gets_each_record_once() {
    let Some(url) = server_url("LKA_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("group");
    let stream = format!("{prefix}stats");
    let mut connection = single_connection(&url).await;
    let _: () = connection
        .xgroup_create_mkstream(&stream, "dashboard", "$")
        .await
        .expect("XGROUP CREATE");
    let sink = build_sink(&single_settings(&url, &prefix));
    sink.initialize()
        .await
        .expect("a stream made by XGROUP CREATE MKSTREAM is fine");
    let records = session_records(SystemTime::now());
    sink.send_batch(&batch_of(&records)).await.expect("written");
    sink.send_batch(&batch_of(&records)).await.expect("re-sent");

    let options = StreamReadOptions::default()
        .group("dashboard", "worker-1")
        .count(100);
    let reply: StreamReadReply = connection
        .xread_options(&[&stream], &[">"], &options)
        .await
        .expect("XREADGROUP");
    let mut last = String::new();
    let received = ids_in(&reply, &mut last);
    let expected: Vec<String> = records
        .iter()
        .filter(|r| r.kind == RecordKind::Stat)
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(received, expected);
    let entry_ids: Vec<String> = reply
        .keys
        .iter()
        .flat_map(|k| k.ids.iter().map(|e| e.id.clone()))
        .collect();
    let acked: u64 = connection
        .xack(&stream, "dashboard", &entry_ids)
        .await
        .expect("XACK");
    assert_eq!(acked, expected.len() as u64);
    let again: Option<StreamReadReply> = connection
        .xread_options(&[&stream], &[">"], &options)
        .await
        .expect("XREADGROUP");
    assert!(
        again.is_none_or(|reply| reply.keys.iter().all(|k| k.ids.is_empty())),
        "nothing new"
    );
    delete_prefix(&url, &prefix)
        .await
        .expect("test keys deleted");
}
