//! What the read API's tests share: the query compliance dataset (or the `/v1/` tests'
//! simulated sessions) posted to a running service through the JSON API, a check run on the
//! service with PostgreSQL or MongoDB as its one query sink, tokens for the read API, and
//! GET with a token.

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
    post_all(
        service,
        [
            ("/v1/events", events_json(&query_dataset::events())),
            ("/v1/stats", stats_json(&query_dataset::stats())),
        ],
    )
    .await;
    let path = format!("/api/project/{PROJECT}/sessions");
    wait_until_listed(service, &path, |status, body| {
        let sessions = body["sessions"].as_array().map(Vec::len).unwrap_or(0);
        let traffic = body["sessions"][1]["bandwidthOut"] == 7000;
        if status == 200 && sessions == 3 && traffic {
            return Ok(());
        }
        Err(format!(
            "the dataset was not listed in 30 s (last answer {status} {body})"
        ))
    })
    .await;
}

/// Posts each `(path, body)` through the JSON API with an ingest token, asserting success.
pub async fn post_all(service: &TestService, bodies: impl IntoIterator<Item = (&str, Vec<u8>)>) {
    let authorization = format!("Bearer {}", access_token(API_KEY, API_SECRET));
    for (path, body) in bodies {
        let response = post_json(&service.base_url, path, body, Some(&authorization)).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }
}

/// GETs `path` with a `roomList` token every 100 ms until `listed` accepts the answer
/// (status and body); after 30 s panics with what `listed` said of the last one and the
/// service log.
async fn wait_until_listed(
    service: &TestService,
    path: &str,
    listed: impl Fn(u16, &Value) -> Result<(), String>,
) {
    let token = list_token(API_SECRET);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = get(service, path, Some(&token)).await;
        let Err(missing) = listed(status, &body) else {
            return;
        };
        assert!(
            Instant::now() < deadline,
            "{missing}; log:\n{}",
            service.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `check` against the binary with PostgreSQL (a fresh schema, dropped afterwards) as
/// its only sink; returns at once without the `postgres` feature or a test server.
pub async fn on_only_postgres(check: impl AsyncFnOnce(&TestService)) {
    if !cfg!(feature = "postgres") {
        return;
    }
    let Some(schema) = sink_postgres::testkit::TestSchema::new().await else {
        return;
    };
    let sink = format!(
        "{{ type: postgres, url: \"{}\", schema: {} }}",
        schema.url, schema.name
    );
    let service = start_with_only(&sink).await;
    check(&service).await;
    drop(service);
    schema.drop().await;
}

/// Runs `check` against the binary with MongoDB (a fresh database, dropped afterwards) as
/// its only sink; returns at once without the `mongo` feature or `LKA_TEST_MONGO_URL`.
pub async fn on_only_mongo(check: impl AsyncFnOnce(&TestService)) {
    if !cfg!(feature = "mongo") {
        return;
    }
    let Some(url) = analytics_core::testkit::server_url("LKA_TEST_MONGO_URL") else {
        return;
    };
    let database = sink_mongo::testkit::fresh_database_name();
    let service = start_with_only(&format!(
        "{{ type: mongo, url: \"{url}\", database: {database} }}"
    ))
    .await;
    check(&service).await;
    drop(service);
    sink_mongo::testkit::drop_database(&url, &database)
        .await
        .expect("database dropped");
}

/// Starts the binary with `sink` (YAML flow settings) as its only sink, named `only` and
/// chosen by `api.query_sink`: whatever the API answers, that sink answered it.
async fn start_with_only(sink: &str) -> TestService {
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
    let bodies = sent
        .events
        .chunks(100)
        .map(|chunk| ("/v1/events", events_json(chunk)))
        .chain(
            sent.stats
                .chunks(100)
                .map(|chunk| ("/v1/stats", stats_json(chunk))),
        );
    post_all(service, bodies).await;
    let expected = (
        sent.rooms.len(),
        sent.total(|room| room.traffic.bytes_in),
        sent.total(|room| room.traffic.bytes_out),
    );
    wait_until_listed(service, "/v1/sessions?limit=500", |status, body| {
        let sessions = body["sessions"].as_array().cloned().unwrap_or_default();
        let sum = |field: &str| {
            sessions
                .iter()
                .filter_map(|s| s[field].as_i64())
                .sum::<i64>()
        };
        let listed = (sessions.len(), sum("bandwidth_in"), sum("bandwidth_out"));
        if status == 200 && listed == expected {
            return Ok(());
        }
        Err(format!(
            "not all sent was listed in 30 s ({listed:?}, expected {expected:?}; last answer {status} {body})"
        ))
    })
    .await;
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
