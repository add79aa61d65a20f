//! A Redis restart in the middle of a run: the sink reports the lost server as
//! unavailable, the caller retries the batch as the core sender does, and after the
//! restart every record is stored exactly once.

use std::{
    collections::BTreeSet,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, SystemTime},
};

use analytics_core::{
    samples,
    testkit::{server_url, session_records, StoreProbe},
    Record, RecordKind, SinkError,
};

use crate::{
    harness::{
        batch_of, build_sink, ids_of, in_room, single_connection, single_settings, unique_prefix,
        RedisProbe,
    },
    throwaway_server::ThrowawayRedis,
};

const BATCHES: usize = 40;

#[tokio::test]
async fn redis_restart_mid_run_loses_nothing() {
    // The throwaway server needs redis-server, which the test script installs with the
    // shared one.
    if server_url("LKA_TEST_REDIS_URL").is_none() {
        return;
    }
    let mut server = ThrowawayRedis::start();
    let url = server.url();
    let prefix = unique_prefix("restart");
    let sink = build_sink(&single_settings(&url, &prefix));
    sink.initialize().await.expect("initialize");
    let start = SystemTime::now();
    let batches: Vec<Vec<Record>> = (0..BATCHES)
        .map(|i| {
            (0..3)
                .flat_map(|j| {
                    session_records(start + Duration::from_secs(3600 * (3 * i + j) as u64))
                })
                .collect()
        })
        .collect();
    let all: Vec<Record> = batches.iter().flatten().cloned().collect();

    let written = Arc::new(AtomicUsize::new(0));
    let retries = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (sink, written, retries) = (sink.clone(), written.clone(), retries.clone());
        tokio::spawn(async move {
            for batch in batches {
                let batch = batch_of(&batch);
                let mut attempt = 0u32;
                loop {
                    match sink.send_batch(&batch).await {
                        Ok(()) => break,
                        Err(error @ SinkError::Unavailable { .. }) => {
                            attempt += 1;
                            retries.fetch_add(1, Ordering::Relaxed);
                            assert!(
                                attempt < 200,
                                "still unavailable after {attempt} tries: {error}"
                            );
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Err(error) => panic!("only unavailability is expected, got {error}"),
                    }
                }
                written.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    while written.load(Ordering::Relaxed) < BATCHES / 4 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.restart();
    tokio::time::timeout(Duration::from_secs(60), writer)
        .await
        .expect("the writer finishes after the restart")
        .expect("the writer did not panic");

    assert!(
        retries.load(Ordering::Relaxed) > 0,
        "the outage was seen and retried"
    );
    let probe = RedisProbe::new(single_connection(&url).await, &prefix);
    for kind in [RecordKind::Event, RecordKind::Stat] {
        let ids = probe.stored_ids(kind).await;
        let unique: BTreeSet<String> = ids.iter().cloned().collect();
        assert_eq!(ids.len(), unique.len(), "{kind:?}: nothing stored twice");
        let expected = ids_of(&all, kind);
        assert!(
            unique == expected,
            "{kind:?}: nothing lost ({} stored, {} written)",
            unique.len(),
            expected.len()
        );
        let in_lookup: BTreeSet<String> = probe
            .lookup_ids(kind, samples::ROOM_SID)
            .await
            .into_iter()
            .collect();
        assert!(
            in_lookup == in_room(&all, kind),
            "{kind:?}: lookups complete"
        );
    }
}
