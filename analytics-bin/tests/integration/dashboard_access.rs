//! The dashboard's access over HTTP against the real binary: the session cookie's flags
//! and expiry, sign-out ending the session on the server, failed sign-ins limited per
//! client address (429 with Retry-After) and counted in the metric, the security headers
//! on every dashboard response, and no secret or session token in the log.

use reqwest::{header, StatusCode};
use serde_json::json;

use crate::support::{TestService, API_KEY, API_SECRET};

async fn sign_in(service: &TestService, key: &str, secret: &str) -> reqwest::Response {
    service
        .http
        .post(format!("{}/dashboard/session", service.base_url))
        .json(&json!({ "api_key": key, "api_secret": secret }))
        .send()
        .await
        .expect("request sent")
}

async fn with_cookie(service: &TestService, method: reqwest::Method, cookie: &str) -> u16 {
    service
        .http
        .request(method, format!("{}/dashboard/session", service.base_url))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .expect("request sent")
        .status()
        .as_u16()
}

fn set_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|value| value.to_str().ok())
        .expect("a Set-Cookie header")
        .to_owned()
}

#[tokio::test]
async fn dashboard_sign_in_gives_an_http_only_same_site_strict_cookie_until_sign_out() {
    let service = TestService::start("    dashboard:\n      session_lifetime: 1h\n").await;
    let response = sign_in(&service, API_KEY, API_SECRET).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = set_cookie(&response);
    assert!(
        cookie.ends_with("; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict"),
        "{cookie}"
    );
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["api_key"], API_KEY);
    let pair = cookie.split(';').next().expect("name=value").to_owned();
    let token = pair.trim_start_matches("lka_dashboard=").to_owned();
    assert_eq!(token.len(), 43, "a 256-bit token: {pair}");

    assert_eq!(
        with_cookie(&service, reqwest::Method::GET, &pair).await,
        200
    );
    assert_eq!(
        with_cookie(&service, reqwest::Method::DELETE, &pair).await,
        204
    );
    assert_eq!(
        with_cookie(&service, reqwest::Method::GET, &pair).await,
        401,
        "the session is ended on the server, not only in the browser"
    );
    let log = service.log();
    assert!(log.contains("dashboard sign-in"), "{log}");
    assert!(!log.contains(API_SECRET) && !log.contains(&token), "{log}");
}

#[tokio::test]
async fn dashboard_cookie_is_secure_when_configured() {
    let service = TestService::start("    dashboard:\n      secure_cookie: true\n").await;
    let response = sign_in(&service, API_KEY, API_SECRET).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = set_cookie(&response);
    assert!(
        cookie.contains("; Max-Age=43200; HttpOnly; SameSite=Strict; Secure"),
        "{cookie}"
    );
}

#[tokio::test]
async fn dashboard_failed_sign_ins_are_limited_per_address_and_counted() {
    let service =
        TestService::start("    dashboard:\n      sign_in_failures_per_minute: 3\n").await;
    for _ in 0..3 {
        let response = sign_in(&service, API_KEY, "wrong-secret").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = response.json().await.expect("JSON");
        assert_eq!(body["error"], "wrong API key or secret");
    }
    for secret in ["wrong-secret", API_SECRET] {
        let response = sign_in(&service, API_KEY, secret).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry_after: u64 = response.headers()[header::RETRY_AFTER]
            .to_str()
            .expect("text")
            .parse()
            .expect("seconds");
        assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
        assert!(response.headers().get(header::SET_COOKIE).is_none());
    }
    let (_, metrics) = service.get_text("/metrics").await;
    for line in [
        "livekit_analytics_dashboard_sign_in_failures_total{reason=\"wrong_credentials\"} 3",
        "livekit_analytics_dashboard_sign_in_failures_total{reason=\"rate_limited\"} 2",
    ] {
        assert!(metrics.contains(line), "{line} missing from:\n{metrics}");
    }
    let log = service.log();
    assert!(
        !log.contains("wrong-secret") && !log.contains(API_SECRET),
        "{log}"
    );
}

#[tokio::test]
async fn dashboard_responses_carry_the_content_security_policy() {
    let service = TestService::start("").await;
    for (path, status, content_type) in [
        ("/", 200, "text/html; charset=utf-8"),
        ("/assets/js/main.js", 200, "text/javascript; charset=utf-8"),
        (
            "/assets/vendor/uplot/uPlot.esm.js",
            200,
            "text/javascript; charset=utf-8",
        ),
        ("/assets/app.css", 200, "text/css; charset=utf-8"),
        ("/assets/no-such-file.js", 404, "text/plain; charset=utf-8"),
        ("/dashboard/session", 401, "application/json"),
    ] {
        let response = service
            .http
            .get(format!("{}{path}", service.base_url))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status().as_u16(), status, "{path}");
        let headers = response.headers();
        assert_eq!(headers[header::CONTENT_TYPE], content_type, "{path}");
        let policy = headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("text");
        assert!(policy.contains("script-src 'self';"), "{path}: {policy}");
        assert!(!policy.contains("unsafe"), "{path}: {policy}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
    }
}

#[tokio::test]
async fn dashboard_page_has_no_inline_script_or_event_attribute() {
    let service = TestService::start("").await;
    let (_, html) = service.get_text("/").await;
    let lower = html.to_lowercase();
    for script in lower.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(tag.contains(" src="), "an inline <script{tag}>");
        assert!(script
            .split('>')
            .nth(1)
            .unwrap_or_default()
            .starts_with("</script"));
    }
    for attribute in [" onclick", " onload", " onerror", " onsubmit"] {
        assert!(!lower.contains(attribute), "{attribute} in the page");
    }
}

#[test]
fn dashboard_url_and_dev_credentials_are_printed_in_dev_mode() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("temp dir");
    let port = crate::support::free_port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_livekit-analytics"))
        .args(["--dev", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir.path())
        .env_remove("LIVEKIT_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("livekit-analytics starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines_tx.send(line);
        }
    });
    let printed: Vec<String> = (0..2)
        .map_while(|_| {
            lines_rx
                .recv_timeout(std::time::Duration::from_secs(30))
                .ok()
        })
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        printed,
        [
            format!("dashboard: http://127.0.0.1:{port}/"),
            "dashboard sign-in (dev): API key devkey, secret secret".to_owned(),
        ]
    );
}
