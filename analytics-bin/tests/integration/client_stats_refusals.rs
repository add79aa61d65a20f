//! `POST /v1/client/stats` refused, storing nothing: a participant sid the stored events
//! give to another identity or room (403), bad tokens (401) and tokens that are not a
//! participant's (403), pages of origins not configured (403, and no CORS grant on their
//! preflight), past the rate limit or the per-request cap (429 with `Retry-After`, counted),
//! malformed or oversized bodies (400, 413).

use serde_json::{json, Value};

use crate::client_stats_support::{
    assert_nothing_stored, metric, one_stat, open_client_room, participant_token, post, post_batch,
    sample_batch, signed_claims, PATH,
};
use crate::support::{access_token, TestService, API_KEY};

const REFUSED: &str = "livekit_analytics_client_stats_refused_total";

#[tokio::test]
async fn client_stats_naming_another_identitys_or_rooms_participant_are_forbidden() {
    let service = TestService::start("").await;
    open_client_room(&service).await;
    let cases = [
        ("rm_client", "pa_bob", "RM_CLIENT", "another identity's sid"),
        (
            "rm_client",
            "pa_bob",
            "",
            "another identity's sid, no room sid",
        ),
        (
            "rm_other",
            "pa_alice",
            "RM_CLIENT",
            "a token for another room",
        ),
    ];
    for (room, identity, room_sid, case) in cases {
        let token = participant_token(room, identity);
        let (status, answer) = post_batch(
            &service,
            &token,
            &sample_batch("PA_ALICE", room_sid, identity),
        )
        .await;
        assert_eq!(status, 403, "{case}: {answer}");
        assert_eq!(answer["reason"], "foreign_participant", "{case}");
    }
    assert_nothing_stored(&service).await;
    assert_eq!(
        metric(
            &service,
            &format!("{REFUSED}{{reason=\"foreign_participant\"}}")
        )
        .await,
        3.0
    );
}

#[tokio::test]
async fn bad_tokens_are_401_and_tokens_that_are_not_a_participants_403() {
    let service = TestService::start("").await;
    let body = sample_batch("", "", "pa_alice").to_string().into_bytes();
    let join = json!({ "roomJoin": true, "room": "rm_client" });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let expired = signed_claims(
        json!({ "sub": "pa_alice", "video": join, "nbf": now - 1200, "exp": now - 600 }),
    );
    let not_yet = signed_claims(
        json!({ "sub": "pa_alice", "video": join, "nbf": now + 600, "exp": now + 1200 }),
    );
    let wrong_secret = livekit_api::access_token::AccessToken::with_api_key(
        API_KEY,
        "another-secret-that-is-long-enough",
    )
    .with_identity("pa_alice")
    .with_grants(livekit_api::access_token::VideoGrants {
        room_join: true,
        room: "rm_client".into(),
        ..Default::default()
    })
    .to_jwt()
    .expect("signed");
    let unauthenticated: [(Option<&str>, &str); 4] = [
        (None, "no token"),
        (Some(&expired), "expired"),
        (Some(&not_yet), "not yet valid"),
        (Some(&wrong_secret), "wrongly signed"),
    ];
    for (token, case) in unauthenticated {
        let response = post(&service, token, None, body.clone()).await;
        assert_eq!(response.status(), 401, "{case}");
        let answer: Value = response.json().await.expect("JSON answer");
        assert!(answer["error"].is_string(), "{case}: {answer}");
    }
    let admin = access_token(API_KEY, crate::support::API_SECRET);
    let no_room = signed_claims(json!({ "sub": "pa_alice", "video": { "roomJoin": true } }));
    let no_identity = signed_claims(json!({ "video": join }));
    let list_only = signed_claims(
        json!({ "sub": "pa_alice", "video": { "roomList": true, "room": "rm_client" } }),
    );
    let forbidden = [
        (&admin, "a server token (roomAdmin, no roomJoin)"),
        (&no_room, "roomJoin without a room"),
        (&no_identity, "no identity"),
        (&list_only, "no roomJoin grant"),
    ];
    for (token, case) in forbidden {
        let response = post(&service, Some(token), None, body.clone()).await;
        assert_eq!(response.status(), 403, "{case}");
        let answer: Value = response.json().await.expect("JSON answer");
        assert_eq!(answer["reason"], "missing_grant", "{case}: {answer}");
    }
    assert_nothing_stored(&service).await;
    assert_eq!(
        metric(&service, &format!("{REFUSED}{{reason=\"missing_grant\"}}")).await,
        4.0
    );
}

