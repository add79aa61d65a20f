//! Who may read, and what a bad request gets, with LiveKit Cloud's codes: 401 without a
//! valid token (none, wrong secret, expired, unknown key), 403 without the `roomList`
//! grant, 404 for an unknown project or session, 400 for a bad limit, page or date range;
//! and a `query_sink` that cannot answer queries refused at start with a clear message.

use serde_json::json;

use crate::read_api_support::{get, list_token, PROJECT};
use crate::support::{access_token, hs256_jwt, TestService, API_KEY, API_SECRET};

#[tokio::test]
async fn tokens_grants_and_bad_queries_get_the_cloud_codes() {
    let service = TestService::start("").await;
    let sessions = format!("/api/project/{PROJECT}/sessions");
    let good = list_token(API_SECRET);
    let expired = hs256_jwt(
        &json!({"iss": API_KEY, "sub": "lk", "nbf": 1, "exp": 2, "video": {"roomList": true}}),
        API_SECRET,
    );
    let unknown_key = hs256_jwt(
        &json!({"iss": "nokey", "sub": "lk", "exp": 4_000_000_000u64, "video": {"roomList": true}}),
        API_SECRET,
    );
    let wrong_secret = list_token("another-secret-that-is-long-enough-for-hs256");
    let admin_only = access_token(API_KEY, API_SECRET);
    let cases: [(&str, Option<&str>, u16); 7] = [
        ("no token", None, 401),
        ("garbage", Some("not-a-jwt"), 401),
        ("expired", Some(&expired), 401),
        ("unknown key", Some(&unknown_key), 401),
        ("wrong secret", Some(&wrong_secret), 401),
        ("roomAdmin without roomList", Some(&admin_only), 403),
        ("roomList", Some(&good), 200),
    ];
    for (what, token, status) in cases {
        for path in [sessions.clone(), format!("{sessions}/RM_missing")] {
            let (got, body) = get(&service, &path, token).await;
            let expected = if status == 200 && path.ends_with("RM_missing") {
                404
            } else {
                status
            };
            assert_eq!(got, expected, "{what} on {path}: {body}");
            if got != 200 {
                assert!(
                    body["error"].is_string(),
                    "{what}: a reason is given: {body}"
                );
            }
        }
    }
    let log = service.log();
    assert!(
        !log.contains(&good) && !log.contains(&expired),
        "no token in the log"
    );
    for (query, status) in [
        ("?limit=0", 400),
        ("?limit=-3", 400),
        ("?limit=abc", 400),
        ("?page=-1", 400),
        ("?start=2026-13-01", 400),
        ("?start=01-03-2026", 400),
        ("?end=2026-03-01T00:00:00Z", 400),
        ("?start=2026-03-02&end=2026-03-01", 400),
        ("?start=2026-03-01&end=2026-03-01", 200),
        ("?limit=1&page=0", 200),
    ] {
        let (got, body) = get(&service, &format!("{sessions}{query}"), Some(&good)).await;
        assert_eq!(got, status, "{query}: {body}");
    }
    let (got, _) = get(
        &service,
        "/api/project/another-project/sessions",
        Some(&good),
    )
    .await;
    assert_eq!(got, 404, "an unknown project id");
}

#[test]
fn a_query_sink_that_cannot_answer_queries_is_a_config_error() {
    if !cfg!(feature = "redis") {
        return;
    }
    let config = format!(
        "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    sinks:\n      cache: {{ type: redis, address: 127.0.0.1:9 }}\n    api: {{ query_sink: cache }}\n"
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_livekit-analytics"))
        .args(["check-config", "--config-body", &config])
        .output()
        .expect("check-config runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "refused");
    assert!(
        stderr.contains("openvidu.analytics.api.query_sink: sink `cache` cannot answer queries"),
        "says why: {stderr}"
    );
    let unknown = config.replace("query_sink: cache", "query_sink: nowhere");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_livekit-analytics"))
        .args(["check-config", "--config-body", &unknown])
        .output()
        .expect("check-config runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "refused");
    assert!(
        stderr.contains("names `nowhere`, which is not a configured sink"),
        "{stderr}"
    );
}
