//! The HTTP server: one listener for every endpoint (contract paths), the shared state,
//! and error answers.

mod error;
mod health;

use std::sync::Arc;

use analytics_core::Pipeline;
use axum::{
    extract::DefaultBodyLimit,
    routing::{get, post},
    Router,
};

pub use error::ApiError;

use crate::{auth::ApiKeys, ingest::webhook::receive_webhook};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pipeline: Arc<Pipeline>,
    pub keys: Arc<ApiKeys>,
}

impl AppState {
    /// Counts a refused request (`livekit_analytics_rejected_total`) and passes it on.
    /// A full queue is counted by the pipeline itself.
    pub fn refuse(&self, error: ApiError) -> ApiError {
        if error.reason != "queue_full" {
            self.pipeline.metrics().rejected(error.source, error.reason);
        }
        error
    }
}

/// Every endpoint, with the body size limit (over it: 413).
pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/webhook", post(receive_webhook))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state)
}
