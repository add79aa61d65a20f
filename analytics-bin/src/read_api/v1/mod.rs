//! The `/v1/` read API, livekit-analytics' own: sessions searched and cursor-paged, one
//! session in full, one participant, time series of a track or a participant, an overview
//! of a range, and its OpenAPI document. Read with a `roomList` token or the dashboard's
//! session cookie; the JSON shapes are the contract the dashboard's views read.

mod access;
mod cursor;
mod handlers;
mod json;
mod openapi;
mod refusal;
mod search_params;
mod series_params;
mod time_params;

use std::sync::Arc;

use axum::{
    extract::FromRef,
    routing::{get, MethodRouter},
    Router,
};

use super::ReadApi;
use crate::dashboard::Dashboard;

pub use refusal::V1Refusal;

/// What the `/v1/` handlers share: the query sink and token keys, and the dashboard's
/// sessions (a signed-in browser reads too).
#[derive(Clone)]
pub struct V1State {
    api: ReadApi,
    dashboard: Arc<Dashboard>,
}

impl FromRef<V1State> for Arc<Dashboard> {
    fn from_ref(state: &V1State) -> Arc<Dashboard> {
        state.dashboard.clone()
    }
}

/// Every `/v1/` read route: path (axum's syntax, which is OpenAPI's) and handler.
fn routes() -> Vec<(&'static str, MethodRouter<V1State>)> {
    vec![
        ("/v1/sessions", get(handlers::sessions)),
        ("/v1/sessions/{session_id}", get(handlers::session)),
        (
            "/v1/sessions/{session_id}/participants/{identity}",
            get(handlers::participant),
        ),
        (
            "/v1/sessions/{session_id}/tracks/{track_sid}/series",
            get(handlers::track_series),
        ),
        (
            "/v1/sessions/{session_id}/participants/{identity}/series",
            get(handlers::participant_series),
        ),
        ("/v1/overview", get(handlers::overview)),
        ("/v1/openapi.json", get(openapi::document)),
    ]
}

/// The `/v1/` routes over `api`, with `dashboard`'s sign-ins accepted.
pub fn router(api: ReadApi, dashboard: Arc<Dashboard>) -> Router {
    routes()
        .into_iter()
        .fold(Router::new(), |router, (path, route)| {
            router.route(path, route)
        })
        .with_state(V1State { api, dashboard })
}
