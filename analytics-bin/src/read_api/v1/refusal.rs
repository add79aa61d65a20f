//! [`V1Refusal`]: why a `/v1/` request got no answer, as a status code and a JSON body
//! `{"error": "..."}` that names the parameter at fault or says what to send. A token is
//! never repeated.

use analytics_core::SinkError;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::read_api::ReadRefusal;

/// A `/v1/` request refused, or that could not be answered.
#[derive(Debug)]
pub enum V1Refusal {
    /// No credentials, or a malformed, expired, wrongly signed or unknown-key token (401).
    Unauthenticated(String),
    /// A valid token without the `roomList` grant (403).
    Forbidden,
    /// A bad query parameter; the message names it (400).
    BadParameter(String),
    /// No session, participant or track of that id (404); says which.
    NotFound(&'static str),
    /// No configured sink answers queries (503).
    NoQuerySink,
    /// The query sink failed (503).
    Store(SinkError),
}

impl V1Refusal {
    /// A bad value of parameter `name`: what it must be.
    pub fn bad(name: &str, must: &str) -> V1Refusal {
        V1Refusal::BadParameter(format!("{name} must be {must}"))
    }
}

impl From<ReadRefusal> for V1Refusal {
    fn from(refusal: ReadRefusal) -> V1Refusal {
        match refusal {
            ReadRefusal::Unauthenticated(reason) => V1Refusal::Unauthenticated(reason),
            ReadRefusal::Forbidden => V1Refusal::Forbidden,
            ReadRefusal::UnknownProject | ReadRefusal::UnknownSession => {
                V1Refusal::NotFound("no session of that id")
            }
            ReadRefusal::BadQuery(reason) => V1Refusal::BadParameter(reason),
            ReadRefusal::NoQuerySink => V1Refusal::NoQuerySink,
            ReadRefusal::Store(error) => V1Refusal::Store(error),
        }
    }
}

impl From<SinkError> for V1Refusal {
    fn from(error: SinkError) -> V1Refusal {
        V1Refusal::Store(error)
    }
}

impl IntoResponse for V1Refusal {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            V1Refusal::Unauthenticated(reason) => (
                StatusCode::UNAUTHORIZED,
                format!(
                    "{reason}; send Authorization: Bearer <a LiveKit access token with the roomList grant>, or sign in to the dashboard"
                ),
            ),
            V1Refusal::Forbidden => (
                StatusCode::FORBIDDEN,
                "the access token lacks the roomList grant (lk token create --list makes one)"
                    .to_owned(),
            ),
            V1Refusal::BadParameter(reason) => (StatusCode::BAD_REQUEST, reason),
            V1Refusal::NotFound(what) => (StatusCode::NOT_FOUND, what.to_owned()),
            V1Refusal::NoQuerySink => (
                StatusCode::SERVICE_UNAVAILABLE,
                "no configured sink answers queries; configure a SQLite, PostgreSQL or MongoDB sink"
                    .to_owned(),
            ),
            V1Refusal::Store(error) => {
                tracing::warn!(error = %error, "the query sink could not answer the /v1 read API");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the query sink could not answer; retry later".to_owned(),
                )
            }
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}
