//! [`ApiError`]: the clear answer to a request that changes nothing (401, 403, 400, 413, 503),
//! counted in `livekit_analytics_rejected_total` by [`crate::server::AppState::refuse`].
//!
//! A full disk under the disk buffer is answered 503 with `Retry-After` and reason
//! `disk_full`, not 507: it passes once space is freed, and LiveKit (like any HTTP client)
//! retries a 503 while a 507 reads as final.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::auth::AuthError;

/// An HTTP error answer with its reason.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub source: &'static str,
    pub reason: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(
        source: &'static str,
        reason: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            source,
            reason,
            message: message.into(),
        }
    }

    pub fn from_auth(source: &'static str, error: AuthError) -> ApiError {
        ApiError {
            status: if error.is_bad_request() {
                StatusCode::BAD_REQUEST
            } else if error.is_forbidden() {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNAUTHORIZED
            },
            source,
            reason: error.reason(),
            message: error.to_string(),
        }
    }

    pub fn queue_full(source: &'static str, sink: &str) -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            source,
            reason: "queue_full",
            message: format!("the queue of sink `{sink}` is full; retry later"),
        }
    }

    /// The disk buffer's file system is full: nothing of the request was kept.
    pub fn disk_full(source: &'static str) -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            source,
            reason: DISK_FULL,
            message:
                "the disk of the disk buffer (buffer.dir) is full; nothing was stored; retry later"
                    .into(),
        }
    }

    /// The disk buffer could not be written for another reason: nothing was kept.
    pub fn disk_buffer_error(source: &'static str) -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            source,
            reason: "disk_buffer_error",
            message:
                "the disk buffer (buffer.dir) cannot be written; nothing was stored; retry later"
                    .into(),
        }
    }

    /// Seconds a client should wait before retrying a 503.
    fn retry_after(&self) -> &'static str {
        if self.reason == DISK_FULL {
            // Space comes back when an operator frees it or sinks catch up: not in a second.
            "5"
        } else {
            "1"
        }
    }
}

/// The reason of a refusal because the disk buffer's disk is full.
const DISK_FULL: &str = "disk_full";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        tracing::debug!(source = self.source, reason = self.reason, status = %self.status, message = %self.message, "request refused");
        let mut response = (
            self.status,
            Json(json!({ "error": self.message, "reason": self.reason })),
        )
            .into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(self.retry_after()),
            );
        }
        response
    }
}
