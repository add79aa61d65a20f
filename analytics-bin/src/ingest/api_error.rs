//! [`ApiError`]: the clear answer to a request that changes nothing (401, 403, 400, 413, 503),
//! counted in `livekit_analytics_rejected_total` by [`crate::ingest::AppState::refuse`].
//!
//! A full disk under the disk buffer is answered 503 with `Retry-After` and reason
//! `disk_full`, not 507: it passes once space is freed, and LiveKit (like any HTTP client)
//! retries a 503 while a 507 reads as final.

use analytics_core::SharedLogRefusal;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::{auth::AuthError, ingest::refusal_reason::RefusalReason};

/// An HTTP error answer with its reason.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub source: &'static str,
    pub reason: RefusalReason,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(
        source: &'static str,
        reason: RefusalReason,
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
            reason: RefusalReason::from(&error),
            message: error.to_string(),
        }
    }

    pub fn queue_full(source: &'static str, sink: &str) -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            source,
            reason: RefusalReason::QueueFull,
            message: format!("the queue of sink `{sink}` is full; retry later"),
        }
    }

    /// The disk buffer's file system is full: nothing of the request was kept.
    pub fn disk_full(source: &'static str) -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            source,
            reason: RefusalReason::DiskFull,
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
            reason: RefusalReason::DiskBufferError,
            message:
                "the disk buffer (buffer.dir) cannot be written; nothing was stored; retry later"
                    .into(),
        }
    }
}

impl ApiError {
    /// The shared NATS stream did not take the records (some may be stored: the retry
    /// stores them once).
    pub fn shared_log(source: &'static str, refusal: &SharedLogRefusal) -> ApiError {
        let reason = match refusal {
            SharedLogRefusal::Full(_) => RefusalReason::SharedLogFull,
            SharedLogRefusal::Unavailable(_) => RefusalReason::SharedLogUnavailable,
        };
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            source,
            reason,
            message: format!("{refusal}; retry later"),
        }
    }

    /// This instance only writes (`role: writer`): send records to an ingest instance.
    pub fn writer_only(source: &'static str) -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            source,
            reason: RefusalReason::WriterOnly,
            message: "this instance only writes (openvidu.analytics.role: writer); send records to an ingest instance".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        tracing::debug!(source = self.source, reason = %self.reason, status = %self.status, message = %self.message, "request refused");
        let mut response = (
            self.status,
            Json(json!({ "error": self.message, "reason": self.reason.as_str() })),
        )
            .into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(self.reason.retry_after()),
            );
        }
        response
    }
}
