//! Ingest authorisation by grant, against the real binary over real gRPC and HTTP: server
//! analytics and node states need `video.roomAdmin` for every room. A participant's token,
//! a webhook's signature, a room-restricted admin token and a token without grants, all
//! correctly signed with the configured key, are refused on every ingest path (403 /
//! PERMISSION_DENIED, reason `missing_grant`) and store nothing; a gRPC stream whose token
//! expires is ended with UNAUTHENTICATED and nothing sent after is stored.

use crate::support;
use crate::support::stream;

use std::time::{Duration, Instant};

use livekit_protocol::{
    AnalyticsEvent, AnalyticsEventType, AnalyticsEvents, AnalyticsNodeRooms, AnalyticsStat,
    AnalyticsStats,
};
use serde_json::{json, Value};
use stream::{events_json, post_json, recorder_client, stats_json, stream_request};
use support::{
    access_token, hs256_jwt,
    lifecycle::{open_room, unix_now},
    sign_webhook, TestService, API_KEY, API_SECRET,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Status};

const ROOM_SID: &str = "RM_grants";

/// A forged end of the open room.
fn room_ended(room_sid: &str) -> AnalyticsEvent {
    AnalyticsEvent {
        id: format!("EV_forged_{room_sid}"),
        r#type: AnalyticsEventType::RoomEnded as i32,
        room_id: room_sid.into(),
        timestamp: Some(pbjson_types::Timestamp {
            seconds: unix_now(),
            nanos: 0,
        }),
        ..Default::default()
    }
}

fn one_stat() -> AnalyticsStat {
    AnalyticsStat {
        room_id: ROOM_SID.into(),
        track_id: "TR_grants".into(),
        time_stamp: Some(pbjson_types::Timestamp {
            seconds: unix_now(),
            nanos: 0,
        }),
        ..Default::default()
    }
}

/// An empty node report: "this node has no room".
fn empty_node_report(node: &str) -> AnalyticsNodeRooms {
    AnalyticsNodeRooms {
        node_id: node.into(),
        sequence_number: 1,
        ..Default::default()
    }
}

/// Claims signed with the configured key, valid for five minutes.
fn signed(claims: Value) -> String {
    let now = unix_now();
    let mut claims = claims;
    claims["iss"] = json!(API_KEY);
    claims["nbf"] = json!(now);
    claims["exp"] = json!(now + 300);
    format!("Bearer {}", hs256_jwt(&claims, API_SECRET))
}

/// Correctly signed tokens that are not a server credential, and what the refusal says.
fn refused_tokens() -> Vec<(&'static str, String, &'static str)> {
    let webhook_body = r#"{"event":"room_finished","id":"EV_x"}"#;
    vec![
        (
            "participant token",
            signed(json!({
                "sub": "browser-user",
                "video": { "roomJoin": true, "room": ROOM_SID, "canPublish": true }
            })),
            "participant",
        ),
        (
            "webhook token",
            format!("Bearer {}", sign_webhook(webhook_body, API_KEY, API_SECRET)),
            "webhook",
        ),
        (
            "room-restricted admin token",
            signed(json!({
                "sub": "room-admin",
                "video": { "roomAdmin": true, "room": ROOM_SID }
            })),
            "restricted to room",
        ),
        (
            "token without grants",
            signed(json!({ "sub": "nobody" })),
            "no roomAdmin",
        ),
    ]
}

async fn grpc_events(port: u16, authorization: &str) -> Result<(), Status> {
    let events = vec![AnalyticsEvents {
        events: vec![room_ended(ROOM_SID)],
    }];
    let mut client = recorder_client(port).await;
    client
        .ingest_events(stream_request(events, Some(authorization)))
        .await
        .map(|_| ())
}

async fn grpc_stats(port: u16, authorization: &str) -> Result<(), Status> {
    let stats = vec![AnalyticsStats {
        stats: vec![one_stat()],
    }];
    let mut client = recorder_client(port).await;
    client
        .ingest_stats(stream_request(stats, Some(authorization)))
        .await
        .map(|_| ())
}

