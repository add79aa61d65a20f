//! `POST /webhook`: a LiveKit webhook, authenticated by its signed JWT (raw in
//! `Authorization`, body SHA-256 claim), stored as an analytics event.

use axum::{
    body::Bytes,
    extract::State,
    http::{header::AUTHORIZATION, HeaderMap, StatusCode},
};

use crate::ingest::{admit, webhook_event::to_analytics_event, ApiError, AppState, RefusalReason};

const SOURCE: &str = "webhook";

pub async fn receive_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let authorization = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let body = std::str::from_utf8(&body).map_err(|_| {
        state.refuse(ApiError::bad_request(
            SOURCE,
            RefusalReason::MalformedBody,
            "the body is not UTF-8 text",
        ))
    })?;
    let webhook = state
        .keys
        .receive_webhook(body, authorization)
        .map_err(|error| state.refuse(ApiError::from_auth(SOURCE, error)))?;
    let name = webhook.event.clone();
    let Some(event) = to_analytics_event(webhook) else {
        tracing::debug!(event = %name, "webhook event not stored");
        state.pipeline.metrics().ignored(SOURCE, "unknown_event");
        return Ok(StatusCode::OK);
    };
    admit(&state, SOURCE, vec![event], Vec::new())
        .await
        .map_err(|error| state.refuse(error))?;
    Ok(StatusCode::OK)
}
