//! A full queue: in `block` mode ingest answers 503 (LiveKit retries) and nothing accepted
//! is dropped; in `drop_newest` mode the request is accepted and the drop is counted.

use crate::support;

use livekit_protocol::{Room, WebhookEvent};
use support::TestService;

fn room_started(n: i64) -> WebhookEvent {
    WebhookEvent {
        event: "room_started".into(),
        id: format!("EV_full_{n}"),
        created_at: 1_750_000_000 + n,
        room: Some(Room {
            sid: format!("RM_full_{n}"),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn block_mode_answers_503_when_the_queue_is_full_and_keeps_what_it_accepted() {
    // A one-hour interval keeps accepted records queued until shutdown.
    let mut service = TestService::start_with_interval(
        "1h",
        "    buffer: { max_records: 2, when_full: block }\n",
    )
    .await;
    for n in 0..2 {
        assert_eq!(service.post_webhook(&room_started(n)).await.status(), 200);
    }
    let refused = service.post_webhook(&room_started(2)).await;
    assert_eq!(refused.status(), 503);
    assert_eq!(
        refused
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let (_, metrics) = service.get_text("/metrics").await;
    assert!(
        metrics.contains(
            r#"livekit_analytics_rejected_total{source="webhook",reason="queue_full"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"livekit_analytics_queue_records{sink="sqlite"} 2"#),
        "{metrics}"
    );
    assert!(service.terminate().success());
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 2)
        .await;
}

#[tokio::test]
async fn drop_newest_mode_accepts_and_counts_what_it_drops() {
    let mut service = TestService::start_with_interval(
        "1h",
        "    buffer: { max_records: 2, when_full: drop_newest }\n",
    )
    .await;
    for n in 0..5 {
        assert_eq!(service.post_webhook(&room_started(n)).await.status(), 200);
    }
    let (_, metrics) = service.get_text("/metrics").await;
    assert!(
        metrics.contains(r#"livekit_analytics_dropped_total{sink="sqlite",reason="queue_full"} 3"#),
        "{metrics}"
    );
    assert!(service.terminate().success());
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 2)
        .await;
}
