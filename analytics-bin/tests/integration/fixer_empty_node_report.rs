//! The fixer without `livekit_url` does not close open rooms because a node suddenly
//! reports no room: an empty view from node reports counts as unknown until it has lasted
//! the caution window (three report periods, 90 s by default), even from a server
//! credential. The probe of issue 12: one empty `IngestNodeRoomStates` report closed every
//! open room and participant.

use crate::support;
use crate::support::stream;

use std::time::{Duration, Instant};

use livekit_protocol::AnalyticsNodeRooms;
use stream::{recorder_client, stream_request};
use support::{
    access_token,
    lifecycle::{open_room, unix_now},
    TestService, API_KEY, API_SECRET,
};
use tokio::sync::mpsc;

const ROOM_SID: &str = "RM_empty_report";

fn fixer_runs(metrics: &str, outcome: &str) -> u64 {
    let prefix =
        format!(r#"livekit_analytics_fixer_runs_total{{sink="sqlite",outcome="{outcome}"}}"#);
    metrics
        .lines()
        .find(|line| line.starts_with(&prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_node_report_does_not_close_open_rooms() {
    let service = TestService::start("    fixer_interval: 1s\n").await;
    open_room(
        &service,
        ROOM_SID,
        "EV_empty",
        &["PA_alice", "PA_bob"],
        unix_now(),
    )
    .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM active_entities", 3)
        .await;

    // A node (with a real server credential) reporting no room every second.
    let (reports, receiver) = mpsc::channel(4);
    let bearer = format!("Bearer {}", access_token(API_KEY, API_SECRET));
    let mut client = recorder_client(service.port).await;
    let metadata = stream_request(Vec::<AnalyticsNodeRooms>::new(), Some(&bearer))
        .metadata()
        .clone();
    let mut request = tonic::Request::new(tokio_stream::wrappers::ReceiverStream::new(receiver));
    *request.metadata_mut() = metadata;
    let streaming = tokio::spawn(async move { client.ingest_node_room_states(request).await });
    let reporter = tokio::spawn(async move {
        for sequence_number in 1.. {
            let report = AnalyticsNodeRooms {
                node_id: "ND_empty".into(),
                sequence_number,
                ..Default::default()
            };
            if reports.send(report).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });

    // Two fixer runs: a close built by the first would be written by the second.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let (_, metrics) = service.get_text("/metrics").await;
        if fixer_runs(&metrics, "livekit_unknown") >= 2 {
            assert_eq!(fixer_runs(&metrics, "ran"), 0, "{metrics}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the fixer did not run twice; log:\n{}",
            service.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(!streaming.is_finished(), "the node's stream is still open");

    let mut db = service.db().await;
    let synthetic: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE json_extract(data, '$.synthetic') = 1",
    )
    .fetch_one(&mut db)
    .await
    .expect("events read");
    assert_eq!(synthetic, 0, "nothing closed; log:\n{}", service.log());
    let active: Vec<String> = sqlx::query_scalar("SELECT id FROM active_entities ORDER BY id")
        .fetch_all(&mut db)
        .await
        .expect("active entities");
    assert_eq!(active, ["PA_alice", "PA_bob", ROOM_SID]);
    assert!(
        service
            .log()
            .contains("an empty view from node reports is trusted once it lasts 90s"),
        "the log says why; log:\n{}",
        service.log()
    );
    reporter.abort();
    streaming.abort();
}
