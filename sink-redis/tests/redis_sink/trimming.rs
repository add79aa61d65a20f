//! Expiry by age: entries written more than `expiration` before `now` leave the streams,
//! together with their lookup members and markers; newer ones stay.

use std::time::{Duration, SystemTime};

use analytics_core::{
    samples,
    testkit::{server_url, session_records, StoreProbe},
    RecordKind,
};
use redis::AsyncCommands;

use crate::harness::{
    batch_of, build_sink, delete_prefix, ids_of, in_room, single_connection, single_settings,
    unique_prefix, RedisProbe, EXPIRATION,
};

#[tokio::test]
async fn streams_are_trimmed_by_age_with_their_lookups_and_markers() {
    let Some(url) = server_url("LKA_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("trim");
    let sink = build_sink(&single_settings(&url, &prefix));
    sink.initialize().await.expect("initialize");
    let probe = RedisProbe::new(single_connection(&url).await, &prefix);

    let old = session_records(SystemTime::now());
    sink.send_batch(&batch_of(&old)).await.expect("old batch");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let boundary = SystemTime::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let new = session_records(SystemTime::now() + Duration::from_secs(36_000));
    sink.send_batch(&batch_of(&new)).await.expect("new batch");

    assert_eq!(
        sink.expire(SystemTime::now()).await.expect("expiry runs"),
        0,
        "nothing is old yet"
    );
    let removed = sink
        .expire(boundary + EXPIRATION)
        .await
        .expect("expiry runs");
    assert_eq!(
        removed,
        old.len() as u64,
        "every entry written before the boundary goes"
    );

    for kind in [RecordKind::Event, RecordKind::Stat] {
        let stored: std::collections::BTreeSet<String> =
            probe.stored_ids(kind).await.into_iter().collect();
        assert_eq!(
            stored,
            ids_of(&new, kind),
            "{kind:?}: only the newer records stay"
        );
        let in_lookup: std::collections::BTreeSet<String> = probe
            .lookup_ids(kind, samples::ROOM_SID)
            .await
            .into_iter()
            .collect();
        assert_eq!(
            in_lookup,
            in_room(&new, kind),
            "{kind:?}: trimmed records leave the room lookup"
        );
        for record in old.iter().filter(|r| r.kind == kind) {
            assert!(
                !probe.marker_exists(kind, &record.id).await,
                "marker of a trimmed record goes"
            );
        }
        for record in new.iter().filter(|r| r.kind == kind) {
            assert!(
                probe.marker_exists(kind, &record.id).await,
                "marker of a kept record stays"
            );
        }
    }

    // Bob left in both sessions: tombstones go once their expiry passes.
    let mut connection = single_connection(&url).await;
    let tombstones: u64 = connection
        .zcard(probe.layout().closed())
        .await
        .expect("ZCARD");
    assert!(tombstones > 0, "closing an entity leaves a tombstone");
    let removed = sink
        .expire(SystemTime::now() + EXPIRATION + Duration::from_secs(60))
        .await
        .expect("expiry runs");
    assert_eq!(removed, new.len() as u64);
    let tombstones: u64 = connection
        .zcard(probe.layout().closed())
        .await
        .expect("ZCARD");
    assert_eq!(tombstones, 0, "expired tombstones go");
    for kind in [RecordKind::Event, RecordKind::Stat] {
        assert!(probe.stored_ids(kind).await.is_empty());
        assert!(probe.lookup_ids(kind, samples::ROOM_SID).await.is_empty());
    }
    delete_prefix(&url, &prefix)
        .await
        .expect("test keys deleted");
}

#[tokio::test]
async fn trimming_works_in_rounds_on_a_long_stream() {
    let Some(url) = server_url("LKA_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("trim-rounds");
    let sink = build_sink(&single_settings(&url, &prefix));
    sink.initialize().await.expect("initialize");
    let start = SystemTime::now();
    let records: Vec<_> = (0..200)
        .flat_map(|i| session_records(start + Duration::from_secs(3600 * i)))
        .collect();
    for chunk in records.chunks(1000) {
        sink.send_batch(&batch_of(chunk)).await.expect("written");
    }
    let removed = sink
        .expire(SystemTime::now() + EXPIRATION + Duration::from_secs(1))
        .await
        .expect("expiry runs");
    assert_eq!(
        removed,
        records.len() as u64,
        "more than one round of 1000 entries"
    );
    let probe = RedisProbe::new(single_connection(&url).await, &prefix);
    assert!(probe.stored_ids(RecordKind::Event).await.is_empty());
    delete_prefix(&url, &prefix)
        .await
        .expect("test keys deleted");
}
