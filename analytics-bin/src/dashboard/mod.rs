//! The browser dashboard at `/`: embedded static files (a page shell in plain ES modules,
//! uPlot for charts), sign-in with an API key and secret of `keys:` giving a session cookie,
//! and the security headers of every dashboard response. The views read the API with the
//! session ([`SignedIn`]).

mod assets;
mod cookie;
mod credentials;
mod rate_limit;
mod security_headers;
mod sessions;
mod sign_in;

use std::{sync::Arc, time::Duration};

use analytics_core::{LivekitConfig, Metrics};
use axum::{
    extract::{DefaultBodyLimit, FromRef, FromRequestParts},
    http::{request::Parts, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};

pub use credentials::DashboardCredentials;
pub use security_headers::CONTENT_SECURITY_POLICY;
pub use sessions::{DashboardSession, DashboardSessions};

use crate::server::request_deadline;
use rate_limit::SignInLimit;

/// The largest body the dashboard accepts (a sign-in form).
const MAX_BODY_BYTES: usize = 16 * 1024;

/// What the dashboard's handlers share.
pub struct Dashboard {
    credentials: DashboardCredentials,
    sessions: DashboardSessions,
    limit: SignInLimit,
    secure_cookie: bool,
    metrics: Arc<Metrics>,
}

impl Dashboard {
    /// The dashboard of a configuration: its `keys:` sign in, its
    /// `openvidu.analytics.dashboard` sets the cookie and the failure limit.
    pub fn new(config: &LivekitConfig, metrics: Arc<Metrics>) -> Arc<Dashboard> {
        let settings = &config.openvidu.analytics.dashboard;
        Arc::new(Dashboard {
            credentials: DashboardCredentials::new(&config.keys),
            sessions: DashboardSessions::new(settings.session_lifetime),
            limit: SignInLimit::new(settings.sign_in_failures_per_minute),
            secure_cookie: settings.secure_cookie,
            metrics,
        })
    }
}

/// The dashboard's routes: `/`, `/assets/*`, `/dashboard/session`; each request within
/// `request_timeout`.
pub fn router(dashboard: Arc<Dashboard>, request_timeout: Duration) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{*path}", get(assets::file))
        .route(
            "/dashboard/session",
            get(sign_in::current)
                .post(sign_in::sign_in)
                .delete(sign_in::sign_out),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            request_timeout,
            request_deadline::within,
        ))
        .layer(middleware::map_response(
            security_headers::add_security_headers,
        ))
        .with_state(dashboard)
}

/// A request from a signed-in browser (its session cookie names an open session); others
/// get 401 with `{"error": "not signed in"}`.
#[derive(Debug, Clone)]
pub struct SignedIn(pub DashboardSession);

impl<S> FromRequestParts<S> for SignedIn
where
    Arc<Dashboard>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let dashboard = Arc::<Dashboard>::from_ref(state);
        cookie::session_token(&parts.headers)
            .and_then(|token| dashboard.sessions.get(token))
            .map(SignedIn)
            .ok_or_else(|| {
                (
                    StatusCode::UNAUTHORIZED,
                    Json(serde_json::json!({ "error": "not signed in" })),
                )
                    .into_response()
            })
    }
}
