//! A whole simulated LiveKit session streamed over real gRPC (IngestEvents, IngestStats)
//! from a separate client is stored exactly: counts per type, ids, and stat documents with
//! their streams and video layers; re-sending it stores nothing twice.

use crate::support;
use crate::support::stream;

use std::collections::BTreeSet;

use analytics_core::record_id::{event_id, stat_id};
use livekit_protocol::{AnalyticsEventType, StreamType};
use md5::{Digest, Md5};
use serde_json::Value;
use support::{access_token, TestService, API_KEY, API_SECRET};

use stream::{
    counts_by, expected_event_counts, messages, stream_events, stream_stats, test_session,
};

#[tokio::test]
async fn a_streamed_session_is_stored_exactly() {
    let service = TestService::start("").await;
    let session = test_session();
    let (events, stats) = messages(&session);
    let bearer = format!("Bearer {}", access_token(API_KEY, API_SECRET));
    let (events_result, stats_result) = tokio::join!(
        stream_events(service.port, events, Some(&bearer)),
        stream_stats(service.port, stats, Some(&bearer)),
    );
    events_result.expect("IngestEvents accepted");
    stats_result.expect("IngestStats accepted");

    let event_count = session.events().count() as i64;
    let stat_count = session.stats().count() as i64;
    service
        .wait_for_count("SELECT COUNT(*) FROM events", event_count)
        .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", stat_count)
        .await;

    let mut db = service.db().await;
    let stored = counts_by(&mut db, "SELECT type, COUNT(*) FROM events GROUP BY type").await;
    assert_eq!(stored, expected_event_counts(session.events()));
    let stored_kinds = counts_by(&mut db, "SELECT kind, COUNT(*) FROM stats GROUP BY kind").await;
    let upstream = session
        .stats()
        .filter(|s| s.kind == StreamType::Upstream as i32)
        .count() as i64;
    assert_eq!(stored_kinds.get("UPSTREAM"), Some(&upstream));
    assert_eq!(
        stored_kinds.get("DOWNSTREAM"),
        Some(&(stat_count - upstream))
    );

    let event_ids: BTreeSet<String> = sqlx::query_scalar("SELECT id FROM events")
        .fetch_all(&mut db)
        .await
        .expect("ids")
        .into_iter()
        .collect();
    assert_eq!(event_ids, session.events().map(event_id).collect());
    let stat_ids: BTreeSet<String> = sqlx::query_scalar("SELECT id FROM stats")
        .fetch_all(&mut db)
        .await
        .expect("ids")
        .into_iter()
        .collect();
    assert_eq!(stat_ids, session.stats().map(stat_id).collect());

    // The openvidu id recipe, by hand: ROOM_CREATED is `room.sid:ROOM_CREATED:seconds`.
    let created = session
        .events()
        .find(|e| e.r#type == AnalyticsEventType::RoomCreated as i32)
        .expect("a ROOM_CREATED");
    let key = format!(
        "{}:ROOM_CREATED:{}",
        created
            .room
            .as_ref()
            .map(|r| r.sid.as_str())
            .unwrap_or_default(),
        created.timestamp.map(|t| t.seconds).unwrap_or_default()
    );
    assert!(event_ids.contains(&hex::encode(Md5::digest(key.as_bytes()))));

    // Every stat document keeps its stream, and video its layers, as sent.
    for sent in session.stats() {
        let data: String = sqlx::query_scalar("SELECT data FROM stats WHERE id = ?")
            .bind(stat_id(sent))
            .fetch_one(&mut db)
            .await
            .expect("stat stored");
        let document: Value = serde_json::from_str(&data).expect("JSON document");
        let streams = document["streams"].as_array().expect("streams");
        assert_eq!(streams.len(), sent.streams.len());
        let (stored, sent_stream) = (&streams[0], &sent.streams[0]);
        assert_eq!(stored["ssrc"].as_u64(), Some(u64::from(sent_stream.ssrc)));
        assert_eq!(
            stored["primary_bytes"].as_u64(),
            Some(sent_stream.primary_bytes)
        );
        assert_eq!(
            stored["primary_packets"].as_u64(),
            Some(u64::from(sent_stream.primary_packets))
        );
        let layers = stored["video_layers"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(
            layers,
            sent_stream.video_layers.len(),
            "video layers of {}",
            sent.track_id
        );
        assert_eq!(document["track_id"].as_str(), Some(sent.track_id.as_str()));
        assert_eq!(
            document["participant_id"].as_str(),
            Some(sent.participant_id.as_str())
        );
    }
    let camera_layers: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM stats WHERE kind = 'UPSTREAM' AND mime = 'video/VP8' \
         AND json_array_length(data, '$.streams[0].video_layers') = 3",
    )
    .fetch_one(&mut db)
    .await
    .expect("layers counted");
    assert!(
        camera_layers > 0,
        "simulcast camera stats keep their three layers"
    );
}

#[tokio::test]
async fn a_resent_stream_stores_nothing_twice() {
    let service = TestService::start("").await;
    let session = test_session();
    let bearer = format!("Bearer {}", access_token(API_KEY, API_SECRET));
    for _ in 0..2 {
        let (events, stats) = messages(&session);
        stream_events(service.port, events, Some(&bearer))
            .await
            .expect("events accepted");
        stream_stats(service.port, stats, Some(&bearer))
            .await
            .expect("stats accepted");
    }
    let (_, metrics) = service.get_text("/metrics").await;
    let sent = 2 * session.events().count();
    assert!(
        metrics.contains(&format!(
            r#"livekit_analytics_ingested_total{{source="grpc",kind="event"}} {sent}"#
        )),
        "{metrics}"
    );
    service
        .wait_for_count(
            "SELECT COUNT(*) FROM events",
            session.events().count() as i64,
        )
        .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", session.stats().count() as i64)
        .await;
    // Both copies were queued: give the writer a few intervals to (not) add the second.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    service
        .wait_for_count(
            "SELECT COUNT(*) FROM events",
            session.events().count() as i64,
        )
        .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", session.stats().count() as i64)
        .await;
}