async fn grpc_node_states(port: u16, authorization: &str) -> Result<(), Status> {
    let mut client = recorder_client(port).await;
    client
        .ingest_node_room_states(stream_request(
            vec![empty_node_report("ND_forged")],
            Some(authorization),
        ))
        .await
        .map(|_| ())
}

/// Asserts a gRPC refusal for want of the server grant.
fn assert_permission_denied(result: Result<(), Status>, case: &str, says: &str) {
    let status = result.expect_err(case);
    assert_eq!(status.code(), Code::PermissionDenied, "{case}: {status:?}");
    let message = status.message();
    assert!(message.contains("video.roomAdmin"), "{case}: {message}");
    assert!(message.contains(says), "{case}: {message}");
}

/// Asserts an HTTP refusal for want of the server grant.
async fn assert_forbidden(response: reqwest::Response, case: &str, says: &str) {
    assert_eq!(response.status(), 403, "{case}");
    let answer: Value = response.json().await.expect("JSON answer");
    assert_eq!(answer["reason"], "missing_grant", "{case}: {answer}");
    let message = answer["error"].as_str().unwrap_or_default();
    assert!(message.contains("video.roomAdmin"), "{case}: {message}");
    assert!(message.contains(says), "{case}: {message}");
}

async fn count(service: &TestService, sql: &'static str) -> i64 {
    let mut db = service.db().await;
    let count = sqlx::query_scalar(sql)
        .fetch_one(&mut db)
        .await
        .expect("count read");
    let _ = sqlx::Connection::close(db).await;
    count
}

fn metric_value(metrics: &str, prefix: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_without_the_server_grant_are_refused_on_every_ingest_path_and_store_nothing() {
    let service = TestService::start("    fixer_interval: 1s\n").await;
    open_room(&service, ROOM_SID, "EV_grants", &["PA_alice"], unix_now()).await;
    service
        .wait_for_count("SELECT COUNT(*) FROM active_entities", 2)
        .await;
    let stored_before = count(&service, "SELECT COUNT(*) FROM events").await;

    for (case, authorization, says) in refused_tokens() {
        assert_permission_denied(
            grpc_events(service.port, &authorization).await,
            &format!("IngestEvents, {case}"),
            says,
        );
        assert_permission_denied(
            grpc_stats(service.port, &authorization).await,
            &format!("IngestStats, {case}"),
            says,
        );
        assert_permission_denied(
            grpc_node_states(service.port, &authorization).await,
            &format!("IngestNodeRoomStates, {case}"),
            says,
        );
        let events = events_json(&[room_ended(ROOM_SID)]);
        let response = post_json(
            &service.base_url,
            "/v1/events",
            events,
            Some(&authorization),
        );
        assert_forbidden(response.await, &format!("/v1/events, {case}"), says).await;
        let stats = stats_json(&[one_stat()]);
        let response = post_json(&service.base_url, "/v1/stats", stats, Some(&authorization));
        assert_forbidden(response.await, &format!("/v1/stats, {case}"), says).await;
    }

    let (_, metrics) = service.get_text("/metrics").await;
    let refused = |source: &str| {
        metric_value(
            &metrics,
            &format!(
                r#"livekit_analytics_rejected_total{{source="{source}",reason="missing_grant"}}"#
            ),
        )
    };
    assert_eq!(refused("grpc"), Some(12.0), "{metrics}");
    assert_eq!(refused("json"), Some(8.0), "{metrics}");

    // Nothing stored, and the fixer (which runs meanwhile) closed nothing.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        count(&service, "SELECT COUNT(*) FROM events").await,
        stored_before
    );
    assert_eq!(
        count(
            &service,
            "SELECT COUNT(*) FROM events WHERE type = 'ROOM_ENDED'"
        )
        .await,
        0
    );
    assert_eq!(count(&service, "SELECT COUNT(*) FROM stats").await, 0);
    assert_eq!(
        count(&service, "SELECT COUNT(*) FROM active_entities").await,
        2
    );

    // The same writes with a server credential are stored: the checks above could see them.
    let admin = format!("Bearer {}", access_token(API_KEY, API_SECRET));
    grpc_events(service.port, &admin)
        .await
        .expect("a roomAdmin token writes events");
    grpc_stats(service.port, &admin)
        .await
        .expect("a roomAdmin token writes stats");
    service
        .wait_for_count("SELECT COUNT(*) FROM events WHERE type = 'ROOM_ENDED'", 1)
        .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", 1)
        .await;
}

