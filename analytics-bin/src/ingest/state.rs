//! [`AppState`]: what every ingest handler shares (the pipeline and the API keys), and the
//! counting of refused requests.

use std::sync::Arc;

use analytics_core::{config::Role, Pipeline};

use crate::{auth::ApiKeys, ingest::api_error::ApiError};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pipeline: Arc<Pipeline>,
    pub keys: Arc<ApiKeys>,
    /// `openvidu.analytics.role`: a writer-only instance refuses records.
    pub role: Role,
}

impl AppState {
    /// Counts a refused request (`livekit_analytics_rejected_total`) and passes it on.
    /// A full queue is counted by the pipeline itself.
    pub fn refuse(&self, error: ApiError) -> ApiError {
        if !error.reason.counted_by_pipeline() {
            self.pipeline
                .metrics()
                .rejected(error.source, error.reason.as_str());
        }
        error
    }
}
