//! What the read API's tests share: the query compliance dataset (or the `/v1/` tests'
//! simulated sessions) posted to a running service through the JSON API, the service with
//! one query sink only, tokens for the read API, and GET with a token.

use std::time::{Duration, Instant};

use analytics_core::testkit::query_dataset;
use livekit_api::access_token::{AccessToken, VideoGrants};
use serde_json::Value;

use crate::read_api_v1_sent::Sent;
use crate::support::{
    access_token, free_port,
    stream::{events_json, post_json, stats_json},
    TestService, API_KEY, API_SECRET,
};

/// The project id the tests configure by default.
pub const PROJECT: &str = "livekit-analytics";

/// A token as `lk token create --list` makes: the `roomList` grant only.
pub fn list_token(secret: &str) -> String {
    AccessToken::with_api_key(API_KEY, secret)
        .with_identity("lk-analytics")
        .with_grants(VideoGrants {
            room_list: true,
            ..Default::default()
        })
        .to_jwt()
        .expect("token signed")
}

/// GETs `path` with `Authorization: Bearer <token>` (none for `None`): status and JSON body.
pub async fn get(service: &TestService, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = service.http.get(format!("{}{path}", service.base_url));
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Posts the dataset's events and stats, then waits until the read API lists its three
/// sessions with their traffic (every record written).
pub async fn load_dataset(service: &TestService) {
    let authorization = format!("Bearer {}", access_token(API_KEY, API_SECRET));
    let events = events_json(&query_dataset::events());
    let stats = stats_json(&query_dataset::stats());
    for (path, body) in [("/v1/events", events), ("/v1/stats", stats)] {
        let response = post_json(&service.base_url, path, body, Some(&authorization)).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }
    let token = list_token(API_SECRET);
    let path = format!("/api/project/{PROJECT}/sessions");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = get(service, &path, Some(&token)).await;
        let sessions = body["sessions"].as_array().map(Vec::len).unwrap_or(0);
        let traffic = body["sessions"][1]["bandwidthOut"] == 7000;
        if status == 200 && sessions == 3 && traffic {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the dataset was not listed in 30 s (last answer {status} {body}); log:\n{}",
            service.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts the binary with `sink` (YAML flow settings) as its only sink, named `only` and
/// chosen by `api.query_sink`: whatever the API answers, that sink answered it.
pub async fn start_with_only(sink: &str) -> TestService {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let config = format!(
        "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    interval: 200ms\n    listen: 127.0.0.1:{port}\n    sinks:\n      only: {sink}\n    api: {{ query_sink: only }}\n"
    );
    let db_path = dir.path().join("unused.db");
    TestService::start_with_config(dir, db_path, port, &config).await
}

/// Posts what `sent` holds through the JSON API (events first, 100 a request), then waits
/// until `/v1/sessions` lists every room of it with all its traffic.
pub async fn load_sent(service: &TestService, sent: &Sent) {
    let authorization = format!("Bearer {}", access_token(API_KEY, API_SECRET));
    let bodies = sent
        .events
        .chunks(100)
        .map(|chunk| ("/v1/events", events_json(chunk)))
        .chain(
            sent.stats
                .chunks(100)
                .map(|chunk| ("/v1/stats", stats_json(chunk))),
        );
    for (path, body) in bodies {
        let response = post_json(&service.base_url, path, body, Some(&authorization)).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }
    let token = list_token(API_SECRET);
    let expected = (
        sent.rooms.len(),
        sent.total(|room| room.traffic.bytes_in),
        sent.total(|room| room.traffic.bytes_out),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = get(service, "/v1/sessions?limit=500", Some(&token)).await;
        let sessions = body["sessions"].as_array().cloned().unwrap_or_default();
        let sum = |field: &str| {
            sessions
                .iter()
                .filter_map(|s| s[field].as_i64())
                .sum::<i64>()
        };
        let listed = (sessions.len(), sum("bandwidth_in"), sum("bandwidth_out"));
        if status == 200 && listed == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not all sent was listed in 30 s ({listed:?}, expected {expected:?}; last answer {status} {body}); log:\n{}",
            service.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// GETs `path` with a `Cookie` header: status and JSON body.
pub async fn get_with_cookie(service: &TestService, path: &str, cookie: &str) -> (u16, Value) {
    let response = service
        .http
        .get(format!("{}{path}", service.base_url))
        .header("Cookie", cookie)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}
