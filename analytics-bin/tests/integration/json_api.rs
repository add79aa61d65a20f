//! `POST /v1/events` and `POST /v1/stats`: a whole session in protojson is stored exactly
//! and only once; bad tokens are 401 and store nothing; bad bodies are 400 naming the field,
//! or 413 over the limit.

use crate::support;
use crate::support::stream;

use std::collections::BTreeSet;

use analytics_core::record_id::{event_id, stat_id};
use livekit_protocol::AnalyticsEvent;
use serde_json::Value;
use support::{access_token, hs256_jwt, TestService, API_KEY, API_SECRET};

use stream::{counts_by, events_json, expected_event_counts, post_json, stats_json, test_session};

fn bearer() -> String {
    format!("Bearer {}", access_token(API_KEY, API_SECRET))
}

/// Posts the session in batches of 50 records, as a tool would.
async fn post_session(service: &TestService) {
    let session = test_session();
    let events: Vec<AnalyticsEvent> = session.events().cloned().collect();
    for batch in events.chunks(50) {
        let response = post_json(
            &service.base_url,
            "/v1/events",
            events_json(batch),
            Some(&bearer()),
        )
        .await;
        assert_eq!(response.status(), 200);
        let answer: Value = response.json().await.expect("JSON answer");
        assert_eq!(answer["accepted"].as_u64(), Some(batch.len() as u64));
    }
    let stats: Vec<_> = session.stats().cloned().collect();
    for batch in stats.chunks(50) {
        let response = post_json(
            &service.base_url,
            "/v1/stats",
            stats_json(batch),
            Some(&bearer()),
        )
        .await;
        assert_eq!(response.status(), 200);
    }
}

#[tokio::test]
async fn a_session_posted_as_json_is_stored_exactly_and_once() {
    let service = TestService::start("").await;
    let session = test_session();
    post_session(&service).await;
    post_session(&service).await;
    service
        .wait_for_count(
            "SELECT COUNT(*) FROM events",
            session.events().count() as i64,
        )
        .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", session.stats().count() as i64)
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    service
        .wait_for_count(
            "SELECT COUNT(*) FROM events",
            session.events().count() as i64,
        )
        .await;

    let mut db = service.db().await;
    let stored = counts_by(&mut db, "SELECT type, COUNT(*) FROM events GROUP BY type").await;
    assert_eq!(stored, expected_event_counts(session.events()));
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
    let layered: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM stats WHERE json_array_length(data, '$.streams[0].video_layers') > 0",
    )
    .fetch_one(&mut db)
    .await
    .expect("counted");
    let sent_layered = session
        .stats()
        .filter(|s| !s.streams[0].video_layers.is_empty())
        .count() as i64;
    assert_eq!(layered, sent_layered);
}

#[tokio::test]
async fn hand_written_protojson_is_stored() {
    let service = TestService::start("").await;
    let events = br#"{"events":[
        {"timestamp":"2025-06-01T10:00:00Z","room":{"sid":"RM_demo","name":"demo","creationTime":"1748772000"}},
        {"type":"PARTICIPANT_JOINED","timestamp":"2025-06-01T10:00:05Z","roomId":"RM_demo",
         "room":{"sid":"RM_demo","name":"demo"},"participantId":"PA_alice",
         "participant":{"sid":"PA_alice","identity":"alice","joinedAt":"1748772005"}}]}"#;
    let response = post_json(
        &service.base_url,
        "/v1/events",
        events.to_vec(),
        Some(&bearer()),
    )
    .await;
    assert_eq!(response.status(), 200);
    let stats = br#"{"stats":[{"kind":"DOWNSTREAM","timeStamp":"2025-06-01T10:00:35Z","node":"ND_1",
        "roomId":"RM_demo","roomName":"demo","participantId":"PA_alice","trackId":"TR_cam",
        "score":4.5,"minScore":3.9,"medianScore":4.6,"mime":"video/VP8",
        "streams":[{"ssrc":1234,"primaryPackets":5400,"primaryBytes":"4500000","frames":900,"rtt":40,
          "videoLayers":[{"layer":2,"packets":5400,"bytes":"4500000","frames":900}]}]}]}"#;
    let response = post_json(
        &service.base_url,
        "/v1/stats",
        stats.to_vec(),
        Some(&bearer()),
    )
    .await;
    assert_eq!(response.status(), 200);
    service
        .wait_for_count("SELECT COUNT(*) FROM events WHERE room_sid = 'RM_demo'", 2)
        .await;
    service
        .wait_for_count(
            "SELECT COUNT(*) FROM events WHERE type = 'ROOM_CREATED' AND room_name = 'demo'",
            1,
        )
        .await;
    service
        .wait_for_count(
            "SELECT COUNT(*) FROM stats WHERE kind = 'DOWNSTREAM' AND track_id = 'TR_cam' \
             AND json_extract(data, '$.streams[0].video_layers[0].bytes') = 4500000",
            1,
        )
        .await;
}

