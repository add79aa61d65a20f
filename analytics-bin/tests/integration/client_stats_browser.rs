//! The browser stats collector end to end: analytics-bin/tests/browser/client_stats.mjs
//! (Debian's Chromium headless with fake camera and microphone, driven by playwright-core)
//! makes a call in loopback on a page of another origin, imports the collector from the
//! binary's `/client/livekit-analytics.js` and runs it for 35 s against the binary under a
//! participant's LiveKit token. Then SQLite holds UPSTREAM and DOWNSTREAM stats for the
//! token's identity and room, marked client-reported, with bytes, packets and a score in
//! 1–5. The script prints what the collector cost the browser (`cost {...}`). Needs what
//! scripts/browser.sh installs (Chromium, playwright-core, clients/js's node_modules):
//! missing in CI, the test fails; elsewhere it is skipped with a message.

use std::path::{Path, PathBuf};

use livekit_api::access_token::{AccessToken, VideoGrants};
use serde_json::Value;
use sqlx::Row;

use crate::dashboard_browser::{browser_tools, manifest_dir, run_script};
use crate::support::{free_port, TestService, API_KEY, API_SECRET};

const ROOM: &str = "client-stats-room";
const IDENTITY: &str = "alice";
const PARTICIPANT_SID: &str = "PA_clientstatsalice";
const ROOM_SID: &str = "RM_clientstatsroom";

/// clients/js, when its dev dependencies (livekit-client among them) are installed; panics
/// in CI when they are not.
fn client_js_dir() -> Option<PathBuf> {
    let dir = manifest_dir().join("../clients/js");
    let module = dir.join("node_modules/livekit-client/dist/livekit-client.esm.mjs");
    if module.is_file() {
        return Some(dir);
    }
    let what = format!("{} is missing", module.display());
    assert!(
        std::env::var_os("CI").is_none(),
        "{what}: in CI the browser tests must run (scripts/test.sh sources scripts/browser.sh)"
    );
    eprintln!("SKIPPED: {what}. Run scripts/test.sh, or source scripts/browser.sh first.");
    None
}

/// The token a LiveKit app gives the participant: `roomJoin` for the room, an hour long.
fn participant_token() -> String {
    AccessToken::with_api_key(API_KEY, API_SECRET)
        .with_identity(IDENTITY)
        .with_ttl(std::time::Duration::from_secs(3600))
        .with_grants(VideoGrants {
            room_join: true,
            room: ROOM.to_owned(),
            ..Default::default()
        })
        .to_jwt()
        .expect("token signed")
}

/// A number the stored document holds as a JSON number or (64-bit protojson) a string.
fn number(value: &Value) -> f64 {
    match value {
        Value::Number(number) => number.as_f64().unwrap_or_default(),
        Value::String(text) => text.parse().unwrap_or_default(),
        _ => 0.0,
    }
}

/// The stored client-reported stats of the test's participant: kind, score, document.
async fn stored_stats(db_path: &Path) -> Vec<(String, f64, Value)> {
    let mut db = TestService::open_sqlite(db_path).await;
    let rows = sqlx::query(
        "SELECT kind, score, data FROM stats WHERE participant_sid = ? AND room_name = ? \
         AND json_extract(data, '$.client_reported') = 1 \
         AND json_extract(data, '$.participant_identity') = ?",
    )
    .bind(PARTICIPANT_SID)
    .bind(ROOM)
    .bind(IDENTITY)
    .fetch_all(&mut db)
    .await
    .expect("stats read");
    rows.iter()
        .map(|row| {
            let data: String = row.get("data");
            (
                row.get("kind"),
                row.get("score"),
                serde_json::from_str(&data).expect("stored document is JSON"),
            )
        })
        .collect()
}

#[tokio::test]
async fn collector_in_chromium_posts_upstream_and_downstream_stats_of_its_identity() {
    let Some(node_path) = browser_tools() else {
        return;
    };
    let Some(client_js) = client_js_dir() else {
        return;
    };
    let app_port = free_port();
    let service = TestService::start(&format!(
        "    api:\n      cors_origins: [\"http://127.0.0.1:{app_port}\"]\n"
    ))
    .await;
    let token = participant_token();
    let app_port = app_port.to_string();
    let stdout = run_script(
        &service,
        "client_stats.mjs",
        &node_path,
        &[
            (
                "LKA_TEST_CLIENT_JS_DIR",
                client_js.to_str().expect("UTF-8 path"),
            ),
            ("LKA_TEST_CLIENT_APP_PORT", &app_port),
            ("LKA_TEST_CLIENT_TOKEN", &token),
            ("LKA_TEST_CLIENT_PARTICIPANT_SID", PARTICIPANT_SID),
            ("LKA_TEST_CLIENT_ROOM_SID", ROOM_SID),
            ("LKA_TEST_CLIENT_SECONDS", "35"),
        ],
        4,
    )
    .await;
    eprintln!("{stdout}");
    assert!(
        stdout.lines().any(|line| line.starts_with("cost {")),
        "the cost was measured:\n{stdout}"
    );

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let mut stats = stored_stats(&service.db_path).await;
    while !(["UPSTREAM", "DOWNSTREAM"]
        .iter()
        .all(|kind| stats.iter().any(|(stored, _, _)| stored == kind)))
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        stats = stored_stats(&service.db_path).await;
    }
    for kind in ["UPSTREAM", "DOWNSTREAM"] {
        let of_kind: Vec<_> = stats
            .iter()
            .filter(|(stored, _, _)| stored == kind)
            .collect();
        assert!(
            !of_kind.is_empty(),
            "{kind} stats stored for {IDENTITY}; log:\n{}",
            service.log()
        );
        for (_, score, document) in &of_kind {
            assert!(
                (1.0..=5.0).contains(score),
                "{kind} score {score}: {document}"
            );
        }
        let moved = of_kind.iter().any(|(_, _, document)| {
            let streams = document["streams"].as_array().cloned().unwrap_or_default();
            let sum = |field: &str| streams.iter().map(|s| number(&s[field])).sum::<f64>();
            sum("primary_bytes") > 0.0 && sum("primary_packets") > 0.0
        });
        assert!(moved, "{kind} stats carry bytes and packets: {of_kind:?}");
        eprintln!("a stored {kind} stat: {}", of_kind[of_kind.len() - 1].2);
    }
}
