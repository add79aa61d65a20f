//! Records Redis itself refuses inside the append script (a stream key holding another
//! type): the script names exactly those records, they fail without retry, and the rest
//! of the batch is stored.

use std::collections::BTreeSet;

use analytics_core::{
    testkit::{server_url, StoreProbe},
    RecordKind, SinkError,
};

use crate::harness::{
    batch_of, build_sink, delete_prefix, ids_of, sessions, single_connection, single_settings,
    unique_prefix, RedisProbe,
};

#[tokio::test]
async fn records_refused_by_redis_fail_alone_and_the_rest_is_stored() {
    let Some(url) = server_url("LKA_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("refused");
    let sink = build_sink(&single_settings(&url, &prefix));
    sink.initialize().await.expect("initialize");
    let mut connection = single_connection(&url).await;
    let probe = RedisProbe::new(single_connection(&url).await, &prefix);
    let events_stream = probe.layout().stream(RecordKind::Event);
    redis::cmd("SET")
        .arg(&events_stream)
        .arg("not a stream")
        .query_async::<()>(&mut connection)
        .await
        .expect("the events key taken by a string");
    let records = sessions(1);
    let Err(SinkError::Records(failures)) = sink.send_batch(&batch_of(&records)).await else {
        panic!("the events must be refused");
    };
    let refused: BTreeSet<usize> = failures.iter().map(|failure| failure.index).collect();
    let events: BTreeSet<usize> = (0..records.len())
        .filter(|&i| records[i].kind == RecordKind::Event)
        .collect();
    assert_eq!(refused, events, "exactly the events are refused");
    for failure in &failures {
        assert!(!failure.retryable, "{failure:?}");
        assert!(failure.reason.starts_with("WRONGTYPE"), "{failure:?}");
    }
    let stored: BTreeSet<String> = probe
        .stored_ids(RecordKind::Stat)
        .await
        .into_iter()
        .collect();
    assert_eq!(
        stored,
        ids_of(&records, RecordKind::Stat),
        "the stats are stored"
    );
    delete_prefix(&url, &prefix)
        .await
        .expect("test keys deleted");
}
