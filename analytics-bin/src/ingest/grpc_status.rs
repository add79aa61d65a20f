//! The gRPC status of a refused request: 401 → UNAUTHENTICATED, 403 → PERMISSION_DENIED,
//! 400 → INVALID_ARGUMENT, 503 (full queue, full disk) → RESOURCE_EXHAUSTED,
//! 413 → RESOURCE_EXHAUSTED. The message says which: a full disk's says so (reason
//! `disk_full`).

use axum::http::StatusCode;
use tonic::{Code, Status};

use crate::ingest::ApiError;

/// The status LiveKit's gRPC client gets for `error`.
pub fn to_status(error: &ApiError) -> Status {
    let code = match error.status {
        StatusCode::UNAUTHORIZED => Code::Unauthenticated,
        StatusCode::FORBIDDEN => Code::PermissionDenied,
        StatusCode::BAD_REQUEST => Code::InvalidArgument,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::PAYLOAD_TOO_LARGE => Code::ResourceExhausted,
        _ => Code::Internal,
    };
    Status::new(code, error.message.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthError;

    #[test]
    fn refusals_map_to_their_grpc_codes() {
        assert_eq!(
            to_status(&ApiError::from_auth("grpc", AuthError::Missing)).code(),
            Code::Unauthenticated
        );
        assert_eq!(
            to_status(&ApiError::from_auth(
                "grpc",
                AuthError::MissingGrant(crate::auth::GrantError {
                    scope: crate::auth::IngestScope::ServerAnalytics,
                    token: crate::auth::TokenKind::Participant,
                })
            ))
            .code(),
            Code::PermissionDenied
        );
        assert_eq!(
            to_status(&ApiError::bad_request(
                "grpc",
                crate::ingest::RefusalReason::MalformedBody,
                "bad"
            ))
            .code(),
            Code::InvalidArgument
        );
        assert_eq!(
            to_status(&ApiError::queue_full("grpc", "sqlite")).code(),
            Code::ResourceExhausted
        );
    }

    #[test]
    fn a_full_disk_is_resource_exhausted_saying_the_disk_is_full() {
        let status = to_status(&ApiError::disk_full("grpc"));
        assert_eq!(status.code(), Code::ResourceExhausted);
        assert!(status.message().contains("disk"), "{}", status.message());
        assert!(status.message().contains("is full"), "{}", status.message());
        assert_eq!(ApiError::disk_full("grpc").reason.as_str(), "disk_full");
    }
}
