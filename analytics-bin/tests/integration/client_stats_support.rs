//! What the client stats tests share: a room opened through webhooks, participants' access tokens (minted with
//! `livekit-api`, or signed by hand for claims it refuses to sign), a browser's batch as the
//! collector posts it, posting it, reading the stored stats and the service's metrics.

use livekit_api::access_token::{AccessToken, VideoGrants};
use serde_json::{json, Value};
use sqlx::Row;

use crate::support::{hs256_jwt, lifecycle, TestService, API_KEY, API_SECRET};

pub const PATH: &str = "/v1/client/stats";

/// A participant's token: `roomJoin` for `room`, identity `identity`.
pub fn participant_token(room: &str, identity: &str) -> String {
    AccessToken::with_api_key(API_KEY, API_SECRET)
        .with_identity(identity)
        .with_grants(VideoGrants {
            room_join: true,
            room: room.into(),
            ..Default::default()
        })
        .to_jwt()
        .expect("token signed")
}

/// Opens room `RM_CLIENT` (named `rm_client`) with participants `PA_ALICE` (`pa_alice`) and
/// `PA_BOB` (`pa_bob`) through LiveKit's webhooks, and waits until they are stored.
pub async fn open_client_room(service: &TestService) {
    lifecycle::open_room(
        service,
        "RM_CLIENT",
        "client",
        &["PA_ALICE", "PA_BOB"],
        lifecycle::unix_now() - 60,
    )
    .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 3)
        .await;
}

/// A token of `claims` (with `iss`, and `nbf`/`exp` around now unless given) signed with
/// the test key.
pub fn signed_claims(mut claims: Value) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let object = claims.as_object_mut().expect("claims object");
    object.insert("iss".into(), json!(API_KEY));
    object.entry("nbf").or_insert(json!(now - 10));
    object.entry("exp").or_insert(json!(now + 600));
    hs256_jwt(&claims, API_SECRET)
}

/// The end of the sample interval, unix milliseconds.
pub const AT_MS: i64 = 1_764_583_200_000;

/// A batch as the collector sends it: an upstream simulcast video track (two layers) and a
/// downstream audio track, with `identity` claimed in the body (which must be ignored).
pub fn sample_batch(participant_sid: &str, room_sid: &str, claimed_identity: &str) -> Value {
    json!({
        "participant_sid": participant_sid,
        "room_sid": room_sid,
        "dropped": 3,
        "stats": [
            {
                "kind": "UPSTREAM", "time_stamp_ms": AT_MS, "interval_ms": 5000,
                "track_sid": "TR_VIDEO", "track_source": "CAMERA", "mime": "video/VP8",
                "score": 4.3, "identity": claimed_identity,
                "streams": [
                    { "rid": "q", "ssrc": 11, "bytes": 2000, "packets": 20, "frames": 75,
                      "width": 320, "height": 180, "frame_rate": 15.0 },
                    { "rid": "f", "ssrc": 12, "bytes": 90000, "packets": 100, "packets_lost": 2,
                      "frames": 150, "jitter_ms": 3.2, "rtt_ms": 40.0, "nacks": 1, "plis": 1,
                      "firs": 0, "width": 1280, "height": 720, "frame_rate": 30.0 }
                ]
            },
            {
                "kind": "DOWNSTREAM", "time_stamp_ms": AT_MS, "interval_ms": 5000,
                "track_sid": "TR_AUDIO", "track_source": "MICROPHONE", "mime": "audio/opus",
                "score": 3.9, "identity": claimed_identity,
                "streams": [ { "ssrc": 21, "bytes": 4000, "packets": 250, "packets_lost": 5,
                               "jitter_ms": 12.0 } ]
            }
        ]
    })
}

/// One upstream stat of `track_sid`.
pub fn one_stat(track_sid: &str) -> Value {
    json!({ "kind": "UPSTREAM", "time_stamp_ms": AT_MS, "interval_ms": 5000,
            "track_sid": track_sid, "streams": [ { "bytes": 100, "packets": 1 } ] })
}

/// Posts `body` with `Authorization: Bearer <token>` (none for `None`) and `Origin` when
/// given.
pub async fn post(
    service: &TestService,
    token: Option<&str>,
    origin: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = service
        .http
        .post(format!("{}{PATH}", service.base_url))
        .header("Content-Type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    request.send().await.expect("request sent")
}

/// Posts `body` as JSON with `token`; the status and the JSON answer.
pub async fn post_batch(service: &TestService, token: &str, body: &Value) -> (u16, Value) {
    let response = post(service, Some(token), None, body.to_string().into_bytes()).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// One stored stat row.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStat {
    pub kind: String,
    pub room_sid: String,
    pub room_name: String,
    pub participant_sid: String,
    pub track_id: String,
    pub score: f64,
    pub document: Value,
}

/// Every stored stat, by track.
pub async fn stored_stats(service: &TestService) -> Vec<StoredStat> {
    let mut db = service.db().await;
    let rows = sqlx::query(
        "SELECT kind, room_sid, room_name, participant_sid, track_id, score, data FROM stats ORDER BY track_id, timestamp",
    )
    .fetch_all(&mut db)
    .await
    .expect("stats read");
    rows.iter()
        .map(|row| StoredStat {
            kind: row.get("kind"),
            room_sid: row.get("room_sid"),
            room_name: row.get("room_name"),
            participant_sid: row.get("participant_sid"),
            track_id: row.get("track_id"),
            score: row.get("score"),
            document: serde_json::from_str(row.get::<&str, _>("data")).expect("JSON document"),
        })
        .collect()
}

/// The value of the metric line starting with `series` (name and labels), 0 when absent.
pub async fn metric(service: &TestService, series: &str) -> f64 {
    let (_, text) = service.get_text("/metrics").await;
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Waits the write interval out a few times, then asserts no stat is stored.
pub async fn assert_nothing_stored(service: &TestService) {
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", 0)
        .await;
}
