//! [`AllowedOrigins`]: which web pages may post client stats — those of the origins in
//! `openvidu.analytics.api.cors_origins`, and pages the service itself serves (same origin).
//! The CORS layer answers preflights for them (no `Access-Control-Allow-Origin` for any
//! other, so the browser refuses), and a request carrying another `Origin` is refused
//! (403) before its token is even read. A request without `Origin` is not a browser page's
//! cross-origin call: its token alone decides.

use std::{sync::Arc, time::Duration};

use axum::http::{
    header::{AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN, RETRY_AFTER},
    HeaderMap, HeaderValue, Method, StatusCode,
};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::SOURCE;
use crate::ingest::{ApiError, RefusalReason};

/// How long a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// The configured origins.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins {
    origins: Arc<Vec<String>>,
}

impl AllowedOrigins {
    pub fn new(origins: &[String]) -> AllowedOrigins {
        AllowedOrigins {
            origins: Arc::new(origins.to_vec()),
        }
    }

    /// Whether a request with these headers and `Origin: origin` may post: a configured
    /// origin, or the service's own (the `Origin`'s host and port are the request's `Host`).
    pub fn allows(&self, origin: &HeaderValue, headers: &HeaderMap) -> bool {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        if self.origins.iter().any(|allowed| allowed == origin) {
            return true;
        }
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        let host = headers.get(HOST).and_then(|host| host.to_str().ok());
        matches!((authority, host), (Some(authority), Some(host)) if authority.eq_ignore_ascii_case(host))
    }

    /// Refuses (403, reason `foreign_origin`) a request whose `Origin` is not allowed.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(origin) = headers.get(ORIGIN) else {
            return Ok(());
        };
        if self.allows(origin, headers) {
            return Ok(());
        }
        Err(ApiError {
            status: StatusCode::FORBIDDEN,
            source: SOURCE,
            reason: RefusalReason::ForeignOrigin,
            message: format!(
                "pages of origin {:?} may not post client stats; add it to openvidu.analytics.api.cors_origins",
                String::from_utf8_lossy(origin.as_bytes())
            ),
        })
    }

    /// The CORS layer of the client stats route: preflights of `POST` with
    /// `Authorization` and `Content-Type` from an allowed origin are allowed, and a page may
    /// read an answer's `Retry-After`.
    pub fn cors_layer(&self) -> CorsLayer {
        let allowed = self.clone();
        CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(move |origin, parts| {
                allowed.allows(origin, &parts.headers)
            }))
            .allow_methods([Method::POST])
            .allow_headers([AUTHORIZATION, CONTENT_TYPE])
            .expose_headers([RETRY_AFTER])
            .max_age(PREFLIGHT_MAX_AGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: &str, host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN, HeaderValue::from_str(origin).expect("origin"));
        headers.insert(HOST, HeaderValue::from_str(host).expect("host"));
        headers
    }

    #[test]
    fn configured_and_same_origins_are_allowed_others_refused() {
        let allowed = AllowedOrigins::new(&["https://app.example.com".to_owned()]);
        assert!(allowed
            .check(&headers("https://app.example.com", "analytics:7890"))
            .is_ok());
        assert!(allowed
            .check(&headers("http://analytics:7890", "analytics:7890"))
            .is_ok());
        let error = allowed
            .check(&headers("https://evil.example.com", "analytics:7890"))
            .expect_err("refused");
        assert_eq!(error.status, StatusCode::FORBIDDEN);
        assert!(
            error.message.contains("evil.example.com"),
            "{}",
            error.message
        );
        assert!(allowed
            .check(&headers("https://app.example.com.evil", "analytics:7890"))
            .is_err());
    }

    #[test]
    fn a_request_without_origin_is_left_to_its_token() {
        assert!(AllowedOrigins::default().check(&HeaderMap::new()).is_ok());
    }
}
