//! [`ClientStatsRefusal`]: the answer to a client stats request that stores nothing — the
//! ingest API's JSON `{"error", "reason"}` and status — with `Retry-After` when waiting
//! helps (429 past the rate limit or the per-request cap, 503 when a queue is full).

use axum::{
    http::{header::RETRY_AFTER, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use super::SOURCE;
use crate::ingest::{ApiError, RefusalReason};

/// A refused request, counted already (see [`super::ClientStatsApi::refuse`]).
#[derive(Debug)]
pub struct ClientStatsRefusal {
    pub error: ApiError,
    /// Seconds for `Retry-After`, when a 429 says how long to wait.
    pub retry_after: Option<u64>,
}

impl ClientStatsRefusal {
    /// Too many requests or stats: 429, retry after `seconds`.
    pub fn too_many(reason: RefusalReason, message: String, seconds: u64) -> ClientStatsRefusal {
        ClientStatsRefusal {
            error: ApiError {
                status: StatusCode::TOO_MANY_REQUESTS,
                source: SOURCE,
                reason,
                message,
            },
            retry_after: Some(seconds),
        }
    }
}

impl From<ApiError> for ClientStatsRefusal {
    fn from(error: ApiError) -> ClientStatsRefusal {
        ClientStatsRefusal {
            error,
            retry_after: None,
        }
    }
}

impl IntoResponse for ClientStatsRefusal {
    fn into_response(self) -> Response {
        let mut response = self.error.into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