/// An admin token (roomAdmin for every room) that expires `seconds` from now.
fn expiring_admin_token(seconds: i64) -> String {
    let now = unix_now();
    format!(
        "Bearer {}",
        hs256_jwt(
            &json!({
                "iss": API_KEY, "sub": "lk-node", "nbf": now, "exp": now + seconds,
                "video": { "roomAdmin": true }
            }),
            API_SECRET
        )
    )
}

/// A stream request fed from a channel, with `authorization`.
fn channel_request<T: Send + 'static>(
    authorization: &str,
) -> (mpsc::Sender<T>, tonic::Request<ReceiverStream<T>>) {
    let (sender, receiver) = mpsc::channel(4);
    let metadata = stream_request(Vec::<T>::new(), Some(authorization))
        .metadata()
        .clone();
    let mut request = tonic::Request::new(ReceiverStream::new(receiver));
    *request.metadata_mut() = metadata;
    (sender, request)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_whose_token_expires_is_ended_unauthenticated_and_stores_nothing_after() {
    let service = TestService::start("").await;
    let authorization = expiring_admin_token(3);
    let expires = Instant::now() + Duration::from_secs(3);

    let (events, request) = channel_request::<AnalyticsEvents>(&authorization);
    let mut client = recorder_client(service.port).await;
    let events_call = tokio::spawn(async move { client.ingest_events(request).await });
    let (reports, request) = channel_request::<AnalyticsNodeRooms>(&authorization);
    let mut client = recorder_client(service.port).await;
    let node_call = tokio::spawn(async move { client.ingest_node_room_states(request).await });

    events
        .send(AnalyticsEvents {
            events: vec![room_ended("RM_before_expiry")],
        })
        .await
        .expect("stream open");
    reports
        .send(empty_node_report("ND_expiring"))
        .await
        .expect("stream open");
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 1)
        .await;

    // Past exp, the streams are ended by the service, without a message from the client.
    let events_answer = tokio::time::timeout(Duration::from_secs(10), events_call)
        .await
        .expect("IngestEvents ended at expiry")
        .expect("call task");
    let node_answer = tokio::time::timeout(Duration::from_secs(10), node_call)
        .await
        .expect("IngestNodeRoomStates ended at expiry")
        .expect("call task");
    assert!(
        Instant::now() + Duration::from_millis(1100) >= expires,
        "ended before the token expired"
    );
    for (method, answer) in [
        ("IngestEvents", events_answer.map(|_| ())),
        ("IngestNodeRoomStates", node_answer.map(|_| ())),
    ] {
        let status = answer.expect_err(method);
        assert_eq!(status.code(), Code::Unauthenticated, "{method}: {status:?}");
        assert!(status.message().contains("expired"), "{method}: {status:?}");
    }

    // What is sent after expiry is not stored (the stream is gone).
    let _ = events
        .send(AnalyticsEvents {
            events: vec![room_ended("RM_after_expiry")],
        })
        .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mut db = service.db().await;
    let rooms: Vec<String> = sqlx::query_scalar("SELECT room_sid FROM events ORDER BY room_sid")
        .fetch_all(&mut db)
        .await
        .expect("events read");
    assert_eq!(rooms, ["RM_before_expiry"]);
    let (_, metrics) = service.get_text("/metrics").await;
    assert_eq!(
        metric_value(
            &metrics,
            r#"livekit_analytics_rejected_total{source="grpc",reason="token_expired"}"#
        ),
        Some(2.0),
        "{metrics}"
    );
}
