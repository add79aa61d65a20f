//! Who may read `/v1/` and what a bad request gets, against the real binary: 401 without
//! credentials or with a bad token, 403 without `roomList`, the dashboard's session cookie
//! accepted until sign-out, 400 naming the parameter at fault, 404 for an unknown session,
//! participant or track; and the OpenAPI document served without credentials.

use serde_json::{json, Value};

use crate::read_api_support::{get, get_with_cookie, list_token, load_dataset};
use crate::support::{access_token, hs256_jwt, TestService, API_KEY, API_SECRET};

fn error(body: &Value) -> &str {
    body["error"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn read_api_v1_refuses_missing_and_bad_credentials() {
    let service = TestService::start("").await;
    let expired = hs256_jwt(
        &json!({"iss": API_KEY, "sub": "lk", "nbf": 1, "exp": 2, "video": {"roomList": true}}),
        API_SECRET,
    );
    let wrong_secret = list_token("another-secret-that-is-long-enough-for-hs256");
    let admin_only = access_token(API_KEY, API_SECRET);
    let cases: [(&str, Option<&str>, u16, &str); 5] = [
        (
            "no token",
            None,
            401,
            "no Authorization header and no dashboard session cookie",
        ),
        ("garbage", Some("not-a-jwt"), 401, "not a valid JWT"),
        ("expired", Some(&expired), 401, "expired"),
        ("wrong secret", Some(&wrong_secret), 401, "signature"),
        (
            "roomAdmin only",
            Some(&admin_only),
            403,
            "lacks the roomList grant",
        ),
    ];
    for path in [
        "/v1/sessions",
        "/v1/sessions/RM_x",
        "/v1/sessions/RM_x/participants/ann",
        "/v1/sessions/RM_x/tracks/TR_x/series",
        "/v1/sessions/RM_x/participants/ann/series",
        "/v1/overview",
    ] {
        for (what, token, status, message) in cases {
            let (got, body) = get(&service, path, token).await;
            assert_eq!(got, status, "{what} on {path}: {body}");
            assert!(error(&body).contains(message), "{what} on {path}: {body}");
        }
    }
    let log = service.log();
    assert!(
        !log.contains(&expired) && !log.contains(&admin_only),
        "no token in the log"
    );
}

#[tokio::test]
async fn read_api_v1_accepts_the_dashboard_cookie_until_sign_out() {
    let service = TestService::start("").await;
    let response = service
        .http
        .post(format!("{}/dashboard/session", service.base_url))
        .json(&json!({ "api_key": API_KEY, "api_secret": API_SECRET }))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status().as_u16(), 200);
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let (status, body) = get_with_cookie(&service, "/v1/sessions", &cookie).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"sessions": [], "next_cursor": null}));
    let (status, _) = get_with_cookie(&service, "/v1/overview", &cookie).await;
    assert_eq!(status, 200);
    service
        .http
        .delete(format!("{}/dashboard/session", service.base_url))
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("signed out");
    let (status, body) = get_with_cookie(&service, "/v1/sessions", &cookie).await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = get_with_cookie(&service, "/v1/sessions", "lka_dashboard=forged").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn read_api_v1_names_the_bad_parameter_and_the_unknown_id() {
    let service = TestService::start("").await;
    load_dataset(&service).await;
    let token = list_token(API_SECRET);
    let series = "/v1/sessions/RM_a/participants/alice/series";
    let cases = [
        ("/v1/sessions?from=yesterday", 400, "from must be"),
        ("/v1/sessions?to=2026-02-30", 400, "to must be"),
        (
            "/v1/sessions?from=2026-03-02&to=2026-03-01",
            400,
            "from must not be after to",
        ),
        (
            "/v1/sessions?limit=0",
            400,
            "limit must be a whole number from 1 to 500",
        ),
        (
            "/v1/sessions?limit=501",
            400,
            "limit must be a whole number from 1 to 500",
        ),
        (
            "/v1/sessions?cursor=bm90LWEtY3Vyc29y",
            400,
            "cursor is not one this API gave",
        ),
        (
            "/v1/sessions?status=open",
            400,
            "status must be active or ended",
        ),
        (
            "/v1/sessions?order=random",
            400,
            "order must be newest or oldest",
        ),
        (
            "/v1/overview?from=2025-01-01&to=2026-03-01",
            400,
            "longer than 400 days",
        ),
        (
            "/v1/overview?from=2026-03-02&to=2026-03-01",
            400,
            "from must not be after to",
        ),
        (&format!("{series}?points=0"), 400, "points must be"),
        (&format!("{series}?points=1001"), 400, "points must be"),
        (&format!("{series}?from=noon"), 400, "from must be"),
        ("/v1/sessions/RM_missing", 404, "no session of that id"),
        (
            "/v1/sessions/RM_a/participants/nobody",
            404,
            "participant of that identity",
        ),
        (
            "/v1/sessions/RM_missing/participants/alice",
            404,
            "participant of that identity",
        ),
        (
            "/v1/sessions/RM_a/tracks/TR_missing/series",
            404,
            "track of that sid",
        ),
        (
            "/v1/sessions/RM_a/participants/nobody/series",
            404,
            "participant of that identity",
        ),
    ];
    for (path, status, message) in cases {
        let (got, body) = get(&service, path, Some(&token)).await;
        assert_eq!(got, status, "{path}: {body}");
        assert!(error(&body).contains(message), "{path}: {body}");
    }
    let (status, body) = get(
        &service,
        "/v1/sessions?from=2026-03-01&to=2026-03-03",
        Some(&token),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sessions"].as_array().map(Vec::len), Some(3), "{body}");
    let (status, body) = get(
        &service,
        "/v1/sessions/RM_a/participants/alice",
        Some(&token),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["participant"]["reconnects"], 1, "{body}");
}

#[tokio::test]
async fn read_api_v1_serves_its_openapi_document_without_credentials() {
    let service = TestService::start("").await;
    let (status, body) = get(&service, "/v1/openapi.json", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["openapi"], "3.1.0");
    for path in [
        "/v1/sessions",
        "/v1/sessions/{session_id}",
        "/v1/overview",
        "/api/project/{project_id}/sessions",
    ] {
        assert!(body["paths"][path]["get"].is_object(), "{path} documented");
    }
}
