//! A sink that cannot be reached at start: the service starts anyway, `/readyz` names the
//! sink, and the sink initialises (and stores what was queued) once it can.

use crate::support;

use std::time::{Duration, Instant};

use livekit_protocol::{Room, WebhookEvent};
use support::{free_port, TestService, API_KEY, API_SECRET};

#[tokio::test]
async fn an_unreachable_sink_is_reported_by_readyz_and_initialises_later() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The database's folder cannot be created while a plain file stands in its place.
    let blocker = dir.path().join("data");
    std::fs::write(&blocker, "not a folder").expect("blocker written");
    let db_path = blocker.join("analytics.db");
    let port = free_port();
    let config = format!(
        "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    interval: 200ms\n    max_retry_backoff: 200ms\n    listen: 127.0.0.1:{port}\n    sinks:\n      local: {{ type: sqlite, path: {} }}\n",
        db_path.display()
    );
    let config_path = dir.path().join("config.yaml");
    std::fs::write(&config_path, &config).expect("config written");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_livekit-analytics"))
        .arg("--config")
        .arg(&config_path)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");

    let deadline = Instant::now() + Duration::from_secs(30);
    let answer = loop {
        if let Ok(response) = http.get(format!("{base}/healthz")).send().await {
            assert!(response.status().is_success());
            let readyz = http
                .get(format!("{base}/readyz"))
                .send()
                .await
                .expect("readyz");
            break (
                readyz.status().as_u16(),
                readyz.text().await.unwrap_or_default(),
            );
        }
        assert!(Instant::now() < deadline, "service did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(answer.0, 503);
    assert!(
        answer.1.contains("\"local\""),
        "readyz names the sink: {}",
        answer.1
    );

    // Accepted while the sink is down: queued, not lost.
    let event = WebhookEvent {
        event: "room_started".into(),
        id: "EV_ready".into(),
        created_at: 1_750_000_000,
        room: Some(Room {
            sid: "RM_ready".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let body = serde_json::to_string(&event).expect("JSON");
    let token = support::sign_webhook(&body, API_KEY, API_SECRET);
    let response = http
        .post(format!("{base}/webhook"))
        .header("Authorization", token)
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);

    std::fs::remove_file(&blocker).expect("blocker removed");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let readyz = http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .expect("readyz");
        if readyz.status().is_success() {
            break;
        }
        assert!(Instant::now() < deadline, "sink never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut stored = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while stored != 1 && Instant::now() < deadline {
        let mut db = TestService::open_sqlite(&db_path).await;
        stored = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&mut db)
            .await
            .unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        stored, 1,
        "the event queued while the sink was down is stored"
    );
    let _ = child.kill();
    let _ = child.wait();
}
