//! [`ReadRefusal`]: why the read API did not answer, as the status code of LiveKit Cloud's
//! Analytics API and a JSON body `{"error": "..."}` saying what to do. The token itself is
//! never repeated.

use analytics_core::SinkError;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

/// A request the read API refuses, or could not answer.
#[derive(Debug)]
pub enum ReadRefusal {
    /// No token, or a malformed, expired, unsigned or unknown-key one (401).
    Unauthenticated(String),
    /// A valid token without the `roomList` grant (403).
    Forbidden,
    /// Another project id than the configured one (404).
    UnknownProject,
    /// No session of that id (404).
    UnknownSession,
    /// A bad `limit`, `page`, `start` or `end` (400).
    BadQuery(String),
    /// No configured sink answers queries (503).
    NoQuerySink,
    /// The query sink failed (503).
    Store(SinkError),
}

impl IntoResponse for ReadRefusal {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ReadRefusal::Unauthenticated(reason) => (
                StatusCode::UNAUTHORIZED,
                format!("{reason}; send Authorization: Bearer <a LiveKit access token with the roomList grant>"),
            ),
            ReadRefusal::Forbidden => (
                StatusCode::FORBIDDEN,
                "the access token lacks the roomList grant (lk token create --list makes one)".to_owned(),
            ),
            ReadRefusal::UnknownProject => (
                StatusCode::NOT_FOUND,
                "unknown project id (see openvidu.analytics.api.project_id)".to_owned(),
            ),
            ReadRefusal::UnknownSession => {
                (StatusCode::NOT_FOUND, "no session of that id".to_owned())
            }
            ReadRefusal::BadQuery(reason) => (StatusCode::BAD_REQUEST, reason),
            ReadRefusal::NoQuerySink => (
                StatusCode::SERVICE_UNAVAILABLE,
                "no configured sink answers queries; configure a SQLite, PostgreSQL or MongoDB sink".to_owned(),
            ),
            ReadRefusal::Store(error) => {
                tracing::warn!(error = %error, "the query sink could not answer the read API");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the query sink could not answer; retry later".to_owned(),
                )
            }
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}
