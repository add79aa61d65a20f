//! `GET /healthz` (alive), `GET /readyz` (every sink initialised, no sink waiting for an
//! operator) and `GET /metrics`.

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;

use crate::ingest::AppState;

pub async fn healthz() -> &'static str {
    "ok\n"
}

/// 200 when every sink is initialised and none has an unresolved operator problem; 503
/// naming the sinks that are not ready and, under `problems`, each operator problem
/// (`{sink, class, error}`: permission, authentication, schema, settings) until the sink
/// writes again.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let not_ready: Vec<String> = state
        .pipeline
        .readiness()
        .into_iter()
        .filter(|(_, ready)| !ready)
        .map(|(name, _)| name)
        .collect();
    let problems: Vec<_> = state
        .pipeline
        .problems()
        .into_iter()
        .map(|(sink, problem)| {
            json!({ "sink": sink, "class": problem.class.as_str(), "error": problem.error })
        })
        .collect();
    if not_ready.is_empty() && problems.is_empty() {
        (StatusCode::OK, Json(json!({ "ready": true })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "ready": false, "not_ready": not_ready, "problems": problems })),
        )
    }
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.pipeline.metrics().encode(),
    )
}