#[tokio::test]
async fn bad_tokens_are_401_and_store_nothing() {
    let service = TestService::start("").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let expired = hs256_jwt(
        &serde_json::json!({ "iss": API_KEY, "sub": "x", "nbf": now - 1200, "exp": now - 600 }),
        API_SECRET,
    );
    let unsigned = {
        use base64::Engine;
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            url.encode(br#"{"alg":"none","typ":"JWT"}"#),
            url.encode(
                serde_json::json!({ "iss": API_KEY, "sub": "x", "nbf": now, "exp": now + 300 })
                    .to_string()
            )
        )
    };
    let cases = [
        ("missing", None),
        ("expired", Some(format!("Bearer {expired}"))),
        (
            "unknown key",
            Some(format!("Bearer {}", access_token("otherkey", API_SECRET))),
        ),
        (
            "wrong secret",
            Some(format!(
                "Bearer {}",
                access_token(API_KEY, "another-secret-that-is-long-enough")
            )),
        ),
        ("unsigned", Some(format!("Bearer {unsigned}"))),
    ];
    let session = test_session();
    let events: Vec<AnalyticsEvent> = session.events().take(5).cloned().collect();
    let stats: Vec<_> = session.stats().take(5).cloned().collect();
    for (case, authorization) in cases {
        let response = post_json(
            &service.base_url,
            "/v1/events",
            events_json(&events),
            authorization.as_deref(),
        )
        .await;
        assert_eq!(response.status(), 401, "events, {case}");
        let response = post_json(
            &service.base_url,
            "/v1/stats",
            stats_json(&stats),
            authorization.as_deref(),
        )
        .await;
        assert_eq!(response.status(), 401, "stats, {case}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 0)
        .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", 0)
        .await;
}

#[tokio::test]
async fn bad_bodies_are_400_naming_the_field_or_413_over_the_limit() {
    let service = TestService::start("    max_body_bytes: 4096\n").await;
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "/v1/events",
            br#"{"events":[{"type":"TRACK_MUTED","roomId":5}]}"#,
            "events[0].roomId",
        ),
        (
            "/v1/events",
            br#"{"events":[{"type":"ROOM_ENDED"},{"type":999}]}"#,
            "events[1].type",
        ),
        (
            "/v1/events",
            br#"{"events":[{"type":"NOT_A_TYPE"}]}"#,
            "events[0].type",
        ),
        (
            "/v1/stats",
            br#"{"stats":[{"score":"high"}]}"#,
            "stats[0].score",
        ),
        (
            "/v1/stats",
            br#"{"stats":[{"streams":[{"videoLayers":[{"layer":"x"}]}]}]}"#,
            "stats[0].streams[0].videoLayers[0].layer",
        ),
    ];
    for (path, body, field) in cases {
        let response = post_json(&service.base_url, path, body.to_vec(), Some(&bearer())).await;
        assert_eq!(response.status(), 400, "{field}");
        let answer: Value = response.json().await.expect("JSON answer");
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(
            message.contains(field),
            "the answer names {field}: {message}"
        );
    }
    let response = post_json(
        &service.base_url,
        "/v1/events",
        b"not json".to_vec(),
        Some(&bearer()),
    )
    .await;
    assert_eq!(response.status(), 400);
    let huge = format!(
        r#"{{"events":[{{"type":"ROOM_ENDED","roomId":"{}"}}]}}"#,
        "x".repeat(8192)
    );
    let response = post_json(
        &service.base_url,
        "/v1/events",
        huge.into_bytes(),
        Some(&bearer()),
    )
    .await;
    assert_eq!(response.status(), 413);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 0)
        .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", 0)
        .await;
}
