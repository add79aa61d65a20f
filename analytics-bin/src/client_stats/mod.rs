//! Client-reported stats: `POST /v1/client/stats`, where a participant's browser posts the
//! WebRTC stats of its own tracks with the LiveKit access token it joined with (room and
//! identity come from the token, never from the body), stored as LiveKit `AnalyticsStat`s
//! marked `client_reported`; limited per participant and per request, open to the web
//! origins of `openvidu.analytics.api.cors_origins`. And `GET /client/livekit-analytics.js`,
//! the collector that posts them.

mod body;
mod conversion;
mod handler;
mod origin;
mod participant;
mod placement;
mod rate_limit;
mod refusal;
mod script;

use std::{sync::Arc, time::Duration};

use analytics_core::{config::ApiConfig, Sink};
use axum::{
    extract::DefaultBodyLimit,
    middleware,
    routing::{get, post},
    Router,
};

pub use participant::Participant;
pub use refusal::ClientStatsRefusal;
pub use script::SCRIPT;

use crate::{ingest::AppState, server::request_deadline};
use origin::AllowedOrigins;
use placement::Placement;
use rate_limit::ParticipantRateLimit;

/// The `source` label of what this endpoint stores or refuses.
pub const SOURCE: &str = "client";

/// Where browsers post their stats.
pub const PATH: &str = "/v1/client/stats";

/// Where the collector is served.
pub const SCRIPT_PATH: &str = "/client/livekit-analytics.js";

/// What the client stats handler needs.
pub struct ClientStatsApi {
    ingest: AppState,
    placement: Placement,
    limit: ParticipantRateLimit,
    max_stats_per_request: usize,
    origins: AllowedOrigins,
}

impl ClientStatsApi {
    /// The endpoint of `api`'s settings, admitting into `ingest`'s pipeline and checking
    /// participant sids against `query_sink` (none: not checked).
    pub fn new(
        ingest: AppState,
        api: &ApiConfig,
        query_sink: Option<Arc<dyn Sink>>,
    ) -> Arc<ClientStatsApi> {
        let limits = &api.client_stats;
        Arc::new(ClientStatsApi {
            ingest,
            placement: Placement::new(query_sink),
            limit: ParticipantRateLimit::new(limits.rate_per_second, limits.burst),
            max_stats_per_request: limits.max_stats_per_request,
            origins: AllowedOrigins::new(&api.cors_origins),
        })
    }

    /// Counts a refusal (`livekit_analytics_rejected_total{source="client"}` and
    /// `livekit_analytics_client_stats_refused_total{reason}`) and passes it on.
    fn refuse(&self, refusal: ClientStatsRefusal) -> ClientStatsRefusal {
        self.ingest
            .pipeline
            .metrics()
            .client_stats_refused(refusal.error.reason.as_str());
        ClientStatsRefusal {
            error: self.ingest.refuse(refusal.error),
            retry_after: refusal.retry_after,
        }
    }
}

/// `POST /v1/client/stats` (bodies up to `max_body_bytes`, each request within
/// `request_timeout`, CORS for the allowed origins, preflights included) and the collector
/// script.
pub fn router(
    api: Arc<ClientStatsApi>,
    max_body_bytes: usize,
    request_timeout: Duration,
) -> Router {
    let cors = api.origins.cors_layer();
    Router::new()
        .route(PATH, post(handler::receive))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(middleware::from_fn_with_state(
            request_timeout,
            request_deadline::within,
        ))
        .layer(cors)
        .with_state(api)
        .route(SCRIPT_PATH, get(script::serve))
}
