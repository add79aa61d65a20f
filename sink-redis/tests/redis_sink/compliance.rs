//! The shared compliance suite on a plain Redis, and what a session leaves in the Redis
//! layout beyond it: lookups in time order, TTLs, nothing added by a re-sent batch.

use std::{collections::BTreeSet, time::Duration};

use analytics_core::{
    samples,
    testkit::{run_sink_compliance, server_url, StoreProbe},
    LivekitConfig, RecordKind, RedisConfig, SinkContext,
};
use sink_redis::build_redis_sink;

use crate::harness::{
    batch_of, build_sink, delete_prefix, ids_of, sessions, single_connection, single_settings,
    unique_prefix, RedisProbe, EXPIRATION,
};
use crate::targets::single_targets;

#[tokio::test]
async fn compliance_suite_passes_on_redis() {
    let Some(url) = server_url("LKA_TEST_REDIS_URL") else {
        return;
    };
    let run_prefix = unique_prefix("compliance");
    run_sink_compliance(single_targets(&url, &run_prefix)).await;
    delete_prefix(&url, &run_prefix)
        .await
        .expect("test keys deleted");
}

#[tokio::test]
async fn session_lands_in_streams_and_lookups_and_resending_adds_nothing() {
    let Some(url) = server_url("LKA_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("session");
    let sink = build_sink(&single_settings(&url, &prefix));
    sink.initialize().await.expect("initialize");
    let probe = RedisProbe::new(single_connection(&url).await, &prefix);
    let records = sessions(2);
    let batch = batch_of(&records);
    sink.send_batch(&batch).await.expect("first write");
    sink.send_batch(&batch).await.expect("re-sent batch");

    for kind in [RecordKind::Event, RecordKind::Stat] {
        let entries = probe.entries(kind).await;
        let expected: Vec<&analytics_core::Record> =
            records.iter().filter(|r| r.kind == kind).collect();
        assert_eq!(
            entries.len(),
            expected.len(),
            "{kind:?}: one entry per record, none twice"
        );
        for ((_, id, type_name, room_sid), record) in entries.iter().zip(&expected) {
            assert_eq!(id, &record.id, "{kind:?} entries in batch order");
            assert_eq!(type_name, &record.type_name);
            assert_eq!(room_sid, &record.room_sid);
        }
        let mut by_time: Vec<&&analytics_core::Record> = expected
            .iter()
            .filter(|r| r.room_sid == samples::ROOM_SID)
            .collect();
        by_time.sort_by_key(|r| (r.timestamp_ms, r.id.clone()));
        let want: Vec<String> = by_time.iter().map(|r| r.id.clone()).collect();
        assert_eq!(
            probe.lookup_ids(kind, samples::ROOM_SID).await,
            want,
            "{kind:?} lookup in time order"
        );
        let lookup_ttl = probe
            .pttl(&probe.layout().room_lookup(kind, samples::ROOM_SID))
            .await;
        assert!(
            lookup_ttl > 0 && lookup_ttl <= EXPIRATION.as_millis() as i64,
            "lookup TTL {lookup_ttl}"
        );
        let marker_ttl = probe
            .pttl(&probe.layout().seen_marker(kind, &expected[0].id))
            .await;
        assert!(
            marker_ttl > 0 && marker_ttl <= EXPIRATION.as_millis() as i64,
            "marker TTL {marker_ttl}"
        );
    }
    let active_ttl = probe.pttl(&probe.layout().active()).await;
    assert!(active_ttl > 0, "active entities expire: {active_ttl}");
    let stored: BTreeSet<String> = probe
        .stored_ids(RecordKind::Event)
        .await
        .into_iter()
        .collect();
    assert_eq!(stored, ids_of(&records, RecordKind::Event));
    delete_prefix(&url, &prefix)
        .await
        .expect("test keys deleted");
}

#[tokio::test]
async fn without_an_address_livekit_redis_section_is_used() {
    let Some(url) = server_url("LKA_TEST_REDIS_URL") else {
        return;
    };
    let address = url
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned();
    let prefix = unique_prefix("livekit-section");
    let settings: serde_norway::Mapping =
        serde_norway::from_str(&format!("{{prefix: '{prefix}'}}")).expect("YAML");
    let livekit = LivekitConfig {
        redis: Some(RedisConfig {
            address,
            ..RedisConfig::default()
        }),
        ..LivekitConfig::default()
    };
    let context = SinkContext::new("redis", settings, Duration::from_secs(60))
        .with_livekit(std::sync::Arc::new(livekit));
    let sink = build_redis_sink(&context).expect("builds");
    sink.initialize()
        .await
        .expect("connects to LiveKit's Redis");
    let records = sessions(1);
    sink.send_batch(&batch_of(&records)).await.expect("written");
    let probe = RedisProbe::new(single_connection(&url).await, &prefix);
    assert_eq!(probe.stored_ids(RecordKind::Stat).await.len(), 4);
    delete_prefix(&url, &prefix)
        .await
        .expect("test keys deleted");
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_not_fatal() {
    let sink = build_sink(&single_settings(
        "redis://127.0.0.1:1",
        &unique_prefix("down"),
    ));
    let error = sink
        .initialize()
        .await
        .expect_err("nothing listens on port 1");
    assert!(error.is_retryable(), "{error}");
    let error = sink
        .send_batch(&batch_of(&sessions(1)))
        .await
        .expect_err("not initialised");
    assert!(error.is_retryable(), "{error}");
}
