//! The gRPC stream is authenticated by a LiveKit access token in the `authorization`
//! metadata, signed with a key of `keys:`; anything else is UNAUTHENTICATED and stores
//! nothing.

use crate::support;
use crate::support::stream;

use livekit_protocol::{
    AnalyticsEvent, AnalyticsEventType, AnalyticsEvents, AnalyticsStat, AnalyticsStats,
};
use support::{access_token, hs256_jwt, TestService, API_KEY, API_SECRET};
use tonic::Code;

use stream::{stream_events, stream_stats};

fn one_event() -> Vec<AnalyticsEvents> {
    vec![AnalyticsEvents {
        events: vec![AnalyticsEvent {
            r#type: AnalyticsEventType::RoomEnded as i32,
            room_id: "RM_auth".into(),
            timestamp: Some(pbjson_types::Timestamp {
                seconds: 1_750_000_000,
                nanos: 0,
            }),
            ..Default::default()
        }],
    }]
}

fn one_stat() -> Vec<AnalyticsStats> {
    vec![AnalyticsStats {
        stats: vec![AnalyticsStat {
            room_id: "RM_auth".into(),
            track_id: "TR_auth".into(),
            time_stamp: Some(pbjson_types::Timestamp {
                seconds: 1_750_000_000,
                nanos: 0,
            }),
            ..Default::default()
        }],
    }]
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn unsigned_token(key: &str) -> String {
    use base64::Engine;
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = url.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = url.encode(
        serde_json::json!({ "iss": key, "sub": "x", "nbf": now(), "exp": now() + 300 }).to_string(),
    );
    format!("{header}.{claims}.")
}

/// Every way a token can be wrong.
fn refused_authorizations() -> Vec<(&'static str, Option<String>)> {
    let expired = hs256_jwt(
        &serde_json::json!({ "iss": API_KEY, "sub": "x", "nbf": now() - 1200, "exp": now() - 600 }),
        API_SECRET,
    );
    vec![
        ("missing", None),
        ("empty", Some("Bearer ".into())),
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
        (
            "unsigned",
            Some(format!("Bearer {}", unsigned_token(API_KEY))),
        ),
        ("not a JWT", Some("Bearer not-a-token".into())),
    ]
}

#[tokio::test]
async fn bad_tokens_are_unauthenticated_and_store_nothing() {
    let service = TestService::start("").await;
    for (case, authorization) in refused_authorizations() {
        let events = stream_events(service.port, one_event(), authorization.as_deref()).await;
        assert_eq!(
            events.map_err(|s| s.code()),
            Err(Code::Unauthenticated),
            "IngestEvents, {case}"
        );
        let stats = stream_stats(service.port, one_stat(), authorization.as_deref()).await;
        assert_eq!(
            stats.map_err(|s| s.code()),
            Err(Code::Unauthenticated),
            "IngestStats, {case}"
        );
    }
    let (_, metrics) = service.get_text("/metrics").await;
    assert!(
        !metrics.contains(r#"livekit_analytics_ingested_total{source="grpc""#),
        "{metrics}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 0)
        .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", 0)
        .await;
}

#[tokio::test]
async fn a_token_signed_with_any_configured_key_is_accepted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("analytics.db");
    let port = support::free_port();
    let config = format!(
        "keys:\n  {API_KEY}: {API_SECRET}\n  second: second-secret-that-is-long-enough\nopenvidu:\n  analytics:\n    enabled: true\n    interval: 200ms\n    listen: 127.0.0.1:{port}\n    sinks:\n      sqlite: {{ path: {} }}\n",
        db_path.display()
    );
    let service = TestService::start_with_config(dir, db_path, port, &config).await;
    let bearer = format!(
        "Bearer {}",
        access_token("second", "second-secret-that-is-long-enough")
    );
    stream_events(service.port, one_event(), Some(&bearer))
        .await
        .expect("accepted");
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 1)
        .await;
}
