//! Hostile and broken webhooks: each gets a clear answer and stores nothing.

use crate::support;

use livekit_protocol::{Room, WebhookEvent};
use support::{
    expired_webhook_token, sign_webhook, unsigned_webhook_token, TestService, API_KEY, API_SECRET,
};

fn room_started(n: i64) -> WebhookEvent {
    WebhookEvent {
        event: "room_started".into(),
        id: format!("EV_bad_{n}"),
        created_at: 1_750_000_000 + n,
        room: Some(Room {
            sid: format!("RM_{n}"),
            name: "r".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn body_of(event: &WebhookEvent) -> String {
    serde_json::to_string(event).expect("JSON")
}

/// After the refused requests, one good webhook: once it is stored, anything the bad ones
/// had queued would be stored too, so a count of 1 proves they stored nothing.
async fn assert_only_the_good_webhook_is_stored(service: &TestService) {
    assert_eq!(service.post_webhook(&room_started(999)).await.status(), 200);
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 1)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 1)
        .await;
}

#[tokio::test]
async fn bad_tokens_and_signatures_get_401_and_store_nothing() {
    let service = TestService::start("").await;
    let body = body_of(&room_started(1));
    let cases = [
        ("missing token", None, "missing Authorization"),
        (
            "garbage token",
            Some("not-a-jwt".to_owned()),
            "not a valid JWT",
        ),
        (
            "wrong secret",
            Some(sign_webhook(
                &body,
                API_KEY,
                "another-secret-of-sufficient-length",
            )),
            "signature does not match",
        ),
        (
            "unknown key",
            Some(sign_webhook(&body, "otherkey", API_SECRET)),
            "unknown API key",
        ),
        (
            "expired token",
            Some(expired_webhook_token(&body, API_KEY, API_SECRET)),
            "expired",
        ),
        (
            "unsigned token",
            Some(unsigned_webhook_token(&body, API_KEY)),
            "not a valid JWT",
        ),
        (
            "body hash mismatch",
            Some(sign_webhook(
                &body_of(&room_started(2)),
                API_KEY,
                API_SECRET,
            )),
            "does not match the token's sha256",
        ),
    ];
    for (case, authorization, says) in cases {
        let response = service.post_raw_webhook(body.clone(), authorization).await;
        assert_eq!(response.status(), 401, "{case}");
        let answer: serde_json::Value = response.json().await.expect("JSON error answer");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{case}: {answer}");
    }
    let (_, metrics) = service.get_text("/metrics").await;
    assert!(
        metrics.contains(
            r#"livekit_analytics_rejected_total{source="webhook",reason="body_hash_mismatch"} 1"#
        ),
        "{metrics}"
    );
    assert_only_the_good_webhook_is_stored(&service).await;
}

#[tokio::test]
async fn malformed_json_gets_400_with_the_reason() {
    let service = TestService::start("").await;
    for body in [
        "{not json",
        r#"{"event": "room_started", "room": {"sid": 42}}"#,
        r#"{"event": 7}"#,
    ] {
        let token = sign_webhook(body, API_KEY, API_SECRET);
        let response = service.post_raw_webhook(body.to_owned(), Some(token)).await;
        assert_eq!(response.status(), 400, "{body}");
        let answer: serde_json::Value = response.json().await.expect("JSON error answer");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with("malformed webhook body"),
            "{body}: {answer}"
        );
    }
    assert_only_the_good_webhook_is_stored(&service).await;
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413() {
    let service = TestService::start("    max_body_bytes: 4096\n").await;
    let mut event = room_started(3);
    event.room.as_mut().expect("room").metadata = "x".repeat(8192);
    let body = body_of(&event);
    let token = sign_webhook(&body, API_KEY, API_SECRET);
    let response = service.post_raw_webhook(body, Some(token)).await;
    assert_eq!(response.status(), 413);
    assert_only_the_good_webhook_is_stored(&service).await;
}

#[tokio::test]
async fn the_default_body_limit_is_one_mebibyte() {
    let service = TestService::start("").await;
    let mut event = room_started(4);
    event.room.as_mut().expect("room").metadata = "x".repeat(1024 * 1024 + 1);
    let body = body_of(&event);
    let token = sign_webhook(&body, API_KEY, API_SECRET);
    assert_eq!(
        service.post_raw_webhook(body, Some(token)).await.status(),
        413
    );
}

#[tokio::test]
async fn an_unknown_webhook_event_is_accepted_counted_and_not_stored() {
    let service = TestService::start("").await;
    let unknown = WebhookEvent {
        event: "room_metadata_changed".into(),
        ..room_started(5)
    };
    assert_eq!(service.post_webhook(&unknown).await.status(), 200);
    let (_, metrics) = service.get_text("/metrics").await;
    assert!(
        metrics.contains(
            r#"livekit_analytics_ignored_total{source="webhook",reason="unknown_event"} 1"#
        ),
        "{metrics}"
    );
    assert_only_the_good_webhook_is_stored(&service).await;
}

#[tokio::test]
async fn unknown_fields_in_a_webhook_are_ignored() {
    let service = TestService::start("").await;
    let mut body: serde_json::Value =
        serde_json::from_str(&body_of(&room_started(6))).expect("JSON");
    body["someFutureField"] = serde_json::json!({"nested": true});
    body["room"]["anotherNewField"] = serde_json::json!(12);
    let body = body.to_string();
    let token = sign_webhook(&body, API_KEY, API_SECRET);
    assert_eq!(
        service.post_raw_webhook(body, Some(token)).await.status(),
        200
    );
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 1)
        .await;
}
