//! [`RefusalReason`]: why a request was refused, as the `reason` of the JSON answer and the
//! label of `livekit_analytics_rejected_total` (the wire strings are part of the contract).

use crate::auth::AuthError;

/// Why a request (or a stream's message) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalReason {
    MissingToken,
    MalformedToken,
    UnknownKey,
    InvalidToken,
    BodyHashMismatch,
    MalformedBody,
    MissingGrant,
    TokenExpired,
    /// Events or stats that cannot be turned into records.
    Unconvertible,
    MissingNodeId,
    /// A node-states stream reporting for another node than its first report named.
    ForeignNode,
    NodeStatesFull,
    /// An undecodable gRPC message.
    MalformedMessage,
    MessageTooLarge,
    /// A sink's queue (or the disk buffer's bound) is full; counted by the pipeline itself.
    QueueFull,
    /// The disk buffer's file system is full.
    DiskFull,
    /// The disk buffer cannot be written for another reason.
    DiskBufferError,
    /// The shared NATS stream (`buffer.nats`) is at its `max_bytes`; counted by the pipeline.
    SharedLogFull,
    /// The shared NATS stream cannot be reached or did not acknowledge; counted by the
    /// pipeline.
    SharedLogUnavailable,
    /// A writer-only instance (`role: writer`) accepts no records.
    WriterOnly,
    /// A body over `max_body_bytes`.
    BodyTooLarge,
    /// A participant posting client stats faster than its rate limit allows.
    RateLimited,
    /// More client stats in one request than `api.client_stats.max_stats_per_request`.
    TooManyStats,
    /// A browser request from a web origin not in `api.cors_origins`.
    ForeignOrigin,
    /// Client stats naming a participant sid the stored events give to another identity.
    ForeignParticipant,
    /// The query sink could not say whose a participant sid is.
    LookupFailed,
}

impl RefusalReason {
    /// The reason as it appears on the wire and in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::MissingToken => "missing_token",
            RefusalReason::MalformedToken => "malformed_token",
            RefusalReason::UnknownKey => "unknown_key",
            RefusalReason::InvalidToken => "invalid_token",
            RefusalReason::BodyHashMismatch => "body_hash_mismatch",
            RefusalReason::MalformedBody => "malformed_body",
            RefusalReason::MissingGrant => "missing_grant",
            RefusalReason::TokenExpired => "token_expired",
            RefusalReason::Unconvertible => "unconvertible",
            RefusalReason::MissingNodeId => "missing_node_id",
            RefusalReason::ForeignNode => "foreign_node",
            RefusalReason::NodeStatesFull => "node_states_full",
            RefusalReason::MalformedMessage => "malformed_message",
            RefusalReason::MessageTooLarge => "message_too_large",
            RefusalReason::QueueFull => "queue_full",
            RefusalReason::DiskFull => "disk_full",
            RefusalReason::DiskBufferError => "disk_buffer_error",
            RefusalReason::SharedLogFull => "shared_log_full",
            RefusalReason::SharedLogUnavailable => "shared_log_unavailable",
            RefusalReason::WriterOnly => "writer_only",
            RefusalReason::BodyTooLarge => "body_too_large",
            RefusalReason::RateLimited => "rate_limited",
            RefusalReason::TooManyStats => "too_many_stats",
            RefusalReason::ForeignOrigin => "foreign_origin",
            RefusalReason::ForeignParticipant => "foreign_participant",
            RefusalReason::LookupFailed => "lookup_failed",
        }
    }

    /// Whether the pipeline has counted the refusal already (a full queue and a refusing
    /// shared log are).
    pub fn counted_by_pipeline(self) -> bool {
        matches!(
            self,
            RefusalReason::QueueFull
                | RefusalReason::SharedLogFull
                | RefusalReason::SharedLogUnavailable
        )
    }

    /// Seconds a client should wait before retrying a 503 with this reason.
    pub fn retry_after(self) -> &'static str {
        match self {
            // Space comes back when an operator frees it or sinks catch up: not in a second.
            RefusalReason::DiskFull | RefusalReason::SharedLogFull => "5",
            _ => "1",
        }
    }
}

impl From<&AuthError> for RefusalReason {
    fn from(error: &AuthError) -> RefusalReason {
        match error {
            AuthError::Missing => RefusalReason::MissingToken,
            AuthError::Malformed => RefusalReason::MalformedToken,
            AuthError::UnknownKey(_) => RefusalReason::UnknownKey,
            AuthError::Invalid(_) => RefusalReason::InvalidToken,
            AuthError::BodyHashMismatch => RefusalReason::BodyHashMismatch,
            AuthError::MalformedBody(_) => RefusalReason::MalformedBody,
            AuthError::MissingGrant(_) => RefusalReason::MissingGrant,
            AuthError::ExpiredDuringStream { .. } => RefusalReason::TokenExpired,
        }
    }
}

impl std::fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
