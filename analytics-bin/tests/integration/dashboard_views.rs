//! The dashboard's data views in a real browser: analytics-bin/tests/browser/
//! dashboard_views.mjs (playwright-core driving Debian's Chromium headless) against the
//! real binary with SQLite, after the sessions of `dashboard_views_data` went in through
//! the JSON ingest API. Screenshots of every view go to target/browser-screenshots/ and are
//! copied to docs/screenshots/ for the README.

use std::time::{Duration, Instant, SystemTime};

use crate::dashboard_browser::{browser_tools, manifest_dir, run_script, screenshot_dir};
use crate::dashboard_views_data::{dataset, expected};
use crate::read_api_support::{get, list_token, post_all};
use crate::support::{
    stream::{events_json, stats_json},
    TestService, API_KEY, API_SECRET,
};

/// The views whose screenshots the README shows.
const README_SCREENSHOTS: [&str; 5] = ["sign-in", "overview", "sessions", "session", "participant"];

/// Posts the dataset through the JSON ingest API and waits until SQLite holds all of it and
/// the read API lists its three sessions.
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
