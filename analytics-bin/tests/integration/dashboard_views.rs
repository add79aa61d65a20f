//! The dashboard's data views in a real browser: analytics-bin/tests/browser/
//! dashboard_views.mjs (playwright-core driving Debian's Chromium headless) against the
//! real binary with SQLite, after the sessions of `dashboard_views_data` went in through
//! the JSON ingest API. Screenshots of every view go to target/browser-screenshots/ and are
//! copied to docs/screenshots/ for the README.

use std::time::{Duration, Instant, SystemTime};

use crate::client_stats_support::{participant_token, post_batch};
use crate::dashboard_browser::{browser_tools, manifest_dir, run_script, screenshot_dir};
use crate::dashboard_views_data::{dataset, expected, Dataset, BIG_ROOM, PUBLISHER};
use crate::read_api_support::{get, list_token, post_all};
use crate::support::{
    stream::{events_json, stats_json},
    TestService, API_KEY, API_SECRET,
};

/// The views whose screenshots the README shows.
const README_SCREENSHOTS: [&str; 5] = ["sign-in", "overview", "sessions", "session", "participant"];

/// What the publisher's browser reported of its first track (`POST /v1/client/stats`, with
/// its own token), at the times LiveKit reported it: the charts show both.
fn browser_report(data: &Dataset) -> serde_json::Value {
    let publisher_sid = data
        .events
        .iter()
        .find_map(|event| {
            let participant = event.participant.as_ref()?;
            (participant.identity == PUBLISHER && event.room.as_ref()?.name == BIG_ROOM)
                .then(|| participant.sid.clone())
        })
        .expect("the publisher joins the big room");
    let published: Vec<_> = data
        .stats
        .iter()
        .filter(|stat| stat.participant_id == publisher_sid && stat.kind == 0)
        .collect();
    let first_track = &published.first().expect("the publisher's stats").track_id;
    let entries: Vec<serde_json::Value> = published
        .iter()
        .filter(|stat| &stat.track_id == first_track)
        .map(|stat| {
            let at = stat.time_stamp.as_ref().expect("timed");
            let stream = stat.streams.first().cloned().unwrap_or_default();
            serde_json::json!({
                "kind": "UPSTREAM",
                "time_stamp_ms": at.seconds * 1000 + i64::from(at.nanos / 1_000_000),
                "interval_ms": 30_000,
                "track_sid": stat.track_id,
                "score": 4.0,
                "streams": [{ "bytes": stream.primary_bytes * 9 / 10,
                    "packets": stream.primary_packets, "frames": stream.frames,
                    "jitter_ms": 3.0, "rtt_ms": 45.0 }],
            })
        })
        .collect();
    serde_json::json!({
        "participant_sid": publisher_sid,
        "room_sid": published[0].room_id,
        "stats": entries,
    })
}

/// Posts the dataset through the JSON ingest API, and the publisher's browser report
/// through the client stats endpoint, and waits until SQLite holds all of it and the read
/// API lists its three sessions.
async fn load(service: &TestService) {
    let data = dataset(SystemTime::now());
    post_all(
        service,
        [
            ("/v1/events", events_json(&data.events)),
            ("/v1/stats", stats_json(&data.stats)),
        ],
    )
    .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM events", data.events.len() as i64)
        .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", data.stats.len() as i64)
        .await;
    let report = browser_report(&data);
    let reported = report["stats"].as_array().map_or(0, Vec::len);
    let (status, answer) =
        post_batch(service, &participant_token(BIG_ROOM, PUBLISHER), &report).await;
    assert_eq!(status, 202, "{answer}");
    service
        .wait_for_count(
            "SELECT COUNT(*) FROM stats WHERE client_reported = 1",
            reported as i64,
        )
        .await;
    let token = list_token(API_SECRET);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = get(service, "/v1/sessions", Some(&token)).await;
        if status == 200 && body["sessions"].as_array().map(Vec::len) == Some(3) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/v1/sessions did not list the 3 sessions in 30 s (last answer {status} {body}); log:\n{}",
            service.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn dashboard_views_in_chromium_show_the_stored_sessions() {
    let Some(node_path) = browser_tools() else {
        return;
    };
    let service = TestService::start("").await;
    load(&service).await;
    let expect = expected().to_string();
    let stdout = run_script(
        &service,
        "dashboard_views.mjs",
        &node_path,
        &[
            ("LKA_TEST_DASHBOARD_KEY", API_KEY),
            ("LKA_TEST_DASHBOARD_SECRET", API_SECRET),
            ("LKA_TEST_DASHBOARD_EXPECT", &expect),
        ],
        4,
    )
    .await;
    assert!(
        stdout.lines().any(|line| line == "ok every case ran"),
        "{stdout}"
    );
    let docs = manifest_dir().join("../docs/screenshots");
    std::fs::create_dir_all(&docs).expect("docs/screenshots created");
    for name in README_SCREENSHOTS {
        let shot = screenshot_dir().join(format!("{name}.png"));
        assert!(shot.is_file(), "{} missing", shot.display());
        std::fs::copy(&shot, docs.join(format!("{name}.png"))).expect("screenshot copied");
    }
    assert!(!service.log().contains(API_SECRET), "{}", service.log());
}
