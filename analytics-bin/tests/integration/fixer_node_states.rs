//! The fixer without `livekit_url`: LiveKit's state is what its nodes report over the gRPC
//! `IngestNodeRoomStates` stream. A participant a node no longer reports is closed after
//! two periods; the room and the participant it still reports stay open.

use crate::support;
use crate::support::stream;

use std::time::{Duration, Instant};

use livekit_protocol::{
    participant_info, AnalyticsNodeRooms, AnalyticsRoom, AnalyticsRoomParticipant,
};
use stream::{recorder_client, stream_request};
use support::{
    access_token,
    lifecycle::{open_room, unix_now},
    TestService, API_KEY, API_SECRET,
};
use tokio::sync::mpsc;

const ROOM_SID: &str = "RM_node_states";

/// A node's report: the room, with Alice only.
fn report(sequence_number: u64) -> AnalyticsNodeRooms {
    AnalyticsNodeRooms {
        node_id: "ND_test".into(),
        sequence_number,
        rooms: vec![AnalyticsRoom {
            id: ROOM_SID.into(),
            name: ROOM_SID.to_lowercase(),
            participants: vec![AnalyticsRoomParticipant {
                id: "PA_alice".into(),
                identity: "pa_alice".into(),
                state: participant_info::State::Active as i32,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

async fn synthetic(service: &TestService) -> Vec<(String, String)> {
    let mut db = service.db().await;
    let rows = sqlx::query_as(
        "SELECT type, participant_sid FROM events WHERE json_extract(data, '$.synthetic') = 1",
    )
    .fetch_all(&mut db)
    .await
    .unwrap_or_default();
    let _ = sqlx::Connection::close(db).await;
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_no_node_reports_is_closed_and_the_rest_stays() {
    let service = TestService::start("    fixer_interval: 1s\n").await;
    open_room(
        &service,
        ROOM_SID,
        "EV_ns",
        &["PA_alice", "PA_bob"],
        unix_now(),
    )
    .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM active_entities", 3)
        .await;

    // A node reporting every second, as long as the test runs.
    let (reports, receiver) = mpsc::channel(4);
    let bearer = format!("Bearer {}", access_token(API_KEY, API_SECRET));
    let mut client = recorder_client(service.port).await;
    let request = stream_request(Vec::<AnalyticsNodeRooms>::new(), Some(&bearer));
    let metadata = request.metadata().clone();
    let mut request = tonic::Request::new(tokio_stream::wrappers::ReceiverStream::new(receiver));
    *request.metadata_mut() = metadata;
    let streaming = tokio::spawn(async move { client.ingest_node_room_states(request).await });
    let reporter = tokio::spawn(async move {
        for sequence_number in 1.. {
            if reports.send(report(sequence_number)).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });

    let deadline = Instant::now() + Duration::from_secs(35);
    while synthetic(&service).await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "nothing closed; log:\n{}",
            service.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        synthetic(&service).await,
        vec![("PARTICIPANT_LEFT".to_owned(), "PA_bob".to_owned())],
        "only Bob, whom no node reports"
    );
    let mut db = service.db().await;
    let active: Vec<String> = sqlx::query_scalar("SELECT id FROM active_entities ORDER BY id")
        .fetch_all(&mut db)
        .await
        .expect("active entities");
    assert_eq!(active, ["PA_alice", ROOM_SID], "reported: still active");
    reporter.abort();
    streaming.abort();
}
