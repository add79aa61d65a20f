//! What the read API's tests share: the query compliance dataset posted to a running
//! service through the JSON API, tokens for the read API, and GET with a token.

use std::time::{Duration, Instant};

use analytics_core::testkit::query_dataset;
use livekit_api::access_token::{AccessToken, VideoGrants};
use serde_json::Value;

use crate::support::{
    access_token,
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
