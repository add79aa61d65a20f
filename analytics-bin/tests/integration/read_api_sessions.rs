//! The LiveKit Cloud-compatible read API against the real binary: the query compliance
//! dataset posted through the JSON API, then the list and each session checked field by
//! field, on SQLite, PostgreSQL and MongoDB (each the only sink, named by
//! `api.query_sink`; a sink not compiled into the binary is skipped).

use analytics_core::testkit::query_dataset;
use serde_json::{json, Value};

use crate::read_api_support::{
    get, list_token, load_dataset, on_only_mongo, on_only_postgres, PROJECT,
};
use crate::support::{TestService, API_SECRET};

fn session_a() -> Value {
    let a = query_dataset::summary_a();
    json!({
        "sessionId": "RM_a", "roomName": "all-hands",
        "createdAt": "2026-03-01T10:00:00.000Z", "endedAt": "2026-03-01T10:31:00.000Z",
        "lastActive": "2026-03-01T10:31:00.000Z",
        "bandwidthIn": a.bandwidth_in, "bandwidthOut": a.bandwidth_out, "egress": 2,
        "numParticipants": 3, "numActiveParticipants": 0
    })
}

fn session_b() -> Value {
    json!({
        "sessionId": "RM_b", "roomName": "standup",
        "createdAt": "2026-03-01T14:00:00.000Z", "endedAt": null,
        "lastActive": "2026-03-01T14:05:00.000Z",
        "bandwidthIn": 0, "bandwidthOut": 7000, "egress": 1,
        "numParticipants": 2, "numActiveParticipants": 1
    })
}

fn session_c() -> Value {
    json!({
        "sessionId": "RM_c", "roomName": "late",
        "createdAt": "2026-03-02T09:00:00.000Z", "endedAt": "2026-03-02T09:00:30.000Z",
        "lastActive": "2026-03-02T09:00:30.000Z",
        "bandwidthIn": 0, "bandwidthOut": 0, "egress": 0,
        "numParticipants": 0, "numActiveParticipants": 0
    })
}

/// A connection of session A's detail.
fn connection(
    identity: &str,
    sid: &str,
    times: (&str, &str),
    client: (&str, &str, &str, &str),
) -> Value {
    let (sdk, version, region, connection_type) = client;
    json!({
        "participantIdentity": identity, "participantName": identity.to_uppercase(),
        "participantSid": sid, "joinedAt": times.0, "leftAt": times.1,
        "region": region, "connectionType": connection_type,
        "sdk": sdk, "sdkVersion": version, "os": "linux", "osVersion": "",
        "browser": "chrome", "browserVersion": "", "deviceModel": ""
    })
}

fn detail_a() -> Value {
    let a = query_dataset::summary_a();
    json!({
        "roomId": "RM_a", "roomName": "all-hands", "bandwidth": a.bandwidth_in + a.bandwidth_out,
        "startTime": "2026-03-01T10:00:00.000Z", "endTime": "2026-03-01T10:31:00.000Z",
        "numParticipants": 3, "numActiveParticipants": 0, "egress": 2,
        "connectionMinutes": 49,
        "participants": [
            connection("alice", "PA_a1", ("2026-03-01T10:00:05.000Z", "2026-03-01T10:10:00.000Z"), ("JS", "2.5.0", "eu-west", "udp")),
            connection("alice", "PA_a2", ("2026-03-01T10:10:02.000Z", "2026-03-01T10:30:00.000Z"), ("JS", "2.5.0", "eu-west", "tcp")),
            connection("bob", "PA_b1", ("2026-03-01T10:01:00.000Z", "2026-03-01T10:20:00.000Z"), ("GO", "1.2.0", "us-east", "udp")),
        ]
    })
}

/// Every answer of the API about the dataset, as LiveKit Cloud names the fields.
async fn answers_match_the_dataset(service: &TestService) {
    let token = list_token(API_SECRET);
    let sessions = format!("/api/project/{PROJECT}/sessions");
    let list = |query: &str| format!("{sessions}{query}");
    let cases = [
        ("", json!([session_c(), session_b(), session_a()])),
        (
            "?start=2026-03-01&end=2026-03-02",
            json!([session_b(), session_a()]),
        ),
        ("?start=2026-03-02", json!([session_c()])),
        ("?start=2026-03-01&end=2026-03-01", json!([])),
        ("?limit=1&page=1", json!([session_b()])),
        ("?limit=2&page=1", json!([session_a()])),
    ];
    for (query, expected) in cases {
        let (status, body) = get(service, &list(query), Some(&token)).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(body, json!({ "sessions": expected }), "{query}");
    }
    let (status, body) = get(service, &format!("{sessions}/RM_a"), Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, detail_a());
    let (status, body) = get(service, &format!("{sessions}/RM_b"), Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["endTime"], Value::Null);
    assert_eq!(body["numActiveParticipants"], 1);
    assert_eq!(body["participants"][0]["participantIdentity"], "carol");
    assert_eq!(body["participants"][0]["leftAt"], Value::Null);
    assert_eq!(
        body["participants"][1]["leftAt"],
        "2026-03-01T14:05:00.000Z"
    );
}

#[tokio::test]
async fn sqlite_answers_the_cloud_api_field_by_field() {
    let service = TestService::start("").await;
    load_dataset(&service).await;
    answers_match_the_dataset(&service).await;
}

#[tokio::test]
async fn postgres_answers_the_cloud_api_field_by_field() {
    on_only_postgres(async |service| {
        load_dataset(service).await;
        answers_match_the_dataset(service).await;
    })
    .await;
}

#[tokio::test]
async fn mongo_answers_the_cloud_api_field_by_field() {
    on_only_mongo(async |service| {
        load_dataset(service).await;
        answers_match_the_dataset(service).await;
    })
    .await;
}
