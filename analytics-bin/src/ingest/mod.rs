//! Ingest: turning what LiveKit sends into records admitted to the pipeline, the state its
//! handlers share and its refusals.

pub mod api_error;
pub mod grpc;
pub mod grpc_status;
pub mod json_api;
pub mod refusal_reason;
pub mod state;
pub mod webhook;
pub mod webhook_event;

use std::time::SystemTime;

use analytics_core::{record::RecordError, Admission, Record};
use livekit_protocol::{AnalyticsEvent, AnalyticsStat};

pub use self::{api_error::ApiError, refusal_reason::RefusalReason, state::AppState};

/// Converts events and stats into records and admits them into every sink's queue (or the
/// shared stream).
pub async fn admit(
    state: &AppState,
    source: &'static str,
    events: Vec<AnalyticsEvent>,
    stats: Vec<AnalyticsStat>,
) -> Result<usize, ApiError> {
    let now = SystemTime::now();
    let expiration = state.pipeline.expiration();
    let records = events
        .into_iter()
        .map(|event| Record::from_event(event, expiration, now))
        .chain(
            stats
                .into_iter()
                .map(|stat| Record::from_stat(stat, expiration, now)),
        )
        .collect::<Result<Vec<_>, RecordError>>()
        .map_err(|error| {
            ApiError::bad_request(source, RefusalReason::Unconvertible, error.to_string())
        })?;
    admit_records(state, source, records).await
}

/// Admits converted records into every sink's queue: their count, or the refusal of a full
/// queue or disk buffer (nothing of them kept), or of the shared stream (some may be kept,
/// to be stored once when re-sent).
pub async fn admit_records(
    state: &AppState,
    source: &'static str,
    records: Vec<Record>,
) -> Result<usize, ApiError> {
    if !state.role.ingests() {
        return Err(ApiError::writer_only(source));
    }
    let count = records.len();
    match state.pipeline.admit_async(records, source).await {
        Admission::Accepted => Ok(count),
        Admission::Full { sink } => Err(ApiError::queue_full(source, &sink)),
        Admission::DiskFull => Err(ApiError::disk_full(source)),
        Admission::DiskError => Err(ApiError::disk_buffer_error(source)),
        Admission::SharedLog(refusal) => Err(ApiError::shared_log(source, &refusal)),
    }
}
