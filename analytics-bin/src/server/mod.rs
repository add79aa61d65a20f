//! The server: one listener for every endpoint (contract paths), HTTP and the gRPC
//! analytics stream side by side.

mod health;
pub mod listener;
pub(crate) mod request_deadline;

use std::{sync::Arc, time::Duration};

use axum::{
    extract::DefaultBodyLimit,
    middleware,
    routing::{get, post},
    Router,
};

use crate::{
    ingest::{
        grpc::AnalyticsRecorder,
        json_api::{receive_events, receive_stats},
        webhook::receive_webhook,
        AppState,
    },
    node_state::NodeRoomStates,
};

/// The path prefix of the gRPC analytics stream's methods.
const GRPC_SERVICE_PATHS: &str = "/livekit.AnalyticsRecorderService/{*method}";

/// Every endpoint, with the body size limit (over it: 413, or RESOURCE_EXHAUSTED for a
/// gRPC message) and a deadline for each plain HTTP request (over it: 408); node room
/// states are kept in a store of their own.
pub fn router(state: AppState, max_body_bytes: usize, request_timeout: Duration) -> Router {
    router_with_node_states(
        state,
        max_body_bytes,
        request_timeout,
        Arc::new(NodeRoomStates::default()),
    )
}

/// [`router`], keeping the node room states the gRPC stream reports in `node_states`.
pub fn router_with_node_states(
    state: AppState,
    max_body_bytes: usize,
    request_timeout: Duration,
    node_states: Arc<NodeRoomStates>,
) -> Router {
    let grpc = AnalyticsRecorder::server(state.clone(), node_states, max_body_bytes);
    Router::new()
        .route("/webhook", post(receive_webhook))
        .route("/v1/events", post(receive_events))
        .route("/v1/stats", post(receive_stats))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(middleware::from_fn_with_state(
            request_timeout,
            request_deadline::within,
        ))
        .with_state(state)
        .route_service(GRPC_SERVICE_PATHS, grpc)
}
