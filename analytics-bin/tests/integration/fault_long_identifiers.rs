//! Identifiers of 100 KB (room sid, participant sid and identity, track id) sent to the real
//! binary over gRPC, with SQLite, PostgreSQL, Redis and MongoDB configured at once: every
//! acknowledged record is stored exactly once in every sink (PostgreSQL once dropped them:
//! its B-tree indexes refuse rows over 8 KB).

#![cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "redis",
    feature = "mongo"
))]

use crate::fault_support;

use std::time::Duration;

use fault_support::{
    service::{config_yaml, FaultService},
    stores::Stores,
    traffic::{Call, IdSet, StreamClient, Workload},
};

/// The length of every long identifier.
const LONG: usize = 100 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_with_100_kb_identifiers_are_stored_by_every_sink() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(stores) = Stores::new("long_ids", dir.path(), None) else {
        return;
    };
    let port = FaultService::port();
    let extra = "    interval: 200ms\n    max_body_bytes: 4194304\n";
    let mut service =
        FaultService::start(dir.path(), port, &config_yaml(port, &stores, extra)).await;

    let workload = Workload::new("long_ids");
    let long = |prefix: &str, n: u64| format!("{prefix}{n}_{}", "x".repeat(LONG));
    let events = (0..4)
        .map(|n| {
            let mut event = workload.event(n);
            let room_sid = long("RM_", n);
            event.room_id = room_sid.clone();
            if let Some(room) = event.room.as_mut() {
                room.sid = room_sid;
            }
            event.participant_id = long("PA_", n);
            event.participant = Some(livekit_protocol::ParticipantInfo {
                sid: event.participant_id.clone(),
                identity: long("identity-", n),
                ..Default::default()
            });
            event.track_id = long("TR_", n);
            event
        })
        .collect();
    let stats = (0..4)
        .map(|n| {
            let mut stat = workload.stat(n);
            stat.room_id = long("RM_", n);
            stat.participant_id = long("PA_", n);
            stat.track_id = long("TR_", n);
            stat
        })
        .collect();
    let calls = [Call::Events(events), Call::Stats(stats)];
    let client = StreamClient::new(port);
    for call in &calls {
        client
            .send(call)
            .await
            .unwrap_or_else(|status| panic!("a call with long identifiers was refused: {status}"));
    }

    let sent = IdSet::of_calls(&calls);
    stores
        .assert_stored_exactly_once(&sent, &sent, Duration::from_secs(60))
        .await;
    let log = service.log();
    assert!(
        !log.contains("index row requires"),
        "a sink refused a long identifier:\n{log}"
    );
    let (status, _) = service.terminate(Duration::from_secs(30)).await;
    assert!(status.success());
    stores.clean_up().await;
}
