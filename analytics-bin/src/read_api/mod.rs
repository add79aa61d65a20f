//! The read API in LiveKit Cloud's Analytics API shape, so that existing tooling (`lk
//! analytics`) reads a self-hosted deployment unchanged:
//! `GET /api/project/{project_id}/sessions` and `.../sessions/{session_id}`, answered by the
//! query sink (`openvidu.analytics.api.query_sink`), authorised by a LiveKit access token
//! with the `roomList` grant.

mod access;
mod cloud_json;
mod handlers;
mod list_params;
mod refusal;

use std::{sync::Arc, time::Duration};

use analytics_core::{config::ApiConfig, Sink};
use axum::{middleware, routing::get, Router};

use crate::{auth::ApiKeys, server::request_deadline};

pub use refusal::ReadRefusal;

/// What the read API's handlers share.
#[derive(Clone)]
pub struct ReadApi {
    keys: Arc<ApiKeys>,
    project_id: String,
    /// The sink answering queries; `None` when no configured sink can (503).
    query_sink: Option<Arc<dyn Sink>>,
}

impl ReadApi {
    pub fn new(keys: Arc<ApiKeys>, api: &ApiConfig, query_sink: Option<Arc<dyn Sink>>) -> ReadApi {
        ReadApi {
            keys,
            project_id: api.project_id.clone(),
            query_sink,
        }
    }
}

/// The read API's routes, each request within `request_timeout` (over it: 408).
pub fn router(api: ReadApi, request_timeout: Duration) -> Router {
    Router::new()
        .route(
            "/api/project/{project_id}/sessions",
            get(handlers::list_sessions),
        )
        .route(
            "/api/project/{project_id}/sessions/{session_id}",
            get(handlers::session_detail),
        )
        .layer(middleware::from_fn_with_state(
            request_timeout,
            request_deadline::within,
        ))
        .with_state(api)
}