#[tokio::test]
async fn over_the_rate_limit_or_the_per_request_cap_is_429_with_retry_after_and_counted() {
    let service = TestService::start(
        "    api:\n      client_stats: { rate_per_second: 0.1, burst: 2, max_stats_per_request: 3 }\n",
    )
    .await;
    let alice = participant_token("rm_client", "pa_alice");
    let four = json!({ "stats": [one_stat("TR_1"), one_stat("TR_2"), one_stat("TR_3"), one_stat("TR_4")] });
    let response = post(&service, Some(&alice), None, four.to_string().into_bytes()).await;
    assert_eq!(response.status(), 429, "more stats than the cap");
    assert_eq!(
        response.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    let answer: Value = response.json().await.expect("JSON answer");
    assert_eq!(answer["reason"], "too_many_stats");

    let one = json!({ "stats": [one_stat("TR_1")] });
    let (status, _) = post_batch(&service, &alice, &one).await;
    assert_eq!(status, 202, "the second request of the burst");
    let response = post(&service, Some(&alice), None, one.to_string().into_bytes()).await;
    assert_eq!(response.status(), 429, "past the burst");
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    let answer: Value = response.json().await.expect("JSON answer");
    assert_eq!(answer["reason"], "rate_limited");

    let bob = participant_token("rm_client", "pa_bob");
    let (status, _) = post_batch(&service, &bob, &json!({ "stats": [one_stat("TR_B")] })).await;
    assert_eq!(status, 202, "another participant has its own budget");

    service
        .wait_for_count("SELECT COUNT(*) FROM stats", 2)
        .await;
    assert_eq!(
        metric(&service, &format!("{REFUSED}{{reason=\"rate_limited\"}}")).await,
        1.0
    );
    assert_eq!(
        metric(&service, &format!("{REFUSED}{{reason=\"too_many_stats\"}}")).await,
        1.0
    );
}

/// A preflight of the collector's request from `origin`.
async fn preflight(service: &TestService, origin: &str) -> reqwest::Response {
    service
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}{PATH}", service.base_url),
        )
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .expect("request sent")
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_lowercase)
}

#[tokio::test]
async fn only_configured_origins_may_post_from_a_browser_preflight_included() {
    let service =
        TestService::start("    api:\n      cors_origins: [\"https://app.example.com\"]\n").await;
    let allowed = preflight(&service, "https://app.example.com").await;
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        header(&allowed, "access-control-allow-origin").as_deref(),
        Some("https://app.example.com")
    );
    let methods = header(&allowed, "access-control-allow-methods").unwrap_or_default();
    assert!(methods.contains("post"), "{methods}");
    let headers = header(&allowed, "access-control-allow-headers").unwrap_or_default();
    assert!(
        headers.contains("authorization") && headers.contains("content-type"),
        "{headers}"
    );
    let refused = preflight(&service, "https://evil.example.com").await;
    assert_eq!(
        header(&refused, "access-control-allow-origin"),
        None,
        "no CORS grant: the browser refuses"
    );

    let token = participant_token("rm_client", "pa_alice");
    let body = json!({ "stats": [one_stat("TR_1")] })
        .to_string()
        .into_bytes();
    let response = post(
        &service,
        Some(&token),
        Some("https://evil.example.com"),
        body.clone(),
    )
    .await;
    assert_eq!(response.status(), 403);
    let answer: Value = response.json().await.expect("JSON answer");
    assert_eq!(answer["reason"], "foreign_origin");
    assert_nothing_stored(&service).await;

    let response = post(
        &service,
        Some(&token),
        Some("https://app.example.com"),
        body,
    )
    .await;
    assert_eq!(response.status(), 202);
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some("https://app.example.com")
    );
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", 1)
        .await;
    assert_eq!(
        metric(&service, &format!("{REFUSED}{{reason=\"foreign_origin\"}}")).await,
        1.0
    );
}

#[tokio::test]
async fn with_no_origin_configured_every_cross_origin_page_is_refused() {
    let service = TestService::start("").await;
    let refused = preflight(&service, "http://localhost:3000").await;
    assert_eq!(header(&refused, "access-control-allow-origin"), None);
    let token = participant_token("rm_client", "pa_alice");
    let body = json!({ "stats": [one_stat("TR_1")] })
        .to_string()
        .into_bytes();
    let response = post(&service, Some(&token), Some("http://localhost:3000"), body).await;
    assert_eq!(response.status(), 403);
    assert_nothing_stored(&service).await;
}

#[tokio::test]
async fn malformed_or_oversized_bodies_are_4xx_saying_why() {
    let service = TestService::start("    max_body_bytes: 4096\n").await;
    let token = participant_token("rm_client", "pa_alice");
    let cases: [(&[u8], &str); 5] = [
        (b"not json", "expected"),
        (
            br#"{"stats":[{"kind":"SIDEWAYS","time_stamp_ms":1764583200000,"track_sid":"TR_1"}]}"#,
            "stats[0].kind",
        ),
        (
            br#"{"stats":[{"kind":"UPSTREAM","time_stamp_ms":1764583200000}]}"#,
            "track_sid",
        ),
        (
            br#"{"stats":[{"kind":"UPSTREAM","time_stamp_ms":1764583200000,"track_sid":"TR_1","score":9}]}"#,
            "stats[0].score",
        ),
        (
            br#"{"stats":[{"kind":"UPSTREAM","time_stamp_ms":1764583200000,"track_sid":"TR_1","streams":[{"bytes":"many"}]}]}"#,
            "stats[0].streams[0].bytes",
        ),
    ];
    for (body, named) in cases {
        let response = post(&service, Some(&token), None, body.to_vec()).await;
        assert_eq!(response.status(), 400, "{named}");
        let answer: Value = response.json().await.expect("JSON answer");
        assert_eq!(answer["reason"], "malformed_body", "{named}");
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(message.contains(named), "names {named}: {message}");
    }
    let huge = json!({ "stats": [one_stat(&"x".repeat(8192))] })
        .to_string()
        .into_bytes();
    let response = post(&service, Some(&token), None, huge).await;
    assert_eq!(response.status(), 413);
    let answer: Value = response.json().await.expect("JSON answer");
    assert_eq!(answer["reason"], "body_too_large");
    assert_nothing_stored(&service).await;
}
