//! `GET /healthz` (alive), `GET /readyz` (every sink initialised) and `GET /metrics`.

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;

use crate::ingest::AppState;

pub async fn healthz() -> &'static str {
    "ok\n"
}

/// 200 when every sink is initialised; 503 naming the sinks that are not.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let not_ready: Vec<String> = state
        .pipeline
        .readiness()
        .into_iter()
        .filter(|(_, ready)| !ready)
        .map(|(name, _)| name)
        .collect();
    if not_ready.is_empty() {
        (StatusCode::OK, Json(json!({ "ready": true })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "ready": false, "not_ready": not_ready })),
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
