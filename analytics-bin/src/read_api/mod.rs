//! The read API in LiveKit Cloud's Analytics API shape, so that existing tooling (`lk
//! analytics`) reads a self-hosted deployment unchanged:
//! `GET /api/project/{project_id}/sessions` and `.../sessions/{session_id}`, answered by the
//! query sink (`openvidu.analytics.api.query_sink`), authorised by a LiveKit access token
//! with the `roomList` grant; and the richer API of livekit-analytics' own under `/v1/`
//! ([`v1`]), which the dashboard reads too.

mod access;
mod cloud_json;
mod handlers;
mod list_params;
mod refusal;
pub mod v1;

use std::{sync::Arc, time::Duration};

use analytics_core::{config::ApiConfig, Sink};
use axum::{
    middleware,
    routing::{get, MethodRouter},
    Router,
};

use crate::{auth::ApiKeys, dashboard::Dashboard, server::request_deadline};

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

/// The Cloud-compatible routes: path (axum's syntax, which is OpenAPI's) and handler.
fn cloud_routes() -> Vec<(&'static str, MethodRouter<ReadApi>)> {
    vec![
        (
            "/api/project/{project_id}/sessions",
            get(handlers::list_sessions),
        ),
        (
            "/api/project/{project_id}/sessions/{session_id}",
            get(handlers::session_detail),
        ),
    ]
}

/// The read API's routes (the Cloud-compatible ones and `/v1/`), each request within
/// `request_timeout` (over it: 408). `dashboard` lets a signed-in browser read `/v1/`.
pub fn router(api: ReadApi, dashboard: Arc<Dashboard>, request_timeout: Duration) -> Router {
    let cloud = cloud_routes()
        .into_iter()
        .fold(Router::new(), |router, (path, route)| {
            router.route(path, route)
        })
        .with_state(api.clone());
    cloud
        .merge(v1::router(api, dashboard))
        .layer(middleware::from_fn_with_state(
            request_timeout,
            request_deadline::within,
        ))
}
