//! `/dashboard/session`: sign in (POST an API key and its secret: a session cookie),
//! who is signed in (GET) and sign out (DELETE). Failed sign-ins are limited per client
//! address and counted; neither the secret nor the session token is ever logged.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::Arc,
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::{rejection::JsonRejection, ConnectInfo, State},
    http::{header, Extensions, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::json;

use super::{
    cookie::{cleared_cookie, session_cookie, session_token},
    sessions::DashboardSession,
    Dashboard, SignedIn,
};

/// What the sign-in form posts. No `Debug`: it holds a secret.
#[derive(Deserialize)]
pub struct SignIn {
    api_key: String,
    api_secret: String,
}

/// An answer that no cache keeps.
fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

fn refusal(status: StatusCode, message: &str) -> Response {
    answer(status, json!({ "error": message }))
}

/// The client's address as the listener saw it (a reverse proxy's own address behind one).
fn client_address(extensions: &Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

fn session_body(session: &DashboardSession) -> serde_json::Value {
    json!({ "api_key": session.api_key, "expires_at": unix_millis(session.expires_at) })
}

/// `POST /dashboard/session`: 200 with the cookie, 401 for a wrong key or secret, 429 with
/// `Retry-After` once the client address has failed too often, 400 for a malformed body.
pub async fn sign_in(
    State(dashboard): State<Arc<Dashboard>>,
    extensions: Extensions,
    body: Result<Json<SignIn>, JsonRejection>,
) -> Response {
    let client = client_address(&extensions);
    let now = Instant::now();
    if let Err(wait) = dashboard.limit.check(client, now) {
        dashboard.metrics.dashboard_sign_in_failed("rate_limited");
        tracing::warn!(client = %client, "dashboard sign-in refused: too many failures");
        let seconds = wait.as_secs_f64().ceil() as u64;
        let mut response = refusal(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("too many failed sign-ins: try again in {seconds} s"),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, seconds.into());
        return response;
    }
    let Ok(Json(sign_in)) = body else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "expected a JSON body {\"api_key\": ..., \"api_secret\": ...}",
        );
    };
    let Some(api_key) = dashboard
        .credentials
        .check(&sign_in.api_key, &sign_in.api_secret)
    else {
        dashboard.limit.failed(client, now);
        dashboard
            .metrics
            .dashboard_sign_in_failed("wrong_credentials");
        tracing::warn!(client = %client, "dashboard sign-in refused: wrong API key or secret");
        return refusal(StatusCode::UNAUTHORIZED, "wrong API key or secret");
    };
    let token = dashboard.sessions.open(api_key);
    tracing::info!(api_key, client = %client, "dashboard sign-in");
    let cookie = session_cookie(
        &token,
        dashboard.sessions.lifetime(),
        dashboard.secure_cookie,
    );
    let mut response = match dashboard.sessions.get(&token) {
        Some(session) => answer(StatusCode::OK, session_body(&session)),
        None => refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the session expired at once",
        ),
    };
    if let Ok(value) = cookie.parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `GET /dashboard/session`: who is signed in, and until when (401 when nobody is).
pub async fn current(signed_in: SignedIn) -> Response {
    answer(StatusCode::OK, session_body(&signed_in.0))
}

/// `DELETE /dashboard/session`: ends the session and deletes the cookie (204 either way).
pub async fn sign_out(State(dashboard): State<Arc<Dashboard>>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers) {
        if let Some(session) = dashboard.sessions.get(token) {
            tracing::info!(api_key = %session.api_key, "dashboard sign-out");
        }
        dashboard.sessions.close(token);
    }
    let cookie = cleared_cookie(dashboard.secure_cookie);
    let mut response = (
        StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, "no-store")],
    )
        .into_response();
    if let Ok(value) = cookie.parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
